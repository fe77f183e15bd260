// SPDX-License-Identifier: MIT
// The page view's state, all of it in the URL hash so a view reloads exactly:
//
//   #/site/KEY/page/ENCODED_PATH?device=…&type=…&…
//
//   device    desktop | tablet | mobile          (default desktop; always written)
//   type      click | move | scroll | attention | confetti | elements | rage | dead | error | diff
//                                                (default click; always written)
//   zoom      fit | 100                          (default fit)
//   from, to  YYYY-MM-DD, whole UTC days         (default: all time)
//   norm      p99 | max                          (density types; default p99)
//   radius    1..200 CSS px                      (density types; default 25)
//   palette   classic | viridis                  (default classic)
//   by        new | source | browser | os | tag.KEY   (confetti; default new)
//   dot       s | m | l                          (confetti dot size; default m)
//   vs        device | dates | custom            (diff: what B differs in; default device)
//   vs.device desktop | tablet | mobile          (diff, vs=device or custom: B's device)
//   vs.from, vs.to  YYYY-MM-DD                   (diff, vs=dates or custom: B's days)
//   vs.NAME   any segment filter below           (diff, vs=custom: B's value of it)
//   cmp       diff | side                        (diff: one difference map, or both sides)
//   opacity   0..100                             (overlay opacity; default: the last one used)
//   esort     clicks | rage | dead | error       (elements: the order; default clicks)
//   escope    device | all                       (elements: this device or every device)
//   conv      goal name                          (elements: the conversion goal; default the
//                                                 goal most sessions reached)
//   fscope    page | site                        (frustration report: this page or every page)
//
// The segment: the API's own filter names and values (docs/api.md,
// "Filters"), sent with every request the page makes:
//   vw (MIN-MAX, MIN-, -MAX), browser, os, source, referrer, utm_source,
//   utm_medium, utm_campaign, visitor, tag.KEY (up to 4), goal, nogoal
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
  elements: { tab: 'elements', kind: 'density', api: 'click', label: 'Elements', noun: 'clicks', one: 'click' },
  diff: { tab: 'compare', kind: 'diff', label: 'Compare', noun: 'clicks', one: 'click' },
};
export const FRUSTRATION = ['rage', 'dead', 'error'];

export const TABS = [
  { id: 'click', label: 'Clicks', icon: 'click', type: 'click' },
  { id: 'move', label: 'Moves', icon: 'move', type: 'move' },
  { id: 'scroll', label: 'Scroll', icon: 'scroll', type: 'scroll' },
  { id: 'attention', label: 'Attention', icon: 'attention', type: 'attention' },
  { id: 'confetti', label: 'Confetti', icon: 'confetti', type: 'confetti' },
  { id: 'elements', label: 'Elements', icon: 'table', type: 'elements' },
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

// The segment filters, in the order the bar shows them. kind: enum (values
// [id, label]), band (a viewport width band), text, host, tag, goal.
export const FILTERS = [
  { id: 'vw', label: 'Screen width', kind: 'band' },
  { id: 'browser', label: 'Browser', kind: 'enum', values: [['chrome', 'Chrome'], ['edge', 'Edge'], ['firefox', 'Firefox'],
    ['safari', 'Safari'], ['opera', 'Opera'], ['samsung', 'Samsung Internet'], ['other', 'Other browser']] },
  { id: 'os', label: 'Operating system', kind: 'enum', values: [['windows', 'Windows'], ['macos', 'macOS'], ['ios', 'iOS'],
    ['android', 'Android'], ['linux', 'Linux'], ['chromeos', 'ChromeOS'], ['other', 'Other system']] },
  { id: 'source', label: 'Traffic source', kind: 'enum', values: [['direct', 'Direct'], ['search', 'Search engines'],
    ['social', 'Social networks'], ['campaign', 'Campaigns (UTM)'], ['referral', 'Other sites']] },
  { id: 'visitor', label: 'Visitor', kind: 'enum', values: [['new', 'New visitors'], ['returning', 'Returning visitors']] },
  { id: 'tag', label: 'Tag', kind: 'tag' },
  { id: 'goal', label: 'Reached goal', kind: 'goal' },
  { id: 'nogoal', label: 'Did not reach goal', kind: 'goal' },
  { id: 'referrer', label: 'Referrer', kind: 'host' },
  { id: 'utm_source', label: 'UTM source', kind: 'text' },
  { id: 'utm_medium', label: 'UTM medium', kind: 'text' },
  { id: 'utm_campaign', label: 'UTM campaign', kind: 'text' },
];
export const MAX_TAGS = 4;
const filterDef = (name) => FILTERS.find((f) => f.id === (name.startsWith('tag.') ? 'tag' : name)) || null;
const BAND_RE = /^(\d{1,5})?-(\d{1,5})?$/;
const HOST_RE = /^[A-Za-z0-9.-]{1,253}$/;
const GOAL_RE = /^[a-z0-9_-]{1,64}$/;
export const TAG_KEY_RE = /^[a-z0-9_]{1,32}$/;
// eslint-disable-next-line no-control-regex
const CONTROL_RE = /[\u0000-\u001f\u007f]/;
const textOk = (v, max) => typeof v === 'string' && v.length > 0 && new TextEncoder().encode(v).length <= max && !CONTROL_RE.test(v);

// A band "MIN-MAX" as {min, max} (either may be null), or null.
export function parseBand(v) {
  const m = BAND_RE.exec(v || '');
  if (!m || (m[1] === undefined && m[2] === undefined)) return null;
  const min = m[1] === undefined ? null : Number(m[1]);
  const max = m[2] === undefined ? null : Number(m[2]);
  if ((min !== null && (min < 1 || min > 16384)) || (max !== null && (max < 1 || max > 16384))) return null;
  if (min !== null && max !== null && min > max) return null;
  return { min, max };
}

// Is value a valid value of the filter name (tag.KEY for tags)?
export function validFilter(name, value) {
  const def = filterDef(name);
  if (!def || typeof value !== 'string') return false;
  switch (def.kind) {
    case 'enum': return def.values.some(([id]) => id === value);
    case 'band': return parseBand(value) !== null;
    case 'host': return HOST_RE.test(value);
    case 'goal': return GOAL_RE.test(value);
    case 'tag': return TAG_KEY_RE.test(name.slice(4)) && textOk(value, 64);
    default: return textOk(value, 128);
  }
}

// Human words for one filter: "Browser: Firefox", "Tag variant = B".
export function filterText(name, value) {
  const def = filterDef(name);
  if (!def) return `${name} = ${value}`;
  if (def.kind === 'enum') {
    const v = def.values.find(([id]) => id === value);
    return `${def.label}: ${v ? v[1] : value}`;
  }
  if (def.kind === 'band') {
    const b = parseBand(value);
    if (!b) return `${def.label}: ${value}`;
    if (b.min !== null && b.max !== null) return `${def.label}: ${b.min}–${b.max} px`;
    return b.min !== null ? `${def.label}: ${b.min} px and wider` : `${def.label}: up to ${b.max} px`;
  }
  if (def.kind === 'tag') return `Tag ${name.slice(4)} = ${value}`;
  return `${def.label}: ${value}`;
}

// Width bands worth offering per device class (viewport widths, CSS px).
export const BANDS = {
  desktop: ['1024-1279', '1280-1439', '1440-1919', '1920-'],
  tablet: ['768-899', '900-1023'],
  mobile: ['-359', '360-399', '400-767'],
};

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

// The date range choices of the pages table and the page view, and which
// one a from/to pair is.
export const DATE_PRESETS = [['all', 'All time'], ['today', 'Today'], ['7d', 'Last 7 days'], ['30d', 'Last 30 days'], ['custom', 'Custom range']];
export function datePreset(from, to) {
  if (!from && !to) return 'all';
  if (to === utcDay(0)) {
    if (from === utcDay(0)) return 'today';
    if (from === utcDay(-6)) return '7d';
    if (from === utcDay(-29)) return '30d';
  }
  return 'custom';
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
  const vs = ['dates', 'custom'].includes(get('vs')) ? get('vs') : 'device';
  let vsDevice = deviceById(get('vs.device')) ? get('vs.device') : '';
  if (vs === 'device' && (!vsDevice || vsDevice === device)) vsDevice = device === 'desktop' ? 'mobile' : 'desktop';
  // the segment, and (vs=custom) B's changes to it
  const filters = {};
  const vsFilters = {};
  let tags = 0;
  let vsTags = 0;
  for (const [k, v] of query) {
    const b = k.startsWith('vs.');
    const name = b ? k.slice(3) : k;
    if (!filterDef(name) || !validFilter(name, v)) continue;
    if (name.startsWith('tag.')) {
      if ((b ? vsTags : tags) >= MAX_TAGS) continue;
      if (b) vsTags++; else tags++;
    }
    (b ? vsFilters : filters)[name] = v;
  }
  const conv = get('conv');
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
    filters,
    vsFilters: vs === 'custom' ? vsFilters : {},
    cmp: get('cmp') === 'side' ? 'side' : 'diff',
    esort: ['rage', 'dead', 'error'].includes(get('esort')) ? get('esort') : 'clicks',
    escope: get('escope') === 'all' ? 'all' : 'device',
    conv: GOAL_RE.test(conv) ? conv : '',
    fscope: get('fscope') === 'site' ? 'site' : 'page',
  };
}

// The filters of a set sorted the way the bar shows them (tags by key).
export function filterEntries(filters) {
  const order = (k) => FILTERS.indexOf(filterDef(k));
  return Object.entries(filters || {}).sort((a, b) => order(a[0]) - order(b[0]) || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

// B's changes as a flat list [[name, value]]: device, from, to and filters.
export function vsChanges(st) {
  const out = [];
  if (st.vs === 'device' || (st.vs === 'custom' && st.vsDevice)) out.push(['device', st.vsDevice]);
  if (st.vs === 'dates' || (st.vs === 'custom' && (st.vsFrom || st.vsTo))) {
    if (st.vsFrom) out.push(['from', st.vsFrom]);
    if (st.vsTo) out.push(['to', st.vsTo]);
  }
  if (st.vs === 'custom') out.push(...filterEntries(st.vsFilters));
  return out;
}

// The whole second set of a comparison: the first set changed by B's
// changes (a date given for B replaces both of A's dates, as the API does).
export function setB(st) {
  const b = { device: st.device, from: st.from, to: st.to, filters: { ...st.filters } };
  const ch = vsChanges(st);
  if (ch.some(([k]) => k === 'from' || k === 'to')) { b.from = ''; b.to = ''; }
  for (const [k, v] of ch) {
    if (k === 'device' || k === 'from' || k === 'to') b[k] = v;
    else b.filters[k] = v;
  }
  return b;
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
  for (const [k, v] of filterEntries(st.filters)) q[k] = v;
  if (st.type === 'diff') {
    q.vs = st.vs;
    for (const [k, v] of vsChanges(st)) q[`vs.${k}`] = v;
    if (st.cmp !== 'diff') q.cmp = st.cmp;
  }
  if (st.type === 'elements') {
    if (st.esort !== 'clicks') q.esort = st.esort;
    if (st.escope !== 'device') q.escope = st.escope;
    if (st.conv) q.conv = st.conv;
  }
  if (TYPES[st.type].tab === 'frustration' && st.fscope !== 'page') q.fscope = st.fscope;
  if (st.opacity !== null) q.opacity = String(st.opacity);
  return q;
}

// The segment as API parameters (with a prefix: "vs." for B).
export function filterParams(filters, prefix = '') {
  const p = {};
  for (const [k, v] of filterEntries(filters)) p[prefix + k] = v;
  return p;
}

// What the API needs to draw a type under a state: the heatmap parameters
// (without format).
export function apiParams(st, key, page, type, width) {
  const p = { site: key, page, type: TYPES[type].api || type, device: st.device, width, from: st.from, to: st.to, ...filterParams(st.filters) };
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
    for (const [k, v] of vsChanges(st)) p[`vs.${k}`] = v;
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
