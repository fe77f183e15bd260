// SPDX-License-Identifier: MIT
// The page view's state, all of it in the URL hash so a view reloads exactly:
//
//   #/site/KEY/page/ENCODED_PATH?device=…&type=…&…
//
//   device    desktop | tablet | mobile          (default desktop; always written)
//   type      click | move | scroll | attention | confetti | rage | dead | error | diff
//                                                (default click; always written)
//   zoom      fit | 100                          (default fit)
//   from, to  YYYY-MM-DD, whole UTC days         (default: all time)
//   norm      p99 | max                          (density types; default p99)
//   radius    1..200 CSS px                      (density types; default 25)
//   palette   classic | viridis                  (default classic)
//   by        new | source | browser | os | tag.KEY   (confetti; default new)
//   dot       s | m | l                          (confetti dot size; default m)
//   vs        device | dates                     (diff: what B differs in; default device)
//   vs.device desktop | tablet | mobile          (diff, vs=device: B's device)
//   vs.from, vs.to  YYYY-MM-DD                   (diff, vs=dates: B's days)
//   opacity   0..100                             (overlay opacity; default: the last one used)
//
// Values that do not parse fall back to their default, so a hand-edited or
// old link still opens.

export const DEVICES = [
  // width: the projection and preview width; viewport: a typical viewport
  // height, the least height a page is shown with (as a visitor would see it)
  { id: 'desktop', label: 'Desktop', width: 1440, viewport: 900, range: 'screens 1024 px wide and more' },
  { id: 'tablet', label: 'Tablet', width: 820, viewport: 1180, range: 'screens 768 to 1023 px wide' },
  { id: 'mobile', label: 'Mobile', width: 390, viewport: 844, range: 'screens narrower than 768 px' },
];
export const deviceById = (id) => DEVICES.find((d) => d.id === id) || null;

// kind: density (a kernel density PNG), bands (one band per 1 % of depth),
// confetti (one dot per click), diff (two sets, diverging)
export const TYPES = {
  click: { tab: 'click', kind: 'density', label: 'Clicks', noun: 'clicks', one: 'click' },
  move: { tab: 'move', kind: 'density', label: 'Moves', noun: 'pointer moves', one: 'pointer move' },
  scroll: { tab: 'scroll', kind: 'bands', label: 'Scroll reach' },
  attention: { tab: 'attention', kind: 'bands', label: 'Attention' },
  confetti: { tab: 'confetti', kind: 'confetti', label: 'Confetti', noun: 'clicks', one: 'click' },
  rage: { tab: 'frustration', kind: 'density', label: 'Rage clicks', noun: 'rage clicks', one: 'rage click',
    about: '3 or more quick clicks in one spot: something did not answer fast enough.' },
  dead: { tab: 'frustration', kind: 'density', label: 'Dead clicks', noun: 'dead clicks', one: 'dead click',
    about: 'Clicks on something that is not a link or a button and where nothing happened.' },
  error: { tab: 'frustration', kind: 'density', label: 'Error clicks', noun: 'error clicks', one: 'error click',
    about: 'Clicks followed within a second by a JavaScript error.' },
  diff: { tab: 'compare', kind: 'diff', label: 'Compare', noun: 'clicks', one: 'click' },
};
export const FRUSTRATION = ['rage', 'dead', 'error'];

export const TABS = [
  { id: 'click', label: 'Clicks', icon: 'click', type: 'click' },
  { id: 'move', label: 'Moves', icon: 'move', type: 'move' },
  { id: 'scroll', label: 'Scroll', icon: 'scroll', type: 'scroll' },
  { id: 'attention', label: 'Attention', icon: 'attention', type: 'attention' },
  { id: 'confetti', label: 'Confetti', icon: 'confetti', type: 'confetti' },
  { id: 'frustration', label: 'Frustration', icon: 'frustration', type: 'rage' },
  { id: 'compare', label: 'Compare', icon: 'compare', type: 'diff' },
];

export const BY = [
  { id: 'new', label: 'New or returning' },
  { id: 'source', label: 'Traffic source' },
  { id: 'browser', label: 'Browser' },
  { id: 'os', label: 'Operating system' },
  { id: 'tag.variant', label: 'Tag: variant' },
];

export const DEFAULT_RADIUS = 25;
// Confetti dot sizes: the API draws dots of radius/5 CSS px.
export const DOTS = {
  s: { label: 'S', radius: 25 },
  m: { label: 'M', radius: 50 },
  l: { label: 'L', radius: 100 },
};
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TAG_RE = /^tag\.[a-z0-9_]{1,32}$/;

export function validDate(v) {
  const m = DATE_RE.exec(v || '');
  if (!m) return false;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  return d.getUTCFullYear() === +m[1] && d.getUTCMonth() === +m[2] - 1 && d.getUTCDate() === +m[3];
}

// UTC day n days from today, as YYYY-MM-DD
export function utcDay(offset = 0) {
  const d = new Date();
  d.setUTCHours(12, 0, 0, 0);
  d.setUTCDate(d.getUTCDate() + offset);
  return d.toISOString().slice(0, 10);
}

export function dayShift(day, n) {
  const d = new Date(day + 'T12:00:00Z');
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

export const validBy = (v) => BY.some((b) => b.id === v) || TAG_RE.test(v || '');

export function parseState(query) {
  const get = (k) => query.get(k) || '';
  const device = deviceById(get('device')) ? get('device') : 'desktop';
  const type = Object.prototype.hasOwnProperty.call(TYPES, get('type')) ? get('type') : 'click';
  const radius = Number(get('radius'));
  const opacity = query.has('opacity') ? Number(get('opacity')) : NaN;
  let from = validDate(get('from')) ? get('from') : '';
  let to = validDate(get('to')) ? get('to') : '';
  if (from && to && from > to) [from, to] = [to, from];
  let vsFrom = validDate(get('vs.from')) ? get('vs.from') : '';
  let vsTo = validDate(get('vs.to')) ? get('vs.to') : '';
  if (vsFrom && vsTo && vsFrom > vsTo) [vsFrom, vsTo] = [vsTo, vsFrom];
  const vs = get('vs') === 'dates' ? 'dates' : 'device';
  let vsDevice = deviceById(get('vs.device')) ? get('vs.device') : '';
  if (!vsDevice || vsDevice === device) vsDevice = device === 'desktop' ? 'mobile' : 'desktop';
  return {
    device,
    type,
    zoom: get('zoom') === '100' ? '100' : 'fit',
    from,
    to,
    norm: get('norm') === 'max' ? 'max' : 'p99',
    radius: Number.isInteger(radius) && radius >= 1 && radius <= 200 ? radius : DEFAULT_RADIUS,
    palette: get('palette') === 'viridis' ? 'viridis' : 'classic',
    by: validBy(get('by')) ? get('by') : 'new',
    dot: Object.prototype.hasOwnProperty.call(DOTS, get('dot')) ? get('dot') : 'm',
    vs,
    vsDevice,
    vsFrom,
    vsTo,
    opacity: Number.isInteger(opacity) && opacity >= 0 && opacity <= 100 ? opacity : null,
  };
}

// The hash query of a state; defaults are left out (device and type stay,
// so a link says what it shows).
export function stateQuery(st) {
  const q = { device: st.device, type: st.type };
  if (st.zoom !== 'fit') q.zoom = st.zoom;
  if (st.from) q.from = st.from;
  if (st.to) q.to = st.to;
  if (st.norm !== 'p99') q.norm = st.norm;
  if (st.radius !== DEFAULT_RADIUS) q.radius = String(st.radius);
  if (st.palette !== 'classic') q.palette = st.palette;
  if (st.by !== 'new') q.by = st.by;
  if (st.dot !== 'm') q.dot = st.dot;
  if (st.type === 'diff') {
    q.vs = st.vs;
    if (st.vs === 'device') q['vs.device'] = st.vsDevice;
    else {
      if (st.vsFrom) q['vs.from'] = st.vsFrom;
      if (st.vsTo) q['vs.to'] = st.vsTo;
    }
  }
  if (st.opacity !== null) q.opacity = String(st.opacity);
  return q;
}

// What the API needs to draw a type under a state: the heatmap parameters
// (without format).
export function apiParams(st, key, page, type, width) {
  const p = { site: key, page, type, device: st.device, width, from: st.from, to: st.to };
  const kind = TYPES[type].kind;
  if (kind === 'density' || kind === 'diff') {
    p.norm = st.norm === 'p99' ? undefined : st.norm;
    p.radius = st.radius === DEFAULT_RADIUS ? undefined : st.radius;
  }
  if (kind !== 'confetti' && kind !== 'diff' && st.palette !== 'classic') p.palette = st.palette;
  if (type === 'confetti') {
    if (st.by !== 'new') p.by = st.by;
    p.radius = DOTS[st.dot].radius;
  }
  if (type === 'diff') {
    if (st.vs === 'device') p['vs.device'] = st.vsDevice;
    else {
      p['vs.from'] = st.vsFrom;
      p['vs.to'] = st.vsTo;
    }
  }
  return p;
}

// Human words for a date range.
export function rangeText(from, to) {
  if (!from && !to) return 'all time';
  if (from && to && from === to) return from;
  if (from && to) return `${from} to ${to}`;
  return from ? `since ${from}` : `until ${to}`;
}
