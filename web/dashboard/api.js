// SPDX-License-Identifier: MIT
// The calor HTTP API (docs/api.md): requests, errors, and URL builders.

export class ApiError extends Error {
  constructor(status, code, detail) {
    super(detail || code);
    this.status = status;
    this.code = code;
    this.detail = detail;
  }
}

export function queryString(query) {
  if (!query) return '';
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const str = q.toString();
  return str ? '?' + str : '';
}

// ------------------------------------------------------------------ access
//
// Who the dashboard is: a signed-in user (the session cookie, which the
// browser sends, and its CSRF token, which every state change carries), or
// a visitor with a share link (its token in X-Calor-Share on every read).
// Every request goes through request() below, so an answer of 401 is seen
// in one place and handed to the access handler (login.js): sign-in, or the
// explanation of an expired or forged share link.

let csrfToken = null;
let shareToken = null;
let onUnauthorized = () => {};
export function setCsrf(token) { csrfToken = token || null; }
export function setShareToken(token) { shareToken = token || null; }
export const shareTokenInUse = () => shareToken;
export function setUnauthorizedHandler(f) { onUnauthorized = f; }

function headersFor(method, extra) {
  const headers = { Accept: 'application/json', ...extra };
  if (shareToken) headers['X-Calor-Share'] = shareToken;
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  return headers;
}

async function errorOf(res) {
  let code = `http_${res.status}`;
  let detail = res.statusText || 'The server answered with an error.';
  try {
    const body = await res.json();
    if (body && typeof body.error === 'string') code = body.error;
    if (body && typeof body.detail === 'string') detail = body.detail;
  } catch (e) { /* not JSON: keep the status */ }
  const err = new ApiError(res.status, code, detail);
  err.retryAfter = Number(res.headers.get('Retry-After')) || 0;
  return err;
}

// One request. opts: method, body (sent as JSON), headers, auth (false:
// a 401 is the caller's business, as for a wrong password at sign-in).
export async function request(url, signal, opts = {}) {
  const method = opts.method || 'GET';
  let res;
  try {
    res = await fetch(url, {
      method,
      signal,
      credentials: 'same-origin',
      headers: headersFor(method, opts.body !== undefined ? { 'Content-Type': 'application/json' } : null),
      body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
      // no-cache: revalidate with the ETag, so a repeated view is a 304
      cache: 'no-cache',
    });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network', 'The calor server could not be reached. Is it running?');
  }
  if (!res.ok) {
    const err = await errorOf(res);
    if (res.status === 401 && opts.auth !== false) onUnauthorized(err);
    throw err;
  }
  return res;
}

// A state change (POST, PUT, DELETE) with a JSON body; the JSON answer, or
// null for 204.
export async function send(method, url, body, signal, opts = {}) {
  const res = await request(url, signal, { ...opts, method, body });
  if (res.status === 204) return null;
  try {
    return await res.json();
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(res.status, 'bad_json', 'The server sent an answer that is not valid JSON.');
  }
}

export async function getJSON(url, signal, opts) {
  const res = await request(url, signal, opts);
  try {
    return await res.json();
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(res.status, 'bad_json', 'The server sent an answer that is not valid JSON.');
  }
}

// A PNG and the size it covers (X-Calor-Width/Height headers, CSS px).
export async function getPNG(url, signal) {
  const res = await request(url, signal);
  const blob = await res.blob();
  return {
    blob,
    width: Number(res.headers.get('X-Calor-Width')) || 0,
    height: Number(res.headers.get('X-Calor-Height')) || 0,
    scale: Number(res.headers.get('X-Calor-Scale')) || 0,
  };
}

let sitesCache = null;
let settingKeys = [];
export const cachedSites = () => sitesCache;
// What every site setting is (name, group, default, min, max, doc), from
// the last list of sites.
export const cachedSettingKeys = () => settingKeys;
export function clearCache() { sitesCache = null; }
export async function getSites(signal, fresh) {
  // a share link reads its one page only, not the list of sites
  if (shareToken) return [];
  if (!sitesCache || fresh) {
    const data = await getJSON('/api/v1/sites', signal);
    sitesCache = Array.isArray(data.sites) ? data.sites : [];
    settingKeys = Array.isArray(data.setting_keys) ? data.setting_keys : [];
  }
  return sitesCache;
}

export const heatmapUrl = (params) => '/api/v1/heatmap' + queryString(params);
export const scrollUrl = (params) => '/api/v1/scroll' + queryString(params);
export const pagesUrl = (params) => '/api/v1/pages' + queryString(params);
export const elementsUrl = (params) => '/api/v1/elements' + queryString(params);
export const frustrationUrl = (params) => '/api/v1/frustration' + queryString(params);
