// SPDX-License-Identifier: MIT
// Small inline SVG charts for the side panel, built with createElementNS (no
// library): scroll reach over page depth, and attention per depth band.
import { h, s, fmtPct, fmtMs } from './dom.js';

// The overlay palettes (src/render_palette.c), for colours that match the PNG.
const PALETTES = {
  classic: [[0, 0, 255], [0, 255, 255], [0, 255, 0], [255, 255, 0], [255, 0, 0]],
  viridis: [[68, 1, 84], [72, 40, 120], [62, 74, 137], [49, 104, 142], [38, 130, 142],
    [31, 158, 137], [53, 183, 121], [109, 205, 89], [180, 222, 44], [253, 231, 37]],
};

export function paletteColour(palette, t) {
  const stops = PALETTES[palette] || PALETTES.classic;
  const x = Math.min(1, Math.max(0, t)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const c = stops[i].map((v, k) => Math.round(v + (stops[i + 1][k] - v) * f));
  return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
}

const W = 300;
const M = { l: 38, r: 12, t: 16, b: 28 };

function num(v) { return typeof v === 'number' && Number.isFinite(v) ? v : 0; }

// Axes shared by both charts: x is depth, 0..100 % of the page.
function depthAxis(svg, H, xOf) {
  const y = H - M.b;
  svg.appendChild(s('line', { class: 'chart-axis', x1: M.l, x2: W - M.r, y1: y, y2: y }));
  for (const [d, label] of [[0, 'Top'], [25, '25%'], [50, '50%'], [75, '75%'], [100, 'End']]) {
    svg.appendChild(s('line', { class: 'chart-tick', x1: xOf(d), x2: xOf(d), y1: y, y2: y + 4 }));
    svg.appendChild(s('text', {
      class: 'chart-label', x: xOf(d), y: y + 16,
      'text-anchor': d === 0 ? 'start' : d === 100 ? 'end' : 'middle', text: label,
    }));
  }
}

function foldLine(svg, H, x, label) {
  const g = s('g', { class: 'chart-fold', id: 'chart-fold' });
  g.appendChild(s('line', { x1: x, x2: x, y1: M.t - 6, y2: H - M.b }));
  g.appendChild(s('text', { class: 'chart-label chart-label-strong', x: x + 4, y: M.t - 2, text: label }));
  return g;
}

// A readout line under a chart that follows the pointer.
function withReadout(svg, H, xOf, text) {
  const readout = h('p', { className: 'chart-readout', 'aria-hidden': 'true' });
  const cursor = s('line', { class: 'chart-cursor', x1: 0, x2: 0, y1: M.t, y2: H - M.b, visibility: 'hidden' });
  svg.appendChild(cursor);
  const idle = 'Point at the chart to read a depth.';
  readout.textContent = idle;
  svg.addEventListener('pointermove', (e) => {
    const r = svg.getBoundingClientRect();
    if (!r.width) return;
    const vx = ((e.clientX - r.left) / r.width) * W;
    const d = Math.round(((vx - M.l) / (W - M.l - M.r)) * 100);
    if (d < 0 || d > 100) return;
    cursor.setAttribute('x1', String(xOf(d)));
    cursor.setAttribute('x2', String(xOf(d)));
    cursor.setAttribute('visibility', 'visible');
    readout.textContent = text(d);
  });
  svg.addEventListener('pointerleave', () => {
    cursor.setAttribute('visibility', 'hidden');
    readout.textContent = idle;
  });
  return readout;
}

// Scroll reach: reach[i] (i = 0..100) is the share of page views that saw
// i % of the page. Marks the average fold and the depths reached by 75, 50
// and 25 % of page views.
export function reachChart(data) {
  const H = 190;
  const reach = Array.isArray(data.reach) ? data.reach.map(num) : [];
  const n = reach.length;
  const xOf = (d) => M.l + (d / 100) * (W - M.l - M.r);
  const yOf = (v) => M.t + (1 - Math.min(1, Math.max(0, v))) * (H - M.t - M.b);
  const fold = num(data.average_fold && data.average_fold.percent);
  const by = data.reached_by || {};
  const svg = s('svg', {
    id: 'scroll-chart', class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img',
    'aria-label': `Scroll reach: half of the page views reached ${num(by['50'])}% of the page; the average fold is at ${Math.round(fold)}%.`,
    dataset: { points: String(n) },
  });
  const defs = s('defs', null,
    s('linearGradient', { id: 'reach-fill', x1: 0, y1: 0, x2: 0, y2: 1 },
      // colours from style.css (.reach-stop-*), so they follow the theme
      s('stop', { offset: '0', class: 'reach-stop-top' }),
      s('stop', { offset: '1', class: 'reach-stop-end' })));
  svg.appendChild(defs);
  for (const v of [0, 0.25, 0.5, 0.75, 1]) {
    svg.appendChild(s('line', { class: 'chart-grid', x1: M.l, x2: W - M.r, y1: yOf(v), y2: yOf(v) }));
    svg.appendChild(s('text', { class: 'chart-label', x: M.l - 6, y: yOf(v) + 4, 'text-anchor': 'end', text: `${v * 100}%` }));
  }
  depthAxis(svg, H, xOf);
  if (n > 1) {
    const pts = reach.map((v, i) => `${xOf((i * 100) / (n - 1)).toFixed(1)},${yOf(v).toFixed(1)}`);
    svg.appendChild(s('path', {
      class: 'reach-area',
      d: `M${xOf(0)},${yOf(0)} L${pts.join(' L')} L${xOf(100)},${yOf(0)} Z`,
      fill: 'url(#reach-fill)',
    }));
    svg.appendChild(s('polyline', { class: 'reach-line', id: 'scroll-chart-line', points: pts.join(' ') }));
  }
  svg.appendChild(foldLine(svg, H, xOf(fold), `Fold ${Math.round(fold)}%`));
  for (const k of ['75', '50', '25']) {
    const d = num(by[k]);
    const x = xOf(d);
    const y = yOf(Number(k) / 100);
    const g = s('g', { class: 'reach-mark', dataset: { share: k, depth: String(d) } },
      s('line', { class: 'reach-mark-line', x1: x, x2: x, y1: y, y2: H - M.b }),
      s('line', { class: 'reach-mark-line', x1: M.l, x2: x, y1: y, y2: y }),
      s('circle', { class: 'reach-mark-dot', cx: x, cy: y, r: 3.5 }));
    g.appendChild(s('title', { text: `${k}% of page views reached ${d}% of the page` }));
    svg.appendChild(g);
  }
  const readout = withReadout(svg, H, xOf, (d) => {
    const i = n > 1 ? Math.round((d * (n - 1)) / 100) : 0;
    return `${fmtPct(reach[i] || 0, 0)} of page views saw ${d}% of the page.`;
  });
  return h('figure', { className: 'chart-figure' }, svg, readout);
}

// Attention: attention_share[i], the share of all visible time that band i
// (the i-th 1 % of the page) got; bars coloured like the overlay.
export function attentionChart(data, palette) {
  const H = 150;
  const share = Array.isArray(data.attention_share) ? data.attention_share.map(num) : [];
  const ms = Array.isArray(data.attention_ms) ? data.attention_ms.map(num) : [];
  const n = share.length;
  const max = Math.max(1e-9, ...share);
  const xOf = (d) => M.l + (d / 100) * (W - M.l - M.r);
  const bandW = (W - M.l - M.r) / Math.max(1, n);
  const yOf = (v) => M.t + (1 - v / max) * (H - M.t - M.b);
  const svg = s('svg', {
    id: 'attention-chart', class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img',
    'aria-label': 'Share of attention per 1% band of the page, from the top to the end',
    dataset: { bars: String(n) },
  });
  for (const v of [0, 0.5, 1]) {
    svg.appendChild(s('line', { class: 'chart-grid', x1: M.l, x2: W - M.r, y1: yOf(v * max), y2: yOf(v * max) }));
    svg.appendChild(s('text', { class: 'chart-label', x: M.l - 6, y: yOf(v * max) + 4, 'text-anchor': 'end', text: fmtPct(v * max, 1) }));
  }
  depthAxis(svg, H, xOf);
  const bars = s('g', { class: 'attention-bars' });
  share.forEach((v, i) => {
    const y = yOf(v);
    const r = s('rect', {
      class: 'attention-bar', x: (M.l + i * bandW + 0.2).toFixed(2), y: y.toFixed(2),
      width: Math.max(0.5, bandW - 0.4).toFixed(2), height: Math.max(0, H - M.b - y).toFixed(2),
      fill: paletteColour(palette, v / max),
    });
    r.appendChild(s('title', { text: `${i}–${i + 1}% of the page: ${fmtPct(v, 1)} of attention, ${fmtMs(ms[i] || 0)} per page view` }));
    bars.appendChild(r);
  });
  svg.appendChild(bars);
  const fold = num(data.average_fold && data.average_fold.percent);
  svg.appendChild(foldLine(svg, H, xOf(fold), `Fold ${Math.round(fold)}%`));
  const readout = withReadout(svg, H, xOf, (d) => {
    const i = Math.min(n - 1, d);
    return i >= 0 ? `${i}–${i + 1}% of the page: ${fmtPct(share[i] || 0, 1)} of attention, ${fmtMs(ms[i] || 0)} per page view.` : '';
  });
  return h('figure', { className: 'chart-figure' }, svg, readout);
}
