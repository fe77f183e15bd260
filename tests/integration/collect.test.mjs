// SPDX-License-Identifier: MIT
// /collect over real HTTP against a real `calor serve` and real SQLite: a
// valid batch is stored exactly once; every kind of bad input gets its 4xx
// with a JSON error and stores nothing; the server stays up.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { test, run, assert, assertEq, startServer, addSite, tempDir, cleanup } from '../lib/harness.mjs';

const ORIGIN = 'https://shop.example';
const dataDir = tempDir();
const key = addSite(dataDir, 'shop', [ORIGIN]);
const openKey = addSite(dataDir, 'open-site');
const server = await startServer({ dataDir });

function rows() {
	const out = execFileSync('sqlite3', ['-readonly', join(dataDir, 'calor.db'),
		'SELECT (SELECT count(*) FROM clicks), (SELECT count(*) FROM pageviews), (SELECT count(*) FROM batches), (SELECT count(*) FROM pages)'],
		{ encoding: 'utf8' });
	const [clicks, pageviews, batches, pages] = out.trim().split('|').map(Number);
	return { clicks, pageviews, batches, pages };
}

let pvCounter = 0;
function batch(over = {}) {
	const now = Date.now();
	const b = {
		v: 1, site: key, now,
		pv: { id: `pv_test_${String(++pvCounter).padStart(6, '0')}`, seq: 0, sid: 'sess_test_0001', url: '/pricing',
			ref: 'news.example.com', ts: now - 5000, vw: 1440, vh: 900, dpr: 1, new: true },
		ev: [
			{ t: 'click', ts: now - 1000, x: 700, y: 512, vw: 1440, vh: 900, dw: 1440, dh: 2600,
				sel: 'main > a.cta', ex: 32768, ey: 16384, ev: 0, ew: 180, eh: 48, pt: 'mouse' },
			{ t: 'click', ts: now - 900, x: 710, y: 515, vw: 1440, vh: 900, dw: 1440, dh: 2600,
				sel: 'main > a.cta', ex: 30000, ey: 16000, ew: 180, eh: 48, pt: 'mouse' },
			{ t: 'scroll', ts: now - 500, y: 1800, dh: 2600 },
		],
	};
	return Object.assign(b, over);
}

async function post(body, { type = 'text/plain;charset=UTF-8', origin = ORIGIN, method = 'POST' } = {}) {
	const headers = {};
	if (type) headers['Content-Type'] = type;
	if (origin) headers['Origin'] = origin;
	// a string body makes fetch add text/plain; bytes let the test omit it
	if (!type && typeof body === 'string') body = Buffer.from(body);
	const r = await fetch(`${server.url}/collect`, { method, headers, body: method === 'GET' ? undefined : body });
	const text = await r.text();
	let json = null;
	try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
	return { status: r.status, json, text, headers: r.headers };
}

test('valid batch stored exactly once, 204 after commit', async () => {
	const before = rows();
	const b = JSON.stringify(batch());
	const r = await post(b);
	assertEq(r.status, 204, 'status');
	assertEq(r.headers.get('access-control-allow-origin'), ORIGIN, 'CORS echo');
	const after = rows();
	assertEq(after.clicks - before.clicks, 2, 'clicks stored');
	assertEq(after.pageviews - before.pageviews, 1, 'pageview stored');
	assertEq(after.batches - before.batches, 1, 'batch recorded');
	// the same batch again (a retry) is acknowledged and not stored twice
	const again = await post(b);
	assertEq(again.status, 204, 'retry status');
	assertEq(rows(), after, 'retry stored nothing');
});

test('stored fields match what was sent', async () => {
	const b = batch();
	b.pv.vw = 390; b.pv.vh = 844;
	b.ev[0].x = 123; b.ev[0].y = 2345; b.ev[0].sel = '#buy'; b.ev[0].pt = 'touch';
	assertEq((await post(JSON.stringify(b))).status, 204, 'status');
	const out = execFileSync('sqlite3', ['-readonly', join(dataDir, 'calor.db'),
		`SELECT c.x, c.y, c.selector, c.pointer, c.device, pv.max_depth, p.path, pv.referrer, pv.is_new
		 FROM clicks c JOIN pageviews pv ON pv.id = c.pageview_id JOIN pages p ON p.id = c.page_id
		 WHERE pv.client_id = '${b.pv.id}' ORDER BY c.id LIMIT 1`], { encoding: 'utf8' }).trim();
	assertEq(out, '123|2345|#buy|1|2|1800|/pricing|news.example.com|1', 'row');
});

test('application/json accepted; no Origin (server-side sender) accepted', async () => {
	assertEq((await post(JSON.stringify(batch()), { type: 'application/json', origin: null })).status, 204, 'status');
});

test('site with no origins accepts any origin', async () => {
	assertEq((await post(JSON.stringify(batch({ site: openKey })), { origin: 'https://anything.example' })).status, 204, 'status');
});

// Each bad input: [name, body or fn, options, status, error code, detail substring]
const big = 'x'.repeat(130 * 1024);
const bad = [
	['not JSON', 'hello', {}, 400, 'bad_json', 'JSON'],
	['truncated JSON', '{"v":1,', {}, 400, 'bad_json', 'JSON'],
	['JSON array', '[]', {}, 400, 'bad_json', 'object'],
	['wrong type for x', () => { const b = batch(); b.ev[0].x = '700'; return b; }, {}, 400, 'bad_field', 'ev[0].x'],
	['wrong type for ev', () => batch({ ev: {} }), {}, 400, 'bad_field', 'ev'],
	['missing site', () => { const b = batch(); delete b.site; return b; }, {}, 400, 'missing_field', 'site'],
	['missing pv', () => { const b = batch(); delete b.pv; return b; }, {}, 400, 'bad_field', 'pv'],
	['unknown site', () => batch({ site: 'nosuchsite123' }), {}, 403, 'unknown_site', 'site'],
	['foreign origin', () => batch(), { origin: 'https://evil.example' }, 403, 'forbidden_origin', 'origin'],
	['null origin', () => batch(), { origin: 'null' }, 403, 'forbidden_origin', 'origin'],
	['oversized body', big, {}, 413, 'body_too_large', 'large'],
	['too many events', () => { const b = batch(); b.ev = Array.from({ length: 501 }, () => b.ev[2]); return b; }, {}, 413, 'too_many_events', '500'],
	['selector past its cap', () => { const b = batch(); b.ev[0].sel = 's'.repeat(513); return b; }, {}, 400, 'bad_field', 'ev[0].sel'],
	['url past its cap', () => { const b = batch(); b.pv.url = '/' + 'u'.repeat(2048); return b; }, {}, 400, 'bad_field', 'pv.url'],
	['invalid UTF-8', () => {
		const s = JSON.stringify(batch()).replace('main > a.cta', '@@');
		const i = s.indexOf('@@');
		return Buffer.concat([Buffer.from(s.slice(0, i)), Buffer.from([0xc3, 0x28]), Buffer.from(s.slice(i + 2))]);
	}, {}, 400, 'bad_json', 'JSON'],
	['NaN coordinate', () => JSON.stringify(batch()).replace('"x":700', '"x":NaN'), {}, 400, 'bad_json', 'JSON'],
	['negative coordinate', () => { const b = batch(); b.ev[0].y = -1; return b; }, {}, 400, 'bad_field', 'ev[0].y'],
	['huge coordinate', () => { const b = batch(); b.ev[0].x = 1e12; return b; }, {}, 400, 'bad_field', 'ev[0].x'],
	['float coordinate', () => { const b = batch(); b.ev[0].x = 1.5; return b; }, {}, 400, 'bad_field', 'ev[0].x'],
	['zero viewport', () => { const b = batch(); b.pv.vw = 0; return b; }, {}, 400, 'bad_field', 'pv.vw'],
	['bad pointer type', () => { const b = batch(); b.ev[0].pt = 'laser'; return b; }, {}, 400, 'bad_field', 'ev[0].pt'],
	['unknown event type', () => { const b = batch(); b.ev[2].t = 'keylog'; return b; }, {}, 400, 'bad_field', 'ev[2].t'],
	['wrong version', () => batch({ v: 2 }), {}, 400, 'bad_field', 'v'],
	['wrong content type', () => batch(), { type: 'application/x-www-form-urlencoded' }, 415, 'bad_content_type', 'Content-Type'],
	['missing content type', () => batch(), { type: null }, 415, 'bad_content_type', 'Content-Type'],
	['wrong method PUT', () => batch(), { method: 'PUT' }, 405, 'bad_method', 'POST'],
	['wrong method GET', null, { method: 'GET' }, 405, 'bad_method', 'POST'],
];

for (const [name, make, opts, status, code, detail] of bad) {
	test(`refused: ${name} -> ${status} ${code}, nothing stored`, async () => {
		const before = rows();
		let body = typeof make === 'function' ? make() : make;
		if (body && typeof body === 'object' && !Buffer.isBuffer(body)) body = JSON.stringify(body);
		const r = await post(body, opts);
		assertEq(r.status, status, 'status');
		assert(r.json && r.json.error === code, `error code ${code}, got ${r.text.slice(0, 200)}`);
		assert(typeof r.json.detail === 'string' && r.json.detail.includes(detail), `detail mentions ${detail}: ${r.json.detail}`);
		assertEq(rows(), before, 'rows unchanged');
	});
}

test('server still healthy after all bad input', async () => {
	const r = await fetch(`${server.url}/healthz`);
	assertEq(r.status, 200, 'healthz');
	assertEq((await r.json()).status, 'ok', 'body');
});

test('metrics count accepted events and rejections by reason', async () => {
	const text = await (await fetch(`${server.url}/metrics`)).text();
	const val = re => Number((text.match(re) || [])[1]);
	assert(val(/^calor_events_accepted_total (\d+)$/m) >= 9, 'events accepted');
	assert(val(/^calor_batches_rejected_total\{reason="bad_json"\} (\d+)$/m) >= 5, 'bad_json counted');
	assert(val(/^calor_batches_rejected_total\{reason="forbidden_origin"\} (\d+)$/m) === 2, 'forbidden_origin counted');
	assert(val(/^calor_commit_seconds_count (\d+)$/m) >= 1, 'commit latency recorded');
});

test('graceful shutdown exits 0', async () => {
	const { code } = await server.stop('SIGTERM');
	assertEq(code, 0, 'exit code');
});

await run({ after: async () => { await server.stop('SIGKILL'); cleanup(dataDir); } });
