// SPDX-License-Identifier: MIT
// The page view's tables: the Elements panel (GET /api/v1/elements: clicks,
// share with its interval, sessions, rage/dead/error, conversion per
// selector) and the frustration report (GET /api/v1/frustration: rage,
// dead and error clicks by element, quick backs and excessive scrolling by
// page, with the definitions in effect). Selectors, paths and ids are
// attacker-controlled: they only ever reach the DOM as text.
import { h, icon, ICONS, fmt, fmtRate, fmtTime, fmtMs, clear } from './dom.js';
import { spinner } from './ui.js';
import { DOWNLOAD_ICON } from './export.js';

const n = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const str = (v) => (v === null || v === undefined ? '' : String(v));

// Page views, sessions and the warning of any answer.
export function sampleLine(data, id) {
  const warn = typeof data.warning === 'string' && data.warning;
  return h('div', { className: 'sample-line' + (warn ? ' is-warn' : ''), id },
    h('span', { className: 'sample-figure' }, h('strong', { className: 'sample-pageviews', text: fmt(n(data.pageviews)) }), ' page views'),
    h('span', { className: 'sample-figure' }, h('strong', { className: 'sample-sessions', text: fmt(n(data.sessions)) }), ' sessions'),
    warn ? h('span', { className: 'sample-warning', role: 'note' }, icon(ICONS.alert, 14), 'Fewer than 1,000 sessions: patterns are not yet reliable') : null);
}

// Conversion compared with the page: "higher"/"lower" only when the two
// 95 % intervals do not overlap, so noise is not read as a difference.
function versus(c, page) {
  if (!c || !page) return null;
  if (n(c.low) > n(page.high)) return 'higher';
  if (n(c.high) < n(page.low)) return 'lower';
  return 'same';
}

// A rate with its interval on two lines; its text is fmtRate's.
function rateNode(r, cls) {
  const t = fmtRate(r);
  const i = t.indexOf(' (');
  return h('span', { className: cls }, i < 0 ? t : [h('span', { className: 'rate-main', text: t.slice(0, i) }), ' ', h('span', { className: 'rate-ci', text: t.slice(i + 1) })]);
}

// The element table as CSV columns and rows: the API's fields
// (docs/api.md, GET /api/v1/elements), shares and rates as fractions with
// their 95 % interval, then the page's own conversion on every row.
export const ELEMENT_CSV_HEADER = ['selector', 'clicks', 'share', 'share_low', 'share_high', 'sessions', 'rage', 'dead', 'error',
  'interactive', 'non_interactive_clicks', 'converted', 'conversion', 'conversion_low', 'conversion_high',
  'goal', 'page_conversion', 'page_conversion_low', 'page_conversion_high'];
export function elementsCsv(data) {
  const conv = data && data.conversion && typeof data.conversion === 'object' ? data.conversion : null;
  const r = (x, k) => (x && typeof x[k] === 'number' && Number.isFinite(x[k]) ? x[k] : null);
  const pageRate = conv ? conv.rate : null;
  const rows = (Array.isArray(data && data.elements) ? data.elements : []).filter((e) => e && typeof e === 'object').map((e) => [
    str(e.selector), n(e.clicks), r(e.share, 'rate'), r(e.share, 'low'), r(e.share, 'high'), n(e.sessions),
    n(e.rage), n(e.dead), n(e.error), typeof e.interactive === 'boolean' ? e.interactive : null, n(e.non_interactive_clicks),
    typeof e.converted === 'number' ? e.converted : null, r(e.conversion, 'rate'), r(e.conversion, 'low'), r(e.conversion, 'high'),
    conv ? str(conv.goal) : null, r(pageRate, 'rate'), r(pageRate, 'low'), r(pageRate, 'high'),
  ]);
  return { header: ELEMENT_CSV_HEADER, rows };
}

const SORTS = [
  ['clicks', 'Clicks'],
  ['rage', 'Rage'],
  ['dead', 'Dead'],
  ['error', 'Error'],
];

// The Elements panel. opts: { el, state, data, st, device, go, hover(sel), pick(sel), found(sel),
// csv(button): download the table as CSV }
export function renderElements(opts) {
  const { el, state, st, device, go } = opts;
  const head = h('header', { className: 'panel-head' },
    h('h2', { className: 'panel-title', id: 'panel-title', text: 'Elements' }),
    h('p', { className: 'panel-sub', text: 'What visitors click on this page, element by element. Point at a row to find it on the page.' }));
  el.dataset.type = 'elements';
  el.dataset.state = state;
  if (state === 'loading') { el.replaceChildren(head, spinner('Counting clicks per element…')); return; }
  if (state === 'error') { el.replaceChildren(head, h('p', { className: 'panel-note', text: 'Nothing to show: see the message above the page.' })); return; }
  const data = opts.data || {};
  const conv = data.conversion && typeof data.conversion === 'object' ? data.conversion : null;
  const pageRate = conv ? conv.rate : null;

  const scope = h('div', { className: 'seg seg-small', role: 'group', 'aria-label': 'Devices', id: 'escope' },
    [['device', device.label], ['all', 'All devices']].map(([id, label]) => h('button', {
      type: 'button', className: 'seg-btn', id: `escope-${id}`, 'aria-pressed': st.escope === id ? 'true' : 'false',
      on: { click: () => { if (st.escope !== id) go({ escope: id }); } },
    }, label)));
  const sortSeg = h('div', { className: 'seg seg-small', role: 'group', 'aria-label': 'Order by', id: 'esort' },
    SORTS.map(([id, label]) => h('button', {
      type: 'button', className: 'seg-btn', id: `esort-${id}`, 'aria-pressed': st.esort === id ? 'true' : 'false',
      on: { click: () => { if (st.esort !== id) go({ esort: id }); } },
    }, label)));

  const goalIn = h('input', {
    type: 'text', id: 'conv-goal', className: 'input input-plain input-goal', value: conv ? str(conv.goal) : st.conv,
    placeholder: 'goal name', 'aria-label': 'Conversion goal', spellcheck: 'false', autocomplete: 'off', maxlength: '64',
  });
  const setGoal = () => {
    const v = goalIn.value.trim();
    if (v === '' || /^[a-z0-9_-]{1,64}$/.test(v)) go({ conv: v });
    else goalIn.setAttribute('aria-invalid', 'true');
  };
  goalIn.addEventListener('change', setGoal);
  goalIn.addEventListener('keydown', (e) => { if (e.key === 'Enter') setGoal(); });
  const convLine = h('p', { className: 'conv-line', id: 'conv-line' },
    h('label', { for: 'conv-goal', className: 'control-label', text: 'Conversion to' }), goalIn,
    conv
      ? h('span', null, h('strong', { id: 'conv-rate', text: fmtRate(conv.rate) }),
        ` of ${fmt(n(conv.sessions))} sessions reached it (${fmt(n(conv.converted))}).`)
      : h('span', { className: 'muted', id: 'conv-none', text: 'No session reached a goal yet.' }));

  const rows = Array.isArray(data.elements) ? data.elements : [];
  const thead = h('thead', null, h('tr', null,
    h('th', { scope: 'col', text: 'Element' }),
    ...[['clicks', 'Clicks'], ['share', 'Share of clicks'], ['sessions', 'Sessions'], ['frustration', 'Frustration'], ['conversion', 'Conversion']]
      .map(([k, label]) => {
        const sortable = k === 'clicks';
        const sorted = st.esort === k || (k === 'frustration' && st.esort !== 'clicks');
        return h('th', { scope: 'col', className: 'num', 'aria-sort': sorted ? 'descending' : null },
          sortable ? h('button', { type: 'button', className: 'sort-btn', dataset: { sort: k }, on: { click: () => { if (st.esort !== k) go({ esort: k }); } } },
            label, icon(st.esort === k ? ICONS.down : ICONS.sort, 14, 'icon sort-icon')) : label);
      })));
  const tbody = h('tbody', { id: 'elements-body' });
  rows.forEach((e, i) => {
    if (!e || typeof e !== 'object') return;
    const sel = str(e.selector);
    const nonInteractive = e.interactive === false || n(e.non_interactive_clicks) > 0;
    const vs = versus(e.conversion, pageRate);
    const found = opts.found ? opts.found(sel) : null;
    const tr = h('tr', { className: 'element-row', tabindex: '0', dataset: { selector: sel, index: String(i), found: found === null ? '' : String(found) } },
      h('td', { className: 'cell-selector' },
        h('code', { className: 'selector', text: sel, title: sel }),
        nonInteractive ? h('span', {
          className: 'badge badge-warn', title: e.interactive === false
            ? 'Not a link, button or form field: people click it expecting something to happen'
            : `${fmt(n(e.non_interactive_clicks))} of these clicks were on a part that is not a link or button`,
        }, e.interactive === false ? 'not clickable' : `${fmt(n(e.non_interactive_clicks))} off target`) : null,
        found === false ? h('span', { className: 'badge badge-muted', title: 'This selector matches nothing on the page as it is now' }, 'not on the page now') : null),
      h('td', { className: 'num cell-clicks', text: fmt(n(e.clicks)) }),
      h('td', { className: 'num cell-share' },
        rateNode(e.share, 'share-text')),
      h('td', { className: 'num cell-sessions', text: fmt(n(e.sessions)) }),
      h('td', { className: 'num cell-signals' },
        ['rage', 'dead', 'error'].some((k) => n(e[k]))
          ? ['rage', 'dead', 'error'].map((k) => (n(e[k]) ? h('span', {
            className: `sig sig-${k}`, dataset: { count: String(n(e[k])) }, text: `${fmt(n(e[k]))} ${k}`,
          }) : null))
          : h('span', { className: 'muted', text: '–' })),
      h('td', { className: 'num cell-conversion' + (vs ? ` is-${vs}` : ''), title: vs === 'higher' ? 'Clearly higher than the page overall' : vs === 'lower' ? 'Clearly lower than the page overall' : vs === 'same' ? 'Not clearly different from the page overall' : null },
        e.conversion ? rateNode(e.conversion, 'conv-text') : h('span', { className: 'muted', text: '–' }),
        vs === 'higher' ? icon(ICONS.up, 14, 'icon conv-icon') : vs === 'lower' ? icon(ICONS.down, 14, 'icon conv-icon') : null));
    if (opts.hover) {
      tr.addEventListener('mouseenter', () => opts.hover(sel));
      tr.addEventListener('mouseleave', () => opts.hover(null));
      tr.addEventListener('focus', () => opts.hover(sel));
      tr.addEventListener('blur', () => opts.hover(null));
    }
    if (opts.pick) {
      tr.addEventListener('click', () => opts.pick(sel));
      tr.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') opts.pick(sel); });
    }
    tbody.appendChild(tr);
  });
  if (!tbody.firstChild) tbody.appendChild(h('tr', null, h('td', { colspan: '6', className: 'muted', text: 'No clicks on any element in this sample.' })));

  const table = h('table', { className: 'table table-compact', id: 'elements-table' },
    h('caption', { className: 'sr-only', text: 'Clicks per element' }), thead, tbody,
    conv ? h('tfoot', null, h('tr', { className: 'total-row' },
      h('th', { scope: 'row', text: 'The whole page' }),
      h('td', { className: 'num', id: 'elements-total-clicks', text: fmt(n(data.clicks)) }),
      h('td', { className: 'num', text: '100%' }),
      h('td', { className: 'num', text: fmt(n(data.sessions)) }),
      h('td', null),
      h('td', { className: 'num', id: 'elements-page-conversion' }, rateNode(pageRate, 'conv-text')))) : null);

  el.replaceChildren(head,
    h('section', { className: 'panel-section' },
      sampleLine(data, 'elements-sample'),
      h('div', { className: 'panel-controls' },
        h('span', { className: 'control' }, h('span', { className: 'control-label', text: 'Devices' }), scope),
        h('span', { className: 'control' }, h('span', { className: 'control-label', text: 'Order by' }), sortSeg),
        opts.csv ? h('button', {
          type: 'button', className: 'btn btn-secondary btn-small btn-export', id: 'export-elements-csv',
          title: 'Download every element of this table as CSV (up to 1,000 rows)',
          on: { click: (e) => opts.csv(e.currentTarget) },
        }, icon(DOWNLOAD_ICON, 14), 'Export CSV') : null),
      convLine),
    h('div', { className: 'table-scroll' }, table),
    h('p', { className: 'panel-note panel-foot', text: 'Share of clicks and conversion carry 95% intervals (Wilson). A conversion is marked higher or lower only when its interval does not overlap the page\'s.' }));
}

// -------------------------------------------------------------- frustration

function plainDefinitions(d) {
  const s = (ms) => fmtMs(n(ms));
  return [
    ['Rage click', `${fmt(n(d.rage_clicks))} or more clicks, each within ${s(d.rage_ms)} of the one before and within ${fmt(n(d.rage_px))} px of it. The click that completes the run and every later one count.`],
    ['Dead click', `A click on something that is not a link, button or field, after which nothing happened for ${s(d.dead_ms)}: no change to the page, no navigation, no scrolling, no selection.`],
    ['Error click', `A click followed within ${s(d.error_ms)} by a JavaScript error.`],
    ['Quick back', `Leaving a page and coming back to the one before within ${s(d.quick_back_ms)}.`],
    ['Excessive scrolling', `A page view that changed scroll direction at least ${fmt(n(d.scroll_reversals_min))} times and at least ${fmt(n(d.scroll_reversals_factor))} times as often as is typical (the median) for its page.`],
  ];
}

function examples(list) {
  const ex = Array.isArray(list) ? list.filter((x) => x && typeof x === 'object') : [];
  if (!ex.length) return h('span', { className: 'muted', text: '–' });
  return h('ul', { className: 'examples' }, ex.map((x) => h('li', null,
    h('time', { dateTime: new Date(n(x.ts)).toISOString(), text: fmtTime(n(x.ts)), title: `session ${str(x.session)}, page view ${str(x.pageview)}` }))));
}

function signalTable(id, kind, block, opts) {
  const items = Array.isArray(block && block.elements) ? block.elements : [];
  const site = opts.st.fscope === 'site';
  const body = h('tbody');
  for (const e of items) {
    if (!e || typeof e !== 'object') continue;
    const sel = str(e.selector);
    const path = str(e.page);
    const here = path === opts.page;
    const tr = h('tr', { className: 'signal-row', dataset: { selector: sel, page: path }, tabindex: here ? '0' : null },
      h('td', { className: 'cell-selector' }, h('code', { className: 'selector', text: sel, title: sel })),
      site ? h('td', { className: 'cell-page' }, h('code', { text: path, title: path })) : null,
      h('td', { className: 'num cell-count', text: fmt(n(e.count)) }),
      h('td', { className: 'num cell-sessions', text: fmt(n(e.sessions)) }),
      h('td', { className: 'cell-examples' }, examples(e.examples)));
    if (here && opts.hover) {
      tr.addEventListener('mouseenter', () => opts.hover(sel));
      tr.addEventListener('mouseleave', () => opts.hover(null));
      tr.addEventListener('click', () => opts.pick && opts.pick(sel));
    }
    body.appendChild(tr);
  }
  const total = n(block && block.clicks);
  return h('section', { className: `report-block report-kind-${kind}`, id },
    h('h3', { className: 'report-heading' }, h('span', { className: `frust-dot frust-dot-${kind}`, 'aria-hidden': 'true' }),
      h('span', { text: `${kind[0].toUpperCase()}${kind.slice(1)} clicks` }), h('span', { className: 'report-count', id: `${id}-total`, text: fmt(total) })),
    items.length
      ? h('table', { className: 'table table-compact' },
        h('thead', null, h('tr', null, h('th', { scope: 'col', text: 'Element' }), site ? h('th', { scope: 'col', text: 'Page' }) : null,
          h('th', { scope: 'col', className: 'num', text: 'Clicks' }), h('th', { scope: 'col', className: 'num', text: 'Sessions' }),
          h('th', { scope: 'col', text: 'Latest examples' }))),
        body)
      : h('p', { className: 'muted report-none', text: `No ${kind} clicks.` }));
}

function pageTable(id, title, block, scrolling) {
  const items = Array.isArray(block && block.pages) ? block.pages : [];
  const body = h('tbody');
  for (const p of items) {
    if (!p || typeof p !== 'object') continue;
    body.appendChild(h('tr', { className: 'signal-row', dataset: { page: str(p.page) } },
      h('td', { className: 'cell-page' }, h('code', { text: str(p.page), title: str(p.page) })),
      h('td', { className: 'num cell-count', text: fmt(n(p.count)) }),
      h('td', { className: 'num cell-sessions', text: fmt(n(p.sessions)) }),
      scrolling ? h('td', { className: 'num', text: `${fmt(n(p.median_reversals))} / ${fmt(n(p.threshold))}` }) : null,
      h('td', { className: 'cell-examples' }, examples(p.examples))));
  }
  return h('section', { className: 'report-block', id },
    h('h3', { className: 'report-heading' }, h('span', { text: title }),
      h('span', { className: 'report-count', id: `${id}-total`, text: fmt(items.reduce((a, p) => a + n(p && p.count), 0)) })),
    items.length
      ? h('table', { className: 'table table-compact' },
        h('thead', null, h('tr', null, h('th', { scope: 'col', text: 'Page' }),
          h('th', { scope: 'col', className: 'num', text: 'Page views' }), h('th', { scope: 'col', className: 'num', text: 'Sessions' }),
          scrolling ? h('th', { scope: 'col', className: 'num', text: 'Reversals', title: 'Scroll direction changes: the page\'s median / the count a page view needed to be excessive' }) : null,
          h('th', { scope: 'col', text: 'Latest examples' }))),
        body)
      : h('p', { className: 'muted report-none', text: 'None.' }));
}

// The frustration report card. opts: { el, state, data, error, st, page, device, go, hover, pick }
export function renderReport(opts) {
  const { el, state, st, go } = opts;
  const data = opts.data || {};
  const scope = h('div', { className: 'seg seg-small', role: 'group', 'aria-label': 'Pages', id: 'fscope' },
    [['page', 'This page'], ['site', 'Every page']].map(([id, label]) => h('button', {
      type: 'button', className: 'seg-btn', id: `fscope-${id}`, 'aria-pressed': st.fscope === id ? 'true' : 'false',
      on: { click: () => { if (st.fscope !== id) go({ fscope: id }); } },
    }, label)));
  const head = h('div', { className: 'card-toolbar report-toolbar' },
    h('h2', { className: 'card-title', text: 'Frustration signals' }),
    h('span', { className: 'muted', text: `${opts.device.label}, by element and by page` }),
    h('div', { className: 'toolbar-spacer' }),
    scope);
  el.dataset.state = state;
  if (state === 'loading') { el.replaceChildren(head, spinner('Looking for frustration…')); return; }
  if (state === 'error') {
    el.replaceChildren(head, h('p', { className: 'report-error', id: 'report-error', text: `Could not load the frustration signals: ${opts.error && (opts.error.detail || opts.error.message) || 'error'}` }));
    return;
  }
  const defs = data.definitions && typeof data.definitions === 'object' ? data.definitions : {};
  el.replaceChildren(head,
    h('div', { className: 'report-body' },
      sampleLine(data, 'report-sample'),
      h('div', { className: 'report-grid' },
        signalTable('report-rage', 'rage', data.rage, opts),
        signalTable('report-dead', 'dead', data.dead, opts),
        signalTable('report-error', 'error', data.error, opts),
        pageTable('report-quick-back', 'Quick backs', data.quick_back, false),
        pageTable('report-scrolling', 'Excessive scrolling', data.excessive_scroll, true)),
      h('details', { className: 'report-defs', id: 'report-definitions', open: true },
        h('summary', { text: 'What these mean here' }),
        h('dl', null, plainDefinitions(defs).map(([term, text]) => h('div', { className: 'def' }, h('dt', { text: term }), h('dd', { text })))))));
}

export { clear };
