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
//   #/sites/new, #/site/KEY/settings          a site's form (sites.js)
//   #/site/KEY/install                        its snippet and the live check
//   #/site/KEY                                pages of a site; the query is described in pages.js
//   #/site/KEY/page/ENCODED_PATH              heatmaps of a page; the query is described in page-state.js
//   #/share/TOKEN                             a read-only share link of one page view (login.js)
//
// Files: dom.js (DOM helpers, icons), api.js (requests), login.js (sign-in,
// sign-out, share links opened), share.js (the Share button), ui.js (shared
// pieces), shell.js (hashes, sidebar, view life cycle), sites.js (the
// sites, a site's settings and install page), pages.js (a
// site's pages table), page.js (the page view), page-options.js (its
// type's controls), page-state.js (its hash
// state, segment filters and compare sets), panel.js (its side panel),
// filters.js (the segment bar and B's changes), insights.js (the Elements
// table and the frustration report), compare.js (both sets side by side),
// charts.js (SVG charts), hover.js (the value and element under the
// pointer), selector.js (an element's name, shared with the tracker),
// export.js (CSV and file names), page-export.js (the PNG
// export's caption), theme.js (light, dark, system).
import { h, clear } from './dom.js';
import { errorBox, emptyState, pageHeader } from './ui.js';
import {
  viewEl, mainEl, hashSites, parseHash, updateNav, setTitle, setRouter, wantFocus, done,
} from './shell.js';
import { viewSites, viewSiteNew, viewSiteSettings, viewSiteInstall } from './sites.js';
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

  const views = {
    home: viewSites, sites: viewSites, 'site-new': viewSiteNew, 'site-settings': viewSiteSettings,
    'site-install': viewSiteInstall, site: viewPages, page: viewPage, notfound: viewNotFound,
  };
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

// -------------------------------------------------------------------- start

document.getElementById('skip-link').addEventListener('click', () => {
  const t = document.getElementById('view-title') || mainEl;
  t.focus();
});
checkHealth();
setInterval(checkHealth, 30000);
route();
