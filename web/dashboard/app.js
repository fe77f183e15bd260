// SPDX-License-Identifier: MIT
// calor dashboard v0: sites, pages of a site, and a page's click heatmap over
// the page itself. Plain ES2020, no framework, no build step.
//
// Every string that comes from the API (site names, keys, origins, page
// paths) was written by someone on the internet: it is only ever put into the
// DOM with textContent, text nodes or attribute values we build ourselves,
// never with innerHTML.
//
// State lives in the URL hash, so every view can be bookmarked and reloaded:
//   #/                                        sites (straight to the pages when there is one site)
//   #/sites                                   sites, always the list
//   #/site/KEY                                pages of a site  [?sort=path|pageviews|sessions|clicks&dir=asc|desc]
//   #/site/KEY/page/ENCODED_PATH              heatmap of a page [?device=desktop|tablet|mobile&zoom=fit|100]
'use strict';

(() => {
  // width: the projection and preview width; viewport: a typical viewport
  // height, the least height a page is shown with (as a visitor would see it)
  const DEVICES = [
    { id: 'desktop', label: 'Desktop', width: 1440, viewport: 900 },
    { id: 'tablet', label: 'Tablet', width: 820, viewport: 1180 },
    { id: 'mobile', label: 'Mobile', width: 390, viewport: 844 },
  ];
  const RELIABLE_SESSIONS = 1000;
  const MAX_STAGE_HEIGHT = 200000;
  const STAGE_PAD = 24; // px around the stage inside its panel

  const viewEl = document.getElementById('view');
  const mainEl = document.getElementById('main');
  const announcer = document.getElementById('announcer');
  const numberFormat = new Intl.NumberFormat();
  const fmt = (n) => (typeof n === 'number' && Number.isFinite(n) ? numberFormat.format(n) : '–');

  // ---------------------------------------------------------------- DOM helpers

  const SVG_NS = 'http://www.w3.org/2000/svg';

  // h('a', {className, text, href, dataset, style, on: {click}}, ...children)
  // Children that are strings become text nodes. Attributes go through
  // setAttribute (never "style" or "on*": the CSP forbids them and we use the
  // CSSOM and addEventListener instead).
  function h(tag, props, ...kids) {
    const el = document.createElement(tag);
    if (props) {
      for (const [k, v] of Object.entries(props)) {
        if (v === null || v === undefined || v === false) continue;
        if (k === 'className') el.className = v;
        else if (k === 'text') el.textContent = String(v);
        else if (k === 'dataset') Object.assign(el.dataset, v);
        else if (k === 'style') Object.assign(el.style, v);
        else if (k === 'on') for (const [type, f] of Object.entries(v)) el.addEventListener(type, f);
        else if (k === 'hidden') el.hidden = true;
        else if (k.startsWith('on')) throw new Error('no inline handlers');
        else el.setAttribute(k, v === true ? '' : String(v));
      }
    }
    append(el, kids);
    return el;
  }

  function append(el, kids) {
    for (const kid of kids.flat(Infinity)) {
      if (kid === null || kid === undefined || kid === false) continue;
      el.appendChild(kid instanceof Node ? kid : document.createTextNode(String(kid)));
    }
    return el;
  }

  function clear(el) {
    while (el.firstChild) el.removeChild(el.firstChild);
    return el;
  }

  // A small icon from a list of SVG path strings (our own constants).
  function icon(paths, size = 16, cls = 'icon') {
    const svg = document.createElementNS(SVG_NS, 'svg');
    svg.setAttribute('viewBox', '0 0 20 20');
    svg.setAttribute('width', String(size));
    svg.setAttribute('height', String(size));
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('focusable', 'false');
    svg.setAttribute('class', cls);
    for (const d of paths) {
      const p = document.createElementNS(SVG_NS, 'path');
      p.setAttribute('d', d);
      svg.appendChild(p);
    }
    return svg;
  }

  const ICONS = {
    desktop: ['M3 4.2h14v9H3z', 'M7.5 16.5h5M10 13.2v3.3'],
    tablet: ['M5 2.8h10v14.4H5z', 'M9 14.6h2'],
    mobile: ['M6.5 2.8h7v14.4h-7z', 'M9.2 14.8h1.6'],
    chevron: ['M8 5l5 5-5 5'],
    external: ['M11 4h5v5', 'M16 4l-7 7', 'M14 12v4H4V6h4'],
    alert: ['M10 3l8 14H2z', 'M10 8.5v3.5', 'M10 14.4v.2'],
    info: ['M10 2.8a7.2 7.2 0 1 1 0 14.4a7.2 7.2 0 1 1 0-14.4z', 'M10 9v5', 'M10 6.2v.2'],
    retry: ['M15.5 8.5A6 6 0 1 0 16 12', 'M16 4v4.5h-4.5'],
    copy: ['M7 7h9v9H7z', 'M4 13V4h9'],
    sort: ['M7 8l3-3 3 3', 'M7 12l3 3 3-3'],
    up: ['M6 12l4-4 4 4'],
    down: ['M6 8l4 4 4-4'],
    search: ['M8.5 3.5a5 5 0 1 1 0 10a5 5 0 1 1 0-10z', 'M12.2 12.2L16.5 16.5'],
    click: ['M7.5 2.5v2.2M2.5 7.5h2.2M3.9 3.9l1.5 1.5M11.1 3.9l-1.5 1.5', 'M8 8l8.5 3.2-3.6 1.4-1.4 3.6z'],
  };

  function announce(msg) {
    announcer.textContent = '';
    // a separate task so screen readers notice the change
    setTimeout(() => { announcer.textContent = msg; }, 30);
  }

  // ------------------------------------------------------------------- hashes

  const enc = encodeURIComponent;
  const hashSites = () => '#/sites';
  const hashSite = (key, query) => `#/site/${enc(key)}` + queryString(query);
  const hashPage = (key, path, query) => `#/site/${enc(key)}/page/${enc(path)}` + queryString(query);

  function queryString(query) {
    if (!query) return '';
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
    const s = q.toString();
    return s ? '?' + s : '';
  }

  function safeDecode(s) {
    try { return decodeURIComponent(s); } catch (e) { return null; }
  }

  function parseHash() {
    const raw = location.hash.replace(/^#/, '');
    const qi = raw.indexOf('?');
    const path = qi >= 0 ? raw.slice(0, qi) : raw;
    const query = new URLSearchParams(qi >= 0 ? raw.slice(qi + 1) : '');
    if (path === '' || path === '/') return { name: 'home', query };
    if (path === '/sites' || path === '/sites/') return { name: 'sites', query };
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

  // ---------------------------------------------------------------------- API

  class ApiError extends Error {
    constructor(status, code, detail) {
      super(detail || code);
      this.status = status;
      this.code = code;
      this.detail = detail;
    }
  }

  async function request(url, signal) {
    let res;
    try {
      res = await fetch(url, { signal, headers: { Accept: 'application/json' }, cache: 'no-cache' });
    } catch (e) {
      if (e.name === 'AbortError') throw e;
      throw new ApiError(0, 'network', 'The calor server could not be reached. Is it running?');
    }
    if (!res.ok) {
      let code = `http_${res.status}`;
      let detail = res.statusText || 'The server answered with an error.';
      try {
        const body = await res.json();
        if (body && typeof body.error === 'string') code = body.error;
        if (body && typeof body.detail === 'string') detail = body.detail;
      } catch (e) { /* not JSON: keep the status */ }
      throw new ApiError(res.status, code, detail);
    }
    return res;
  }

  async function getJSON(url, signal) {
    const res = await request(url, signal);
    try {
      return await res.json();
    } catch (e) {
      if (e.name === 'AbortError') throw e;
      throw new ApiError(res.status, 'bad_json', 'The server sent an answer that is not valid JSON.');
    }
  }

  let sitesCache = null;
  async function getSites(signal, fresh) {
    if (!sitesCache || fresh) {
      const data = await getJSON('/api/v1/sites', signal);
      sitesCache = Array.isArray(data.sites) ? data.sites : [];
    }
    return sitesCache;
  }

  const heatmapUrl = (key, page, device, width, extra) =>
    '/api/v1/heatmap' + queryString({ site: key, page, type: 'click', device, width, ...extra });

  // ---------------------------------------------------------------- UI pieces

  function spinner(label) {
    return h('div', { className: 'loading', role: 'status' },
      h('span', { className: 'spinner', 'aria-hidden': 'true' }),
      h('span', { text: label || 'Loading…' }));
  }

  function errorBox(title, err, retry) {
    const isApi = err instanceof ApiError;
    const box = h('div', { className: 'callout callout-error', role: 'alert', id: 'error' },
      icon(ICONS.alert, 20, 'icon callout-icon'),
      h('div', { className: 'callout-body' },
        h('p', { className: 'callout-title', text: title }),
        h('p', { className: 'callout-text', id: 'error-detail', text: isApi ? err.detail : String(err && err.message || err) }),
        isApi && err.code ? h('p', { className: 'callout-meta' },
          h('code', { id: 'error-code', text: err.code }),
          err.status ? ` · HTTP ${err.status}` : '') : null,
        retry ? h('div', { className: 'callout-actions' },
          h('button', { type: 'button', className: 'btn btn-secondary', on: { click: retry } },
            icon(ICONS.retry), 'Try again')) : null));
    return box;
  }

  function emptyState(title, text, extra, id) {
    return h('div', { className: 'empty', id: id || null },
      h('div', { className: 'empty-art', 'aria-hidden': 'true' }),
      h('p', { className: 'empty-title', text: title }),
      text ? h('p', { className: 'empty-text', text }) : null,
      extra || null);
  }

  function breadcrumbs(items) {
    const ol = h('ol', { className: 'crumbs-list' });
    items.forEach((it, i) => {
      const last = i === items.length - 1;
      ol.appendChild(h('li', { className: 'crumb' },
        last || !it.href
          ? h('span', { className: 'crumb-current', 'aria-current': last ? 'page' : null, text: it.text, title: it.text })
          : h('a', { href: it.href, text: it.text, title: it.text }),
        last ? null : icon(ICONS.chevron, 14, 'icon crumb-sep')));
    });
    return h('nav', { className: 'crumbs', 'aria-label': 'Breadcrumb' }, ol);
  }

  function pageHeader({ crumbs, title, titleClass, sub, actions }) {
    return h('header', { className: 'page-header' },
      crumbs ? breadcrumbs(crumbs) : null,
      h('div', { className: 'page-header-row' },
        h('div', { className: 'page-header-text' },
          h('h1', { className: 'page-title' + (titleClass ? ' ' + titleClass : ''), id: 'view-title', tabindex: '-1', text: title }),
          sub ? h('p', { className: 'page-sub' }, sub) : null),
        actions ? h('div', { className: 'page-actions' }, actions) : null));
  }

  function stat(label, value, id, hint) {
    return h('div', { className: 'stat' },
      h('span', { className: 'stat-label', text: label }),
      h('span', { className: 'stat-value', id, text: value }),
      hint ? h('span', { className: 'stat-hint', text: hint }) : null);
  }

  function copyButton(text, label) {
    const btn = h('button', { type: 'button', className: 'btn-icon', title: label, 'aria-label': label }, icon(ICONS.copy, 14));
    btn.addEventListener('click', async (e) => {
      e.stopPropagation();
      try {
        await navigator.clipboard.writeText(text);
        btn.dataset.copied = 'true';
        announce('Copied');
        setTimeout(() => { delete btn.dataset.copied; }, 1500);
      } catch (err) {
        announce('Copy failed: select the text and copy it by hand');
      }
    });
    return btn;
  }

  // Clicking anywhere in a row follows the row's link (the link itself stays
  // the keyboard target; ctrl/middle click on the link opens a new tab).
  function rowLink(tr, href) {
    tr.classList.add('row-link');
    tr.addEventListener('click', (e) => {
      if (e.target.closest('a, button, input')) return;
      if (String(window.getSelection() || '') !== '') return;
      location.hash = href;
    });
  }

  // ------------------------------------------------------------------ sidebar

  const navSites = document.getElementById('nav-sites');
  const navSiteGroup = document.getElementById('nav-site-group');
  const navSite = document.getElementById('nav-site');
  const navSiteName = document.getElementById('nav-site-name');
  const navPage = document.getElementById('nav-page');
  const navPagePath = document.getElementById('nav-page-path');

  function updateNav(route, siteName) {
    if (!siteName && route.key && sitesCache) {
      const s = sitesCache.find((x) => x.key === route.key);
      if (s && s.name) siteName = String(s.name);
    }
    const onSites = route.name === 'sites' || route.name === 'home';
    navSites.toggleAttribute('aria-current', false);
    navSite.toggleAttribute('aria-current', false);
    navPage.toggleAttribute('aria-current', false);
    if (onSites) navSites.setAttribute('aria-current', 'page');
    if (route.key) {
      navSiteGroup.hidden = false;
      navSite.href = hashSite(route.key);
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

  function setTitle(...parts) {
    document.title = [...parts.filter(Boolean), 'calor'].join(' · ');
  }

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

  function route() {
    if (current) {
      current.ctrl.abort();
      for (const f of current.cleanup) {
        try { f(); } catch (e) { /* keep going */ }
      }
    }
    const r = parseHash();
    const ctx = {
      route: r,
      ctrl: new AbortController(),
      cleanup: [],
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
      viewEl.appendChild(errorBox('Something went wrong', e, route));
      console.error(e);
    });
    if (!firstRender) {
      window.scrollTo(0, 0);
    }
    firstRender = false;
  }

  // Moves focus to the new view's heading after a navigation, so keyboard
  // and screen reader users land on it.
  let focusOnRender = false;
  window.addEventListener('hashchange', () => { focusOnRender = true; route(); });
  function focusTitle() {
    if (!focusOnRender) return;
    focusOnRender = false;
    const t = document.getElementById('view-title');
    if (t) t.focus({ preventScroll: true });
  }

  function done(ctx, state) {
    if (!ctx.alive) return;
    viewEl.dataset.state = state || 'ready';
    focusTitle();
  }

  // Shows the spinner only if loading takes a moment, to avoid a flash.
  function delayedSpinner(ctx, container, label) {
    const s = spinner(label);
    const t = setTimeout(() => { if (ctx.alive && !s.isConnected) container.appendChild(s); }, 150);
    return () => { clearTimeout(t); s.remove(); };
  }

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
      viewEl.appendChild(errorBox('Could not load the sites', e, route));
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
      data = await getJSON('/api/v1/pages' + queryString({ site: key }), signal);
    } catch (e) {
      stop();
      if (!ctx.alive || e.name === 'AbortError') return;
      viewEl.appendChild(pageHeader({ crumbs: [{ text: 'Sites', href: hashSites() }, { text: key }], title: 'Pages' }));
      viewEl.appendChild(errorBox('Could not load the pages of this site', e, route));
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

  // --------------------------------------------------------------------- page

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

  // The page path is loaded into the iframe; for v0 it must be a path on the
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

  async function viewPage(ctx) {
    const { key, page, query } = ctx.route;
    const signal = ctx.ctrl.signal;
    const device = DEVICES.find((d) => d.id === query.get('device')) || DEVICES[0];
    const zoom = query.get('zoom') === '100' ? '100' : 'fit';
    const W = device.width;
    const stateQuery = (over) => {
      const q = { device: device.id, zoom: zoom === '100' ? '100' : undefined, ...over };
      if (q.zoom === 'fit') q.zoom = undefined;
      return q;
    };
    setTitle(page);

    // --- header
    const siteCrumb = { text: key, href: hashSite(key) };
    const header = pageHeader({
      crumbs: [{ text: 'Sites', href: hashSites() }, siteCrumb, { text: page }],
      title: page,
      titleClass: 'page-title-path',
      actions: [
        h('button', { type: 'button', className: 'btn btn-secondary', id: 'refresh', title: 'Load the latest clicks', on: { click: route } },
          icon(ICONS.retry, 14), 'Refresh'),
        previewUrl(page)
          ? h('a', { className: 'btn btn-secondary', id: 'open-page', href: previewUrl(page), target: '_blank', rel: 'noopener noreferrer' },
            'Open page', icon(ICONS.external, 14))
          : null,
      ],
    });
    viewEl.appendChild(header);
    getSites(signal).then((sites) => {
      const site = sites.find((s) => s.key === key);
      if (!site || !ctx.alive) return;
      const name = String(site.name || key);
      const a = header.querySelector('.crumb:nth-child(2) a');
      if (a) { a.textContent = name; a.title = name; }
      updateNav(ctx.route, name);
      setTitle(page, name);
    }).catch(() => {});

    // --- toolbar: devices, counts, opacity, zoom, legend
    const deviceBtns = DEVICES.map((d) => {
      const pressed = d.id === device.id;
      const btn = h('button', {
        type: 'button', className: 'seg-btn device-btn', id: `device-${d.id}`,
        'aria-pressed': pressed ? 'true' : 'false', dataset: { device: d.id, width: String(d.width) },
        title: `${d.label}, ${d.width} px wide`,
      },
      icon(ICONS[d.id], 16),
      h('span', { className: 'seg-label', text: d.label }),
      h('span', { className: 'seg-meta', text: String(d.width) }),
      h('span', { className: 'seg-badge', dataset: { count: '' }, 'aria-hidden': 'true' }));
      btn.addEventListener('click', () => {
        if (d.id !== device.id) location.hash = hashPage(key, page, stateQuery({ device: d.id }));
      });
      return btn;
    });

    const opacity = loadOpacity();
    const opacityInput = h('input', {
      type: 'range', id: 'overlay-opacity', className: 'range', min: '0', max: '100', step: '5', value: String(opacity),
      'aria-describedby': 'overlay-opacity-value',
    });
    const opacityOut = h('output', { id: 'overlay-opacity-value', className: 'range-value', for: 'overlay-opacity', text: `${opacity}%` });

    const zoomBtns = [['fit', 'Fit'], ['100', '100%']].map(([z, label]) => {
      const btn = h('button', {
        type: 'button', className: 'seg-btn zoom-btn', id: `zoom-${z}`, 'aria-pressed': z === zoom ? 'true' : 'false',
        dataset: { zoom: z }, title: z === 'fit' ? 'Scale the page to fit the panel' : 'Show the page at its real size',
      }, label);
      btn.addEventListener('click', () => {
        if (z !== zoom) location.hash = hashPage(key, page, stateQuery({ zoom: z }));
      });
      return btn;
    });
    const scaleOut = h('span', { className: 'muted zoom-scale', id: 'zoom-scale' });

    const statViews = stat('Page views', '…', 'stat-pageviews');
    const statSessions = stat('Sessions', '…', 'stat-sessions');
    const statClicks = stat('Clicks', '…', 'stat-clicks');

    viewEl.appendChild(h('section', { className: 'toolbar card', 'aria-label': 'Heatmap controls' },
      h('div', { className: 'toolbar-row' },
        h('div', { className: 'seg', role: 'group', 'aria-label': 'Device', id: 'device-switch' }, deviceBtns),
        h('div', { className: 'toolbar-stats', 'aria-label': `Counts on ${device.label.toLowerCase()}`, role: 'group' },
          statViews, statSessions, statClicks)),
      h('div', { className: 'toolbar-row toolbar-row-sub' },
        h('div', { className: 'control' },
          h('label', { className: 'control-label', for: 'overlay-opacity', text: 'Heatmap opacity' }),
          opacityInput, opacityOut),
        h('div', { className: 'control' },
          h('span', { className: 'control-label', id: 'zoom-label', text: 'Zoom' }),
          h('div', { className: 'seg seg-small', role: 'group', 'aria-labelledby': 'zoom-label' }, zoomBtns),
          scaleOut),
        h('div', { className: 'toolbar-spacer' }),
        h('div', { className: 'legend', 'aria-label': 'Colour scale: blue is few clicks, red is many', role: 'img' },
          h('span', { className: 'legend-text', text: 'Fewer clicks' }),
          h('span', { className: 'legend-bar' }),
          h('span', { className: 'legend-text', text: 'More clicks' })))));

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
      id: 'heatmap-overlay', className: 'heatmap-overlay', alt: `Click heatmap of ${page} on ${device.label.toLowerCase()}`,
      draggable: 'false', hidden: true, dataset: { state: 'loading' },
    });
    overlay.style.opacity = String(opacity / 100);
    const stageStatus = h('div', { className: 'stage-status', id: 'stage-status' }, spinner('Loading the page…'));
    const stage = h('div', { className: 'stage', id: 'stage', dataset: { device: device.id, width: String(W) } }, iframe, overlay);
    const sizer = h('div', { className: 'stage-sizer', id: 'stage-sizer', dataset: { device: device.id } }, stage, stageStatus);
    const viewport = h('div', { className: 'stage-viewport', id: 'stage-viewport' }, sizer);
    const stagePanel = h('section', { className: 'stage-panel card', id: 'stage-panel', 'aria-label': 'Heatmap over the page' }, viewport);
    viewEl.appendChild(stagePanel);

    opacityInput.addEventListener('input', () => {
      const v = Number(opacityInput.value);
      overlay.style.opacity = String(v / 100);
      opacityOut.textContent = `${v}%`;
      saveOpacity(v);
    });

    // geometry: heatmap size from the API, document height from the iframe
    let heatH = 0; // height of the heatmap in CSS px (JSON height)
    let heatW = W;
    let docH = 0; // height of the framed document
    let stageH = device.viewport;
    let scale = 1;

    function layout() {
      stageH = Math.min(MAX_STAGE_HEIGHT, Math.max(heatH, docH, device.viewport));
      stage.style.width = `${W}px`;
      stage.style.height = `${stageH}px`;
      iframe.style.height = `${stageH}px`;
      iframe.height = String(stageH);
      if (heatH > 0) {
        overlay.style.width = `${heatW}px`;
        overlay.style.height = `${heatH}px`;
      }
      const avail = viewport.clientWidth - 2 * STAGE_PAD;
      scale = zoom === 'fit' && avail > 0 ? Math.min(1, avail / W) : 1;
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

    // --- notices
    let emptyNotice = null;
    let navNotice = null;

    function setNavNotice(el) {
      if (navNotice) navNotice.remove();
      navNotice = el;
      if (el) notices.appendChild(el);
    }

    // --- the framed page
    let grows = 0;
    function measure() {
      let d;
      try { d = iframe.contentDocument; } catch (e) { d = null; }
      if (!d || !d.documentElement) return; // another origin: the JSON height is all we know
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
        const hereHref = hashPage(key, here, stateQuery());
        setNavNotice(h('div', { className: 'callout callout-info', id: 'preview-navigated' },
          icon(ICONS.info, 20, 'icon callout-icon'),
          h('div', { className: 'callout-body' },
            h('p', { className: 'callout-title' }, 'The preview now shows ', h('code', { text: here }), '.'),
            h('p', { className: 'callout-text', text: 'The heatmap is hidden because it belongs to another page.' }),
            h('div', { className: 'callout-actions' },
              h('a', { className: 'btn btn-primary', href: hereHref, text: 'Show its heatmap' }),
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
        notices.appendChild(h('div', { className: 'callout callout-warn', id: 'preview-missing' },
          icon(ICONS.alert, 20, 'icon callout-icon'),
          h('div', { className: 'callout-body' },
            h('p', { className: 'callout-text' },
              h('strong', { text: `This page answers HTTP ${res.status}.` }),
              ' The preview cannot show it, so the heatmap has nothing to line up with.'))));
      }).catch(() => {});
    }
    layout();

    // --- data: counts for this device, the PNG, and counts for the others
    const jsonP = getJSON(heatmapUrl(key, page, device.id, W, { cell: 1000 }), signal);
    const pngP = request(heatmapUrl(key, page, device.id, W, { format: 'png' }), signal)
      .then(async (res) => ({ res, blob: await res.blob() }));
    pngP.catch(() => {}); // handled below

    let data;
    try {
      data = await jsonP;
    } catch (e) {
      if (!ctx.alive || e.name === 'AbortError') return;
      for (const s of [statViews, statSessions, statClicks]) s.querySelector('.stat-value').textContent = '–';
      overlay.dataset.state = 'error';
      stagePanel.hidden = true;
      notices.appendChild(errorBox('Could not load the heatmap', e, route));
      done(ctx, 'error');
      return;
    }
    if (!ctx.alive) return;

    statViews.querySelector('.stat-value').textContent = fmt(data.pageviews);
    statSessions.querySelector('.stat-value').textContent = fmt(data.sessions);
    statClicks.querySelector('.stat-value').textContent = fmt(data.clicks);
    const myBadge = deviceBtns.find((b) => b.dataset.device === device.id).querySelector('.seg-badge');
    myBadge.textContent = fmt(data.clicks);
    myBadge.dataset.count = String(data.clicks);

    heatW = Number(data.width) || W;
    heatH = Number(data.height) || 0;

    const clicks = Number(data.clicks) || 0;
    const sessions = Number(data.sessions) || 0;
    if (clicks === 0) {
      heatH = 0;
      overlay.hidden = true;
      overlay.dataset.state = 'empty';
      emptyNotice = h('div', { className: 'callout callout-empty', id: 'heatmap-empty', role: 'status' },
        icon(ICONS.click, 20, 'icon callout-icon'),
        h('div', { className: 'callout-body' },
          h('p', { className: 'callout-title', text: `No clicks recorded for this page on ${device.id} yet` }),
          h('p', { className: 'callout-text', text:
            `Clicks from ${device.id === 'desktop' ? 'screens 1024 px wide and more' : device.id === 'tablet' ? 'screens 768 to 1023 px wide' : 'screens narrower than 768 px'} show up here a few seconds after they happen. Try another device above.` })));
      notices.prepend(emptyNotice);
      layout();
      done(ctx, 'empty');
      loadOtherCounts();
      return;
    }

    if (sessions < RELIABLE_SESSIONS) {
      notices.prepend(h('div', { className: 'callout callout-warn', id: 'sample-warning' },
        icon(ICONS.info, 20, 'icon callout-icon'),
        h('div', { className: 'callout-body' },
          h('p', { className: 'callout-text' },
            h('strong', { text: `Based on ${fmt(sessions)} ${sessions === 1 ? 'session' : 'sessions'}.` }),
            ` Below ${fmt(RELIABLE_SESSIONS)} sessions, patterns are not yet reliable.`))));
    }
    layout();

    let png;
    try {
      png = await pngP;
    } catch (e) {
      if (!ctx.alive || e.name === 'AbortError') return;
      overlay.dataset.state = 'error';
      notices.appendChild(errorBox('Could not draw the heatmap', e, route));
      done(ctx, 'error');
      return;
    }
    if (!ctx.alive) return;
    // the headers say the size the PNG covers; they match the JSON answer
    const hw = Number(png.res.headers.get('X-Calor-Width'));
    const hh = Number(png.res.headers.get('X-Calor-Height'));
    if (hw > 0) heatW = hw;
    if (hh > 0) heatH = hh;
    const url = URL.createObjectURL(png.blob);
    ctx.cleanup.push(() => URL.revokeObjectURL(url));
    overlay.addEventListener('load', () => {
      if (!ctx.alive) return;
      overlay.hidden = false;
      overlay.dataset.state = 'ready';
      layout();
      done(ctx);
    }, { once: true });
    overlay.addEventListener('error', () => {
      if (!ctx.alive) return;
      overlay.dataset.state = 'error';
      notices.appendChild(errorBox('Could not draw the heatmap', new Error('The heatmap image could not be decoded.'), route));
      done(ctx, 'error');
    }, { once: true });
    overlay.src = url;
    loadOtherCounts();

    // click counts of the other devices, as badges on the device switch
    function loadOtherCounts() {
      for (const d of DEVICES) {
        if (d.id === device.id) continue;
        getJSON(heatmapUrl(key, page, d.id, d.width, { cell: 1000 }), signal).then((j) => {
          if (!ctx.alive) return;
          const b = deviceBtns.find((x) => x.dataset.device === d.id).querySelector('.seg-badge');
          b.textContent = fmt(j.clicks);
          b.dataset.count = String(j.clicks);
        }).catch(() => {});
      }
    }
  }

  // -------------------------------------------------------------------- start

  document.getElementById('skip-link').addEventListener('click', () => {
    const t = document.getElementById('view-title') || mainEl;
    t.focus();
  });
  checkHealth();
  setInterval(checkHealth, 30000);
  route();
})();
