// SPDX-License-Identifier: MIT
// calor dashboard: sites, pages of a site, and a page's heatmaps over the
// page itself. Plain ES2020 modules, no framework, no build step.
//
// Every string that comes from the API (site names, keys, origins, page
// paths, tags) was written by someone on the internet: it is only ever put
// into the DOM with textContent, text nodes or attribute values we build
// ourselves, never with innerHTML.
//
// State lives in the URL hash, so every view can be bookmarked and reloaded:
//   #/                                        sites (straight to the pages when there is one site)
//   #/sites                                   sites, always the list
//   #/site/KEY                                pages of a site  [?sort=path|pageviews|sessions|clicks&dir=asc|desc]
//   #/site/KEY/page/ENCODED_PATH              heatmaps of a page; the query is described in page-state.js
//
// Files: dom.js (DOM helpers, icons), api.js (requests), ui.js (shared
// pieces), shell.js (hashes, sidebar, view life cycle), page.js (the page
// view), page-state.js (its hash state, segment filters and compare sets),
// panel.js (its side panel), filters.js (the segment bar and B's changes),
// insights.js (the Elements table and the frustration report), compare.js
// (both sets side by side), charts.js (SVG charts).
import { h, icon, ICONS, fmt, clear } from './dom.js';
import { getJSON, getSites, pagesUrl } from './api.js';
import { errorBox, emptyState, pageHeader, stat, copyButton, rowLink } from './ui.js';
import {
  viewEl, mainEl, hashSites, hashSite, hashPage, parseHash, updateNav, setTitle,
  setRouter, wantFocus, done, delayedSpinner,
} from './shell.js';
import { viewPage } from './page.js';

async function checkHealth() {
  const el = document.getElementById('health');
  const text = document.getElementById('health-text');
  try {
    const res = await fetch('/healthz', { cache: 'no-cache' });
    const ok = res.ok;
    el.dataset.state = ok ? 'ok' : 'bad';
    text.textContent = ok ? 'Server is running' : `Server unhealthy (HTTP ${res.status})`;
  } catch (e) {
    el.dataset.state = 'bad';
    text.textContent = 'Server unreachable';
  }
}

// ------------------------------------------------------------------- router

let current = null;
let firstRender = true;

// force: render from scratch even when the view could update in place
function route(force) {
  const r = parseHash();
  // the page view applies a new tab, filter or setting without reloading
  // the framed page
  if (!force && current && current.update && current.alive && r.name === current.route.name &&
      r.key === current.route.key && r.page === current.route.page && current.update(r)) {
    current.route = r;
    wantFocus(false);
    updateNav(r);
    return;
  }
  if (current) {
    current.ctrl.abort();
    for (const f of current.cleanup) {
      try { f(); } catch (e) { /* keep going */ }
    }
  }
  const ctx = {
    route: r,
    ctrl: new AbortController(),
    cleanup: [],
    update: null,
    get alive() { return current === ctx; },
  };
  current = ctx;
  document.body.dataset.view = r.name;
  updateNav(r);
  clear(viewEl);
  viewEl.dataset.state = 'loading';

  const views = { home: viewSites, sites: viewSites, site: viewPages, page: viewPage, notfound: viewNotFound };
  Promise.resolve(views[r.name](ctx)).catch((e) => {
    if (e && e.name === 'AbortError') return;
    if (!ctx.alive) return;
    clear(viewEl);
    viewEl.dataset.state = 'error';
    viewEl.appendChild(errorBox('Something went wrong', e, () => route(true)));
    console.error(e);
  });
  if (!firstRender) {
    window.scrollTo(0, 0);
  }
  firstRender = false;
}
setRouter(route);

window.addEventListener('hashchange', () => { wantFocus(true); route(); });

// ---------------------------------------------------------------- not found

function viewNotFound(ctx) {
  setTitle('Not found');
  viewEl.appendChild(pageHeader({ title: 'Not found' }));
  viewEl.appendChild(emptyState('There is nothing at this address',
    'The link may be incomplete. Start again from the list of sites.',
    h('a', { className: 'btn btn-primary', href: hashSites(), text: 'Go to sites' })));
  done(ctx, 'notfound');
}

// -------------------------------------------------------------------- sites

async function viewSites(ctx) {
  setTitle('Sites');
  const stop = delayedSpinner(ctx, viewEl, 'Loading sites…');
  let sites;
  try {
    sites = await getSites(ctx.ctrl.signal, true);
  } catch (e) {
    stop();
    if (!ctx.alive || e.name === 'AbortError') return;
    viewEl.appendChild(pageHeader({ title: 'Sites' }));
    viewEl.appendChild(errorBox('Could not load the sites', e, () => route(true)));
    done(ctx, 'error');
    return;
  }
  stop();
  if (!ctx.alive) return;

  if (ctx.route.name === 'home' && sites.length === 1) {
    location.replace(hashSite(sites[0].key));
    return;
  }

  viewEl.appendChild(pageHeader({
    title: 'Sites',
    sub: sites.length === 1 ? '1 site sends data to this calor.' : `${fmt(sites.length)} sites send data to this calor.`,
  }));

  if (sites.length === 0) {
    viewEl.appendChild(h('div', { className: 'card' }, emptyState('No sites yet',
      'Create a site on the server, then put its snippet on your pages.',
      h('pre', { className: 'code' }, h('code', { text: 'calor site add NAME --origin https://www.example.com' })),
      'sites-empty')));
    done(ctx, 'empty');
    return;
  }

  const tbody = h('tbody');
  for (const s of sites) {
    const key = String(s.key);
    const name = String(s.name || key);
    const origins = Array.isArray(s.origins) ? s.origins.map(String) : [];
    const href = hashSite(key);
    const tr = h('tr', { className: 'site-row', dataset: { key } },
      h('td', { className: 'cell-main' },
        h('a', { className: 'row-title site-link', href, text: name, title: name })),
      h('td', null,
        h('span', { className: 'key' }, h('code', { text: key }), copyButton(key, 'Copy site key'))),
      h('td', { className: 'cell-origins' },
        origins.length
          ? origins.map((o) => h('span', { className: 'chip', text: o, title: o }))
          : h('span', { className: 'muted', text: 'Any origin' })),
      h('td', { className: 'cell-go', 'aria-hidden': 'true' }, icon(ICONS.chevron, 16)));
    rowLink(tr, href);
    tbody.appendChild(tr);
  }
  viewEl.appendChild(h('div', { className: 'card card-table' },
    h('table', { className: 'table', id: 'sites-table' },
      h('caption', { className: 'sr-only', text: 'Sites' }),
      h('thead', null, h('tr', null,
        h('th', { scope: 'col', text: 'Site' }),
        h('th', { scope: 'col', text: 'Key' }),
        h('th', { scope: 'col', text: 'Allowed origins' }),
        h('th', { scope: 'col', className: 'cell-go' }, h('span', { className: 'sr-only', text: 'Open' })))),
      tbody)));
  done(ctx);
}

// -------------------------------------------------------------------- pages

const SORTS = {
  path: { label: 'Page', numeric: false },
  pageviews: { label: 'Page views', numeric: true },
  sessions: { label: 'Sessions', numeric: true },
  clicks: { label: 'Clicks', numeric: true },
};

async function viewPages(ctx) {
  const key = ctx.route.key;
  setTitle('Pages');
  const stop = delayedSpinner(ctx, viewEl, 'Loading pages…');
  const signal = ctx.ctrl.signal;
  const sitesP = getSites(signal).catch(() => []);
  let data;
  try {
    data = await getJSON(pagesUrl({ site: key }), signal);
  } catch (e) {
    stop();
    if (!ctx.alive || e.name === 'AbortError') return;
    viewEl.appendChild(pageHeader({ crumbs: [{ text: 'Sites', href: hashSites() }, { text: key }], title: 'Pages' }));
    viewEl.appendChild(errorBox('Could not load the pages of this site', e, () => route(true)));
    done(ctx, 'error');
    return;
  }
  const sites = await sitesP;
  stop();
  if (!ctx.alive) return;

  const site = sites.find((s) => s.key === key);
  const name = site ? String(site.name || key) : key;
  updateNav(ctx.route, name);
  setTitle(name);
  const pages = Array.isArray(data.pages) ? data.pages : [];

  const sub = h('span', { className: 'sub-items' },
    h('span', { className: 'key' }, h('span', { className: 'muted', text: 'Key' }), h('code', { text: key }), copyButton(key, 'Copy site key')),
    site && Array.isArray(site.origins) && site.origins.length
      ? h('span', { className: 'sub-origins' }, site.origins.map((o) => h('span', { className: 'chip', text: String(o) })))
      : null);
  viewEl.appendChild(pageHeader({ crumbs: [{ text: 'Sites', href: hashSites() }, { text: name }], title: name, sub }));

  viewEl.appendChild(h('section', { className: 'stats', 'aria-label': 'Totals' },
    stat('Page views', fmt(data.pageviews), 'total-pageviews'),
    stat('Sessions', fmt(data.sessions), 'total-sessions'),
    stat('Clicks', fmt(data.clicks), 'total-clicks'),
    stat('Pages', fmt(pages.length), 'total-pages')));

  if (pages.length === 0) {
    const snippet = `<script defer src="${location.origin}/calor.js" data-site="${key}"></script>`;
    viewEl.appendChild(h('div', { className: 'card' }, emptyState('No page views yet',
      'Put this snippet in the <head> of every page of the site. Page views and clicks appear here a few seconds after they happen.',
      h('div', { className: 'snippet' },
        h('pre', { className: 'code' }, h('code', { id: 'snippet', text: snippet })),
        copyButton(snippet, 'Copy snippet')),
      'pages-empty')));
    done(ctx, 'empty');
    return;
  }

  // sort state, kept in the hash
  let sort = ctx.route.query.get('sort');
  if (!SORTS[sort]) sort = 'pageviews';
  let dir = ctx.route.query.get('dir');
  if (dir !== 'asc' && dir !== 'desc') dir = SORTS[sort].numeric ? 'desc' : 'asc';
  let filter = '';

  const maxViews = Math.max(1, ...pages.map((p) => Number(p.pageviews) || 0));
  const totalViews = Math.max(1, Number(data.pageviews) || 0);

  const filterInput = h('input', {
    type: 'search', id: 'pages-filter', className: 'input', placeholder: 'Filter pages', 'aria-label': 'Filter pages by path',
    autocomplete: 'off', spellcheck: 'false',
  });
  const countEl = h('span', { className: 'muted toolbar-count', id: 'pages-count' });
  const headRow = h('tr');
  const tbody = h('tbody', { id: 'pages-body' });
  const table = h('table', { className: 'table', id: 'pages-table' },
    h('caption', { className: 'sr-only', text: `Pages of ${name}` }),
    h('thead', null, headRow),
    tbody,
    h('tfoot', null, h('tr', { className: 'total-row', id: 'pages-total' },
      h('th', { scope: 'row', text: 'Total, all pages' }),
      h('td', { className: 'num', text: fmt(data.pageviews) }),
      h('td', { className: 'num', text: fmt(data.sessions) }),
      h('td', { className: 'num', text: fmt(data.clicks) }),
      h('td', { className: 'cell-go' }))));

  function renderHead() {
    clear(headRow);
    for (const [k, s] of Object.entries(SORTS)) {
      const active = k === sort;
      const btn = h('button', { type: 'button', className: 'sort-btn', dataset: { sort: k } },
        s.label, icon(active ? (dir === 'asc' ? ICONS.up : ICONS.down) : ICONS.sort, 14, 'icon sort-icon'));
      btn.addEventListener('click', () => {
        if (sort === k) dir = dir === 'asc' ? 'desc' : 'asc';
        else { sort = k; dir = s.numeric ? 'desc' : 'asc'; }
        history.replaceState(null, '', hashSite(key, { sort, dir }));
        renderHead();
        renderBody();
        headRow.querySelector(`[data-sort="${k}"]`).focus();
      });
      headRow.appendChild(h('th', {
        scope: 'col', className: s.numeric ? 'num' : null,
        'aria-sort': active ? (dir === 'asc' ? 'ascending' : 'descending') : null,
      }, btn));
    }
    headRow.appendChild(h('th', { scope: 'col', className: 'cell-go' }, h('span', { className: 'sr-only', text: 'Open' })));
  }

  function renderBody() {
    clear(tbody);
    const f = filter.trim().toLowerCase();
    const rows = pages.filter((p) => !f || String(p.path).toLowerCase().includes(f));
    rows.sort((a, b) => {
      let c;
      if (sort === 'path') c = String(a.path).localeCompare(String(b.path));
      else c = (Number(a[sort]) || 0) - (Number(b[sort]) || 0);
      if (c === 0) c = (Number(b.pageviews) || 0) - (Number(a.pageviews) || 0);
      return dir === 'asc' ? c : -c;
    });
    for (const p of rows) {
      const path = String(p.path);
      const href = hashPage(key, path);
      const views = Number(p.pageviews) || 0;
      const share = Math.round((views / totalViews) * 100);
      const bar = h('span', { className: 'bar', 'aria-hidden': 'true' }, h('span', { className: 'bar-fill', style: { width: `${(views / maxViews) * 100}%` } }));
      const tr = h('tr', { className: 'page-row', dataset: { path } },
        h('td', { className: 'cell-main cell-path' },
          h('a', { className: 'row-title page-link', href, text: path, title: path })),
        h('td', { className: 'num cell-views' },
          h('span', { className: 'num-with-bar' }, bar, h('span', { text: fmt(p.pageviews) }), h('span', { className: 'share', text: `${share}%` }))),
        h('td', { className: 'num', text: fmt(p.sessions) }),
        h('td', { className: 'num', text: fmt(p.clicks) }),
        h('td', { className: 'cell-go', 'aria-hidden': 'true' }, icon(ICONS.chevron, 16)));
      rowLink(tr, href);
      tbody.appendChild(tr);
    }
    if (rows.length === 0) {
      tbody.appendChild(h('tr', { className: 'no-match' }, h('td', { colspan: '5' },
        h('span', { className: 'muted', text: 'No page matches the filter.' }))));
    }
    countEl.textContent = rows.length === pages.length
      ? `${fmt(pages.length)} ${pages.length === 1 ? 'page' : 'pages'}`
      : `${fmt(rows.length)} of ${fmt(pages.length)} pages`;
  }

  filterInput.addEventListener('input', () => { filter = filterInput.value; renderBody(); });
  renderHead();
  renderBody();

  viewEl.appendChild(h('section', { className: 'card card-table', 'aria-label': 'Pages' },
    h('div', { className: 'card-toolbar' },
      h('h2', { className: 'card-title', text: 'Pages' }),
      countEl,
      h('div', { className: 'toolbar-spacer' }),
      h('label', { className: 'search' }, icon(ICONS.search, 16, 'icon search-icon'), filterInput)),
    h('div', { className: 'table-scroll' }, table)));
  done(ctx);
}

// -------------------------------------------------------------------- start

document.getElementById('skip-link').addEventListener('click', () => {
  const t = document.getElementById('view-title') || mainEl;
  t.focus();
});
checkHealth();
setInterval(checkHealth, 30000);
route();
