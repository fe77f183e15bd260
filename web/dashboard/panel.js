// SPDX-License-Identifier: MIT
// The page view's side panel: the numbers, chart and legend of the heatmap
// type on show. Everything from the API goes in with textContent.
import { h, icon, ICONS, fmt, fmtPct, fmtMs } from './dom.js';
import { spinner } from './ui.js';
import { reachChart, attentionChart } from './charts.js';
import { TYPES, FRUSTRATION, deviceById, rangeText } from './page-state.js';

const SUBTITLES = {
  click: 'Where visitors click or tap.',
  move: 'Where the mouse pointer goes: a rough trace of where people read.',
  scroll: 'How far down the page visitors get.',
  attention: 'Which parts of the page stay on screen longest.',
  confetti: 'Every click as a dot, coloured by who made it.',
  rage: 'Signs that the page let visitors down.',
  dead: 'Signs that the page let visitors down.',
  error: 'Signs that the page let visitors down.',
  diff: 'Where two sets of visits click differently, per page view.',
};

const COLOUR_RE = /^#[0-9a-fA-F]{6}$/;
const n = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

function section(title, ...kids) {
  return h('section', { className: 'panel-section' },
    title ? h('h3', { className: 'panel-heading', text: title }) : null, kids);
}

// rows: [label, value, id, hint]
function figures(rows) {
  return h('dl', { className: 'figures' }, rows.filter(Boolean).map(([label, value, id, hint]) =>
    h('div', { className: 'figure' },
      h('dt', { text: label }),
      h('dd', null, h('span', { className: 'figure-value', id, text: value }),
        hint ? h('span', { className: 'figure-hint', text: hint }) : null))));
}

function gradientLegend(palette, left, right, id) {
  return h('div', { className: 'legend legend-block', id, role: 'img', 'aria-label': `Colour scale from ${left} to ${right}` },
    h('span', { className: `legend-bar legend-bar-wide palette-${palette}` }),
    h('span', { className: 'legend-ends' }, h('span', { text: left }), h('span', { text: right })));
}

function lineKey(cls, text) {
  return h('li', { className: 'line-key' }, h('span', { className: `line-sample ${cls}`, 'aria-hidden': 'true' }), h('span', { text }));
}

function densityLegend(st, T) {
  return section('Colour scale',
    gradientLegend(st.palette, `Fewer ${T.noun}`, `More ${T.noun}`, 'legend'),
    h('p', { className: 'panel-note', id: 'norm-note', text: st.norm === 'max'
      ? `Scaled to the hottest spot: only the very top shows in full colour. Smoothing radius ${st.radius} px.`
      : `Scaled to the 99th percentile, so one very hot spot does not wash out the rest. Smoothing radius ${st.radius} px.` }));
}

function perView(count, pageviews) {
  return pageviews > 0 ? (count / pageviews).toFixed(count / pageviews < 10 ? 1 : 0) : '–';
}

// ------------------------------------------------------------------- types

function clickLike(type, st, data) {
  const T = TYPES[type];
  const count = n(data.clicks);
  return [
    section(null, figures([
      [type === 'move' ? 'Pointer moves' : 'Clicks', fmt(count), `panel-${type}-count`],
      [`${type === 'move' ? 'Moves' : 'Clicks'} per page view`, perView(count, n(data.pageviews)), `panel-${type}-per-view`],
      ['Page views', fmt(n(data.pageviews)), `panel-${type}-pageviews`],
    ])),
    densityLegend(st, T),
  ];
}

function frustration(type, st, data, base, counts, go) {
  const clicks = n(base && base.clicks);
  const list = h('ul', { className: 'frust-list', id: 'frust-list' });
  for (const t of FRUSTRATION) {
    const T = TYPES[t];
    const c = counts ? counts[t] : undefined;
    const current = t === type;
    const btn = h('button', {
      type: 'button', className: 'frust-row', id: `frust-row-${t}`, 'aria-pressed': current ? 'true' : 'false',
      dataset: { type: t },
    },
    h('span', { className: 'frust-row-head' },
      h('span', { className: `frust-dot frust-dot-${t}`, 'aria-hidden': 'true' }),
      h('span', { className: 'frust-name', text: T.label }),
      h('span', { className: 'frust-count', id: `frust-count-${t}`, text: c === undefined ? '…' : fmt(c) })),
    h('span', { className: 'frust-about', text: T.about }),
    c !== undefined && clicks > 0 ? h('span', { className: 'frust-share', text: `${fmtPct(c / clicks)} of all clicks` }) : null);
    btn.addEventListener('click', () => { if (!current) go({ type: t }); });
    list.appendChild(h('li', null, btn));
  }
  return [section(null, list), densityLegend(st, TYPES[type])];
}

function scroll(st, data) {
  const by = data.reached_by || {};
  const fold = data.average_fold || {};
  const pv = n(data.pageviews);
  return [
    section('Reach', reachChart(data)),
    section(null, figures([
      ['Page views with scroll data', fmt(n(data.scroll_pageviews)), 'scroll-pageviews', pv ? `of ${fmt(pv)}` : null],
      ['Average fold', `${fmt(Math.round(n(fold.px)))} px`, 'scroll-fold', `${fmtPct(n(fold.percent) / 100)} of the page`],
      ['Seen by 75% of views', `${n(by['75'])}%`, 'scroll-depth-75', 'of the page'],
      ['Seen by 50% of views', `${n(by['50'])}%`, 'scroll-depth-50', 'of the page'],
      ['Seen by 25% of views', `${n(by['25'])}%`, 'scroll-depth-25', 'of the page'],
      ['Page height', `${fmt(n(data.doc_height))} px`, 'scroll-doc-height', 'median'],
      ['Direction changes', n(data.reversals_per_pageview).toFixed(1), 'scroll-reversals', 'per page view'],
    ])),
    section('Overlay',
      gradientLegend(st.palette, 'Seen by few', 'Seen by all', 'legend'),
      h('ul', { className: 'line-keys' },
        lineKey('line-fold', 'Average fold: the bottom of the first screen'),
        lineKey('line-reach', 'Depths seen by 75, 50 and 25% of views'))),
  ];
}

function attention(st, data) {
  const share = Array.isArray(data.attention_share) ? data.attention_share.map(n) : [];
  const ms = Array.isArray(data.attention_ms) ? data.attention_ms.map(n) : [];
  let peak = 0;
  share.forEach((v, i) => { if (v > share[peak]) peak = i; });
  const foldPct = n(data.average_fold && data.average_fold.percent);
  const above = share.reduce((a, v, i) => a + (i < Math.floor(foldPct) ? v : 0), 0);
  const pv = n(data.pageviews);
  return [
    section('Attention by depth', attentionChart(data, st.palette)),
    section(null, figures([
      ['Page views with attention data', fmt(n(data.attention_pageviews)), 'attention-pageviews', pv ? `of ${fmt(pv)}` : null],
      ['Most attention', `${peak}–${peak + 1}%`, 'attention-peak', `of the page: ${fmtPct(share[peak] || 0)} of all attention`],
      ['Its time on screen', fmtMs(ms[peak] || 0), 'attention-time', 'per page view'],
      ['Above the average fold', fmtPct(above), 'attention-above-fold', 'of all attention'],
    ])),
    section('Overlay',
      gradientLegend(st.palette, 'Little attention', 'Most attention', 'legend'),
      h('ul', { className: 'line-keys' }, lineKey('line-fold', 'Average fold'))),
  ];
}

function confetti(st, data) {
  const cats = Array.isArray(data.categories) ? data.categories : [];
  const total = cats.reduce((a, c) => a + n(c && c.count), 0) || 1;
  const points = Array.isArray(data.points) ? data.points.length : 0;
  const list = h('ul', { className: 'confetti-legend', id: 'confetti-legend' });
  for (const c of cats) {
    if (!c) continue;
    const name = String(c.name === undefined ? '' : c.name);
    const colour = COLOUR_RE.test(String(c.colour)) ? String(c.colour) : '#9aa1ad';
    const count = n(c.count);
    list.appendChild(h('li', { className: 'confetti-item', dataset: { name } },
      h('span', { className: 'swatch', style: { backgroundColor: colour }, 'aria-hidden': 'true' }),
      h('span', { className: 'confetti-name', text: name || '(none)', title: name }),
      h('span', { className: 'confetti-count', text: fmt(count) }),
      h('span', { className: 'confetti-share', text: fmtPct(count / total, 0) }),
      h('span', { className: 'confetti-bar', 'aria-hidden': 'true' },
        h('span', { className: 'confetti-bar-fill', style: { width: `${(count / total) * 100}%`, backgroundColor: colour } }))));
  }
  if (!cats.length) list.appendChild(h('li', { className: 'muted', text: 'The server sent no categories.' }));
  return [
    section(null, figures([
      ['Clicks', fmt(n(data.clicks)), 'confetti-clicks'],
      ['Dots drawn', fmt(points), 'confetti-dots', data.sampled ? 'a sample' : null],
    ])),
    section('Colours', list,
      data.sampled ? h('p', { className: 'panel-note', id: 'confetti-sampled', text: 'Too many clicks to draw every one: the dots are a fixed sample of them.' }) : null),
  ];
}

function diff(st, data, device, labels) {
  const a = data.a || {};
  const b = data.b || {};
  const vsDev = deviceById(st.vsDevice);
  const labelA = labels ? labels.a : `${device.label} · ${rangeText(st.from, st.to)}`;
  const labelB = labels ? labels.b : st.vs === 'device' ? `${vsDev ? vsDev.label : st.vsDevice} · ${rangeText(st.from, st.to)}` : `${device.label} · ${rangeText(st.vsFrom, st.vsTo)}`;
  const side = (id, letter, label, set) => h('div', { className: `side side-${id}`, id: `diff-${id}` },
    h('p', { className: 'side-head' }, h('span', { className: `side-letter side-letter-${id}`, text: letter }),
      h('span', { className: 'side-label side-label-wrap', id: `diff-${id}-label`, text: label, title: label })),
    figures([
      ['Page views', fmt(n(set.pageviews)), `diff-${id}-pageviews`],
      ['Sessions', fmt(n(set.sessions)), `diff-${id}-sessions`],
      ['Clicks', fmt(n(set.clicks)), `diff-${id}-clicks`, `${perView(n(set.clicks), n(set.pageviews))} per view`],
    ]),
    typeof set.warning === 'string' && set.warning
      ? h('p', { className: 'side-warning', id: `diff-${id}-warning` }, icon(ICONS.alert, 14), 'Fewer than 1,000 sessions: not yet reliable')
      : null);
  if (data.side) {
    return [
      section('Sides', h('div', { className: 'sides' }, side('a', 'A', labelA, a), side('b', 'B', labelB, b))),
      section('Overlay', gradientLegend('classic', 'Fewer clicks', 'More clicks', 'legend'),
        h('p', { className: 'panel-note', text: 'Each side is scaled to its own busiest spot: compare where people click, and the clicks per view above for how much.' })),
    ];
  }
  return [
    section('Sides', h('div', { className: 'sides' }, side('a', 'A', labelA, a), side('b', 'B', labelB, b))),
    section('Colour scale',
      h('div', { className: 'legend legend-block', id: 'legend', role: 'img', 'aria-label': 'Red: more clicks per page view in A. Blue: more in B.' },
        h('span', { className: 'legend-bar legend-bar-wide legend-diverging' }),
        h('span', { className: 'legend-ends' },
          h('span', { className: 'legend-a', text: 'More in A' }), h('span', { text: 'Same' }), h('span', { className: 'legend-b', text: 'More in B' }))),
      h('p', { className: 'panel-note', text: 'Counted per page view, so the side with more traffic does not win by size.' })),
  ];
}

// ------------------------------------------------------------------- panel

// state: loading | ready | empty | error
export function renderPanel(el, { type, st, device, state, data, base, counts, go, emptyTitle, labels }) {
  const T = TYPES[type];
  const kids = [];
  if (state === 'loading') kids.push(spinner('Loading…'));
  else if (state === 'error') kids.push(h('p', { className: 'panel-note', text: 'Nothing to show: see the message above the page.' }));
  else if (type === 'rage' || type === 'dead' || type === 'error') kids.push(...frustration(type, st, data || {}, base, counts, go));
  else if (state === 'empty') {
    kids.push(h('div', { className: 'panel-empty', id: 'panel-empty' },
      icon(ICONS[T.tab] || ICONS.info, 22, 'icon panel-empty-icon'),
      h('p', { text: emptyTitle || 'No data yet.' })));
  } else if (type === 'scroll') kids.push(...scroll(st, data));
  else if (type === 'attention') kids.push(...attention(st, data));
  else if (type === 'confetti') kids.push(...confetti(st, data));
  else if (type === 'diff') kids.push(...diff(st, data, device, labels));
  else kids.push(...clickLike(type, st, data));
  el.dataset.type = type;
  el.dataset.state = state;
  el.replaceChildren(
    h('header', { className: 'panel-head' },
      h('h2', { className: 'panel-title', id: 'panel-title', text: T.tab === 'frustration' ? 'Frustration' : T.label }),
      h('p', { className: 'panel-sub', text: SUBTITLES[type] })),
    ...kids);
}
