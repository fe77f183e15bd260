// SPDX-License-Identifier: MIT
// Hover on a stage of the page view: a small tooltip near the pointer with
// the heatmap's value there (the clicks in the grid cell under the pointer
// and their share, the reach or attention of that depth, the dots, both
// sets of a comparison) and the element under the pointer, named by the
// tracker's own code (selector.js), with its clicks from the element
// table.
// The tooltip never takes the pointer or the focus (pointer-events: none,
// not focusable, aria-hidden): the Elements table is the keyboard's way to
// the same numbers. Stored selectors only reach the tooltip as text.
import { h, fmt, fmtPct, fmtMs } from './dom.js';
import { selector } from './selector.js';

// The grid cell the hover asks the heatmap API for, and the square around
// the pointer whose cells it counts (CSS px): a square centred on the
// pointer, so the count does not jump at the edges of a coarse grid.
export const HOVER_CELL = 5;
export const HOVER_BOX = 20;

const n = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

// -------------------------------------------------------------------- values

// A heatmap JSON answer (docs/api.md, format=json) as a lookup: at(x, y)
// sums the cells whose centre lies in the HOVER_BOX square centred on
// (x, y). total: the events of the answer.
export function cellGrid(json) {
  const j = json || {};
  const cell = n(j.cell) || HOVER_CELL;
  const m = new Map();
  for (const c of Array.isArray(j.cells) ? j.cells : []) {
    if (Array.isArray(c)) m.set(`${Math.floor(n(c[0]) / cell)},${Math.floor(n(c[1]) / cell)}`, n(c[2]));
  }
  const half = HOVER_BOX / 2;
  return {
    cell,
    total: n(j.clicks),
    pageviews: n(j.pageviews),
    at(x, y) {
      // cell i's centre is (i + 0.5) * cell: keep x - half <= centre < x + half
      const i0 = Math.ceil((x - half) / cell - 0.5);
      const i1 = Math.ceil((x + half) / cell - 0.5) - 1;
      const j0 = Math.ceil((y - half) / cell - 0.5);
      const j1 = Math.ceil((y + half) / cell - 0.5) - 1;
      let c = 0;
      for (let i = i0; i <= i1; i++) for (let k = j0; k <= j1; k++) c += m.get(`${i},${k}`) || 0;
      return c;
    },
  };
}

// An element table (GET /api/v1/elements) as selector -> row.
export function elementTable(json) {
  const m = new Map();
  for (const e of Array.isArray(json && json.elements) ? json.elements : []) {
    if (e && typeof e.selector === 'string') m.set(e.selector, e);
  }
  return { rows: m, total: n(json && json.clicks) };
}

const plural = (c, one, many) => `${fmt(c)} ${c === 1 ? one : many}`;
const line = (cls, ...kids) => h('p', { className: `hover-line ${cls}` }, kids);

// The value of a density map (click, move, rage, dead, error) at (x, y).
export function densityValue(T, grid, x, y) {
  const c = grid.at(x, y);
  return [line('hover-value',
    h('strong', { className: 'hover-count', dataset: { count: String(c) }, text: plural(c, T.one, T.noun) }),
    ` in the ${HOVER_BOX} × ${HOVER_BOX} px around the pointer`),
  line('hover-sub', grid.total > 0 ? `${fmtPct(c / grid.total)} of all ${fmt(grid.total)}` : 'none on this page')];
}

// The depth band under y of a scroll or attention answer (0..100).
function depthAt(data, y) {
  const H = n(data.height) || n(data.doc_height);
  return H > 0 ? Math.max(0, Math.min(100, Math.floor((y / H) * 100))) : 0;
}

export function scrollValue(data, y) {
  const d = depthAt(data, y);
  const reach = Array.isArray(data.reach) ? n(data.reach[Math.min(d, data.reach.length - 1)]) : 0;
  const fold = n(data.average_fold && data.average_fold.px);
  return [line('hover-value', h('strong', { className: 'hover-count', text: fmtPct(reach) }), ' of page views reach this depth'),
    line('hover-sub', `${d}% down the page · ${y < fold ? 'above' : 'below'} the average fold`)];
}

export function attentionValue(data, y) {
  const i = Math.min(99, depthAt(data, y));
  const share = Array.isArray(data.attention_share) ? n(data.attention_share[i]) : 0;
  const ms = Array.isArray(data.attention_ms) ? n(data.attention_ms[i]) : 0;
  return [line('hover-value', h('strong', { className: 'hover-count', text: fmtPct(share, 2) }), ' of all attention'),
    line('hover-sub', `${i}–${i + 1}% down the page · ${fmtMs(ms)} on screen per page view`)];
}

// Confetti: the dots within r CSS px of (x, y), by category.
export function confettiValue(data, x, y, r) {
  const cats = Array.isArray(data.categories) ? data.categories : [];
  const by = new Map();
  let c = 0;
  for (const p of Array.isArray(data.points) ? data.points : []) {
    if (!Array.isArray(p) || Math.hypot(n(p[0]) - x, n(p[1]) - y) > r) continue;
    c++;
    const name = cats[n(p[2])] ? String(cats[n(p[2])].name) : '?';
    by.set(name, (by.get(name) || 0) + 1);
  }
  const parts = [...by].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k || '(none)'} ${fmt(v)}`);
  return [line('hover-value', h('strong', { className: 'hover-count', dataset: { count: String(c) }, text: plural(c, 'dot', 'dots') }), ' under the pointer'),
    c ? line('hover-sub', parts.join(' · ')) : null];
}

// A comparison: each set's clicks in the cell and per page view.
export function sidesValue(grids, x, y) {
  return grids.map(({ id, grid }) => {
    const c = grid.at(x, y);
    return line(`hover-side hover-side-${id}`,
      h('span', { className: `side-letter side-letter-${id}`, text: id.toUpperCase(), 'aria-hidden': 'true' }),
      h('strong', { className: 'hover-count', dataset: { count: String(c), side: id }, text: plural(c, 'click', 'clicks') }),
      ` · ${grid.pageviews > 0 ? (c / grid.pageviews).toFixed(3) : '–'} per page view`);
  });
}

// The element under the pointer and its clicks in each table
// ([{id, table}], id '' for a single set). An element nobody clicked
// names its nearest clicked ancestor (clicks on a button's label count
// for the label, not the button).
export function elementValue(el, tables) {
  const sel = selector(el);
  const kids = [line('hover-element', h('code', { className: 'hover-selector', text: sel, title: sel }))];
  let found = false;
  for (const { id, table } of tables) {
    if (!table) continue;
    const row = table.rows.get(sel);
    const who = id ? `${id.toUpperCase()}: ` : '';
    if (row) {
      found = true;
      const c = n(row.clicks);
      kids.push(line('hover-sub hover-element-clicks', h('strong', { dataset: { count: String(c), side: id }, text: `${who}${plural(c, 'click', 'clicks')}` }),
        ` on this element${table.total > 0 ? ` (${fmtPct(c / table.total)} of all)` : ''}`));
      continue;
    }
    let up = el.parentElement;
    for (let k = 0; up && up !== el.ownerDocument.body && k < 6; k++, up = up.parentElement) {
      const r = table.rows.get(selector(up));
      if (r) {
        found = true;
        kids.push(line('hover-sub hover-element-inside', `${who}inside `, h('code', { text: selector(up) }), `: ${plural(n(r.clicks), 'click', 'clicks')}`));
        break;
      }
    }
  }
  if (!found && tables.some((t) => t.table)) kids.push(line('hover-sub hover-element-none', 'No clicks recorded on this element'));
  return kids;
}

// What the pointer is over for one type on show. The finer data is asked
// for on the first hover only (most views are never hovered):
//   grid()    the type's heatmap JSON with cell = HOVER_CELL (density kinds)
//   sets()    [A, B] click JSON with cell = HOVER_CELL, both at A's width (diff)
//   tables()  [{id, json}] element tables ('' for one set, 'a' and 'b')
// changed() is called when data arrives, so a shown tooltip updates.
// Returns { value(x, y), element(el) } for stageHover.
export function hoverSource({ type, T, data, dotRadius, grid, sets, tables, changed }) {
  const got = { grid: null, grids: null, tables: [] };
  let asked = false;
  const ask = () => {
    if (asked) return;
    asked = true;
    const fail = () => {};
    if (T.kind === 'density') grid().then((j) => { got.grid = cellGrid(j); changed(); }, fail);
    if (T.kind === 'diff') {
      sets().then(([a, b]) => { got.grids = [{ id: 'a', grid: cellGrid(a) }, { id: 'b', grid: cellGrid(b) }]; changed(); }, fail);
    }
    tables().then((list) => { got.tables = list.map(({ id, json }) => ({ id, table: elementTable(json) })); changed(); }, fail);
  };
  const wait = () => [line('hover-value hover-loading', 'Counting…')];
  return {
    value(x, y) {
      ask();
      const d = data || {};
      if (T.kind === 'density') return got.grid ? densityValue(T, got.grid, x, y) : wait();
      if (type === 'scroll') return scrollValue(d, y);
      if (type === 'attention') return attentionValue(d, y);
      if (type === 'confetti') return confettiValue(d, x, y, dotRadius);
      if (T.kind === 'diff') return got.grids ? sidesValue(got.grids, x, y) : wait();
      return null;
    },
    element: (el) => elementValue(el, got.tables),
  };
}

// ------------------------------------------------------------------ binding

// Shows the tooltip over one stage. opts:
//   iframe, stage   the framed page and the (scaled) box it sits in
//   host            the element the tooltip goes into (not under a transform)
//   id              the tooltip's id
//   value(x, y)     nodes for the heatmap's value at document px (x, y), or
//                   null when there is nothing on show
//   element(el)     nodes for an element of the framed page
// Returns { hide(), destroy() }.
export function stageHover(opts) {
  const { iframe, stage, host } = opts;
  const tip = h('div', { className: 'hover-tip', id: opts.id, hidden: true, 'aria-hidden': 'true', dataset: { state: 'idle' } });
  host.appendChild(tip);
  // over a frame the dashboard cannot read, a clear layer takes the
  // pointer instead (nothing in such a frame can be used anyway)
  const catcher = h('div', { className: 'hover-catcher', hidden: true, 'aria-hidden': 'true' });
  stage.appendChild(catcher);
  let doc = null;
  let raf = 0;
  let last = null;
  const off = [];

  const readable = () => {
    try {
      const d = iframe.contentDocument;
      return d && d.documentElement && iframe.contentWindow.location.href !== 'about:blank' ? d : null;
    } catch (e) {
      return null;
    }
  };
  const scaleOf = () => {
    const w = iframe.offsetWidth;
    return w > 0 ? iframe.getBoundingClientRect().width / w : 1;
  };

  function hide() {
    last = null;
    if (raf) { cancelAnimationFrame(raf); raf = 0; }
    tip.hidden = true;
    tip.dataset.state = 'idle';
  }

  function draw() {
    raf = 0;
    if (!last) return;
    const { x, y, el } = last;
    const value = opts.value(x, y);
    if (!value) { hide(); return; }
    const kids = [...value];
    if (el) kids.push(...opts.element(el));
    else kids.push(h('p', { className: 'hover-line hover-element hover-sub hover-element-unknown', text: 'Element: the framed page cannot be read here (another origin, or not loaded)' }));
    tip.replaceChildren(...kids.filter(Boolean));
    tip.hidden = false;
    tip.dataset.state = 'shown';
    tip.dataset.x = x.toFixed(2);
    tip.dataset.y = y.toFixed(2);
    // near the pointer, inside the window
    const r = iframe.getBoundingClientRect();
    const s = scaleOf();
    const px = r.left + x * s;
    const py = r.top + y * s;
    const w = tip.offsetWidth;
    const hgt = tip.offsetHeight;
    let left = px + 16;
    let top = py + 18;
    if (left + w > window.innerWidth - 8) left = Math.max(8, px - w - 12);
    if (top + hgt > window.innerHeight - 8) top = Math.max(8, py - hgt - 12);
    tip.style.left = `${Math.round(left)}px`;
    tip.style.top = `${Math.round(top)}px`;
  }
  const schedule = (x, y, el) => {
    last = { x, y, el };
    if (!raf) raf = requestAnimationFrame(draw);
  };

  function listen(target, type, f) {
    target.addEventListener(type, f, { passive: true });
    off.push(() => target.removeEventListener(type, f));
  }

  function attach() {
    for (const f of off.splice(0)) f();
    hide();
    doc = readable();
    catcher.hidden = !!doc;
    if (doc) {
      const win = iframe.contentWindow;
      listen(doc, 'mousemove', (e) => {
        const el = e.target && e.target.nodeType === 1 ? e.target : doc.elementFromPoint(e.clientX, e.clientY);
        schedule(e.clientX + win.scrollX, e.clientY + win.scrollY, el);
      });
      listen(doc, 'mouseout', (e) => { if (!e.relatedTarget) hide(); });
    }
  }
  catcher.addEventListener('mousemove', (e) => {
    const r = iframe.getBoundingClientRect();
    const s = scaleOf();
    schedule((e.clientX - r.left) / s, (e.clientY - r.top) / s, null);
  });
  catcher.addEventListener('mouseleave', hide);
  iframe.addEventListener('mouseleave', hide);
  iframe.addEventListener('load', attach);
  attach();

  return {
    hide,
    // draws again at the last point (new data arrived)
    refresh() { if (last && !tip.hidden && !raf) raf = requestAnimationFrame(draw); },
    destroy() {
      hide();
      for (const f of off.splice(0)) f();
      iframe.removeEventListener('load', attach);
      iframe.removeEventListener('mouseleave', hide);
      tip.remove();
      catcher.remove();
    },
  };
}
