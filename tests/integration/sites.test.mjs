// SPDX-License-Identifier: MIT
// Sites over HTTP: listed with origins, settings and the snippet; created
// and edited (name, allowed origins, settings) by a signed-in user or a
// token; every bad field a 400 naming it; a changed origin list takes
// effect on /collect at once.
import { test, run, assert, assertEq, startServer, addSite, tempDir, newStore, cleanup } from '../lib/harness.mjs';

const dataDir = newStore();
const first = addSite(dataDir, 'first', ['https://first.example']);
const server = await startServer({ dataDir });
const json = (method, path, body, headers = {}) => server.api(path, { method, headers, body: JSON.stringify(body) });
const collect = (site, origin) => {
	const now = Date.now();
	return fetch(`${server.url}/collect`, { method: 'POST', headers: { 'Content-Type': 'text/plain', Origin: origin },
		body: JSON.stringify({ v: 1, site, now, pv: { id: `pv_site_${Math.random().toString(36).slice(2, 12)}`, seq: 0,
			sid: 'sess_site_001', url: '/', ts: now, vw: 1440, vh: 900 }, ev: [] }) });
};

test('GET /api/v1/sites lists origins, every setting and the snippet', async () => {
	const j = await (await server.api('/api/v1/sites')).json();
	const s = j.sites.find(x => x.key === first);
	assertEq([s.name, s.origins], ['first', ['https://first.example']], 'site');
	assertEq(s.settings.rage_clicks, 3, 'settings');
	assertEq(s.settings.backdate_days, 1, 'backdate_days');
	const keys = Object.fromEntries(j.setting_keys.map(k => [k.name, k]));
	assertEq(Object.keys(keys).sort(), Object.keys(s.settings).sort(), 'setting_keys describes every setting');
	assertEq(keys.retention_days, { name: 'retention_days', group: 'privacy', default: 0, min: 0, max: 3650, doc: keys.retention_days.doc }, 'a key: group, default, range');
	assert(/deleted/.test(keys.retention_days.doc), 'and its meaning');
	assertEq(s.snippet, `<script defer src="http://127.0.0.1:${server.port}/calor.js" data-site="${first}"></script>`, 'snippet');
	assert(Math.abs(s.created - Date.now()) < 120000, 'created');
});

let key;
test('POST creates a site with origins and settings', async () => {
	const r = await json('POST', '/api/v1/sites', { name: 'Shop <b>', origins: ['https://shop.example', 'http://localhost:3000'], settings: { rage_clicks: 4 } });
	assertEq(r.status, 201, 'created');
	const s = await r.json();
	key = s.key;
	assert(/^[A-Za-z0-9]{16}$/.test(key), `key ${key}`);
	assertEq([s.name, s.origins, s.settings.rage_clicks], ['Shop <b>', ['http://localhost:3000', 'https://shop.example'], 4], 'stored');
	assertEq((await collect(key, 'https://shop.example')).status, 204, 'an allowed origin collects at once');
	assertEq((await collect(key, 'https://evil.example')).status, 403, 'another origin is refused');
});

test('PATCH renames, replaces origins and changes settings; /collect follows at once', async () => {
	const r = await json('PATCH', `/api/v1/sites?site=${key}`, { name: 'Shop', origins: ['https://new.example'], settings: { dead_ms: 2000, backdate_days: 7 } });
	assertEq(r.status, 200, 'patched');
	const s = await r.json();
	assertEq([s.name, s.origins, s.settings.dead_ms, s.settings.backdate_days, s.settings.rage_clicks],
		['Shop', ['https://new.example'], 2000, 7, 4], 'stored');
	assertEq((await collect(key, 'https://shop.example')).status, 403, 'the old origin is refused now');
	assertEq((await collect(key, 'https://new.example')).status, 204, 'the new one collects');
	const any = await json('PATCH', `/api/v1/sites?site=${key}`, { origins: [] });
	assertEq((await any.json()).origins, [], 'no origins: any origin');
	assertEq((await collect(key, 'https://evil.example')).status, 204, 'any origin');
});

test('privacy and collection settings put their attributes in the snippet', async () => {
	const tag = (extra) => `<script defer src="http://127.0.0.1:${server.port}/calor.js" data-site="${key}"${extra}></script>`;
	let r = await json('PATCH', `/api/v1/sites?site=${key}`, { settings: { consent_required: 1, no_storage: 1, url_hash: 1, retention_days: 90 } });
	let s = await r.json();
	assertEq([s.settings.consent_required, s.settings.no_storage, s.settings.url_hash, s.settings.retention_days], [1, 1, 1, 90], 'stored');
	assertEq(s.snippet, tag(' data-consent="required" data-storage="none" data-hash="true"'), 'all three attributes');
	r = await json('PATCH', `/api/v1/sites?site=${key}`, { settings: { consent_required: 0, url_hash: 0 } });
	assertEq((await r.json()).snippet, tag(' data-storage="none"'), 'only the one still on');
	r = await json('PATCH', `/api/v1/sites?site=${key}`, { settings: { no_storage: 2 } });
	assertEq(r.status, 400, 'a switch is 0 or 1');
	r = await json('PATCH', `/api/v1/sites?site=${key}`, { settings: { no_storage: 0, retention_days: 0 } });
	assertEq((await r.json()).snippet, tag(''), 'back to the plain tag');
});

test('every bad field is a 400 naming it; nothing is changed by a refused request', async () => {
	const bad = [
		[{}, 'name'], [{ name: '' }, 'name'], [{ name: 7 }, 'name'], [{ name: 'x'.repeat(129) }, 'name'],
		[{ name: 'a', origins: 'https://a.example' }, 'origins'], [{ name: 'a', origins: [7] }, 'origins[0]'],
		[{ name: 'a', origins: ['javascript:alert(1)'] }, 'origin'], [{ name: 'a', origins: ['https://a.example/path'] }, 'origin'],
		[{ name: 'a', colour: 'red' }, 'colour'], [{ name: 'a', settings: { nope: 1 } }, 'unknown setting'],
		[{ name: 'a', settings: { rage_clicks: 1 } }, 'rage_clicks'], [{ name: 'a', settings: { rage_ms: '5' } }, 'settings.rage_ms'],
	];
	const before = (await (await server.api('/api/v1/sites')).json()).sites.length;
	for (const [body, name] of bad) {
		const r = await json('POST', '/api/v1/sites', body);
		assertEq(r.status, 400, JSON.stringify(body));
		const e = await r.json();
		assert(e.detail.includes(name), `${JSON.stringify(body)}: "${e.detail}" names ${name}`);
	}
	// a name cut at 40 bytes inside a character: the detail is still clean UTF-8
	for (const [body, want] of [[{ name: 'a', ['k'.repeat(39) + '€']: 1 }, `${'k'.repeat(39)}?: unknown field`],
		[{ name: 'a', settings: { ['s'.repeat(39) + '€']: 1 } }, `unknown setting "${'s'.repeat(39)}?"`]]) {
		const r = await json('POST', '/api/v1/sites', body);
		const bytes = Buffer.from(await r.arrayBuffer());
		assertEq(Buffer.from(bytes.toString('utf8'), 'utf8').equals(bytes), true, 'the answer is valid UTF-8');
		assertEq([r.status, JSON.parse(bytes.toString('utf8')).detail], [400, want], 'the cut character is a ?');
	}
	assertEq((await (await server.api('/api/v1/sites')).json()).sites.length, before, 'no site was made');
	const r = await json('PATCH', `/api/v1/sites?site=${key}`, { name: 'Changed', settings: { rage_px: 0 } });
	assertEq(r.status, 400, 'a bad setting refuses the whole change');
	const s = (await (await server.api('/api/v1/sites')).json()).sites.find(x => x.key === key);
	assertEq(s.name, 'Shop', 'name unchanged');
	assertEq((await json('PATCH', '/api/v1/sites?site=nosuchsite', { name: 'x' })).status, 404, 'unknown site');
	assertEq((await server.api('/api/v1/sites', { method: 'POST', body: 'not json' })).status, 400, 'not JSON');
});

test('a signed-in user needs the CSRF token to change a site; strangers cannot', async () => {
	const { csrf, cookie } = await server.signIn({ addCookies: async () => {} });
	const post = (headers) => fetch(`${server.url}/api/v1/sites`, { method: 'POST', headers: { Cookie: cookie, ...headers }, body: JSON.stringify({ name: 'via cookie' }) });
	assertEq((await post({})).status, 403, 'no CSRF token');
	assertEq((await post({ 'X-CSRF-Token': csrf })).status, 201, 'with it');
	assertEq((await fetch(`${server.url}/api/v1/sites`, { method: 'POST', body: JSON.stringify({ name: 'stranger' }) })).status, 401, 'stranger');
});

await run({ after: async () => { await server.stop(); await cleanup(dataDir); } });
