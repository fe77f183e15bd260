// SPDX-License-Identifier: MIT
// The exact response headers of each kind of answer (docs/limits.md,
// "Response headers"): the dashboard's files, the API's data (JSON, PNG,
// errors, health, metrics), the tracker, the demo site, and /collect with
// the CORS its senders need and nothing more. Transport headers (Date,
// Content-Length, Connection, Keep-Alive) are left out of the comparison.
import { test, run, assertEq, startServer, addSite, tempDir, cleanup } from '../lib/harness.mjs';

const ORIGIN = 'https://shop.example';
const dataDir = tempDir();
const key = addSite(dataDir, 'shop', [ORIGIN]);
const server = await startServer({ dataDir, extraArgs: ['--demo-site', key] });

const TRANSPORT = new Set(['date', 'content-length', 'connection', 'keep-alive', 'transfer-encoding']);
function headersOf(r) {
	const out = {};
	for (const [k, v] of r.headers) if (!TRANSPORT.has(k)) out[k] = v;
	return out;
}
const sorted = o => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
function assertHeaders(r, want, what) {
	assertEq(sorted(headersOf(r)), sorted(want), `${what}:`);
}

const NOSNIFF = { 'x-content-type-options': 'nosniff' };
const DASHBOARD = { ...NOSNIFF,
	'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
		"frame-src 'self' http: https:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; " +
		"frame-ancestors 'none'",
	'x-frame-options': 'DENY', 'referrer-policy': 'same-origin', 'cross-origin-resource-policy': 'same-origin' };
const DATA = { ...NOSNIFF, 'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
	'x-frame-options': 'DENY', 'referrer-policy': 'same-origin', 'cross-origin-resource-policy': 'same-origin' };
const JSON_TYPE = { 'content-type': 'application/json; charset=utf-8' };

function collectBody() {
	const now = Date.now();
	return JSON.stringify({ v: 1, site: key, now,
		pv: { id: 'pv_headers_01', seq: 0, sid: 'sess_headers_1', url: '/a', ts: now - 1000, vw: 1440, vh: 900 },
		ev: [{ t: 'click', ts: now - 500, x: 10, y: 20, vw: 1440, vh: 900, dw: 1440, dh: 2000, sel: '#b', ex: 1, ey: 1, ew: 10, eh: 10, pt: 'mouse' }] });
}

test('dashboard files: CSP without inline code, never framed, same-origin referrers and loads', async () => {
	const page = await fetch(`${server.url}/`);
	assertHeaders(page, { ...DASHBOARD, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' }, 'index.html');
	const js = await fetch(`${server.url}/app.js`);
	assertHeaders(js, { ...DASHBOARD, 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' }, 'app.js');
	const css = await fetch(`${server.url}/style.css`);
	assertHeaders(css, { ...DASHBOARD, 'content-type': 'text/css; charset=utf-8', 'cache-control': 'no-cache' }, 'style.css');
});

test('API data: JSON, PNG and errors run nothing and are framed by nobody', async () => {
	assertHeaders(await server.api('/api/v1/sites'), { ...DATA, ...JSON_TYPE }, 'GET /api/v1/sites');
	assertEq((await fetch(`${server.url}/collect`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: collectBody() })).status, 204, 'a click');
	const png = await server.api(`/api/v1/heatmap?site=${key}&page=/a&format=png`);
	assertEq(png.status, 200, 'png status');
	const h = headersOf(png);
	for (const k of ['etag', 'x-calor-width', 'x-calor-height', 'x-calor-scale', 'x-calor-pageviews', 'x-calor-sessions', 'x-calor-warning'])
		delete h[k]; // the heatmap's own, tested in heatmap.test.mjs
	assertEq(sorted(h), sorted({ ...DATA, 'content-type': 'image/png', 'cache-control': 'no-cache' }), 'heatmap PNG:');
	assertHeaders(await fetch(`${server.url}/api/v1/sites`), { ...DATA, ...JSON_TYPE }, '401');
	// a page calor does not serve may show, as this 404, in the dashboard's
	// frame of a site's page, and in nobody else's
	assertHeaders(await fetch(`${server.url}/no/such/path`), { ...DATA, ...JSON_TYPE,
		'content-security-policy': "default-src 'none'; frame-ancestors 'self'", 'x-frame-options': 'SAMEORIGIN' }, '404');
	assertHeaders(await fetch(`${server.url}/api/v1/sites`, { method: 'DELETE' }), { ...DATA, ...JSON_TYPE, allow: 'GET, POST, OPTIONS' }, '405');
	assertHeaders(await fetch(`${server.url}/healthz`), { ...DATA, ...JSON_TYPE }, '/healthz');
	assertHeaders(await fetch(`${server.url}/metrics`), { ...DATA, 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }, '/metrics');
	const login = await fetch(`${server.url}/auth/login`, { method: 'POST', body: JSON.stringify({ user: 'nobody', password: 'nothing-at-all' }) });
	assertHeaders(login, { ...DATA, ...JSON_TYPE }, 'a refused sign-in');
});

test('the tracker: readable and loadable by every site, cached briefly', async () => {
	assertHeaders(await fetch(`${server.url}/calor.js`), { ...NOSNIFF, 'content-type': 'text/javascript; charset=utf-8',
		'access-control-allow-origin': '*', 'cross-origin-resource-policy': 'cross-origin', 'cache-control': 'public, max-age=300' }, '/calor.js');
});

test('the demo site: framed by the dashboard only', async () => {
	assertHeaders(await fetch(`${server.url}/demo/`), { ...NOSNIFF, 'content-type': 'text/html; charset=utf-8',
		'x-frame-options': 'SAMEORIGIN', 'cache-control': 'no-cache' }, '/demo/');
});

test('/collect: CORS only for an allowed origin, a preflight for JSON senders, nothing else', async () => {
	const post = (headers, body = collectBody()) => fetch(`${server.url}/collect`, { method: 'POST', headers: { 'Content-Type': 'text/plain', ...headers }, body });
	// the tracker's beacon: a simple request; the answer is only read by a
	// fetch in cors mode, which the allowed origin gets
	assertHeaders(await post({ Origin: ORIGIN }), { ...NOSNIFF, 'access-control-allow-origin': ORIGIN, vary: 'Origin' }, '204 to an allowed origin');
	assertHeaders(await post({}), NOSNIFF, '204 to a server-side sender');
	assertHeaders(await post({ Origin: 'https://evil.example' }), { ...NOSNIFF, ...JSON_TYPE }, '403 to another origin: no CORS');
	assertHeaders(await post({ Origin: ORIGIN }, '{'), { ...NOSNIFF, ...JSON_TYPE }, '400');
	const pre = await fetch(`${server.url}/collect`, { method: 'OPTIONS',
		headers: { Origin: ORIGIN, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' } });
	assertEq(pre.status, 204, 'preflight status');
	assertHeaders(pre, { ...NOSNIFF, 'access-control-allow-origin': ORIGIN, 'access-control-allow-methods': 'POST',
		'access-control-allow-headers': 'Content-Type', 'access-control-max-age': '86400', vary: 'Origin' }, 'preflight');
	assertHeaders(await fetch(`${server.url}/collect`), { ...NOSNIFF, ...JSON_TYPE, allow: 'POST, OPTIONS' }, '405');
});

await run({ after: async () => { await server.stop(); cleanup(dataDir); } });
