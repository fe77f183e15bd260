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

export async function request(url, signal) {
  let res;
  try {
    // no-cache: revalidate with the ETag, so a repeated view is a 304
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

export async function getJSON(url, signal) {
  const res = await request(url, signal);
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
export const cachedSites = () => sitesCache;
export async function getSites(signal, fresh) {
  if (!sitesCache || fresh) {
    const data = await getJSON('/api/v1/sites', signal);
    sitesCache = Array.isArray(data.sites) ? data.sites : [];
  }
  return sitesCache;
}

export const heatmapUrl = (params) => '/api/v1/heatmap' + queryString(params);
export const scrollUrl = (params) => '/api/v1/scroll' + queryString(params);
export const pagesUrl = (params) => '/api/v1/pages' + queryString(params);
export const elementsUrl = (params) => '/api/v1/elements' + queryString(params);
export const frustrationUrl = (params) => '/api/v1/frustration' + queryString(params);
