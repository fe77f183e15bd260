// SPDX-License-Identifier: MIT
// The page view: the page in an iframe at a device's width, a heatmap PNG of
// any type laid over it at the same document coordinates, the controls of
// every type, and a side panel with the type's numbers, chart and legend.
//
// A change of tab, filter or setting writes the hash; the router hands the
// new hash to update(), which redraws the controls and reloads only what the
// change touches (the framed page stays). A new device builds the view anew.
// The type's controls are page-options.js. Hovering the stage shows the
// value and the element under the pointer (hover.js); Export PNG
// (export.js, its caption from page-export.js) and the Elements CSV
// download what is on show.
import { h, icon, ICONS, fmt, clear, announce } from './dom.js';
import { getJSON, getPNG, getSites, heatmapUrl, scrollUrl, elementsUrl, frustrationUrl } from './api.js';
import { errorBox, callout, spinner, pageHeader, stat } from './ui.js';
import {
  viewEl, hashSites, hashSite, hashPage, parseHash, updateNav, setTitle, reroute, done, sharedView,
} from './shell.js';
import { shareButton } from './share.js';
import {
  DEVICES, TYPES, TABS, FRUSTRATION, DOTS, deviceById, parseState, stateQuery, apiParams,
  utcDay, rangeText, filterParams, filterEntries, vsChanges, setB, DATE_PRESETS, datePreset,
} from './page-state.js';
import { seg, dateInput, typeOptions } from './page-options.js';
import { renderPanel } from './panel.js';
import { segmentBar } from './filters.js';
import { renderElements, renderReport, elementsCsv } from './insights.js';
import { sideBySide } from './compare.js';
import { pngCaption, describeSet } from './page-export.js';
import { stageHover, hoverSource, HOVER_CELL } from './hover.js';
import { exportPng, csvBlob, download, fileName, DOWNLOAD_ICON } from './export.js';

const RELIABLE_SESSIONS = 1000;
const MAX_STAGE_HEIGHT = 200000;
const STAGE_PAD = 24; // px around the stage inside its panel (= .stage-viewport padding)
const OPACITY_KEY = 'calor.overlayOpacity';

function loadOpacity() {
  try {
    const v = Number(localStorage.getItem(OPACITY_KEY));
    if (localStorage.getItem(OPACITY_KEY) !== null && Number.isFinite(v) && v >= 0 && v <= 100) return v;
  } catch (e) { /* storage may be off */ }
  return 75;
}

function saveOpacity(v) {
  try { localStorage.setItem(OPACITY_KEY, String(v)); } catch (e) { /* ignore */ }
}

// The page path is loaded into the iframe; it must be a path on the
// dashboard's own origin. Anything else (//host, schemes) is not loaded.
function previewUrl(path) {
  if (typeof path !== 'string' || path[0] !== '/' || path[1] === '/' || path[1] === '\\') return null;
  try {
    const u = new URL(path, location.origin);
    return u.origin === location.origin ? u.pathname + u.search : null;
  } catch (e) {
    return null;
  }
}

const LOADING_TEXT = {
  click: 'Drawing the click map…',
  move: 'Drawing the move map…',
  scroll: 'Drawing the scroll map…',
  attention: 'Drawing the attention map…',
  confetti: 'Throwing the confetti…',
  rage: 'Finding rage clicks…',
  dead: 'Finding dead clicks…',
  error: 'Finding error clicks…',
  elements: 'Drawing the click map…',
  diff: 'Comparing…',
};

// The empty state of a type: [title, text].
function emptyMessage(type, device, st) {
  const on = device.id;
  const when = st.from || st.to ? ` (${rangeText(st.from, st.to)})` : ' yet';
  const soon = `Page views from ${device.range} show up here a few seconds after they happen.`;
  switch (type) {
    case 'move': return [`No pointer moves recorded for this page on ${on}${when}`,
      on === 'desktop' ? `Mouse moves from ${device.range} show up here a few seconds after a visit.`
        : 'Touch screens have no pointer to follow: moves come from mice and trackpads. Try desktop.'];
    case 'scroll': return [`No scroll data for this page on ${on}${when}`, soon];
    case 'attention': return [`No attention data for this page on ${on}${when}`, soon];
    case 'confetti': return [`No clicks to show as confetti on ${on}${when}`, soon];
    case 'rage': return [`No rage clicks on ${on}${st.from || st.to ? ` (${rangeText(st.from, st.to)})` : ''}`,
      'Nobody clicked one spot over and over in frustration. Good news.'];
    case 'dead': return [`No dead clicks on ${on}${st.from || st.to ? ` (${rangeText(st.from, st.to)})` : ''}`,
      'Every click on this page got an answer.'];
    case 'error': return [`No error clicks on ${on}${st.from || st.to ? ` (${rangeText(st.from, st.to)})` : ''}`,
      'No click on this page was followed by a JavaScript error.'];
    case 'diff': return ['Neither side has clicks to compare', 'Pick another device or other dates for B.'];
    case 'elements': return [`No clicks on any element on ${on}${when}`, `${soon} Try all devices, or another segment.`];
    default: return [`No clicks recorded for this page on ${on}${when}`,
      `Clicks from ${device.range} show up here a few seconds after they happen. Try another device above.`];
  }
}

function isEmpty(type, data) {
  const n = (v) => Number(v) || 0;
  if (type === 'scroll') return n(data.scroll_pageviews) === 0;
  if (type === 'attention') return n(data.attention_pageviews) === 0;
  if (type === 'diff') return n(data.a && data.a.clicks) === 0 && n(data.b && data.b.clicks) === 0;
  if (type === 'elements') return n(data.clicks) === 0 && !(Array.isArray(data.elements) && data.elements.length);
  return n(data.clicks) === 0;
}

export async function viewPage(ctx) {
  const { key, page } = ctx.route;
  let st = parseState(ctx.route.query);
  const device = deviceById(st.device);
  const W = device.width;
  const signal = ctx.ctrl.signal;
  let lastFrustration = FRUSTRATION.includes(st.type) ? st.type : 'rage';
  setTitle(page);

  // Writes a new state into the hash. replace: no history entry and no
  // reload (for settings applied at once, such as the opacity).
  function go(over, replace) {
    const next = { ...st, ...over };
    const hash = hashPage(key, page, stateQuery(next));
    if (replace) {
      history.replaceState(null, '', hash);
      st = next;
      ctx.route = parseHash();
      updateNav(ctx.route);
    } else if (hash !== location.hash) {
      location.hash = hash;
    }
  }

  // --- header (a share link's visitor sees this page only: no way to the
  // site or the list of sites, and nothing to share on)
  const shared = !!sharedView();
  const header = pageHeader({
    crumbs: shared ? null : [{ text: 'Sites', href: hashSites() }, { text: key, href: hashSite(key) }, { text: page }],
    title: page,
    titleClass: 'page-title-path',
    actions: [
      h('button', { type: 'button', className: 'btn btn-secondary', id: 'refresh', title: 'Load the latest data', on: { click: () => reroute() } },
        icon(ICONS.retry, 14), 'Refresh'),
      previewUrl(page)
        ? h('a', { className: 'btn btn-secondary', id: 'open-page', href: previewUrl(page), target: '_blank', rel: 'noopener noreferrer' },
          'Open page', icon(ICONS.external, 14))
        : null,
      shared ? null : shareButton(ctx, key, page),
    ],
  });
  viewEl.appendChild(header);
  let siteName = key;
  getSites(signal).then((sites) => {
    const site = sites.find((x) => x.key === key);
    if (!site || !ctx.alive) return;
    const name = String(site.name || key);
    siteName = name;
    const a = header.querySelector('.crumb:nth-child(2) a');
    if (a) { a.textContent = name; a.title = name; }
    updateNav(ctx.route, name);
    setTitle(page, name);
  }).catch(() => {});

  // --- tabs: one per type (Frustration holds rage, dead and error; Compare is diff)
  const tabBtns = TABS.map((t) => {
    const btn = h('button', {
      type: 'button', role: 'tab', className: 'tab', id: `tab-${t.id}`, 'aria-controls': 'type-panel',
      dataset: { tab: t.id },
    },
    icon(ICONS[t.icon], 16, 'icon tab-icon'),
    h('span', { className: 'tab-label', text: t.label }),
    h('span', { className: 'tab-badge', id: `tab-${t.id}-badge`, dataset: { count: '' }, 'aria-hidden': 'true' }));
    btn.addEventListener('click', () => {
      if (TYPES[st.type].tab === t.id) return;
      go({ type: t.id === 'frustration' ? lastFrustration : t.type });
    });
    return btn;
  });
  const tabs = h('div', { className: 'tabs', role: 'tablist', id: 'type-tabs', 'aria-label': 'Heatmap type' }, tabBtns);
  tabs.addEventListener('keydown', (e) => {
    const i = tabBtns.indexOf(document.activeElement);
    if (i < 0) return;
    let j = -1;
    if (e.key === 'ArrowRight') j = (i + 1) % tabBtns.length;
    else if (e.key === 'ArrowLeft') j = (i - 1 + tabBtns.length) % tabBtns.length;
    else if (e.key === 'Home') j = 0;
    else if (e.key === 'End') j = tabBtns.length - 1;
    if (j < 0) return;
    e.preventDefault();
    tabBtns[j].focus();
    tabBtns[j].click();
  });

  function renderTabs() {
    const tab = TYPES[st.type].tab;
    for (const b of tabBtns) {
      const on = b.dataset.tab === tab;
      b.setAttribute('aria-selected', on ? 'true' : 'false');
      b.tabIndex = on ? 0 : -1;
    }
  }

  // --- filters: device, dates, and the sample
  const deviceBtns = DEVICES.map((d) => {
    const btn = h('button', {
      type: 'button', className: 'seg-btn device-btn', id: `device-${d.id}`,
      'aria-pressed': d.id === device.id ? 'true' : 'false', dataset: { device: d.id, width: String(d.width) },
      title: `${d.label}, ${d.width} px wide`,
    },
    icon(ICONS[d.id], 16),
    h('span', { className: 'seg-label', text: d.label }),
    h('span', { className: 'seg-meta', text: String(d.width) }),
    h('span', { className: 'seg-badge', dataset: { count: '' }, 'aria-hidden': 'true' }));
    btn.addEventListener('click', () => {
      if (d.id !== device.id) go({ device: d.id });
    });
    return btn;
  });
  const dateBox = h('div', { className: 'control date-range', id: 'date-box' });
  const statViews = stat('Page views', '…', 'stat-pageviews');
  const statSessions = stat('Sessions', '…', 'stat-sessions');
  const statClicks = stat('Clicks', '…', 'stat-clicks');

  // What the site's data can tell about filter values: the tag values seen
  // on this page (the confetti categories of tag.KEY) and the goal most
  // sessions reached (the elements' default conversion goal).
  const tagCache = new Map();
  let goalsP = null;
  const discover = {
    tagValues(k) {
      if (!tagCache.has(k)) {
        tagCache.set(k, getJSON(heatmapUrl({ site: key, page, type: 'confetti', by: `tag.${k}`, device: device.id, width: W }), signal)
          .then((j) => (Array.isArray(j.categories) ? j.categories : []).map((c) => String(c && c.name !== undefined ? c.name : ''))
            .filter((v) => v !== '' && v !== 'other').sort())
          .catch((e) => { tagCache.delete(k); throw e; }));
      }
      return tagCache.get(k);
    },
    goals() {
      if (!goalsP) {
        goalsP = getJSON(elementsUrl({ site: key, page, limit: 1 }), signal)
          .then((j) => (j.conversion && typeof j.conversion.goal === 'string' ? [j.conversion.goal] : []))
          .catch((e) => { goalsP = null; throw e; });
      }
      return goalsP;
    },
  };
  const segBar = segmentBar({ st, device, discover, onChange: (filters) => go({ filters }) });

  let customDates = false; // "Custom range" picked: show the inputs
  function renderDates() {
    const preset = customDates ? 'custom' : datePreset(st.from, st.to);
    const select = h('select', { id: 'date-range', className: 'select', 'aria-label': 'Date range' },
      DATE_PRESETS.map(([v, label]) => h('option', { value: v, text: label, selected: v === preset })));
    select.addEventListener('change', () => {
      const v = select.value;
      customDates = v === 'custom';
      if (v === 'all') go({ from: '', to: '' });
      else if (v === 'today') go({ from: utcDay(0), to: utcDay(0) });
      else if (v === '7d') go({ from: utcDay(-6), to: utcDay(0) });
      else if (v === '30d') go({ from: utcDay(-29), to: utcDay(0) });
      else if (!st.from && !st.to) go({ from: utcDay(-6), to: utcDay(0) });
      else renderDates();
    });
    clear(dateBox).append(icon(ICONS.calendar, 16, 'icon control-icon'), select);
    if (preset === 'custom') {
      dateBox.append(
        dateInput('date-from', 'From (UTC day)', st.from, (v) => go({ from: v })),
        h('span', { className: 'muted', text: '–' }),
        dateInput('date-to', 'To (UTC day, included)', st.to, (v) => go({ to: v })));
    }
  }

  // --- options of the type on show
  const optionsRow = h('div', { className: 'toolbar-row toolbar-row-sub options-row', id: 'type-options' });
  let counts = null; // {rage, dead, error}: frustration counts of the sample

  const options = typeOptions({
    row: optionsRow, state: () => st, go, device, discover, counts: () => counts,
  });
  const renderOptions = options.render;
  // A set in words: "Desktop · all time · Browser: Firefox".
  const describe = describeSet;

  // Rebuilding a control loses focus: give it back to the control with the
  // same id, so keyboard users stay where they were.
  function keepFocus(f) {
    const id = document.activeElement && document.activeElement.id;
    f();
    if (id && document.activeElement === document.body) {
      const el = document.getElementById(id);
      if (el) el.focus({ preventScroll: true });
    }
  }

  const toolbar = h('section', { className: 'toolbar card', 'aria-label': 'Heatmap controls' },
    h('div', { className: 'toolbar-row toolbar-row-tabs' }, tabs),
    h('div', { className: 'toolbar-row' },
      h('div', { className: 'seg', role: 'group', 'aria-label': 'Device', id: 'device-switch' }, deviceBtns),
      dateBox,
      h('div', { className: 'toolbar-stats', 'aria-label': `Counts on ${device.label.toLowerCase()}`, role: 'group' },
        statViews, statSessions, statClicks)),
    segBar.el,
    optionsRow);
  viewEl.appendChild(toolbar);

  const notices = h('div', { className: 'notices', id: 'notices' });
  viewEl.appendChild(notices);

  // --- stage: the page in an iframe, the heatmap PNG over it
  const iframe = h('iframe', {
    name: 'calor-preview', id: 'preview', className: 'preview',
    title: `Preview of ${page} at ${W} px`,
    width: String(W), height: String(device.viewport), scrolling: 'no',
    // scripts run (pages may need them to render) but the preview may not
    // navigate the dashboard, open windows or submit forms
    sandbox: 'allow-same-origin allow-scripts',
    referrerpolicy: 'same-origin',
  });
  const src = previewUrl(page);
  if (src !== null) iframe.src = src;
  const overlay = h('img', {
    id: 'heatmap-overlay', className: 'heatmap-overlay', alt: '',
    draggable: 'false', hidden: true, dataset: { state: 'loading', type: st.type },
  });
  const stageStatus = h('div', { className: 'stage-status', id: 'stage-status' }, spinner('Loading the page…'));
  // an element picked in a table, outlined over the page
  const mark = h('div', { className: 'stage-highlight', id: 'stage-highlight', hidden: true, 'aria-hidden': 'true' });
  const stage = h('div', { className: 'stage', id: 'stage', dataset: { device: device.id, width: String(W) } }, iframe, overlay, mark);
  const sizer = h('div', { className: 'stage-sizer', id: 'stage-sizer', dataset: { device: device.id } }, stage, stageStatus);
  const viewport = h('div', { className: 'stage-viewport', id: 'stage-viewport' }, sizer);

  let opacity = st.opacity !== null ? st.opacity : loadOpacity();
  const opacityInput = h('input', {
    type: 'range', id: 'overlay-opacity', className: 'range', min: '0', max: '100', step: '5', value: String(opacity),
    'aria-describedby': 'overlay-opacity-value',
  });
  const opacityOut = h('output', { id: 'overlay-opacity-value', className: 'range-value', for: 'overlay-opacity', text: `${opacity}%` });
  overlay.style.opacity = String(opacity / 100);
  opacityInput.addEventListener('input', () => {
    const v = Number(opacityInput.value);
    overlay.style.opacity = String(v / 100);
    if (sides) sides.setOpacity(v / 100);
    opacityOut.textContent = `${v}%`;
    saveOpacity(v);
    go({ opacity: v }, true);
  });

  const zoomBtns = [['fit', 'Fit'], ['100', '100%']].map(([z, label]) => h('button', {
    type: 'button', className: 'seg-btn zoom-btn', id: `zoom-${z}`,
    dataset: { zoom: z }, title: z === 'fit' ? 'Scale the page to fit the panel' : 'Show the page at its real size',
    on: { click: () => { if (z !== st.zoom) go({ zoom: z }); } },
  }, label));
  const scaleOut = h('span', { className: 'muted zoom-scale', id: 'zoom-scale' });
  const overlayStatus = h('span', { className: 'overlay-status', id: 'overlay-status', role: 'status', 'aria-live': 'polite' });
  const exportBtn = h('button', {
    type: 'button', className: 'btn btn-secondary btn-small btn-export', id: 'export-png', disabled: true,
    title: 'Download a PNG of the heatmap over the page, with a caption saying what it shows',
    on: { click: () => exportImage() },
  }, icon(DOWNLOAD_ICON, 14), 'Export PNG');

  const stagePanel = h('section', { className: 'stage-panel card', id: 'stage-panel', 'aria-label': 'Heatmap over the page' },
    h('div', { className: 'stage-bar' },
      h('div', { className: 'control' },
        h('label', { className: 'control-label', for: 'overlay-opacity', text: 'Opacity' }),
        opacityInput, opacityOut),
      h('div', { className: 'control', id: 'zoom-control' },
        h('span', { className: 'control-label', id: 'zoom-label', text: 'Zoom' }),
        h('div', { className: 'seg seg-small', role: 'group', 'aria-labelledby': 'zoom-label' }, zoomBtns),
        scaleOut),
      h('div', { className: 'toolbar-spacer' }),
      overlayStatus,
      exportBtn),
    viewport);
  const sidesBox = h('div', { className: 'sides-box', id: 'sides-box', hidden: true });
  stagePanel.appendChild(sidesBox);
  const panel = h('aside', { className: 'type-panel card', id: 'type-panel', role: 'tabpanel', 'aria-labelledby': 'panel-title' });
  const workbench = h('div', { className: 'workbench', id: 'workbench', dataset: { type: st.type } }, stagePanel, panel);
  viewEl.appendChild(workbench);
  const report = h('section', { className: 'card report', id: 'frustration-report', 'aria-label': 'Frustration signals', hidden: true });
  viewEl.appendChild(report);

  // The element a selector finds in the framed page (same origin), or
  // null: another origin, not loaded, no match, or not a valid selector
  // (selectors are stored text from anyone; querySelector only matches).
  function findInPreview(sel) {
    if (typeof sel !== 'string' || !sel) return null;
    try {
      const d = iframe.contentDocument;
      if (!d || !d.documentElement || iframe.contentWindow.location.href === 'about:blank') return null;
      return d.querySelector(sel);
    } catch (e) {
      return null;
    }
  }
  const previewReady = () => {
    try { return !!(iframe.contentDocument && iframe.contentDocument.readyState === 'complete' && iframe.contentWindow.location.href !== 'about:blank'); } catch (e) { return false; }
  };
  function highlight(sel, scroll) {
    const el = findInPreview(sel);
    if (!el) {
      mark.hidden = true;
      delete mark.dataset.selector;
      return false;
    }
    const r = el.getBoundingClientRect();
    const win = iframe.contentWindow;
    mark.style.left = `${r.left + win.scrollX - 3}px`;
    mark.style.top = `${r.top + win.scrollY - 3}px`;
    mark.style.width = `${r.width + 6}px`;
    mark.style.height = `${r.height + 6}px`;
    mark.dataset.selector = sel;
    mark.hidden = false;
    if (scroll) mark.scrollIntoView({ block: 'center', inline: 'nearest', behavior: 'smooth' });
    return true;
  }
  const tableHooks = {
    hover: (sel) => highlight(sel, false),
    pick: (sel) => {
      if (!highlight(sel, true)) announce('This element is not on the page as it is now.');
    },
    found: (sel) => (previewReady() ? !!findInPreview(sel) : null),
    csv: (btn) => exportElementsCsv(btn),
  };

  // --- hover: the value and the element under the pointer (hover.js). The
  // type on show sets hoverSrc once it is drawn; side by side, each side's
  // stage gets its own tooltip, its x taken to A's width.
  let hoverSrc = null;
  let sideHovers = [];
  const mainHover = stageHover({
    iframe, stage, host: stagePanel, id: 'hover-tip',
    value: (x, y) => (hoverSrc && !overlay.hidden && !overlay.classList.contains('is-stale') ? hoverSrc.value(x, y) : null),
    element: (el) => hoverSrc.element(el),
  });
  function dropHover() {
    hoverSrc = null;
    mainHover.hide();
    for (const hv of sideHovers) hv.destroy();
    sideHovers = [];
  }
  ctx.cleanup.push(() => { dropHover(); mainHover.destroy(); });

  function makeHover(type, stAt, data) {
    const setA = { device: stAt.device, from: stAt.from, to: stAt.to, filters: stAt.filters };
    const sets = type === 'diff' ? [['a', setA], ['b', setB(stAt)]] : [['', setA]];
    return hoverSource({
      type, T: TYPES[type], data, dotRadius: Math.max(6, DOTS[stAt.dot].radius / 5),
      grid: () => getJSON(heatmapUrl({ ...apiParams(stAt, key, page, type, W), cell: HOVER_CELL }), signal),
      sets: () => Promise.all(sets.map(([, set]) => getJSON(heatmapUrl({
        site: key, page, type: 'click', device: set.device, width: W, from: set.from, to: set.to, ...filterParams(set.filters), cell: HOVER_CELL,
      }), signal))),
      tables: () => Promise.all(sets.map(([id, set]) => getJSON(elementsUrl({
        site: key, page, device: type === 'elements' && stAt.escope === 'all' ? 'all' : set.device,
        from: set.from, to: set.to, ...filterParams(set.filters), limit: 1000,
      }), signal).then((json) => ({ id, json })))),
      changed: () => { mainHover.refresh(); for (const hv of sideHovers) hv.refresh(); },
    });
  }

  // --- exports: the PNG of what is on show, the element table as CSV
  const fileParts = (...rest) => [siteName, page === '/' ? 'home' : page, ...rest];

  async function exportImage() {
    if (!shown || shown.state !== 'ready' || exportBtn.dataset.state === 'busy') return;
    const stAt = st;
    const type = stAt.type;
    const op = Number(opacityInput.value) / 100;
    exportBtn.disabled = true;
    exportBtn.dataset.state = 'busy';
    setOverlayStatus('Drawing the PNG…', true);
    try {
      const columns = sides
        ? sides.stages.map((sg) => {
          const heat = sg.heat();
          return {
            iframe: sg.iframe, overlay: heat ? sg.overlay : null, width: sg.width, height: sg.height(),
            heatWidth: heat ? heat.width : 0, heatHeight: heat ? heat.height : 0, opacity: op, badge: sg.id.toUpperCase(),
            label: sg.id === 'a' ? describe({ device: stAt.device, from: stAt.from, to: stAt.to, filters: stAt.filters }) : describe(setB(stAt)),
            colour: getComputedStyle(document.documentElement).getPropertyValue(`--side-${sg.id}-solid`).trim(),
          };
        })
        : [{ iframe, overlay: overlay.hidden ? null : overlay, width: W, height: stageH, heatWidth: heatW, heatHeight: heatH, opacity: op, badge: '' }];
      const caption = pngCaption({ site: siteName, page, st: stAt, type, data: shown.data || {}, base, device, width: W, opacity: op });
      const { blob, pageShown } = await exportPng({ columns, caption });
      if (!ctx.alive) return;
      download(blob, fileName(fileParts(type, device.id), 'png'));
      exportBtn.dataset.page = pageShown ? 'shown' : 'missing';
      announce(pageShown ? 'The PNG is downloading.' : 'The PNG is downloading, without the page beneath: it could not be drawn.');
    } catch (e) {
      if (ctx.alive) notices.appendChild(errorBox('Could not export the PNG', e));
    } finally {
      delete exportBtn.dataset.state;
      exportBtn.disabled = !(shown && shown.state === 'ready');
      if (ctx.alive && !overlay.classList.contains('is-loading')) setOverlayStatus('');
    }
  }

  async function exportElementsCsv(btn) {
    const stAt = st;
    const dev = stAt.escope === 'all' ? 'all' : device.id;
    btn.disabled = true;
    try {
      const data = await getJSON(elementsUrl({
        site: key, page, device: dev, from: stAt.from, to: stAt.to, ...filterParams(stAt.filters),
        sort: stAt.esort === 'clicks' ? undefined : stAt.esort, conversion: stAt.conv || undefined, limit: 1000,
      }), signal);
      const { header, rows } = elementsCsv(data);
      download(csvBlob(header, rows), fileName(fileParts('elements', dev), 'csv'));
      announce(`${rows.length} ${rows.length === 1 ? 'element' : 'elements'} exported.`);
    } catch (e) {
      if (e.name !== 'AbortError' && ctx.alive) notices.appendChild(errorBox('Could not export the elements', e));
    } finally {
      btn.disabled = false;
    }
  }

  function renderZoom() {
    for (const b of zoomBtns) b.setAttribute('aria-pressed', b.dataset.zoom === st.zoom ? 'true' : 'false');
  }

  // geometry: heatmap size from the API, document height from the iframe
  let heatH = 0; // height of the heatmap in CSS px
  let heatW = W;
  let docH = 0; // height of the framed document
  let stageH = device.viewport;
  let scale = 1;

  function layout() {
    const shown = overlay.hidden ? 0 : heatH;
    stageH = Math.min(MAX_STAGE_HEIGHT, Math.max(shown, docH, device.viewport));
    stage.style.width = `${W}px`;
    stage.style.height = `${stageH}px`;
    iframe.style.height = `${stageH}px`;
    iframe.height = String(stageH);
    if (heatH > 0) {
      overlay.style.width = `${heatW}px`;
      overlay.style.height = `${heatH}px`;
    }
    const avail = viewport.clientWidth - 2 * STAGE_PAD;
    scale = st.zoom === 'fit' && avail > 0 ? Math.min(1, avail / W) : 1;
    stage.style.transform = scale === 1 ? 'none' : `scale(${scale})`;
    sizer.style.width = `${Math.round(W * scale)}px`;
    sizer.style.height = `${Math.round(stageH * scale)}px`;
    stage.dataset.scale = String(scale);
    stage.dataset.height = String(stageH);
    scaleOut.textContent = `${Math.round(scale * 100)}%`;
  }

  const ro = new ResizeObserver(() => layout());
  ro.observe(viewport);
  ctx.cleanup.push(() => ro.disconnect());

  // --- the framed page
  let navNotice = null;
  function setNavNotice(el) {
    if (navNotice) navNotice.remove();
    navNotice = el;
    if (el) notices.appendChild(el);
  }

  let grows = 0;
  function measure() {
    let d;
    try { d = iframe.contentDocument; } catch (e) { d = null; }
    if (!d || !d.documentElement) return; // another origin: the API's height is all we know
    const hgt = Math.max(d.documentElement.scrollHeight, d.body ? d.body.scrollHeight : 0);
    // grow only, and only a few times: a page sized in vh grows with its frame
    if (hgt > docH + 1 && grows < 8) {
      grows++;
      docH = Math.ceil(hgt);
      layout();
    }
  }

  let firstLoad = true;
  iframe.addEventListener('load', () => {
    if (!ctx.alive) return;
    let here = null;
    try {
      const l = iframe.contentWindow.location;
      if (l.href === 'about:blank') return;
      here = l.pathname + l.search;
    } catch (e) { here = null; }
    stageStatus.hidden = true;
    sizer.classList.add('is-loaded');
    if (here !== null && src !== null && here !== src && !firstLoad) {
      // the visitor followed a link inside the preview
      overlay.classList.add('is-stale');
      const hereHref = hashPage(key, here, stateQuery(st));
      setNavNotice(h('div', { className: 'callout callout-info', id: 'preview-navigated' },
        icon(ICONS.info, 20, 'icon callout-icon'),
        h('div', { className: 'callout-body' },
          h('p', { className: 'callout-title' }, 'The preview now shows ', h('code', { text: here }), '.'),
          h('p', { className: 'callout-text', text: 'The heatmap is hidden because it belongs to another page.' }),
          h('div', { className: 'callout-actions' },
            shared ? null : h('a', { className: 'btn btn-primary', href: hereHref, text: 'Show its heatmap' }),
            h('button', {
              type: 'button', className: 'btn btn-secondary',
              on: { click: () => { iframe.src = src; } },
            }, 'Back to ', h('code', { text: page }))))));
    } else {
      overlay.classList.remove('is-stale');
      setNavNotice(null);
    }
    firstLoad = false;
    docH = 0;
    grows = 0;
    measure();
    // the tables can now say which selectors the page has
    if (shown && shown.type === 'elements' && shown.state !== 'loading') shown.render();
    for (const ms of [300, 1000, 2500]) {
      const t = setTimeout(measure, ms);
      ctx.cleanup.push(() => clearTimeout(t));
    }
  });

  if (src === null) {
    clear(stageStatus).appendChild(h('p', { className: 'muted', text: 'This page path cannot be shown here: it is not a path on this server.' }));
  } else {
    // the iframe cannot tell us its HTTP status: ask once ourselves
    fetch(src, { signal, cache: 'no-cache', credentials: 'same-origin' }).then((res) => {
      if (!ctx.alive || res.ok) return;
      notices.appendChild(callout('warn', ICONS.alert, null,
        [h('strong', { text: `This page answers HTTP ${res.status}.` }), ' The preview cannot show it, so the heatmap has nothing to line up with.'],
        { id: 'preview-missing' }));
    }).catch(() => {});
  }

  // --- data of the sample: counts for this device and dates
  let base = null; // the click JSON of the sample
  let baseSeq = 0;
  const sampleParams = (over) => ({ site: key, page, device: device.id, width: W, from: st.from, to: st.to, cell: 1000, ...filterParams(st.filters), ...over });

  async function loadBase() {
    const seq = ++baseSeq;
    const stale = () => !ctx.alive || seq !== baseSeq;
    base = null;
    counts = null;
    for (const el of [statViews, statSessions, statClicks]) el.querySelector('.stat-value').textContent = '…';
    const old = document.getElementById('sample-warning');
    if (old) old.remove();

    // frustration counts: badges on the Frustration tab and its switch
    Promise.all(FRUSTRATION.map((t) => getJSON(heatmapUrl(sampleParams({ type: t })), signal)
      .then((j) => Number(j.clicks) || 0)))
      .then(([rage, dead, error]) => {
        if (stale()) return;
        counts = { rage, dead, error };
        const total = rage + dead + error;
        const badge = document.getElementById('tab-frustration-badge');
        badge.textContent = fmt(total);
        badge.dataset.count = String(total);
        badge.title = `${fmt(rage)} rage, ${fmt(dead)} dead, ${fmt(error)} error clicks`;
        for (const t of FRUSTRATION) {
          const b = document.getElementById(`frust-${t}-badge`);
          if (b) { b.textContent = fmt(counts[t]); b.dataset.count = String(counts[t]); }
        }
        if (TYPES[st.type].tab === 'frustration' && shown && shown.state !== 'loading') shown.render();
      }).catch(() => {});

    // click counts of every device, as badges on the device switch
    for (const d of DEVICES) {
      if (d.id === device.id) continue;
      getJSON(heatmapUrl(sampleParams({ device: d.id, width: d.width })), signal).then((j) => {
        if (stale()) return;
        const b = deviceBtns.find((x) => x.dataset.device === d.id).querySelector('.seg-badge');
        b.textContent = fmt(j.clicks);
        b.dataset.count = String(j.clicks);
      }).catch(() => {});
    }

    let data;
    try {
      data = await getJSON(heatmapUrl(sampleParams({ type: 'click' })), signal);
    } catch (e) {
      if (stale() || e.name === 'AbortError') return;
      for (const el of [statViews, statSessions, statClicks]) el.querySelector('.stat-value').textContent = '–';
      return; // the type's own request shows the error
    }
    if (stale()) return;
    base = data;
    statViews.querySelector('.stat-value').textContent = fmt(data.pageviews);
    statSessions.querySelector('.stat-value').textContent = fmt(data.sessions);
    statClicks.querySelector('.stat-value').textContent = fmt(data.clicks);
    const myBadge = deviceBtns.find((b) => b.dataset.device === device.id).querySelector('.seg-badge');
    myBadge.textContent = fmt(data.clicks);
    myBadge.dataset.count = String(data.clicks);
    const tb = document.getElementById('tab-click-badge');
    tb.textContent = fmt(data.clicks);
    tb.dataset.count = String(data.clicks);

    const sessions = Number(data.sessions) || 0;
    if ((sessions > 0 && sessions < RELIABLE_SESSIONS) || (typeof data.warning === 'string' && data.warning)) {
      notices.prepend(h('div', { className: 'callout callout-warn callout-compact', id: 'sample-warning' },
        icon(ICONS.info, 18, 'icon callout-icon'),
        h('div', { className: 'callout-body' },
          h('p', { className: 'callout-text' },
            h('strong', { text: `Based on ${fmt(sessions)} ${sessions === 1 ? 'session' : 'sessions'}.` }),
            ` Below ${fmt(RELIABLE_SESSIONS)} sessions, patterns are not yet reliable.`,
            filterEntries(st.filters).length ? ' The segment narrows the sample.' : ''))));
    }
    if (shown && shown.state !== 'loading') shown.render();
  }

  // --- the type on show: overlay, panel, empty and error states
  let typeSeq = 0;
  let typeCtrl = null;
  let overlayUrl = null;
  let shown = null; // {type, state, data, render()}
  let sides = null; // the side-by-side comparison on show
  ctx.cleanup.push(() => { if (sides) sides.destroy(); });

  // --- the frustration report under the page (Frustration tab)
  let reportSeq = 0;
  let reportKey = '';
  function loadReport(force) {
    const on = TYPES[st.type].tab === 'frustration';
    report.hidden = !on;
    if (!on) { reportKey = ''; return; }
    const params = {
      site: key, page: st.fscope === 'site' ? undefined : page, device: device.id, from: st.from, to: st.to,
      ...filterParams(st.filters), limit: 10,
    };
    const k = JSON.stringify(params);
    if (k === reportKey && !force) return;
    reportKey = k;
    const seq = ++reportSeq;
    const stAt = st;
    const args = { el: report, st: stAt, page, device, go, ...tableHooks };
    renderReport({ ...args, state: 'loading' });
    getJSON(frustrationUrl(params), signal).then((data) => {
      if (!ctx.alive || seq !== reportSeq) return;
      renderReport({ ...args, state: 'ready', data });
    }).catch((e) => {
      if (!ctx.alive || seq !== reportSeq || e.name === 'AbortError') return;
      renderReport({ ...args, state: 'error', error: e });
    });
  }

  function clearTypeNotices() {
    for (const id of ['heatmap-empty', 'error']) {
      const el = document.getElementById(id);
      if (el && notices.contains(el)) el.remove();
    }
  }

  function setOverlayStatus(text, busy) {
    clear(overlayStatus);
    if (!text) return;
    if (busy) overlayStatus.appendChild(h('span', { className: 'spinner spinner-small', 'aria-hidden': 'true' }));
    overlayStatus.appendChild(h('span', { text }));
  }

  async function loadType() {
    if (typeCtrl) typeCtrl.abort();
    const ctrl = new AbortController();
    typeCtrl = ctrl;
    const abort = () => ctrl.abort();
    signal.addEventListener('abort', abort, { once: true });
    const seq = ++typeSeq;
    const stale = () => !ctx.alive || seq !== typeSeq;
    const type = st.type;
    const T = TYPES[type];
    const stAt = st;

    const side = type === 'diff' && stAt.cmp === 'side';
    const labels = type === 'diff' ? {
      a: describe({ device: stAt.device, from: stAt.from, to: stAt.to, filters: stAt.filters }),
      b: describe(setB(stAt)),
    } : null;
    shown = {
      type, state: 'loading', data: null,
      render() {
        if (type === 'elements') {
          renderElements({ el: panel, state: this.state === 'empty' ? 'ready' : this.state, data: this.data, st: stAt, device, go, ...tableHooks });
          return;
        }
        renderPanel(panel, {
          type, st: stAt, device, state: this.state, data: this.data, base, counts,
          go, emptyTitle: this.emptyTitle, labels,
        });
      },
    };
    const me = shown;
    workbench.dataset.type = type;
    mark.hidden = true;
    dropHover();
    exportBtn.disabled = true;
    if (sides) { sides.destroy(); sides = null; }
    clear(sidesBox);
    sidesBox.hidden = !side;
    viewport.hidden = side;
    document.getElementById('zoom-control').hidden = side;
    loadReport();
    viewEl.dataset.state = 'loading';
    overlay.dataset.state = 'loading';
    overlay.dataset.type = type;
    overlay.classList.add('is-loading');
    overlay.alt = `${T.label} of ${page} on ${device.label.toLowerCase()}`;
    setOverlayStatus(LOADING_TEXT[type], true);
    clearTypeNotices();
    me.render();

    if (type === 'diff' && vsChanges(stAt).length === 0) {
      // nothing says how B differs yet
      me.state = 'empty';
      me.emptyTitle = 'Choose what B changes';
      me.render();
      overlay.hidden = true;
      overlay.dataset.state = 'empty';
      overlay.classList.remove('is-loading');
      setOverlayStatus('');
      notices.appendChild(callout('info', ICONS.compare, 'Choose what B changes',
        'B is the segment above with something changed: add a change with "Change for B", or pick a preset.', { id: 'heatmap-empty', role: 'status' }));
      layout();
      done(ctx, 'empty');
      return;
    }

    const params = apiParams(stAt, key, page, type, W);
    const setParams = (set) => {
      const dev = deviceById(set.device);
      return { site: key, page, type: 'click', device: set.device, width: dev.width, from: set.from, to: set.to, ...filterParams(set.filters) };
    };
    const setA = { device: stAt.device, from: stAt.from, to: stAt.to, filters: stAt.filters };
    let jsonP;
    let pngP;
    if (T.kind === 'bands') {
      jsonP = getJSON(scrollUrl({ site: key, page, device: device.id, from: stAt.from, to: stAt.to, ...filterParams(stAt.filters) }), ctrl.signal);
    } else if (type === 'confetti') jsonP = getJSON(heatmapUrl(params), ctrl.signal);
    else if (type === 'elements') {
      jsonP = getJSON(elementsUrl({
        site: key, page, device: stAt.escope === 'all' ? 'all' : device.id, from: stAt.from, to: stAt.to,
        ...filterParams(stAt.filters), sort: stAt.esort === 'clicks' ? undefined : stAt.esort, conversion: stAt.conv || undefined, limit: 200,
      }), ctrl.signal);
    } else if (side) {
      jsonP = Promise.all([setA, setB(stAt)].map((set) => getJSON(heatmapUrl({ ...setParams(set), cell: 1000 }), ctrl.signal)))
        .then(([a, b]) => ({ a, b, side: true }));
    } else jsonP = getJSON(heatmapUrl({ ...params, cell: 1000 }), ctrl.signal);
    if (!side) {
      pngP = getPNG(heatmapUrl({ ...params, format: 'png' }), ctrl.signal);
      pngP.catch(() => {}); // handled below
    }

    const fail = (title, e) => {
      if (stale() || (e && e.name === 'AbortError')) return;
      me.state = 'error';
      me.render();
      overlay.dataset.state = 'error';
      overlay.hidden = true;
      overlay.classList.remove('is-loading');
      setOverlayStatus('');
      layout();
      notices.appendChild(errorBox(title, e, () => loadType()));
      done(ctx, 'error');
    };

    let data;
    try {
      data = await jsonP;
    } catch (e) {
      fail(type === 'diff' ? 'Could not compare' : `Could not load the ${T.label.toLowerCase()}`, e);
      return;
    }
    if (stale()) return;
    me.data = data;

    if (isEmpty(type, data)) {
      const [title, text] = emptyMessage(type, device, stAt);
      me.state = 'empty';
      me.emptyTitle = title;
      me.render();
      overlay.hidden = true;
      overlay.dataset.state = 'empty';
      overlay.classList.remove('is-loading');
      setOverlayStatus('');
      notices.appendChild(callout('empty', ICONS[T.tab] || ICONS.click, title, text, { id: 'heatmap-empty', role: 'status' }));
      layout();
      announce(title);
      done(ctx, 'empty');
      return;
    }

    me.state = 'ready';
    me.render();
    if (side) {
      // each set over its own preview; the main overlay rests
      overlay.hidden = true;
      overlay.classList.remove('is-loading');
      overlay.dataset.state = 'ready';
      setOverlayStatus('');
      const b = setB(stAt);
      sides = sideBySide([
        { id: 'a', label: labels.a, device, data: data.a, pngUrl: heatmapUrl({ ...setParams(setA), format: 'png' }) },
        { id: 'b', label: labels.b, device: deviceById(b.device), data: data.b, pngUrl: heatmapUrl({ ...setParams(b), format: 'png' }) },
      ], src, ctrl.signal, Number(opacityInput.value) / 100);
      sidesBox.appendChild(sides.el);
      hoverSrc = makeHover(type, stAt, data);
      sideHovers = sides.stages.map((sg) => stageHover({
        iframe: sg.iframe, stage: sg.stage, host: sidesBox, id: `hover-tip-${sg.id}`,
        value: (x, y) => (hoverSrc ? hoverSrc.value((x * W) / sg.width, y) : null),
        element: (el) => hoverSrc.element(el),
      }));
      exportBtn.disabled = false;
      done(ctx);
      return;
    }
    let png;
    try {
      png = await pngP;
    } catch (e) {
      fail(`Could not draw the ${T.label.toLowerCase()}`, e);
      return;
    }
    if (stale()) return;
    // the headers say the size the PNG covers
    heatW = png.width || Number(data.width) || W;
    heatH = png.height || Number(data.height) || Number(data.doc_height) || 0;
    const url = URL.createObjectURL(png.blob);
    overlay.src = url;
    try {
      await overlay.decode();
    } catch (e) {
      if (stale()) { URL.revokeObjectURL(url); return; }
      URL.revokeObjectURL(url);
      fail(`Could not draw the ${T.label.toLowerCase()}`, new Error('The heatmap image could not be decoded.'));
      return;
    }
    if (stale()) return;
    if (overlayUrl) URL.revokeObjectURL(overlayUrl);
    overlayUrl = url;
    overlay.hidden = false;
    overlay.classList.remove('is-loading');
    overlay.dataset.state = 'ready';
    setOverlayStatus('');
    hoverSrc = makeHover(type, stAt, data);
    exportBtn.disabled = false;
    layout();
    done(ctx);
  }
  ctx.cleanup.push(() => { if (overlayUrl) URL.revokeObjectURL(overlayUrl); });

  // --- state changes from the hash
  const typeKey = (x) => JSON.stringify([apiParams(x, key, page, x.type, W), x.type === 'elements' ? [x.esort, x.escope, x.conv] : null,
    x.type === 'diff' ? x.cmp : null]);
  const baseKey = (x) => JSON.stringify([x.from, x.to, filterEntries(x.filters)]);

  ctx.update = (r) => {
    const next = parseState(r.query);
    if (next.device !== st.device) return false;
    const prev = st;
    st = next;
    if (FRUSTRATION.includes(st.type)) lastFrustration = st.type;
    if (st.from !== prev.from || st.to !== prev.to) customDates = datePreset(st.from, st.to) === 'custom';
    keepFocus(() => {
      renderTabs();
      renderDates();
      renderOptions();
      renderZoom();
      segBar.render(st);
    });
    if (st.opacity !== null && st.opacity !== opacity) {
      opacity = st.opacity;
      opacityInput.value = String(opacity);
      opacityOut.textContent = `${opacity}%`;
      overlay.style.opacity = String(opacity / 100);
    }
    if (st.zoom !== prev.zoom) layout();
    if (baseKey(st) !== baseKey(prev)) loadBase();
    if (typeKey(st) !== typeKey(prev) || st.type !== prev.type) loadType();
    else loadReport();
    return true;
  };

  customDates = datePreset(st.from, st.to) === 'custom';
  renderTabs();
  renderDates();
  renderOptions();
  renderZoom();
  layout();
  loadBase();
  await loadType();
}
