// SPDX-License-Identifier: MIT
// The words and the colour scale under an exported PNG of the page view
// (export.js draws them): the set or sets on show, the sample with its
// warning, the drawing settings, the overlay's scale as the panel shows it.
import { fmt } from './dom.js';
import { paletteColour } from './charts.js';
import { TYPES, BY, deviceById, filterEntries, filterText, rangeText, setB } from './page-state.js';

const RELIABLE_SESSIONS = 1000;

// A set in words: "Desktop · all time · Browser: Firefox".
export function describeSet(set) {
  const dev = deviceById(set.device);
  return [dev ? dev.label : set.device, rangeText(set.from, set.to), ...filterEntries(set.filters).map(([k, v]) => filterText(k, v))].join(' · ');
}

// What the PNG shows, in words: the set(s), the sample, the settings, and
// its colour scale. site: the site's name; data: the answer of the type on
// show; base: the click answer of the sample (its page views and sessions).
export function pngCaption({ site, page, st, type, data, base, device, width, opacity }) {
  const T = TYPES[type];
  const count = (c, one, many) => `${fmt(c)} ${c === 1 ? one : many}`;
  const sample = (x) => {
    const pv = Number(x && x.pageviews) || 0;
    const ss = Number(x && x.sessions) || 0;
    return `${count(pv, 'page view', 'page views')} · ${count(ss, 'session', 'sessions')}${ss < RELIABLE_SESSIONS ? ' (fewer than 1,000 sessions: not yet reliable)' : ''}`;
  };
  const lines = [];
  if (type === 'diff') {
    lines.push(st.cmp === 'side' ? 'Compare, side by side: each set\'s clicks over its own copy of the page'
      : 'Compare: red where A clicks more per page view, blue where B does');
    lines.push(`A: ${describeSet({ device: st.device, from: st.from, to: st.to, filters: st.filters })} · ${sample(data.a)}`);
    lines.push(`B: ${describeSet(setB(st))} · ${sample(data.b)}`);
  } else {
    const f = filterEntries(st.filters).map(([k, v]) => filterText(k, v));
    lines.push(`${T.label} · ${device.label}, ${width} px wide · ${rangeText(st.from, st.to)} · ${f.length ? f.join(' · ') : 'all visitors'}`);
    const counted = type === 'elements' ? base || data : data;
    const s = T.kind === 'bands' || type === 'confetti' ? data : base || data;
    const c = Number(counted && counted.clicks) || 0;
    lines.push(sample(s) + (T.noun ? ` · ${count(c, T.one, T.noun)}` : ''));
    if (type === 'confetti' && Array.isArray(data.categories)) {
      lines.push(`Dots coloured by ${(BY.find((b) => b.id === st.by) || { label: st.by }).label.toLowerCase()}: ${data.categories
        .filter(Boolean).map((k) => `${String(k.name === undefined ? '' : k.name) || '(none)'} ${fmt(Number(k.count) || 0)}`).join(' · ')}`);
    }
  }
  const set = [`opacity ${Math.round(opacity * 100)}%`];
  if (T.kind === 'density' || (type === 'diff' && st.cmp !== 'side')) {
    set.push(`radius ${st.radius} px`, st.norm === 'max' ? 'scaled to the hottest spot' : 'scaled to the 99th percentile');
  }
  if ((T.kind === 'density' || T.kind === 'bands') && st.palette !== 'classic') set.push('colour-blind safe palette');
  lines.push(`Exported ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC from calor · ${set.join(' · ')}`);
  return { title: `${site} · ${page}`, lines, legend: legendOf(st, type) };
}

// The colour scale of the overlay, as on the panel.
function legendOf(st, type) {
  const T = TYPES[type];
  const ramp = (palette) => [0, 0.25, 0.5, 0.75, 1].map((t) => paletteColour(palette, t));
  if (type === 'diff' && st.cmp !== 'side') {
    const css = getComputedStyle(document.documentElement).getPropertyValue('--palette-diverging');
    const stops = css.match(/#[0-9a-fA-F]{3,8}\b|rgba?\([^)]*\)/g) || [];
    return { stops, left: 'More clicks per page view in A', right: 'More in B' };
  }
  if (type === 'diff') return { stops: ramp('classic'), left: 'Fewer clicks', right: 'More clicks (each side scaled to itself)' };
  if (type === 'scroll') return { stops: ramp(st.palette), left: 'Seen by few', right: 'Seen by all' };
  if (type === 'attention') return { stops: ramp(st.palette), left: 'Little attention', right: 'Most attention' };
  if (T.kind === 'density') return { stops: ramp(st.palette), left: `Fewer ${T.noun}`, right: `More ${T.noun}` };
  return null;
}
