// SPDX-License-Identifier: MIT
// The dashboard shell: hash URLs, the sidebar, the document title, and the
// life cycle of a view (done, focus, re-route).
//
// A share link is #/share/TOKEN[?QUERY]. Once login.js has checked the
// token (setShared), that hash is the page view of the token's site and
// page with QUERY as its state, and hashPage() of that page writes share
// hashes: a visitor can switch tabs and devices, never leave the page.
import { clear } from './dom.js';
import { queryString, cachedSites } from './api.js';
import { spinner } from './ui.js';

export const viewEl = document.getElementById('view');
export const mainEl = document.getElementById('main');

// ------------------------------------------------------------------- hashes

const enc = encodeURIComponent;
export const hashSites = () => '#/sites';
export const hashNewSite = () => '#/sites/new';
export const hashSiteSettings = (key) => `#/site/${enc(key)}/settings`;
export const hashSiteInstall = (key) => `#/site/${enc(key)}/install`;
export const hashSite = (key, query) => `#/site/${enc(key)}` + queryString(query);
export const hashPage = (key, path, query) => (shared && key === shared.site && path === shared.page
  ? hashShare(shared.token, query)
  : `#/site/${enc(key)}/page/${enc(path)}` + queryString(query));
export const hashShare = (token, query) => `#/share/${enc(token)}` + queryString(query);

// The share link on show: {token, site, page, view, expires}, or null.
let shared = null;
export function setShared(s) { shared = s || null; }
export const sharedView = () => shared;

function safeDecode(str) {
  try { return decodeURIComponent(str); } catch (e) { return null; }
}

export function parseHash() {
  const raw = location.hash.replace(/^#/, '');
  const qi = raw.indexOf('?');
  const path = qi >= 0 ? raw.slice(0, qi) : raw;
  const query = new URLSearchParams(qi >= 0 ? raw.slice(qi + 1) : '');
  if (path === '' || path === '/') return { name: 'home', query };
  if (path === '/sites' || path === '/sites/') return { name: 'sites', query };
  if (path === '/sites/new') return { name: 'site-new', query };
  const sm = /^\/share\/([^/]+)\/?$/.exec(path);
  if (sm) {
    const token = safeDecode(sm[1]);
    if (token === null || token === '') return { name: 'notfound', query };
    if (!shared || shared.token !== token) return { name: 'share', token, query };
    // a share link reads its one page: never the frustration of the whole site
    query.delete('fscope');
    return { name: 'page', key: shared.site, page: shared.page, query, shared: true };
  }
  const ms = /^\/site\/([^/]+)\/(settings|install)\/?$/.exec(path);
  if (ms) {
    const key = safeDecode(ms[1]);
    return key === null ? { name: 'notfound', query } : { name: `site-${ms[2]}`, key, query };
  }
  const m = /^\/site\/([^/]+)(?:\/page\/(.+))?\/?$/.exec(path);
  if (m) {
    const key = safeDecode(m[1]);
    if (key === null) return { name: 'notfound', query };
    if (m[2] === undefined) return { name: 'site', key, query };
    const page = safeDecode(m[2]);
    if (page === null || page === '') return { name: 'notfound', query };
    return { name: 'page', key, page, query };
  }
  return { name: 'notfound', query };
}

// ------------------------------------------------------------------ sidebar

const navSites = document.getElementById('nav-sites');
const navSiteGroup = document.getElementById('nav-site-group');
const navSite = document.getElementById('nav-site');
const navSiteName = document.getElementById('nav-site-name');
const navPage = document.getElementById('nav-page');
const navPagePath = document.getElementById('nav-page-path');
const navInstall = document.getElementById('nav-install');
const navSettings = document.getElementById('nav-settings');

export function updateNav(route, siteName) {
  const sites = cachedSites();
  if (!siteName && route.key && sites) {
    const site = sites.find((x) => x.key === route.key);
    if (site && site.name) siteName = String(site.name);
  }
  const onSites = route.name === 'sites' || route.name === 'home' || route.name === 'site-new';
  for (const a of [navSites, navSite, navPage, navInstall, navSettings]) a.toggleAttribute('aria-current', false);
  if (onSites) navSites.setAttribute('aria-current', 'page');
  if (route.key) {
    navSiteGroup.hidden = false;
    navSite.href = hashSite(route.key);
    // a share link's visitor sees the one page, not the site's settings
    navInstall.hidden = navSettings.hidden = !!route.shared;
    navInstall.href = hashSiteInstall(route.key);
    navSettings.href = hashSiteSettings(route.key);
    if (route.name === 'site-install') navInstall.setAttribute('aria-current', 'page');
    if (route.name === 'site-settings') navSettings.setAttribute('aria-current', 'page');
    navSiteName.textContent = siteName || route.key;
    navSite.title = siteName || route.key;
    if (route.name === 'site') navSite.setAttribute('aria-current', 'page');
    if (route.name === 'page') {
      navPage.hidden = false;
      navPage.href = location.hash;
      navPagePath.textContent = route.page;
      navPage.title = route.page;
      navPage.setAttribute('aria-current', 'page');
    } else {
      navPage.hidden = true;
    }
  } else {
    navSiteGroup.hidden = true;
  }
}

export function setTitle(...parts) {
  document.title = [...parts.filter(Boolean), 'calor'].join(' · ');
}

// ---------------------------------------------------------------- life cycle

let router = () => {};
export function setRouter(f) { router = f; }
// Renders the current hash again from scratch (Refresh, Try again).
export function reroute() { router(true); }

// Moves focus to the new view's heading after a navigation, so keyboard
// and screen reader users land on it.
let focusOnRender = false;
export function wantFocus(v) { focusOnRender = v; }
function focusTitle() {
  if (!focusOnRender) return;
  focusOnRender = false;
  const t = document.getElementById('view-title');
  if (t) t.focus({ preventScroll: true });
}

export function done(ctx, state) {
  if (!ctx.alive) return;
  viewEl.dataset.state = state || 'ready';
  focusTitle();
}

// Shows the spinner only if loading takes a moment, to avoid a flash.
export function delayedSpinner(ctx, container, label) {
  const sp = spinner(label);
  const t = setTimeout(() => { if (ctx.alive && !sp.isConnected) container.appendChild(sp); }, 150);
  return () => { clearTimeout(t); sp.remove(); };
}

export { clear };
