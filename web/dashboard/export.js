// SPDX-License-Identifier: MIT
// Downloads made in the browser, without any library: CSV files of the
// dashboard's tables, and a PNG of what the page view shows (the framed
// page rasterised through an SVG <foreignObject>, the heatmap drawn over it
// at the chosen opacity, and a caption strip saying what it is).
//
// CSV (RFC 4180): UTF-8 without a byte-order mark, a header row, CRLF line
// ends; a field holding a comma, a double quote, CR or LF is quoted and its
// quotes doubled. Stored strings come from the internet, and a spreadsheet
// runs a cell that starts with = + - @ TAB or CR as a formula (CSV
// injection): such a string gets a leading apostrophe ('=HYPERLINK(…)
// shows as text). Numbers are written as plain numbers, never altered.
//
// This module has no import and touches the DOM only when called, so the
// CSV rules can be tested without a browser.

// The icon of the export buttons (dom.js icon() paths).
export const DOWNLOAD_ICON = ['M10 3.5v9', 'M6 8.5l4 4 4-4', 'M4 16.5h12'];

// ---------------------------------------------------------------------- CSV

const FORMULA_START = /^[=+\-@\t\r]/;

// One field: strings neutralised and quoted as needed, numbers as they are,
// booleans as true/false, null and undefined empty.
export function csvField(v) {
  if (v === null || v === undefined) return '';
  let s;
  if (typeof v === 'number') s = Number.isFinite(v) ? String(v) : '';
  else if (typeof v === 'boolean') s = v ? 'true' : 'false';
  else {
    s = String(v);
    if (FORMULA_START.test(s)) s = `'${s}`;
  }
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

// A whole file: header (column names) then rows (arrays of values).
export function toCsv(header, rows) {
  return [header, ...rows].map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

export const csvBlob = (header, rows) => new Blob([toCsv(header, rows)], { type: 'text/csv;charset=utf-8' });

// "calor-demo-demo-pricing.html-click-desktop.png": every part reduced to
// ASCII letters, digits, dot, dash and underscore, at most 60 characters.
export function fileName(parts, ext) {
  const clean = (p) => String(p === null || p === undefined ? '' : p).normalize('NFKD').replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\w.-]+/g, '-').replace(/-{2,}/g, '-').replace(/^[-.]+|[-.]+$/g, '').slice(0, 60).replace(/[-.]+$/, '');
  return ['calor', ...parts.map(clean).filter(Boolean)].join('-') + '.' + ext;
}

// Saves a blob as a download named filename.
export function download(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.hidden = true;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

// ------------------------------------------------------------ PNG metadata

let crcTable = null;
function crc32(buf) {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let i = 0; i < 256; i++) {
      let c = i;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[i] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = crcTable[(c ^ buf[i]) & 255] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// The PNG with iTXt chunks (UTF-8 text: Title, Description, Software)
// after its header, so the file says what it shows to any image viewer.
export async function pngWithText(blob, entries) {
  const png = new Uint8Array(await blob.arrayBuffer());
  const enc = new TextEncoder();
  const chunks = [];
  for (const [key, text] of entries) {
    const k = enc.encode(key.slice(0, 79));
    const t = enc.encode(String(text));
    // keyword, NUL, compression flag and method, language NUL, translated keyword NUL, text
    const data = new Uint8Array(k.length + 5 + t.length);
    data.set(k, 0);
    data.set(t, k.length + 5);
    const chunk = new Uint8Array(12 + data.length);
    const dv = new DataView(chunk.buffer);
    dv.setUint32(0, data.length);
    chunk.set(enc.encode('iTXt'), 4);
    chunk.set(data, 8);
    dv.setUint32(8 + data.length, crc32(chunk.subarray(4, 8 + data.length)));
    chunks.push(chunk);
  }
  const IHDR_END = 8 + 12 + 13; // signature, then the 13-byte header chunk
  return new Blob([png.subarray(0, IHDR_END), ...chunks, png.subarray(IHDR_END)], { type: 'image/png' });
}

// ------------------------------------------------------- the page as pixels

const MAX_RESOURCE = 4 << 20; // one image or font inlined
const MAX_INLINED = 32 << 20; // all of them
const RASTER_TIMEOUT = 20000;

// A same-origin resource as a data: URL, or null (another origin, too big,
// missing). The dashboard's CSP lets it fetch from its own origin only.
async function dataUrl(href, budget) {
  let u;
  try { u = new URL(href); } catch (e) { return null; }
  if (u.protocol === 'data:') return href;
  if (u.origin !== location.origin) return null;
  if (!budget.cache.has(u.href)) {
    budget.cache.set(u.href, (async () => {
      try {
        const res = await fetch(u.href, { credentials: 'same-origin', cache: 'force-cache' });
        if (!res.ok) return null;
        const blob = await res.blob();
        if (blob.size > MAX_RESOURCE || blob.size > budget.left) return null;
        budget.left -= blob.size;
        return await new Promise((resolve) => {
          const r = new FileReader();
          r.onload = () => resolve(typeof r.result === 'string' ? r.result : null);
          r.onerror = () => resolve(null);
          r.readAsDataURL(blob);
        });
      } catch (e) {
        return null;
      }
    })());
  }
  return budget.cache.get(u.href);
}

const URL_RE = /url\(\s*(['"]?)([^'")]+?)\1\s*\)/g;

// CSS text with every url(…) it can fetch inlined as a data: URL.
async function inlineCss(css, base, budget) {
  const found = new Map();
  for (const m of css.matchAll(URL_RE)) {
    const raw = m[2];
    if (raw.startsWith('data:') || raw.startsWith('#') || found.has(raw)) continue;
    let abs;
    try { abs = new URL(raw, base).href; } catch (e) { continue; }
    found.set(raw, dataUrl(abs, budget));
  }
  const done = new Map();
  for (const [raw, p] of found) done.set(raw, await p);
  return css.replace(URL_RE, (all, q, raw) => (done.get(raw) ? `url("${done.get(raw)}")` : all));
}

// The text of every style sheet the document uses, in order, @import
// rules replaced by the sheets they import. Sheets of another origin
// cannot be read and are left out.
function sheetTexts(doc) {
  const out = [];
  const walk = (sheet, depth) => {
    let rules;
    try { rules = sheet.cssRules; } catch (e) { return; }
    if (!rules) return;
    const base = sheet.href || doc.baseURI;
    let text = '';
    for (const r of rules) {
      if (r.constructor && r.constructor.name === 'CSSImportRule') {
        if (r.styleSheet && depth < 4) walk(r.styleSheet, depth + 1);
      } else text += r.cssText + '\n';
    }
    const media = sheet.media && sheet.media.mediaText;
    out.push({ text: media && media !== 'all' ? `@media ${media} {\n${text}}\n` : text, base });
  };
  for (const sheet of doc.styleSheets) if (!sheet.disabled) walk(sheet, 0);
  for (const sheet of doc.adoptedStyleSheets || []) walk(sheet, 0);
  return out;
}

const XML_NAME = /^[A-Za-z_][\w.-]*(:[A-Za-z_][\w.-]*)?$/;
const DROP = new Set(['script', 'noscript', 'style', 'link', 'base', 'template']);

// A copy of the document's <html> ready to be serialised as XHTML: scripts
// and style elements out (their rules come back as one <style>), form
// state as attributes (never typed values), images as data: URLs,
// attributes XML cannot hold dropped.
async function cloneForSvg(doc, budget) {
  const root = doc.documentElement.cloneNode(true);
  const a = doc.createTreeWalker(doc.documentElement, 1);
  const b = doc.createTreeWalker(root, 1);
  const pairs = [];
  for (let x = a.currentNode, y = b.currentNode; x && y; x = a.nextNode(), y = b.nextNode()) pairs.push([x, y]);
  const drop = [];
  const waits = [];
  for (const [x, y] of pairs) {
    const tag = x.localName;
    if (DROP.has(tag) || (tag === 'source' && x.parentElement && x.parentElement.localName === 'picture')) { drop.push(y); continue; }
    for (const at of [...y.attributes]) {
      if (!XML_NAME.test(at.name) || /^on/i.test(at.name)) y.removeAttribute(at.name);
    }
    if (tag === 'input' && (x.type === 'checkbox' || x.type === 'radio')) {
      if (x.checked) y.setAttribute('checked', ''); else y.removeAttribute('checked');
    } else if (tag === 'option') {
      if (x.selected) y.setAttribute('selected', ''); else y.removeAttribute('selected');
    } else if (tag === 'img') {
      y.removeAttribute('srcset');
      y.removeAttribute('sizes');
      y.removeAttribute('loading');
      const src = x.currentSrc || x.src;
      if (src) waits.push(dataUrl(src, budget).then((d) => { if (d) y.setAttribute('src', d); else y.removeAttribute('src'); }));
    } else if (tag === 'iframe' || tag === 'video' || tag === 'audio' || tag === 'object' || tag === 'embed') {
      y.removeAttribute('src');
      y.removeAttribute('data');
    } else if (tag === 'canvas') {
      try {
        const img = doc.createElement('img');
        img.setAttribute('src', x.toDataURL());
        for (const k of ['class', 'id', 'style', 'width', 'height']) if (y.hasAttribute(k)) img.setAttribute(k, y.getAttribute(k));
        y.replaceWith(img);
      } catch (e) { /* a tainted canvas stays blank */ }
    }
    const style = y.getAttribute('style');
    if (style && style.includes('url(')) waits.push(inlineCss(style, doc.baseURI, budget).then((s) => y.setAttribute('style', s)));
  }
  await Promise.all(waits);
  for (const y of drop) y.remove();
  let css = '';
  for (const s of sheetTexts(doc)) css += await inlineCss(s.text, s.base, budget);
  const style = doc.createElement('style');
  style.textContent = css;
  let head = root.querySelector('head');
  if (!head) { head = doc.createElement('head'); root.prepend(head); }
  head.appendChild(style);
  return root;
}

const loadImage = (src) => new Promise((resolve, reject) => {
  const img = new Image();
  img.onload = () => resolve(img);
  img.onerror = () => reject(new Error('the page could not be drawn as an image'));
  img.src = src;
});

function withTimeout(p, ms, what) {
  let t;
  return Promise.race([p, new Promise((resolve, reject) => { t = setTimeout(() => reject(new Error(what)), ms); })])
    .finally(() => clearTimeout(t));
}

// The framed page drawn into a width x height canvas, or an Error saying
// why it cannot be (another origin, not loaded, the browser refused).
// Same-origin pages only: their DOM is serialised with its style sheets
// inlined into an SVG <foreignObject> and drawn as an image from a data:
// URL, which leaves the canvas readable in Chromium.
export async function rasterizeFrame(iframe, width, height) {
  let doc;
  try {
    doc = iframe.contentDocument;
    if (!doc || !doc.documentElement || iframe.contentWindow.location.href === 'about:blank') throw new Error('x');
  } catch (e) {
    throw new Error('the framed page cannot be read from the dashboard (another origin, or not loaded)');
  }
  const budget = { left: MAX_INLINED, cache: new Map() };
  const work = (async () => {
    const root = await cloneForSvg(doc, budget);
    const xhtml = new XMLSerializer().serializeToString(root);
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
      `<foreignObject x="0" y="0" width="${width}" height="${height}">${xhtml}</foreignObject></svg>`;
    // a data: URL, not a blob: one, which Chromium treats as another
    // origin for an SVG with a <foreignObject> (the canvas is tainted)
    const img = await loadImage(`data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`);
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    const ctx = canvas.getContext('2d');
    // the page's own background, as a browser paints it under <html>
    const win = iframe.contentWindow;
    const bgOf = (el) => (el ? win.getComputedStyle(el).backgroundColor : '');
    const clearBg = (c) => !c || c === 'transparent' || /^rgba\(.*,\s*0\)$/.test(c);
    const bg = [bgOf(doc.documentElement), bgOf(doc.body)].find((c) => !clearBg(c));
    ctx.fillStyle = bg || 'white';
    ctx.fillRect(0, 0, width, height);
    ctx.drawImage(img, 0, 0, width, height);
    ctx.getImageData(0, 0, 1, 1); // throws when the browser tainted the canvas
    return canvas;
  })();
  try {
    return await withTimeout(work, RASTER_TIMEOUT, 'drawing the page took too long');
  } catch (e) {
    if (e && e.name === 'SecurityError') throw new Error('the browser does not allow reading the drawn page');
    throw e;
  }
}

// ------------------------------------------------------------- composition

const CAPTION_PAD = 12;
const COLUMN_GAP = 16;
const LABEL_H = 32; // the strip naming each column, side by side
const LEGEND_H = 26;
const MAX_EXPORT_HEIGHT = 30000; // CSS px of page; taller pages are cut

function themeColour(name, fallback) {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

// Lines of text wrapped to maxWidth with the context's current font.
function wrap(ctx, text, maxWidth) {
  const words = String(text).split(' ');
  const out = [];
  let cur = '';
  for (const w of words) {
    const next = cur ? `${cur} ${w}` : w;
    if (ctx.measureText(next).width <= maxWidth || !cur) cur = next;
    else { out.push(cur); cur = w; }
  }
  if (cur) out.push(cur);
  // a single word wider than the line is cut with an ellipsis
  return out.map((l) => {
    if (ctx.measureText(l).width <= maxWidth) return l;
    let s = l;
    while (s.length > 1 && ctx.measureText(s + '…').width > maxWidth) s = s.slice(0, -1);
    return s + '…';
  });
}

// One PNG of what is on show. columns: [{ iframe, overlay (a decoded
// <img> of the heatmap, or null), width, height (CSS px of the stage),
// heatWidth, heatHeight, opacity (0..1), badge ('A', 'B' or ''), label,
// colour (of the badge) }]; caption: { title, lines: [text], legend:
// { stops: [CSS colour], left, right } or null }. Page px map 1:1 to image
// px (below the label strip when there is one). Returns { blob, pageShown,
// notes }.
export async function exportPng({ columns, caption, meta }) {
  const notes = [];
  const parts = [];
  let pageShown = true;
  for (const c of columns) {
    const height = Math.min(MAX_EXPORT_HEIGHT, Math.max(1, Math.round(c.height)));
    if (height < c.height) notes.push(`Cut at ${MAX_EXPORT_HEIGHT.toLocaleString('en-US')} px of ${Math.round(c.height).toLocaleString('en-US')}.`);
    let page = null;
    try {
      page = await rasterizeFrame(c.iframe, c.width, height);
    } catch (e) {
      pageShown = false;
      const why = `Page not shown: ${e && e.message ? e.message : 'it could not be drawn'}; the heatmap is on a plain background.`;
      if (!notes.includes(why)) notes.push(why);
    }
    parts.push({ ...c, height, page });
  }
  const W = parts.reduce((a, p) => a + p.width, 0) + COLUMN_GAP * (parts.length - 1);
  const top = parts.some((p) => p.badge) ? LABEL_H : 0;
  const pageH = top + Math.max(...parts.map((p) => p.height));
  const legend = caption.legend && Array.isArray(caption.legend.stops) && caption.legend.stops.length > 1 ? caption.legend : null;

  // the caption's height depends on how its lines wrap
  const measure = document.createElement('canvas').getContext('2d');
  const font = getComputedStyle(document.body).fontFamily || 'sans-serif';
  const titleFont = `600 14px ${font}`;
  const textFont = `12px ${font}`;
  measure.font = titleFont;
  const titleLines = wrap(measure, caption.title, W - 2 * CAPTION_PAD);
  measure.font = textFont;
  const textLines = [...caption.lines, ...notes].flatMap((l) => wrap(measure, l, W - 2 * CAPTION_PAD));
  const capH = CAPTION_PAD * 2 + titleLines.length * 19 + textLines.length * 17 + (legend ? LEGEND_H : 0);

  const canvas = document.createElement('canvas');
  canvas.width = W;
  canvas.height = pageH + capH;
  const ctx = canvas.getContext('2d');
  const surface = themeColour('--surface', 'white');
  const neutral = themeColour('--canvas-bg', 'lightgray');
  ctx.fillStyle = neutral;
  ctx.fillRect(0, 0, W, pageH);
  let x0 = 0;
  for (const p of parts) {
    if (p.page) ctx.drawImage(p.page, x0, top);
    if (p.overlay && p.opacity > 0) {
      ctx.save();
      ctx.beginPath();
      ctx.rect(x0, top, p.width, p.height);
      ctx.clip();
      ctx.globalAlpha = Math.min(1, p.opacity);
      ctx.imageSmoothingEnabled = true;
      ctx.imageSmoothingQuality = 'high';
      ctx.drawImage(p.overlay, x0, top, p.heatWidth, p.heatHeight);
      ctx.restore();
    }
    if (top) {
      // the column's letter and what it shows, above its page
      ctx.fillStyle = surface;
      ctx.fillRect(x0, 0, p.width, LABEL_H);
      ctx.save();
      ctx.beginPath();
      ctx.rect(x0, 0, p.width, LABEL_H);
      ctx.clip();
      ctx.textBaseline = 'middle';
      let x = x0 + 8;
      if (p.badge) {
        ctx.fillStyle = p.colour || themeColour('--text', 'black');
        ctx.fillRect(x, 6, 20, 20);
        ctx.fillStyle = themeColour('--on-solid', 'white');
        ctx.font = `700 12px ${font}`;
        ctx.textAlign = 'center';
        ctx.fillText(p.badge, x + 10, 16.5);
        ctx.textAlign = 'start';
        x += 28;
      }
      ctx.fillStyle = themeColour('--text', 'black');
      ctx.font = `600 13px ${font}`;
      const [label] = wrap(ctx, (p.label || '').replace(/ /g, '\u00a0'), x0 + p.width - 8 - x);
      ctx.fillText(label || '', x, 16.5);
      ctx.restore();
    }
    x0 += p.width + COLUMN_GAP;
  }

  // the caption strip
  ctx.fillStyle = surface;
  ctx.fillRect(0, pageH, W, capH);
  ctx.fillStyle = themeColour('--border', 'gray');
  ctx.fillRect(0, pageH, W, 1);
  ctx.textBaseline = 'top';
  let y = pageH + CAPTION_PAD;
  ctx.font = titleFont;
  ctx.fillStyle = themeColour('--text', 'black');
  for (const l of titleLines) { ctx.fillText(l, CAPTION_PAD, y); y += 19; }
  ctx.font = textFont;
  ctx.fillStyle = themeColour('--muted', 'gray');
  for (const l of textLines) { ctx.fillText(l, CAPTION_PAD, y); y += 17; }
  if (legend) {
    // the colour scale: left label, the bar, right label
    y += 6;
    ctx.textBaseline = 'middle';
    const left = String(legend.left || '');
    const lw = ctx.measureText(left).width;
    ctx.fillText(left, CAPTION_PAD, y + 6);
    const bx = CAPTION_PAD + lw + 8;
    const bw = Math.max(60, Math.min(200, W - bx - CAPTION_PAD - ctx.measureText(String(legend.right || '')).width - 8));
    const grad = ctx.createLinearGradient(bx, 0, bx + bw, 0);
    legend.stops.forEach((c, i) => grad.addColorStop(i / (legend.stops.length - 1), c));
    ctx.fillStyle = grad;
    ctx.fillRect(bx, y + 1, bw, 10);
    ctx.fillStyle = themeColour('--muted', 'gray');
    ctx.fillText(String(legend.right || ''), bx + bw + 8, y + 6);
  }

  const raw = await new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('the image could not be encoded'))), 'image/png'));
  // where each column's page is in the image, for tools (and the tests)
  let x = 0;
  const layout = parts.map((p) => {
    const box = { x, y: top, width: p.width, height: p.height, page: !!p.page };
    x += p.width + COLUMN_GAP;
    return box;
  });
  const blob = await pngWithText(raw, [
    ['Title', caption.title],
    ['Description', [...caption.lines, ...notes, ...(legend ? [`Colour scale: ${legend.left} to ${legend.right}`] : [])].join('\n')],
    ['Software', 'calor'],
    ['calor:layout', JSON.stringify(layout)],
    ...(meta || []),
  ]);
  return { blob, pageShown, notes };
}
