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
//   #/site/KEY                                pages of a site; the query is described in pages.js
//   #/site/KEY/page/ENCODED_PATH              heatmaps of a page; the query is described in page-state.js
//   #/share/TOKEN                             a read-only share link of one page view (login.js)
//
// Files: dom.js (DOM helpers, icons), api.js (requests), login.js (sign-in,
// sign-out, share links opened), share.js (the Share button), ui.js (shared
// pieces), shell.js (hashes, sidebar, view life cycle), pages.js (a
// site's pages table), page.js (the page view), page-state.js (its hash
// state, segment filters and compare sets), panel.js (its side panel),
// filters.js (the segment bar and B's changes), insights.js (the Elements
// table and the frustration report), compare.js (both sets side by side),
// charts.js (SVG charts).
import { h, icon, ICONS, fmt, clear } from './dom.js';
import { getSites } from './api.js';
import { errorBox, emptyState, pageHeader, copyButton, rowLink } from './ui.js';
import {
  viewEl, mainEl, hashSites, hashSite, parseHash, updateNav, setTitle,
  setRouter, wantFocus, done, delayedSpinner,
} from './shell.js';
import { viewPage } from './page.js';
import { viewPages } from './pages.js';
import { gate } from './login.js';

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
  // signed out, a session to check, a share link: login.js decides first
  const view = gate(r) || views[r.name];
  Promise.resolve(view(ctx)).catch((e) => {
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

// -------------------------------------------------------------------- start

document.getElementById('skip-link').addEventListener('click', () => {
  const t = document.getElementById('view-title') || mainEl;
  t.focus();
});
checkHealth();
setInterval(checkHealth, 30000);
route();
