// SPDX-License-Identifier: MIT
// The Pages view, a site's home in the dashboard: every page with its
// views, sessions, clicks, rage/dead/error clicks, scroll depth and
// conversion, sortable and searchable on the server (GET /api/v1/pages),
// and a "Where to look first" order that says in words why a page ranks
// high. The whole view lives in the hash:
//
//   #/site/KEY?sort=…&order=…&q=…&device=…&from=…&to=…&conv=…&offset=…&FILTERS
//
//   sort     pageviews | sessions | clicks | rage | dead | error | depth |
//            conversion | priority | path          (default pageviews)
//   order    asc | desc                             (default desc; asc for path)
//   q        path search, server-side, case-insensitive
//   device   all | desktop | tablet | mobile        (default all)
//   from, to YYYY-MM-DD UTC days
//   conv     the conversion goal (default: the goal most sessions reached)
//   offset   the first row shown (pages of PAGE_SIZE)
//   FILTERS  the segment, with the API's names (page-state.js)
//
// Paths are attacker-controlled: they reach the DOM only as text (and the
// CSV export neutralises them, export.js).
import { h, icon, ICONS, fmt, fmtPct, clear, announce } from './dom.js';
import { getJSON, getSites, pagesUrl } from './api.js';
import { errorBox, emptyState, pageHeader, stat, copyButton, rowLink } from './ui.js';
import { viewEl, hashSites, hashSite, hashPage, updateNav, setTitle, done, delayedSpinner, reroute } from './shell.js';
import { DEVICES, parseState, filterEntries, filterParams, validDate, utcDay, DATE_PRESETS, datePreset } from './page-state.js';
import { segmentBar } from './filters.js';
import { csvBlob, download, fileName, DOWNLOAD_ICON } from './export.js';

const PAGE_SIZE = 50;
const SEARCH_MAX = 200;

// Columns: id = the API's sort name; get = the value a cell shows.
const COLUMNS = [
  { id: 'path', label: 'Page', numeric: false },
  { id: 'pageviews', label: 'Views', numeric: true, title: 'Page views' },
  { id: 'sessions', label: 'Sessions', numeric: true, title: 'Sessions with a view of the page' },
  { id: 'clicks', label: 'Clicks', numeric: true, title: 'Clicks and taps' },
  { id: 'rage', label: 'Rage', numeric: true, title: 'Rage clicks: 3 or more quick clicks in one spot' },
  { id: 'dead', label: 'Dead', numeric: true, title: 'Dead clicks: nothing happened' },
  { id: 'error', label: 'Error', numeric: true, title: 'Error clicks: a JavaScript error followed' },
  { id: 'depth', label: 'Scroll', numeric: true, title: 'Average scroll depth, % of the page' },
  { id: 'conversion', label: 'Conv.', numeric: true, title: 'Share of the page\'s sessions that reached the goal' },
  { id: 'priority', label: 'Priority', numeric: true, title: 'Where to look first: frustrated clicks + conversions missed against the site\'s rate' },
];
const SORTS = new Set(COLUMNS.map((c) => c.id));
const GOAL_RE = /^[a-z0-9_-]{1,64}$/;
const num = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

// The pages as CSV: the table's columns with the API's names (docs/api.md,
// GET /api/v1/pages), conversion as a fraction with its 95 % interval.
export const PAGES_CSV_HEADER = ['path', 'pageviews', 'sessions', 'clicks', 'rage', 'dead', 'error', 'depth', 'scroll_pageviews',
  'converted', 'conversion', 'conversion_low', 'conversion_high', 'priority'];
export function pagesCsvRows(pages) {
  const r = (x, k) => (x && typeof x[k] === 'number' && Number.isFinite(x[k]) ? x[k] : null);
  return pages.filter((p) => p && typeof p === 'object').map((p) => [
    String(p.path === undefined || p.path === null ? '' : p.path), num(p.pageviews), num(p.sessions), num(p.clicks),
    num(p.rage), num(p.dead), num(p.error), r(p, 'depth'), num(p.scroll_pageviews),
    r(p, 'converted'), r(p.conversion, 'rate'), r(p.conversion, 'low'), r(p.conversion, 'high'), r(p.priority, 'score'),
  ]);
}
const CSV_CHUNK = 1000; // the API's largest page
const CSV_MAX = 10000; // the pages the API ranks at most

// The view's state from the hash query.
export function parsePagesState(query) {
  const get = (k) => query.get(k) || '';
  const sort = SORTS.has(get('sort')) ? get('sort') : 'pageviews';
  const order = get('order') === 'asc' || get('order') === 'desc' ? get('order') : (sort === 'path' ? 'asc' : 'desc');
  const device = get('device') === 'all' || DEVICES.some((d) => d.id === get('device')) ? get('device') : 'all';
  const offset = Number(get('offset'));
  // the segment and dates are parsed as the page view parses them
  const seg = parseState(query);
  return {
    sort,
    order,
    q: get('q').slice(0, SEARCH_MAX),
    device,
    from: seg.from,
    to: seg.to,
    conv: GOAL_RE.test(get('conv')) ? get('conv') : '',
    offset: Number.isInteger(offset) && offset > 0 ? offset : 0,
    filters: seg.filters,
  };
}

// The hash query of a state; defaults left out.
function stateQuery(st) {
  const q = {};
  if (st.sort !== 'pageviews') q.sort = st.sort;
  if (st.order !== (st.sort === 'path' ? 'asc' : 'desc')) q.order = st.order;
  if (st.q) q.q = st.q;
  if (st.device !== 'all') q.device = st.device;
  if (st.from) q.from = st.from;
  if (st.to) q.to = st.to;
  if (st.conv) q.conv = st.conv;
  if (st.offset) q.offset = String(st.offset);
  for (const [k, v] of filterEntries(st.filters)) q[k] = v;
  return q;
}

function apiParams(key, st) {
  return {
    site: key, device: st.device, from: st.from, to: st.to, sort: st.sort, order: st.order,
    q: st.q, conversion: st.conv, limit: PAGE_SIZE, offset: st.offset, ...filterParams(st.filters),
  };
}

const pct = (r) => (typeof r === 'number' && Number.isFinite(r) ? fmtPct(r, 1) : '–');
const plural = (n, one, many) => `${fmt(n)} ${n === 1 ? one : many}`;

// Why a page ranks where it does, in words:
// "2,300 sessions, conversion 1.2% vs 3.4% site-wide, 180 rage clicks".
export function reason(p, site) {
  const parts = [plural(num(p.sessions), 'session', 'sessions')];
  const pr = p.priority || {};
  if (site && p.conversion && num(pr.conversion_gap) > 0) {
    parts.push(`conversion ${pct(p.conversion.rate)} vs ${pct(site.rate.rate)} site-wide`);
  }
  for (const [k, one, many] of [['rage', 'rage click', 'rage clicks'], ['dead', 'dead click', 'dead clicks'], ['error', 'error click', 'error clicks']]) {
    if (num(p[k]) > 0) parts.push(plural(num(p[k]), one, many));
  }
  if (parts.length === 1) parts.push(site ? 'converts at least as well as the site, no frustrated clicks' : 'no frustrated clicks');
  return parts.join(', ');
}

export async function viewPages(ctx) {
  const key = ctx.route.key;
  let st = parsePagesState(ctx.route.query);
  setTitle('Pages');
  const signal = ctx.ctrl.signal;
  const sitesP = getSites(signal).catch(() => []);

  // --- the frame: header, controls, notices, table card
  const header = h('div');
  const deviceBox = h('div', { className: 'seg', role: 'group', 'aria-label': 'Device', id: 'pages-device' });
  const dateBox = h('div', { className: 'control date-range', id: 'pages-dates' });
  const stats = h('div', { className: 'toolbar-stats', role: 'group', 'aria-label': 'Totals' });
  const discover = {
    goals: () => Promise.resolve(lastData && Array.isArray(lastData.goals) ? lastData.goals.map((g) => String(g.name)) : []),
    tagValues: () => Promise.resolve([]),
  };
  const segBar = segmentBar({ st, device: { id: st.device }, discover, onChange: (filters) => go({ filters, offset: 0 }) });
  const toolbar = h('section', { className: 'toolbar card pages-toolbar', 'aria-label': 'Pages filters' },
    h('div', { className: 'toolbar-row' }, deviceBox, dateBox, stats),
    segBar.el);
  const notices = h('div', { className: 'notices', id: 'pages-notices' });

  const search = h('input', {
    type: 'search', id: 'pages-filter', className: 'input', placeholder: 'Search pages', 'aria-label': 'Search pages by path',
    autocomplete: 'off', spellcheck: 'false', maxlength: String(SEARCH_MAX),
  });
  search.value = st.q;
  const lookFirst = h('button', { type: 'button', className: 'btn btn-secondary btn-small', id: 'pages-look-first' });
  const goalBox = h('label', { className: 'control pages-goal', id: 'pages-goal-box' });
  const countEl = h('span', { className: 'muted toolbar-count', id: 'pages-count', role: 'status' });
  const csvBtn = h('button', {
    type: 'button', className: 'btn btn-secondary btn-small btn-export', id: 'pages-csv',
    title: 'Download every page under these filters as CSV, in this order',
    on: { click: () => exportCsv() },
  }, icon(DOWNLOAD_ICON, 14), 'Export CSV');
  const headRow = h('tr');
  const tbody = h('tbody', { id: 'pages-body' });
  const pager = h('div', { className: 'pages-pager', id: 'pages-pager' });
  const table = h('table', { className: 'table pages-table', id: 'pages-table' },
    h('caption', { className: 'sr-only', text: 'Pages' }), h('thead', null, headRow), tbody);
  const card = h('section', { className: 'card card-table', 'aria-label': 'Pages', id: 'pages-card' },
    h('div', { className: 'card-toolbar' },
      h('h2', { className: 'card-title', text: 'Pages' }), countEl,
      h('div', { className: 'toolbar-spacer' }),
      goalBox,
      lookFirst,
      csvBtn,
      h('label', { className: 'search' }, icon(ICONS.search, 16, 'icon search-icon'), search)),
    h('div', { className: 'table-scroll' }, table),
    pager);

  // Writes a new state into the hash; the router hands it to update().
  function go(over, replace) {
    const next = { ...st, ...over };
    const hash = hashSite(key, stateQuery(next));
    if (replace) {
      history.replaceState(null, '', hash);
      update({ query: new URLSearchParams(hash.split('?')[1] || '') });
    } else if (hash !== location.hash) {
      location.hash = hash;
    }
  }

  function renderDevice() {
    const items = [{ id: 'all', label: 'All devices' }, ...DEVICES];
    clear(deviceBox).append(...items.map((d) => h('button', {
      type: 'button', className: 'seg-btn', id: `pages-device-${d.id}`, 'aria-pressed': d.id === st.device ? 'true' : 'false',
      on: { click: () => { if (d.id !== st.device) go({ device: d.id, offset: 0 }); } },
    }, d.id === 'all' ? null : icon(ICONS[d.id], 16), h('span', { className: 'seg-label', text: d.label }))));
  }

  let customDates = false;
  function dateInput(id, label, value, onChange) {
    const input = h('input', { type: 'date', id, className: 'input input-date', value, 'aria-label': label, max: utcDay(0) });
    input.addEventListener('change', () => { if (input.value === '' || validDate(input.value)) onChange(input.value); });
    return input;
  }
  function renderDates() {
    const preset = customDates ? 'custom' : datePreset(st.from, st.to);
    const select = h('select', { id: 'pages-range', className: 'select', 'aria-label': 'Date range' },
      DATE_PRESETS.map(([v, label]) => h('option', { value: v, text: label, selected: v === preset })));
    select.addEventListener('change', () => {
      const v = select.value;
      customDates = v === 'custom';
      if (v === 'all') go({ from: '', to: '', offset: 0 });
      else if (v === 'today') go({ from: utcDay(0), to: utcDay(0), offset: 0 });
      else if (v === '7d') go({ from: utcDay(-6), to: utcDay(0), offset: 0 });
      else if (v === '30d') go({ from: utcDay(-29), to: utcDay(0), offset: 0 });
      else if (!st.from && !st.to) go({ from: utcDay(-6), to: utcDay(0), offset: 0 });
      else renderDates();
    });
    clear(dateBox).append(icon(ICONS.calendar, 16, 'icon control-icon'), select);
    if (preset === 'custom') {
      dateBox.append(
        dateInput('pages-from', 'From (UTC day)', st.from, (v) => go({ from: v, offset: 0 })),
        h('span', { className: 'muted', text: '–' }),
        dateInput('pages-to', 'To (UTC day, included)', st.to, (v) => go({ to: v, offset: 0 })));
    }
  }

  function renderHead(data) {
    clear(headRow);
    const goal = data && data.conversion ? String(data.conversion.goal) : '';
    for (const c of COLUMNS) {
      const active = c.id === st.sort;
      const label = c.label;
      const btn = h('button', {
        type: 'button', className: 'sort-btn', dataset: { sort: c.id }, title: c.id === 'conversion' && goal ? `Share of the page's sessions that reached "${goal}"` : c.title,
      }, label, icon(active ? (st.order === 'asc' ? ICONS.up : ICONS.down) : ICONS.sort, 14, 'icon sort-icon'));
      btn.addEventListener('click', () => {
        const order = st.sort === c.id ? (st.order === 'asc' ? 'desc' : 'asc') : (c.numeric ? 'desc' : 'asc');
        go({ sort: c.id, order, offset: 0 });
      });
      headRow.appendChild(h('th', {
        scope: 'col', className: (c.numeric ? 'num ' : '') + `col-${c.id}`,
        'aria-sort': active ? (st.order === 'asc' ? 'ascending' : 'descending') : null,
      }, btn));
    }
    headRow.appendChild(h('th', { scope: 'col', className: 'cell-go' }, h('span', { className: 'sr-only', text: 'Open' })));
  }

  function renderRows(data) {
    clear(tbody);
    const pages = Array.isArray(data.pages) ? data.pages : [];
    const site = data.conversion && data.conversion.rate ? data.conversion : null;
    const maxScore = Math.max(0, ...pages.map((p) => num(p.priority && p.priority.score)));
    const ranked = st.sort === 'priority';
    pages.forEach((p, i) => {
      const path = String(p.path);
      const href = hashPage(key, path);
      const pr = p.priority || {};
      const score = num(pr.score);
      const why = reason(p, site);
      const conv = p.conversion && typeof p.conversion.rate === 'number' ? p.conversion : null;
      const flag = (k) => h('td', { className: `num col-${k}` + (num(p[k]) > 0 ? ` cell-flag cell-${k}` : ' cell-zero'), text: fmt(num(p[k])) });
      const tr = h('tr', { className: 'page-row', dataset: { path } },
        h('td', { className: 'cell-main cell-path' },
          h('div', { className: 'page-cell' },
            ranked ? h('span', { className: 'rank', 'aria-hidden': 'true', text: String(st.offset + i + 1) }) : null,
            h('div', { className: 'page-cell-text' },
              h('a', { className: 'row-title page-link', href, text: path, title: path }),
              ranked ? h('span', { className: 'page-reason', text: why, title: why }) : null))),
        h('td', { className: 'num col-pageviews', text: fmt(num(p.pageviews)) }),
        h('td', { className: 'num col-sessions', text: fmt(num(p.sessions)) }),
        h('td', { className: 'num col-clicks', text: fmt(num(p.clicks)) }),
        flag('rage'), flag('dead'), flag('error'),
        h('td', { className: 'num col-depth', text: typeof p.depth === 'number' ? `${Math.round(p.depth)}%` : '–', title: typeof p.depth === 'number' ? `over ${plural(num(p.scroll_pageviews), 'page view', 'page views')} with scroll data` : 'no scroll data' }),
        h('td', { className: 'num col-conversion cell-conv' + (conv && site && num(pr.conversion_gap) > 0 ? ' cell-below' : ''),
          title: conv ? `${fmt(num(p.converted))} of ${fmt(num(p.sessions))} sessions; 95% interval ${pct(conv.low)}–${pct(conv.high)}` : 'no goal' },
        conv ? pct(conv.rate) : '–'),
        h('td', { className: 'num col-priority cell-priority' + (score === 0 ? ' cell-zero' : ''), title: `${why}. Score ${fmt(num(pr.frustration))} frustrated clicks + ${num(pr.missed_conversions).toFixed(1)} conversions missed = ${score.toFixed(1)}` },
          h('span', { className: 'num-with-bar' },
            h('span', { className: 'bar bar-priority', 'aria-hidden': 'true' },
              h('span', { className: 'bar-fill', style: { width: `${maxScore > 0 ? (score / maxScore) * 100 : 0}%` } })),
            h('span', { text: score === 0 ? '0' : score >= 10 ? fmt(Math.round(score)) : score.toFixed(1) }))),
        h('td', { className: 'cell-go', 'aria-hidden': 'true' }, icon(ICONS.chevron, 16)));
      rowLink(tr, href);
      tbody.appendChild(tr);
    });
    if (pages.length === 0) {
      tbody.appendChild(h('tr', { className: 'no-match' }, h('td', { colspan: String(COLUMNS.length + 1) },
        h('span', { className: 'muted', id: 'pages-none', text: st.q ? 'No page matches the search.' : 'No page views match these filters.' }))));
    }
    const total = num(data.total);
    countEl.textContent = total === 0 ? 'no pages' : plural(total, 'page', 'pages') + (data.truncated ? ' (the 10,000 most viewed)' : '');
    clear(pager);
    if (total > PAGE_SIZE) {
      const first = st.offset + 1;
      const last = Math.min(total, st.offset + pages.length);
      pager.append(
        h('span', { className: 'muted', id: 'pages-range-text', text: `${fmt(first)}–${fmt(last)} of ${fmt(total)}` }),
        h('button', { type: 'button', className: 'btn btn-secondary btn-small', id: 'pages-prev', disabled: st.offset === 0,
          on: { click: () => go({ offset: Math.max(0, st.offset - PAGE_SIZE) }) } }, 'Previous'),
        h('button', { type: 'button', className: 'btn btn-secondary btn-small', id: 'pages-next', disabled: last >= total,
          on: { click: () => go({ offset: st.offset + PAGE_SIZE }) } }, 'Next'));
    }
    lookFirst.textContent = st.sort === 'priority' ? 'Most viewed first' : 'Where to look first';
    lookFirst.setAttribute('aria-pressed', st.sort === 'priority' ? 'true' : 'false');
  }

  // The conversion goal: the goals sessions reached, most first.
  function renderGoal(data) {
    const goals = Array.isArray(data.goals) ? data.goals.map((g) => [String(g.name), num(g.sessions)]) : [];
    const current = data.conversion ? String(data.conversion.goal) : '';
    if (current && !goals.some(([g]) => g === current)) goals.push([current, 0]);
    clear(goalBox);
    goalBox.hidden = goals.length === 0;
    if (!goals.length) return;
    const sel = h('select', { id: 'pages-goal', className: 'select', 'aria-label': 'Conversion goal' },
      goals.map(([g, n]) => h('option', { value: g, text: `${g} (${plural(n, 'session', 'sessions')})`, selected: g === current })));
    sel.addEventListener('change', () => go({ conv: sel.value, offset: 0 }));
    goalBox.append(h('span', { className: 'control-label', text: 'Goal' }), sel);
  }

  function renderStats(data) {
    const conv = data.conversion && data.conversion.rate ? data.conversion : null;
    clear(stats).append(
      stat('Page views', fmt(num(data.pageviews)), 'total-pageviews'),
      stat('Sessions', fmt(num(data.sessions)), 'total-sessions'),
      stat('Clicks', fmt(num(data.clicks)), 'total-clicks'),
      stat(conv ? `Conversion · ${conv.goal}` : 'Conversion', conv ? pct(conv.rate.rate) : '–', 'total-conversion'));
    clear(notices);
    if (typeof data.warning === 'string' && data.warning) {
      notices.append(h('div', { className: 'callout callout-warn callout-compact', id: 'sample-warning', role: 'note' },
        icon(ICONS.alert, 20, 'icon callout-icon'),
        h('div', { className: 'callout-body' },
          h('p', { className: 'callout-text' },
            h('strong', { text: `${plural(num(data.sessions), 'session', 'sessions')}: ` }),
            'fewer than 1,000 sessions, so these patterns are not yet reliable. Conversion intervals show how wide the uncertainty is.'))));
    }
  }

  lookFirst.addEventListener('click', () => {
    go(st.sort === 'priority' ? { sort: 'pageviews', order: 'desc', offset: 0 } : { sort: 'priority', order: 'desc', offset: 0 });
  });
  let searchTimer = 0;
  search.addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => go({ q: search.value.trim().slice(0, SEARCH_MAX), offset: 0 }, true), 250);
  });
  search.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') { clearTimeout(searchTimer); go({ q: search.value.trim().slice(0, SEARCH_MAX), offset: 0 }, true); }
  });
  ctx.cleanup.push(() => clearTimeout(searchTimer));

  // Every page under the filters (not only the rows on show), in the
  // table's order, as CSV.
  let siteName = key;
  async function exportCsv() {
    const at = st;
    csvBtn.disabled = true;
    try {
      const all = [];
      let total = Infinity;
      for (let offset = 0; offset < Math.min(total, CSV_MAX); offset += CSV_CHUNK) {
        const data = await getJSON(pagesUrl({ ...apiParams(key, at), limit: CSV_CHUNK, offset }), signal);
        const pages = Array.isArray(data.pages) ? data.pages : [];
        total = num(data.total);
        all.push(...pages);
        if (pages.length < CSV_CHUNK) break;
      }
      download(csvBlob(PAGES_CSV_HEADER, pagesCsvRows(all)), fileName([siteName, 'pages', at.device], 'csv'));
      announce(`${all.length} ${all.length === 1 ? 'page' : 'pages'} exported.`);
    } catch (e) {
      if (e.name !== 'AbortError' && ctx.alive) clear(notices).append(errorBox('Could not export the pages', e, () => exportCsv()));
    } finally {
      csvBtn.disabled = false;
    }
  }

  // --- loading: one request per state; a newer one aborts the older
  let lastData = null;
  let loadCtrl = null;
  let first = true;
  async function load() {
    if (loadCtrl) loadCtrl.abort();
    const ctrl = new AbortController();
    loadCtrl = ctrl;
    const abort = () => ctrl.abort();
    signal.addEventListener('abort', abort, { once: true });
    card.dataset.state = 'loading';
    let data;
    const stop = first ? delayedSpinner(ctx, viewEl, 'Loading pages…') : () => {};
    try {
      data = await getJSON(pagesUrl(apiParams(key, st)), ctrl.signal);
    } catch (e) {
      stop();
      if (e.name === 'AbortError' || !ctx.alive || ctrl !== loadCtrl) return;
      if (first) {
        viewEl.appendChild(pageHeader({ crumbs: [{ text: 'Sites', href: hashSites() }, { text: key }], title: 'Pages' }));
        viewEl.appendChild(errorBox('Could not load the pages of this site', e, () => reroute()));
        done(ctx, 'error');
        return;
      }
      clear(notices).append(errorBox('Could not load the pages', e, () => load()));
      card.dataset.state = 'error';
      return;
    } finally {
      signal.removeEventListener('abort', abort);
    }
    stop();
    if (!ctx.alive || ctrl !== loadCtrl) return;
    lastData = data;
    if (first) {
      first = false;
      const sites = await sitesP;
      if (!ctx.alive) return;
      const site = sites.find((s) => s.key === key);
      const name = site ? String(site.name || key) : key;
      siteName = name;
      updateNav(ctx.route, name);
      setTitle(name);
      const sub = h('span', { className: 'sub-items' },
        h('span', { className: 'key' }, h('span', { className: 'muted', text: 'Key' }), h('code', { text: key }), copyButton(key, 'Copy site key')),
        site && Array.isArray(site.origins) && site.origins.length
          ? h('span', { className: 'sub-origins' }, site.origins.map((o) => h('span', { className: 'chip', text: String(o) })))
          : null);
      header.append(pageHeader({ crumbs: [{ text: 'Sites', href: hashSites() }, { text: name }], title: name, sub }));
      const nothing = num(data.pageviews) === 0 && !st.q && !st.from && !st.to && st.device === 'all' && filterEntries(st.filters).length === 0;
      if (nothing) {
        const snippet = `<script defer src="${location.origin}/calor.js" data-site="${key}"></script>`;
        viewEl.append(header, h('div', { className: 'card' }, emptyState('No page views yet',
          'Put this snippet in the <head> of every page of the site. Page views and clicks appear here a few seconds after they happen.',
          h('div', { className: 'snippet' },
            h('pre', { className: 'code' }, h('code', { id: 'snippet', text: snippet })),
            copyButton(snippet, 'Copy snippet')),
          'pages-empty')));
        done(ctx, 'empty');
        return;
      }
      viewEl.append(header, toolbar, notices, card);
    }
    renderDevice();
    renderDates();
    renderStats(data);
    renderGoal(data);
    renderHead(data);
    renderRows(data);
    card.dataset.state = 'ready';
    done(ctx);
  }

  // A new hash for this site: apply it in place (keeps focus and the
  // search box), unless the view has not been built yet.
  function update(r) {
    if (first) return false;
    const next = parsePagesState(r.query);
    const segChanged = JSON.stringify(filterEntries(next.filters)) !== JSON.stringify(filterEntries(st.filters));
    st = next;
    if (document.activeElement !== search) search.value = st.q;
    if (segChanged) segBar.render({ filters: st.filters });
    const focusId = document.activeElement && document.activeElement.id;
    const focusSort = document.activeElement && document.activeElement.dataset && document.activeElement.dataset.sort;
    load().then(() => {
      if (focusSort) {
        const b = headRow.querySelector(`[data-sort="${focusSort}"]`);
        if (b) b.focus({ preventScroll: true });
      } else if (focusId && document.activeElement === document.body) {
        const el = document.getElementById(focusId);
        if (el) el.focus({ preventScroll: true });
      }
    });
    return true;
  }
  ctx.update = update;
  await load();
}
