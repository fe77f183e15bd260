// SPDX-License-Identifier: MIT
// Compare side by side: each set's click heatmap over its own preview of the
// page (at that set's device width), labelled with the set and its sample
// size. The difference map itself is the page view's main overlay.
import { h, icon, ICONS, fmt } from './dom.js';
import { getPNG } from './api.js';
import { sampleLine } from './insights.js';

// A small stage: the page framed at dev.width, the PNG over it, scaled to
// fit its box. Returns { el, iframe, stage, overlay, width, height(),
// heat(), load(pngPromise), destroy() }: the parts the hover and the PNG
// export need.
function miniStage(id, src, dev, title) {
  const iframe = h('iframe', {
    name: 'calor-preview', className: 'preview', id: `${id}-frame`, title,
    width: String(dev.width), height: String(dev.viewport), scrolling: 'no',
    sandbox: 'allow-same-origin allow-scripts', referrerpolicy: 'same-origin',
  });
  const overlay = h('img', { className: 'heatmap-overlay', id: `${id}-overlay`, alt: '', draggable: 'false', hidden: true, dataset: { state: 'loading' } });
  const stage = h('div', { className: 'stage', dataset: { device: dev.id } }, iframe, overlay);
  const sizer = h('div', { className: 'stage-sizer', dataset: { device: dev.id } }, stage);
  const box = h('div', { className: 'side-stage', id }, sizer);
  let docH = 0;
  let heatH = 0;
  let heatW = dev.width;
  let url = null;
  const stageHeight = () => Math.min(200000, Math.max(docH, heatH, dev.viewport));
  function layout() {
    const H = stageHeight();
    stage.style.width = `${dev.width}px`;
    stage.style.height = `${H}px`;
    iframe.style.height = `${H}px`;
    const avail = box.clientWidth - 16;
    const scale = avail > 0 ? Math.min(1, avail / dev.width) : 1;
    stage.style.transform = scale === 1 ? 'none' : `scale(${scale})`;
    sizer.style.width = `${Math.round(dev.width * scale)}px`;
    sizer.style.height = `${Math.round(H * scale)}px`;
    box.dataset.scale = String(scale);
  }
  const ro = new ResizeObserver(layout);
  ro.observe(box);
  iframe.addEventListener('load', () => {
    let d;
    try { d = iframe.contentDocument; } catch (e) { d = null; }
    const measure = () => {
      if (!d || !d.documentElement) return;
      const hgt = Math.max(d.documentElement.scrollHeight, d.body ? d.body.scrollHeight : 0);
      if (hgt > docH + 1) { docH = Math.ceil(hgt); layout(); }
    };
    measure();
    setTimeout(measure, 400);
  });
  if (src) iframe.src = src;
  layout();
  return {
    el: box,
    iframe,
    stage,
    overlay,
    width: dev.width,
    height: stageHeight,
    // the heatmap's size in CSS px, or null while it is not drawn
    heat: () => (overlay.dataset.state === 'ready' && !overlay.hidden ? { width: heatW, height: heatH } : null),
    async load(pngP) {
      try {
        const png = await pngP;
        if (url) URL.revokeObjectURL(url);
        url = URL.createObjectURL(png.blob);
        overlay.src = url;
        await overlay.decode();
        heatH = png.height || 0;
        heatW = png.width || dev.width;
        overlay.style.width = `${heatW}px`;
        overlay.style.height = `${heatH}px`;
        overlay.hidden = false;
        overlay.dataset.state = 'ready';
      } catch (e) {
        if (e && e.name === 'AbortError') return;
        overlay.dataset.state = 'error';
      }
      layout();
    },
    setOpacity(v) { overlay.style.opacity = String(v); },
    destroy() { ro.disconnect(); if (url) URL.revokeObjectURL(url); },
  };
}

// sides: [{ id: 'a'|'b', label, device, data, pngUrl }]; src: the page path.
// Returns { el, stages: [{ id, ...miniStage }], destroy(), setOpacity(v) }.
export function sideBySide(sides, src, signal, opacity) {
  const stages = [];
  const cols = sides.map((s) => {
    const st = miniStage(`side-${s.id}-stage`, src, s.device, `Set ${s.id.toUpperCase()}: ${s.label}`);
    st.setOpacity(opacity);
    stages.push(Object.assign(st, { id: s.id }));
    const data = s.data || {};
    const empty = !(Number(data.clicks) > 0);
    if (!empty) st.load(getPNG(s.pngUrl, signal));
    return h('section', { className: `side-col side-col-${s.id}`, id: `side-${s.id}`, 'aria-label': `Set ${s.id.toUpperCase()}` },
      h('header', { className: 'side-col-head' },
        h('p', { className: 'side-head' },
          h('span', { className: `side-letter side-letter-${s.id}`, text: s.id.toUpperCase() }),
          h('span', { className: 'side-label', id: `side-${s.id}-label`, text: s.label, title: s.label })),
        sampleLine(data, `side-${s.id}-sample`),
        h('p', { className: 'muted side-clicks' }, h('strong', { id: `side-${s.id}-clicks`, text: fmt(Number(data.clicks) || 0) }), ` clicks on ${s.device.label.toLowerCase()}`,
          empty ? h('span', { className: 'side-empty' }, ' · ', icon(ICONS.info, 14), ' nothing to draw') : null)),
      st.el);
  });
  return {
    el: h('div', { className: 'sides-grid', id: 'compare-sides' }, cols),
    stages,
    destroy() { for (const s of stages) s.destroy(); },
    setOpacity(v) { for (const s of stages) s.setOpacity(v); },
  };
}
