// SPDX-License-Identifier: MIT
// Access over real HTTP: the read API refuses strangers and takes a session
// or an API token; sign-in sets a proper cookie, guesses are slowed down,
// every state change needs the CSRF token, sign-out ends the session, and a
// share link opens its one page, read-only, until it expires or is forged.
import { spawnSync } from 'node:child_process';
import { test, run, assert, assertEq, startServer, addSite, cli, tempDir, newStore, cleanup, CALOR } from '../lib/harness.mjs';

const dataDir = newStore();
const key = addSite(dataDir, 'access');
const other = addSite(dataDir, 'other');
const server = await startServer({ dataDir });
const url = server.url;
const READS = ['/api/v1/sites', `/api/v1/pages?site=${key}`, `/api/v1/heatmap?site=${key}&page=/a`,
	`/api/v1/scroll?site=${key}&page=/a`, `/api/v1/elements?site=${key}&page=/a`, `/api/v1/frustration?site=${key}`];
const addUser = (name, password) => spawnSync(CALOR, ['user', 'add', name, '--data', dataDir], { input: `${password}\n`, encoding: 'utf8' });
const login = (user, password, headers = {}) => fetch(`${url}/auth/login`, { method: 'POST', headers, body: JSON.stringify({ user, password }) });
const cookieOf = (r) => /calor_session=([^;]*)/.exec(r.headers.get('set-cookie') || '')?.[1];

// one page view with a click, so reads have something to say
const now = Date.now();
const r0 = await fetch(`${url}/collect`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify({
	v: 1, site: key, now, pv: { id: 'pv_access_01', seq: 0, sid: 'sess_access_1', url: '/a', ts: now, vw: 1440, vh: 900 },
	ev: [{ t: 'click', ts: now, x: 10, y: 10, vw: 1440, vh: 900, dw: 1440, dh: 2000, sel: '#b', ex: 0, ey: 0, ew: 1, eh: 1, pt: 'mouse' }] }) });
assertEq(r0.status, 204, 'collect stays public');

test('strangers get 401 from every read; /collect, /calor.js, /healthz and the dashboard stay public', async () => {
	for (const p of READS) {
		const r = await fetch(`${url}${p}`);
		assertEq(r.status, 401, p);
		assertEq((await r.json()).error, 'unauthorized', p);
	}
	for (const p of ['/calor.js', '/healthz', '/']) assertEq((await fetch(`${url}${p}`)).status, 200, p);
	assertEq((await fetch(`${url}/api/v1/sites`, { headers: { Authorization: 'Bearer ct_not-a-token' } })).status, 401, 'a made-up token');
});

test('an API token reads everything', async () => {
	for (const p of READS) assertEq((await server.api(p)).status, 200, p);
	const j = await (await server.api(`/api/v1/pages?site=${key}`)).json();
	assertEq(j.clicks, 1, 'the stored click');
});

test('calor user add and token add: checked names and passwords, no duplicates', async () => {
	assertEq(addUser('alice', 'wonderland-42').status, 0, 'alice');
	const dup = addUser('alice', 'another-pass');
	assert(dup.status !== 0 && /already exists/.test(dup.stderr), 'duplicate refused');
	assert(addUser('bob', 'short').status !== 0, 'short password refused');
	assert(addUser('bad name', 'long-enough-1').status !== 0, 'bad name refused');
	const out = cli(['token', 'add', 'reports', '--data', dataDir]).split('\n');
	assert(/^ct_[A-Za-z0-9_-]{43}$/.test(out[0]), `token alone on line 1: ${out[0]}`);
	assertEq((await fetch(`${url}/api/v1/sites`, { headers: { Authorization: `Bearer ${out[0]}` } })).status, 200, 'it works at once');
});

test('sign-in: wrong passwords are 401, the right one sets an HttpOnly, SameSite=Strict cookie (Secure behind HTTPS)', async () => {
	const bad = await login('alice', 'not-her-password');
	assertEq([bad.status, (await bad.json()).error], [401, 'bad_login'], 'wrong password');
	const ghost = await login('nobody', 'whatever-123');
	assertEq(ghost.status, 401, 'unknown user: the same answer');
	const ok = await login('alice', 'wonderland-42');
	assertEq(ok.status, 200, 'right password');
	const body = await ok.json();
	assertEq(body.user, 'alice', 'user');
	assert(/^[A-Za-z0-9_-]{43}$/.test(body.csrf), 'csrf token');
	const sc = ok.headers.get('set-cookie');
	for (const part of ['HttpOnly', 'SameSite=Strict', 'Path=/', 'Max-Age=2592000']) assert(sc.includes(part), `cookie has ${part}: ${sc}`);
	assert(!/Secure/.test(sc), 'no Secure on plain HTTP');
	const https = await login('alice', 'wonderland-42', { 'X-Forwarded-Proto': 'https' });
	assert(/; Secure/.test(https.headers.get('set-cookie')), 'Secure behind an HTTPS proxy');
	const cookie = `calor_session=${cookieOf(ok)}`;
	for (const p of READS) assertEq((await fetch(`${url}${p}`, { headers: { Cookie: cookie } })).status, 200, `${p} with the session`);
	const me = await (await fetch(`${url}/auth/me`, { headers: { Cookie: cookie } })).json();
	assertEq([me.user, me.csrf], ['alice', body.csrf], '/auth/me');
	assertEq((await fetch(`${url}/auth/me`)).status, 401, '/auth/me signed out');
	assertEq((await login('alice', '')).status, 401, 'empty password');
	assertEq((await fetch(`${url}/auth/login`, { method: 'POST', body: 'not json' })).status, 400, 'bad body');
});

test('five wrong passwords in a row: the sixth try is 429 with Retry-After, even with the right password', async () => {
	assertEq(addUser('carol', 'carols-password').status, 0, 'carol');
	for (let i = 0; i < 5; i++) assertEq((await login('carol', `guess-${i}-xxxx`)).status, 401, `guess ${i}`);
	const r = await login('carol', 'carols-password');
	assertEq(r.status, 429, 'locked for a while');
	assert(Number(r.headers.get('retry-after')) > 0, 'Retry-After');
	assertEq((await login('alice', 'wonderland-42')).status, 200, 'other users unaffected');
});

test('state changes need the CSRF token; sign-out ends the session', async () => {
	const ok = await login('alice', 'wonderland-42');
	const { csrf } = await ok.json();
	const cookie = `calor_session=${cookieOf(ok)}`;
	const share = (headers) => fetch(`${url}/api/v1/share`, { method: 'POST', headers: { Cookie: cookie, ...headers },
		body: JSON.stringify({ site: key, page: '/a', view: `site/${key}/page/%2Fa`, hours: 1 }) });
	assertEq((await share({})).status, 403, 'no CSRF token');
	assertEq((await share({ 'X-CSRF-Token': 'x'.repeat(43) })).status, 403, 'a wrong one');
	assertEq((await share({ 'X-CSRF-Token': csrf })).status, 200, 'the right one');
	assertEq((await fetch(`${url}/auth/logout`, { method: 'POST', headers: { Cookie: cookie } })).status, 403, 'logout needs it too');
	const out = await fetch(`${url}/auth/logout`, { method: 'POST', headers: { Cookie: cookie, 'X-CSRF-Token': csrf } });
	assertEq(out.status, 204, 'signed out');
	assert(/calor_session=;.*Max-Age=0/.test(out.headers.get('set-cookie')), 'cookie cleared');
	assertEq((await fetch(`${url}/api/v1/sites`, { headers: { Cookie: cookie } })).status, 401, 'the old cookie is dead');
});

test('a share link reads its one page only, read-only; forged or foreign links are refused', async () => {
	const make = async (body) => server.api('/api/v1/share', { method: 'POST', body: JSON.stringify(body) });
	const r = await make({ site: key, page: '/a', view: `site/${key}/page/%2Fa?type=click`, hours: 2 });
	assertEq(r.status, 200, 'made with a token');
	const link = await r.json();
	assert(link.url === `/#/share/${link.token}`, 'url');
	assert(Math.abs(link.expires - (Date.now() + 2 * 3600000)) < 60000, 'expires in 2 h');
	const as = (p, token = link.token) => fetch(`${url}${p}`, { headers: { 'X-Calor-Share': token } });
	for (const p of [`/api/v1/heatmap?site=${key}&page=/a`, `/api/v1/scroll?site=${key}&page=/a`,
		`/api/v1/elements?site=${key}&page=/a`, `/api/v1/frustration?site=${key}&page=/a`])
		assertEq((await as(p)).status, 200, `shared: ${p}`);
	for (const p of [`/api/v1/heatmap?site=${key}&page=/b`, `/api/v1/heatmap?site=${other}&page=/a`,
		`/api/v1/frustration?site=${key}`, '/api/v1/sites', `/api/v1/pages?site=${key}`])
		assertEq((await as(p)).status, 403, `not shared: ${p}`);
	const post = await fetch(`${url}/api/v1/share`, { method: 'POST', headers: { 'X-Calor-Share': link.token },
		body: JSON.stringify({ site: key, page: '/b' }) });
	assertEq(post.status, 403, 'a share link changes nothing');
	const info = await (await fetch(`${url}/auth/share?token=${encodeURIComponent(link.token)}`)).json();
	assertEq([info.site, info.page, info.view], [key, '/a', `site/${key}/page/%2Fa?type=click`], '/auth/share restores the view');
	const forged = link.token.slice(0, 5) + (link.token[5] === 'A' ? 'B' : 'A') + link.token.slice(6);
	const f = await as(`/api/v1/heatmap?site=${key}&page=/a`, forged);
	assertEq([f.status, (await f.json()).error], [401, 'bad_share'], 'forged');
	assertEq((await fetch(`${url}/auth/share?token=${encodeURIComponent(forged)}`)).status, 401, 'forged info');
	for (const body of [{ site: key, page: '/a', hours: 0 }, { site: key, page: '/a', hours: 721 }, { site: key, page: 'a' },
		{ site: 'nope', page: '/a' }, { page: '/a' }])
		assert([400, 404].includes((await make(body)).status), `bad share request ${JSON.stringify(body)}`);
});

test('the dashboard refuses to be framed; the demo may be framed by it', async () => {
	const r = await fetch(`${url}/`);
	assertEq(r.headers.get('x-frame-options'), 'DENY', 'X-Frame-Options');
	assert(/frame-ancestors 'none'/.test(r.headers.get('content-security-policy')), 'CSP frame-ancestors');
	assert(!/unsafe-inline/.test(r.headers.get('content-security-policy')), 'no inline script or style');
});

await run({ after: async () => { await server.stop(); await cleanup(dataDir); } });
