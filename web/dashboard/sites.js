// SPDX-License-Identifier: MIT
// The Sites views: the list of sites, a site's form (create and edit:
// name, allowed origins, privacy and retention, collection, frustration
// rules), and its install page (the snippet, a copy button and a live
// check that events arrive).
//
//   #/sites               the list
//   #/sites/new           a new site
//   #/site/KEY/settings   a site's settings
//   #/site/KEY/install    its snippet and the live check
//
// The settings form is built from the server's description of every
// setting (GET /api/v1/sites → setting_keys: group, default, range,
// meaning), so a new setting shows up here without a change to this file;
// LABELS only gives the known ones friendlier names.
import { h, icon, ICONS, fmt, fmtTime, announce } from './dom.js';
import { getSites, cachedSettingKeys, send, getJSON, pagesUrl, ApiError } from './api.js';
import { errorBox, emptyState, pageHeader, copyButton, rowLink } from './ui.js';
import {
  viewEl, hashSites, hashSite, hashPage, hashSiteSettings, hashSiteInstall, hashNewSite,
  setTitle, done, delayedSpinner, reroute, updateNav,
} from './shell.js';

const LABELS = {
  rage_clicks: ['Rage: clicks in a run', 'clicks'],
  rage_ms: ['Rage: most time between clicks', 'ms'],
  rage_px: ['Rage: most distance between clicks', 'px'],
  dead_ms: ['Dead click: no reaction within', 'ms'],
  error_ms: ['Error click: an error within', 'ms'],
  quick_back_ms: ['Quick back: back within', 'ms'],
  scroll_reversals_min: ['Excessive scrolling: at least', 'reversals'],
  scroll_reversals_factor: ['Excessive scrolling: and', '× the page median'],
  backdate_days: ['Accept event times up to', 'days old'],
  consent_required: ['Wait for consent', null, 'The tracker records nothing, and stores nothing, until your page calls calor(\'consent\', true).'],
  no_storage: ['No browser storage', null, 'Never use localStorage or sessionStorage: a session lasts one page load, and new and returning visitors cannot be told apart.'],
  url_hash: ['Fragments are pages', null, 'Keep #… in page URLs and start a page view when it changes (for hash routers).'],
};
const GROUPS = [
  ['collection', 'Collection', 'What counts as a page, and how old an event may be.'],
  ['frustration', 'Frustration rules', 'How rage, dead and error clicks, quick backs and excessive scrolling are recognised on this site.'],
];
const RETENTION = [[0, 'Keep everything'], [30, '30 days'], [90, '90 days'], [180, '6 months'], [365, '1 year'], [730, '2 years']];

const isSwitch = (k) => k.min === 0 && k.max === 1;
const sentence = (t) => (t ? t[0].toUpperCase() + t.slice(1) : '');
const siteName = (s) => String(s.name || s.key);

// A site by key from a fresh list; null when there is none.
async function loadSite(ctx, key) {
  const sites = await getSites(ctx.ctrl.signal, true);
  return sites.find((x) => x.key === key) || null;
}

// ------------------------------------------------------------------- list

export async function viewSites(ctx) {
  setTitle('Sites');
  const stop = delayedSpinner(ctx, viewEl, 'Loading sites…');
  let sites;
  try {
    sites = await getSites(ctx.ctrl.signal, true);
  } catch (e) {
    stop();
    if (!ctx.alive || e.name === 'AbortError') return;
    viewEl.appendChild(pageHeader({ title: 'Sites' }));
    viewEl.appendChild(errorBox('Could not load the sites', e, reroute));
    done(ctx, 'error');
    return;
  }
  stop();
  if (!ctx.alive) return;

  if (ctx.route.name === 'home' && sites.length === 1) {
    location.replace(hashSite(sites[0].key));
    return;
  }

  const add = h('a', { className: 'btn btn-primary', id: 'add-site', href: hashNewSite() }, icon(ICONS.plus), 'Add site');
  viewEl.appendChild(pageHeader({
    title: 'Sites',
    sub: sites.length === 1 ? '1 site sends data to this calor.' : `${fmt(sites.length)} sites send data to this calor.`,
    actions: sites.length ? add : null,
  }));

  if (sites.length === 0) {
    viewEl.appendChild(h('div', { className: 'card' }, emptyState('No sites yet',
      'Add a site, put its snippet on your pages, and its heatmaps start filling in.',
      add, 'sites-empty')));
    done(ctx, 'empty');
    return;
  }

  const tbody = h('tbody');
  for (const s of sites) {
    const key = String(s.key);
    const name = siteName(s);
    const origins = Array.isArray(s.origins) ? s.origins.map(String) : [];
    const href = hashSite(key);
    const retention = s.settings && s.settings.retention_days;
    const tr = h('tr', { className: 'site-row', dataset: { key } },
      h('td', { className: 'cell-main' },
        h('a', { className: 'row-title site-link', href, text: name, title: name })),
      h('td', null,
        h('span', { className: 'key' }, h('code', { text: key }), copyButton(key, 'Copy site key'))),
      h('td', { className: 'cell-origins' },
        origins.length
          ? origins.map((o) => h('span', { className: 'chip', text: o, title: o }))
          : h('span', { className: 'muted', text: 'Any origin' })),
      h('td', { className: 'cell-retention muted', text: retention ? retentionText(retention) : 'Always' }),
      h('td', { className: 'cell-actions' },
        h('a', { className: 'btn btn-secondary btn-small site-install', href: hashSiteInstall(key), 'aria-label': `Install ${name}` }, 'Install'),
        h('a', { className: 'btn btn-secondary btn-small site-settings', href: hashSiteSettings(key), 'aria-label': `Settings of ${name}` }, 'Settings')));
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
        h('th', { scope: 'col', text: 'Keeps data' }),
        h('th', { scope: 'col', className: 'cell-actions' }, h('span', { className: 'sr-only', text: 'Actions' })))),
      tbody)));
  done(ctx);
}

function retentionText(days) {
  const named = RETENTION.find(([d]) => d === days);
  return named ? `${named[1]}` : `${fmt(days)} days`;
}

// ------------------------------------------------------------------- form

// Origins as typed (one per line, or separated by spaces or commas) to the
// list the API takes: trimmed, a trailing slash dropped, duplicates once.
export function parseOrigins(text) {
  const out = [];
  for (let o of String(text).split(/[\s,]+/)) {
    o = o.trim().replace(/\/+$/, '');
    if (o && !out.includes(o)) out.push(o);
  }
  return out;
}

// What is wrong with an origin, or null. The server checks again.
function originProblem(o) {
  let u;
  try { u = new URL(o); } catch (e) { return `"${o}" is not a URL: write it like https://www.example.com`; }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `"${o}": only http and https origins send events`;
  if (u.origin !== o) return `"${o}" is not an origin: just the scheme, host and port, like ${u.origin}`;
  return null;
}

function field(id, label, control, help) {
  return h('div', { className: 'field' },
    h('label', { className: 'field-label', for: id, text: label }),
    control,
    help ? h('p', { className: 'field-help', id: `${id}-help`, text: help }) : null);
}

function switchRow(k, value) {
  const id = `set-${k.name}`;
  const [label, , text] = LABELS[k.name] || [k.name, null, k.doc];
  const box = h('input', { type: 'checkbox', id, name: k.name, className: 'check', 'aria-describedby': `${id}-help` });
  box.checked = value === 1;
  return h('div', { className: 'check-row' }, box,
    h('div', null,
      h('label', { className: 'field-label', for: id, text: label }),
      h('p', { className: 'field-help', id: `${id}-help`, text: text || sentence(k.doc) })));
}

function numberRow(k, value) {
  const id = `set-${k.name}`;
  const [label, unit] = LABELS[k.name] || [k.name, null];
  const input = h('input', {
    type: 'number', id, name: k.name, className: 'input input-field input-setting', min: k.min, max: k.max, step: 1,
    required: true, inputmode: 'numeric', 'aria-describedby': `${id}-help`,
  });
  input.value = String(value);
  return h('div', { className: 'field field-setting' },
    h('label', { className: 'field-label', for: id, text: label }),
    h('div', { className: 'input-unit' }, input, unit ? h('span', { className: 'unit muted', text: unit }) : null),
    h('p', { className: 'field-help', id: `${id}-help`, text: `${sentence(k.doc)}. ${fmt(k.min)}–${fmt(k.max)}, default ${fmt(k.default)}.` }));
}

// The retention control: a choice of periods, or a number of days.
function retentionField(value) {
  const select = h('select', { className: 'select input-field', id: 'retention', name: 'retention', 'aria-describedby': 'retention-help' },
    RETENTION.map(([d, text]) => h('option', { value: String(d), text })),
    h('option', { value: 'custom', text: 'Other…' }));
  const days = h('input', { type: 'number', className: 'input input-field input-setting', id: 'retention-days', min: 1, max: 3650, step: 1, 'aria-label': 'Days kept' });
  const custom = h('div', { className: 'input-unit', id: 'retention-custom' }, days, h('span', { className: 'unit muted', text: 'days' }));
  const sync = () => { custom.hidden = select.value !== 'custom'; };
  if (RETENTION.some(([d]) => d === value)) select.value = String(value);
  else { select.value = 'custom'; days.value = String(value); }
  select.addEventListener('change', () => {
    sync();
    if (select.value === 'custom') { if (!days.value) days.value = '60'; days.focus(); }
  });
  sync();
  const el = field('retention', 'Keep data for', h('div', { className: 'retention' }, select, custom),
    'Page views, clicks, moves and goals older than this are deleted, every hour. Shorter periods collect less about people.');
  el.read = () => (select.value === 'custom' ? Number(days.value) : Number(select.value));
  return el;
}

// The form of a new site (site null) or of an existing one.
function siteForm(ctx, site, keys) {
  const editing = !!site;
  const settings = (site && site.settings) || {};
  const valueOf = (k) => (typeof settings[k.name] === 'number' ? settings[k.name] : k.default);

  const name = h('input', { type: 'text', id: 'site-name', name: 'name', className: 'input input-field', maxlength: 128, required: true, autocomplete: 'off' });
  name.value = site ? siteName(site) : '';
  const origins = h('textarea', { id: 'site-origins', name: 'origins', className: 'input input-field textarea', rows: 3, spellcheck: 'false', placeholder: 'https://www.example.com', 'aria-describedby': 'site-origins-help' });
  origins.value = site && Array.isArray(site.origins) ? site.origins.join('\n') : '';

  const byName = Object.fromEntries(keys.map((k) => [k.name, k]));
  const privacy = keys.filter((k) => k.group === 'privacy' && isSwitch(k));
  const retention = byName.retention_days ? retentionField(valueOf(byName.retention_days)) : null;

  const cards = [
    h('section', { className: 'card form-card', 'aria-labelledby': 'form-site' },
      h('h2', { className: 'card-title', id: 'form-site', text: 'Site' }),
      field('site-name', 'Name', name),
      field('site-origins', 'Allowed origins', origins,
        'One per line, like https://www.example.com. Events from any other origin are refused. Leave empty to accept events from anywhere.')),
    h('section', { className: 'card form-card', 'aria-labelledby': 'form-privacy' },
      h('h2', { className: 'card-title', id: 'form-privacy', text: 'Privacy' }),
      h('p', { className: 'card-sub muted', text: 'calor never stores IP addresses or what people type, and always honours Do Not Track and Global Privacy Control.' }),
      privacy.map((k) => switchRow(k, valueOf(k))),
      retention),
  ];
  for (const [group, title, sub] of GROUPS) {
    const list = keys.filter((k) => k.group === group);
    if (!list.length) continue;
    cards.push(h('section', { className: 'card form-card', 'aria-labelledby': `form-${group}` },
      h('div', { className: 'card-head' },
        h('h2', { className: 'card-title', id: `form-${group}`, text: title }),
        h('button', {
          type: 'button', className: 'btn-link', dataset: { reset: group },
          on: { click: () => { for (const k of list) setControl(form, k, k.default); announce(`${title}: defaults restored, not saved yet`); } },
        }, 'Restore defaults')),
      h('p', { className: 'card-sub muted', text: sub }),
      h('div', { className: list.every(isSwitch) ? '' : 'settings-grid' },
        list.map((k) => (isSwitch(k) ? switchRow(k, valueOf(k)) : numberRow(k, valueOf(k)))))));
  }

  const errorText = h('p', { className: 'callout-text', id: 'form-error-text' });
  const error = h('div', { className: 'callout callout-error callout-compact', id: 'form-error', role: 'alert', hidden: true },
    h('div', { className: 'callout-body' }, errorText));
  const submit = h('button', { type: 'submit', className: 'btn btn-primary', id: 'form-submit', text: editing ? 'Save changes' : 'Create site' });
  const saved = h('span', { className: 'form-saved', id: 'form-saved', role: 'status' });
  const cancel = h('a', { className: 'btn btn-secondary', href: editing ? hashSite(site.key) : hashSites(), text: editing ? 'Back to the pages' : 'Cancel' });
  const form = h('form', { className: 'site-form', id: 'site-form', novalidate: true },
    cards, error, h('div', { className: 'form-actions' }, submit, cancel, saved));

  const fail = (msg, focus) => {
    errorText.textContent = msg;
    error.hidden = false;
    if (focus) { focus.setAttribute('aria-invalid', 'true'); focus.focus(); }
  };
  form.addEventListener('input', (e) => { e.target.removeAttribute('aria-invalid'); saved.textContent = ''; });

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.hidden = true;
    const body = { name: name.value.trim(), origins: parseOrigins(origins.value), settings: {} };
    if (!body.name) return fail('The site needs a name.', name);
    for (const o of body.origins) {
      const p = originProblem(o);
      if (p) return fail(p, origins);
    }
    for (const k of keys) {
      if (k.name === 'retention_days') continue;
      const el = form.elements.namedItem(k.name);
      if (!el) continue;
      const v = isSwitch(k) ? (el.checked ? 1 : 0) : Number(el.value);
      if (!Number.isInteger(v) || v < k.min || v > k.max) {
        return fail(`${(LABELS[k.name] || [k.name])[0]}: a whole number from ${fmt(k.min)} to ${fmt(k.max)}.`, el);
      }
      if (!editing && v === k.default) continue;
      if (editing && v === settings[k.name]) continue;
      body.settings[k.name] = v;
    }
    if (retention) {
      const v = retention.read();
      if (!Number.isInteger(v) || v < 0 || v > 3650) return fail('Keep data for: a whole number of days from 1 to 3,650.', document.getElementById('retention-days'));
      if (v !== valueOf(byName.retention_days) || (!editing && v)) body.settings.retention_days = v;
    }
    submit.disabled = true;
    try {
      const s = editing
        ? await send('PATCH', `/api/v1/sites?site=${encodeURIComponent(site.key)}`, body, ctx.ctrl.signal)
        : await send('POST', '/api/v1/sites', body, ctx.ctrl.signal);
      if (!ctx.alive) return;
      await getSites(ctx.ctrl.signal, true).catch(() => null);
      if (!editing) {
        announce(`Site ${siteName(s)} created`);
        location.hash = hashSiteInstall(s.key);
        return;
      }
      Object.assign(settings, s.settings);
      site.name = s.name;
      updateNav(ctx.route, siteName(s));
      saved.textContent = 'Saved';
      announce('Saved');
    } catch (err) {
      if (err.name === 'AbortError' || !ctx.alive) return;
      // the server names the field first: "origins[1]: ...", "settings.rage_ms: ..."
      const m = err instanceof ApiError ? /^(name|origins|settings\.(\w+))/.exec(err.detail || '') : null;
      const target = m ? (m[1] === 'name' ? name : m[1] === 'origins' ? origins : form.elements.namedItem(m[2])) : null;
      fail(err instanceof ApiError ? err.detail : String(err.message || err), target || null);
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

function setControl(form, k, v) {
  const el = form.elements.namedItem(k.name);
  if (!el) return;
  if (isSwitch(k)) el.checked = v === 1;
  else el.value = String(v);
}

export async function viewSiteNew(ctx) {
  setTitle('Add a site');
  await getSites(ctx.ctrl.signal, true);
  if (!ctx.alive) return;
  viewEl.appendChild(pageHeader({
    crumbs: [{ text: 'Sites', href: hashSites() }, { text: 'Add a site' }],
    title: 'Add a site',
    sub: 'Name it, say where its pages live, and choose how much calor keeps. You get the snippet next.',
  }));
  const form = siteForm(ctx, null, cachedSettingKeys());
  viewEl.appendChild(form);
  done(ctx);
  document.getElementById('site-name').focus({ preventScroll: true });
}

export async function viewSiteSettings(ctx) {
  const key = ctx.route.key;
  const site = await loadSite(ctx, key);
  if (!ctx.alive) return;
  if (!site) return noSuchSite(ctx, key);
  const name = siteName(site);
  setTitle('Settings', name);
  updateNav(ctx.route, name);
  viewEl.appendChild(pageHeader({
    crumbs: [{ text: 'Sites', href: hashSites() }, { text: name, href: hashSite(key) }, { text: 'Settings' }],
    title: 'Settings',
    sub: h('span', null, 'Site key ', h('code', { text: key }), ' · changes apply to new events within 10 seconds.'),
    actions: h('a', { className: 'btn btn-secondary', href: hashSiteInstall(key) }, icon(ICONS.external), 'Install'),
  }));
  viewEl.appendChild(siteForm(ctx, site, cachedSettingKeys()));
  done(ctx);
}

function noSuchSite(ctx, key) {
  setTitle('Unknown site');
  viewEl.appendChild(pageHeader({ crumbs: [{ text: 'Sites', href: hashSites() }, { text: key }], title: 'Unknown site' }));
  viewEl.appendChild(emptyState('There is no site with this key',
    'It may have been typed wrong. Pick one from the list.',
    h('a', { className: 'btn btn-primary', href: hashSites(), text: 'Go to sites' }), 'unknown-site'));
  done(ctx, 'notfound');
}

// ---------------------------------------------------------------- install

const CHECK_MS = 3000;
const todayUTC = () => new Date().toISOString().slice(0, 10);

export async function viewSiteInstall(ctx) {
  const key = ctx.route.key;
  const site = await loadSite(ctx, key);
  if (!ctx.alive) return;
  if (!site) return noSuchSite(ctx, key);
  const name = siteName(site);
  const origins = Array.isArray(site.origins) ? site.origins.map(String) : [];
  const snippet = String(site.snippet || '');
  const calorOrigin = location.origin;
  setTitle('Install', name);
  updateNav(ctx.route, name);
  viewEl.appendChild(pageHeader({
    crumbs: [{ text: 'Sites', href: hashSites() }, { text: name, href: hashSite(key) }, { text: 'Install' }],
    title: `Install calor on ${name}`,
    sub: 'Two steps: put the snippet on your pages, then watch the first events arrive here.',
    actions: h('a', { className: 'btn btn-secondary', href: hashSiteSettings(key) }, 'Settings'),
  }));

  const copyLabel = h('span', { text: 'Copy snippet' });
  const copy = h('button', { type: 'button', className: 'btn btn-primary btn-small', id: 'copy-snippet' }, icon(ICONS.copy, 14), copyLabel);
  copy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(snippet);
      copy.dataset.copied = 'true';
      copyLabel.textContent = 'Copied';
      announce('Snippet copied');
      setTimeout(() => { delete copy.dataset.copied; copyLabel.textContent = 'Copy snippet'; }, 2000);
    } catch (e) {
      announce('Copy failed: select the snippet and copy it by hand');
    }
  });

  const attrs = [];
  if (site.settings && site.settings.consent_required) attrs.push(['data-consent="required"', 'nothing is recorded until your page calls calor(\'consent\', true) — call it from your consent banner']);
  if (site.settings && site.settings.no_storage) attrs.push(['data-storage="none"', 'no localStorage or sessionStorage']);
  if (site.settings && site.settings.url_hash) attrs.push(['data-hash="true"', 'URL fragments are part of the page']);

  viewEl.appendChild(h('section', { className: 'card install-card', 'aria-labelledby': 'install-step-1' },
    h('div', { className: 'card-head' },
      h('h2', { className: 'card-title', id: 'install-step-1' }, h('span', { className: 'step', text: '1' }), 'Add the snippet'),
      copy),
    h('p', null, 'Put this tag in the ', h('code', { text: '<head>' }), ` of every page of ${name}. It loads a ${'~'}4 KB script, sets no cookies and needs no inline script.`),
    h('pre', { className: 'code', id: 'snippet' }, h('code', { text: snippet })),
    attrs.length ? h('ul', { className: 'install-notes' }, attrs.map(([a, t]) => h('li', null, h('code', { text: a }), `: ${t}`))) : null,
    h('details', { className: 'install-more' },
      h('summary', { text: 'Content-Security-Policy, tags and goals' }),
      h('p', null, 'With a Content-Security-Policy, allow calor in two directives:'),
      h('pre', { className: 'code' }, h('code', { text: `script-src ${calorOrigin}; connect-src ${calorOrigin}` })),
      h('p', null, 'To tag page views (A/B variants) and record goals, define the command queue in your own script, before the snippet, then call it:'),
      h('pre', { className: 'code' }, h('code', {
        text: "window.calor = window.calor || function () { (window.calor.q = window.calor.q || []).push(arguments); };\ncalor('tag', 'variant', 'B');\ncalor('goal', 'signup');",
      })))));

  const status = h('div', { className: 'live', id: 'install-status', dataset: { state: 'waiting' }, role: 'status', 'aria-live': 'polite' });
  const checked = h('p', { className: 'live-checked muted', id: 'install-checked' });
  const pagesList = h('ul', { className: 'live-pages', id: 'install-pages' });
  viewEl.appendChild(h('section', { className: 'card install-card', 'aria-labelledby': 'install-step-2' },
    h('div', { className: 'card-head' },
      h('h2', { className: 'card-title', id: 'install-step-2' }, h('span', { className: 'step', text: '2' }), 'Check that events arrive')),
    h('p', null, origins.length
      ? ['Open a page of your site with the snippet. Only pages on ', origins.map((o, i) => [i ? ', ' : '', h('code', { text: o })]), ' are accepted.']
      : 'Open a page of your site with the snippet. This site accepts events from any origin.'),
    status, pagesList, checked));

  // The live check: today's page views (UTC), every 3 s while this view
  // is on show and the tab is visible. What was there when the view
  // opened is the baseline; anything more is "new".
  let baseline = null;
  let timer = 0;
  const render = (data) => {
    const total = Number(data.pageviews) || 0;
    if (baseline === null) baseline = total;
    const fresh = total - baseline;
    // rebuilt only when it changes: it is a live region
    const sig = `${total}/${fresh}/${data.total}`;
    if (status.dataset.sig !== sig) {
      status.dataset.sig = sig;
      renderStatus(total, fresh, Number(data.total) || 0);
    }
    pagesList.replaceChildren(...(Array.isArray(data.pages) ? data.pages : []).map((p) => h('li', null,
      h('a', { href: hashPage(key, String(p.path)), text: String(p.path), title: String(p.path) }),
      h('span', { className: 'muted', text: ` · ${fmt(p.pageviews)} page view${p.pageviews === 1 ? '' : 's'}` }))));
  };
  const renderStatus = (total, fresh, pages) => {
    status.replaceChildren();
    status.dataset.state = total > 0 ? 'received' : 'waiting';
    status.dataset.count = String(total);
    if (total === 0) {
      status.append(h('span', { className: 'spinner spinner-small', 'aria-hidden': 'true' }),
        h('span', { className: 'live-text', id: 'install-text', text: 'Waiting for the first page view…' }));
    } else {
      status.append(icon(['M4.5 10.5l3.5 3.5 7.5-8'], 18, 'icon live-ok'),
        h('span', { className: 'live-text', id: 'install-text' },
          h('strong', { text: 'Events are arriving. ' }),
          `${fmt(total)} page view${total === 1 ? '' : 's'} today (UTC) on ${fmt(pages)} page${pages === 1 ? '' : 's'}`,
          fresh > 0 ? `, ${fmt(fresh)} since you opened this page.` : '.'));
    }
  };
  const check = async () => {
    timer = 0;
    if (!ctx.alive) return;
    if (document.visibilityState === 'visible') {
      try {
        const data = await getJSON(pagesUrl({ site: key, from: todayUTC(), sort: 'pageviews', limit: 5 }), ctx.ctrl.signal);
        if (!ctx.alive) return;
        render(data);
        checked.textContent = `Checked at ${fmtTime(Date.now())}; checking every ${CHECK_MS / 1000} seconds.`;
      } catch (e) {
        if (e.name === 'AbortError' || !ctx.alive) return;
        checked.textContent = `The last check failed (${e.message}); trying again.`;
      }
    }
    timer = setTimeout(check, CHECK_MS);
  };
  ctx.cleanup.push(() => clearTimeout(timer));
  render({ pageviews: 0, total: 0, pages: [] });
  baseline = null;
  await check();
  viewEl.appendChild(h('p', { className: 'install-next' },
    h('a', { className: 'btn btn-secondary', id: 'install-open-pages', href: hashSite(key) }, 'Open the pages of ', name, icon(ICONS.chevron, 14))));
  done(ctx);
}
