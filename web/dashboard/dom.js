// SPDX-License-Identifier: MIT
// DOM helpers shared by every view. Strings from the API only ever reach the
// DOM through textContent, text nodes or attribute values set here, never
// through innerHTML.

export const SVG_NS = 'http://www.w3.org/2000/svg';

const numberFormat = new Intl.NumberFormat();
export const fmt = (n) => (typeof n === 'number' && Number.isFinite(n) ? numberFormat.format(n) : '–');
const pctFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
// 0.375 -> "37.5%"; digits: most fraction digits
export const fmtPct = (share, digits = 1) => {
  if (typeof share !== 'number' || !Number.isFinite(share)) return '–';
  const f = digits === 1 ? pctFormat : new Intl.NumberFormat(undefined, { maximumFractionDigits: digits });
  return `${f.format(share * 100)}%`;
};
// milliseconds -> "1.2 s", "3 min 10 s"
export const fmtMs = (ms) => {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
};

// h('a', {className, text, href, dataset, style, on: {click}}, ...children)
// Children that are strings become text nodes. Attributes go through
// setAttribute (never "style" or "on*": the CSP forbids them and we use the
// CSSOM and addEventListener instead).
export function h(tag, props, ...kids) {
  const el = document.createElement(tag);
  if (props) {
    for (const [k, v] of Object.entries(props)) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'className') el.className = v;
      else if (k === 'text') el.textContent = String(v);
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else if (k === 'style') Object.assign(el.style, v);
      else if (k === 'on') for (const [type, f] of Object.entries(v)) el.addEventListener(type, f);
      else if (k === 'hidden') el.hidden = true;
      else if (k.startsWith('on')) throw new Error('no inline handlers');
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, kids);
  return el;
}

// s('circle', {cx: 1, ...}, ...children): the same for SVG elements.
export function s(tag, attrs, ...kids) {
  const el = document.createElementNS(SVG_NS, tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'text') el.textContent = String(v);
      else if (k === 'className') el.setAttribute('class', v);
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else if (k.startsWith('on')) throw new Error('no inline handlers');
      else el.setAttribute(k, String(v));
    }
  }
  append(el, kids);
  return el;
}

export function append(el, kids) {
  for (const kid of kids.flat(Infinity)) {
    if (kid === null || kid === undefined || kid === false) continue;
    el.appendChild(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

// A small icon from a list of SVG path strings (our own constants).
export function icon(paths, size = 16, cls = 'icon') {
  const svg = s('svg', { viewBox: '0 0 20 20', width: size, height: size, 'aria-hidden': 'true', focusable: 'false', class: cls });
  for (const d of paths) svg.appendChild(s('path', { d }));
  return svg;
}

export const ICONS = {
  desktop: ['M3 4.2h14v9H3z', 'M7.5 16.5h5M10 13.2v3.3'],
  tablet: ['M5 2.8h10v14.4H5z', 'M9 14.6h2'],
  mobile: ['M6.5 2.8h7v14.4h-7z', 'M9.2 14.8h1.6'],
  chevron: ['M8 5l5 5-5 5'],
  external: ['M11 4h5v5', 'M16 4l-7 7', 'M14 12v4H4V6h4'],
  alert: ['M10 3l8 14H2z', 'M10 8.5v3.5', 'M10 14.4v.2'],
  info: ['M10 2.8a7.2 7.2 0 1 1 0 14.4a7.2 7.2 0 1 1 0-14.4z', 'M10 9v5', 'M10 6.2v.2'],
  retry: ['M15.5 8.5A6 6 0 1 0 16 12', 'M16 4v4.5h-4.5'],
  copy: ['M7 7h9v9H7z', 'M4 13V4h9'],
  sort: ['M7 8l3-3 3 3', 'M7 12l3 3 3-3'],
  up: ['M6 12l4-4 4 4'],
  down: ['M6 8l4 4 4-4'],
  search: ['M8.5 3.5a5 5 0 1 1 0 10a5 5 0 1 1 0-10z', 'M12.2 12.2L16.5 16.5'],
  click: ['M7.5 2.5v2.2M2.5 7.5h2.2M3.9 3.9l1.5 1.5M11.1 3.9l-1.5 1.5', 'M8 8l8.5 3.2-3.6 1.4-1.4 3.6z'],
  move: ['M3 14c2.5-6 5-8 7-4s4.5 2 7-4', 'M14.5 6H17v2.5'],
  scroll: ['M6.5 2.8h7a1.7 1.7 0 0 1 1.7 1.7v11a1.7 1.7 0 0 1-1.7 1.7h-7a1.7 1.7 0 0 1-1.7-1.7v-11a1.7 1.7 0 0 1 1.7-1.7z', 'M4.8 10h10.4', 'M10 5.5v2M10 12.5v2'],
  attention: ['M2 10s3-5.5 8-5.5S18 10 18 10s-3 5.5-8 5.5S2 10 2 10z', 'M10 7.8a2.2 2.2 0 1 1 0 4.4a2.2 2.2 0 1 1 0-4.4z'],
  confetti: ['M4.5 5.5v.1M9 3.5v.1M14.5 5v.1M6 10.5v.1M11.5 9v.1M16 11v.1M4 15v.1M9.5 14.5v.1M14 16v.1'],
  frustration: ['M10 2.8a7.2 7.2 0 1 1 0 14.4a7.2 7.2 0 1 1 0-14.4z', 'M6.8 13.6c1.6-1.6 4.8-1.6 6.4 0', 'M6.5 7.5l2 1M13.5 7.5l-2 1'],
  compare: ['M3 6h11', 'M11 3l3 3-3 3', 'M17 14H6', 'M9 11l-3 3 3 3'],
  calendar: ['M4 5h12v11H4z', 'M4 8.5h12', 'M7 3v3M13 3v3'],
  close: ['M6 6l8 8M14 6l-8 8'],
  table: ['M3 4.5h14v11H3z', 'M3 8.2h14M3 11.9h14', 'M8 8.2v7.3'],
  filter: ['M3 4.5h14l-5.5 6.5v5l-3-1.6V11z'],
  plus: ['M10 4.5v11M4.5 10h11'],
  side: ['M3 4.5h6v11H3zM11 4.5h6v11h-6z'],
};

// 0.23412 -> "23.4%"; with an interval {rate, low, high}:
// "23.4% (21.8–24.9)", the interval in the same unit.
const pct1 = new Intl.NumberFormat(undefined, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
export const fmtRate = (r) => {
  if (!r || typeof r.rate !== 'number' || !Number.isFinite(r.rate)) return '–';
  const p = (v) => pct1.format(v * 100);
  if (typeof r.low !== 'number' || typeof r.high !== 'number') return `${p(r.rate)}%`;
  return `${p(r.rate)}% (${p(r.low)}–${p(r.high)})`;
};

// ms since the epoch -> the viewer's local date and time
const timeFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
export const fmtTime = (ms) => (typeof ms === 'number' && Number.isFinite(ms) ? timeFormat.format(new Date(ms)) : '–');

const announcer = document.getElementById('announcer');
export function announce(msg) {
  announcer.textContent = '';
  // a separate task so screen readers notice the change
  setTimeout(() => { announcer.textContent = msg; }, 30);
}
