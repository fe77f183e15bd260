// SPDX-License-Identifier: MIT
// Every field of the wire format (docs/wire.md) over real HTTP into real
// SQLite, checked row by row: click flags and selector hash, browser and OS
// from the User-Agent, UTM, tags, fold, reversals and attention deltas added
// across batches, moves and goals; refusals of bad new fields store nothing.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { test, run, assert, assertEq, startServer, addSite, tempDir, cleanup } from '../lib/harness.mjs';

const dataDir = tempDir();
const key = addSite(dataDir, 'fields');
const server = await startServer({ dataDir });
const UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';
const sql = q => execFileSync('sqlite3', ['-readonly', join(dataDir, 'calor.db'), q], { encoding: 'utf8' }).trim();

function batch(seq, ev, extra = {}) {
	const now = Date.now();
	return {
		v: 1, site: key, now,
		pv: { id: 'pv_fields_0001', seq, sid: 'sess_fields_01', url: '/shop?plan=pro', ref: '', ts: now, vw: 390, vh: 844, dpr: 3,
			utm: { source: 'newsletter', medium: 'email', campaign: 'fall', term: '', content: 'hero' },
			tags: { variant: 'B' }, ...extra },
		ev: ev.map(e => ({ ts: now, ...e })),
	};
}
const dwell = f => Array.from({ length: 100 }, (_, i) => f(i));
async function post(b) {
	const r = await fetch(`${server.url}/collect`, { method: 'POST', headers: { 'Content-Type': 'text/plain', 'User-Agent': UA }, body: JSON.stringify(b) });
	return { status: r.status, body: await r.text() };
}

test('first batch: every field stored', async () => {
	const r = await post(batch(0, [
		{ t: 'click', x: 50, y: 700, vw: 390, vh: 844, dw: 390, dh: 3000, sel: 'img.hero', ex: 1000, ey: 2000, ew: 390, eh: 300, pt: 'touch', fx: 0, ia: 0, dead: 1, err: 0 },
		{ t: 'click', x: 200, y: 30, vw: 390, vh: 844, dw: 390, dh: 3000, sel: 'header > button', ex: 0, ey: 0, ew: 40, eh: 40, pt: 'touch', fx: 1, ia: 1, dead: 0, err: 1 },
		{ t: 'scroll', y: 1500, dh: 3000, fold: 844, rev: 2, dwell: dwell(i => (i < 28 ? 1000 : 0)) },
		{ t: 'move', vw: 390, dh: 3000, p: [10, 20, 0, 30, 40, 150] },
		{ t: 'goal', name: 'signup' },
	]));
	assertEq(r.status, 204, `status (${r.body})`);
	assertEq(sql("SELECT selector, flags, sel_hash != 0, pointer FROM clicks ORDER BY id"),
		'img.hero|4|1|1\nheader > button|11|1|1', 'clicks: dead=4; fixed+interactive+error=11');
	assertEq(sql("SELECT device, browser, os, utm_source, utm_medium, utm_campaign, utm_term, utm_content, fold, reversals, max_depth, doc_h FROM pageviews"),
		'2|4|3|newsletter|email|fall||hero|844|2|1500|3000', 'page view: mobile, safari, ios, utm, fold, reversals');
	assertEq(sql("SELECT key, value FROM pageview_tags"), 'variant|B', 'tags');
	assertEq(sql("SELECT name, session FROM goals"), 'signup|sess_fields_01', 'goals');
	assertEq(sql("SELECT x, y, vw, device FROM moves ORDER BY id"), '10|20|390|2\n30|40|390|2', 'moves');
	assertEq(sql("SELECT path FROM pages"), '/shop?plan=pro', 'page with allow-listed query');
});

test('second batch: deltas add up, fold kept, deepest kept, tags merged', async () => {
	const r = await post(batch(1, [
		{ t: 'scroll', y: 1200, dh: 3000, fold: 999, rev: 3, dwell: dwell(i => (i < 28 ? 500 : i === 99 ? 7 : 0)) },
	], { tags: { variant: 'B', plan: 'pro' } }));
	assertEq(r.status, 204, 'status');
	assertEq(sql("SELECT fold, reversals, max_depth FROM pageviews"), '844|5|1500', 'fold, reversals, depth');
	// band 0 = 1000 + 500 ms, band 99 = 7 ms, little-endian uint32
	assertEq(sql("SELECT hex(substr(dwell, 1, 4)), hex(substr(dwell, 397, 4)), length(dwell) FROM pageviews"),
		'DC050000|07000000|400', 'attention per band');
	assertEq(sql("SELECT group_concat(key || '=' || value) FROM (SELECT * FROM pageview_tags ORDER BY key)"), 'plan=pro,variant=B', 'tags merged');
});

test('a retried batch does not add its deltas twice', async () => {
	const b = batch(2, [{ t: 'scroll', y: 1200, dh: 3000, rev: 1, dwell: dwell(() => 1) }]);
	assertEq((await post(b)).status, 204, 'first');
	assertEq((await post(b)).status, 204, 'retry');
	assertEq(sql("SELECT reversals, hex(substr(dwell, 397, 4)) FROM pageviews"), '6|08000000', 'counted once');
});

test('heatmap types read their grids: dead, error, move', async () => {
	const get = async type => (await server.api(`/api/v1/heatmap?site=${key}&page=${encodeURIComponent('/shop?plan=pro')}&device=mobile&type=${type}`)).json();
	const dead = await get('dead'), error = await get('error'), move = await get('move'), click = await get('click');
	assertEq([click.clicks, dead.clicks, error.clicks, move.clicks], [2, 1, 1, 2], 'counts per type');
	// cells come from the 4-px grid (STORE_GRID_COLS across the viewport:
	// 390 / 360 = 1.08 px here), so a cell is right to within one grid cell
	const near = (cell, x, y, size) => x >= cell[0] - 1.1 && x < cell[0] + size + 1.1 && y >= cell[1] - 4 && y < cell[1] + size + 4;
	assertEq(dead.cells.length, 1, 'one dead cell');
	assert(near(dead.cells[0], 50, 700, dead.cell), `dead click cell ${dead.cells[0]}`);
	assertEq(error.cells.length, 1, 'one error cell');
	assert(near(error.cells[0], 200, 30, error.cell), `error click cell ${error.cells[0]}`);
	assertEq(move.cells.length, 2, 'two move cells');
	assert(move.cells.some(c => near(c, 10, 20, move.cell)) && move.cells.some(c => near(c, 30, 40, move.cell)), `move cells ${JSON.stringify(move.cells)}`);
	const r = await server.api(`/api/v1/heatmap?site=${key}&page=/x&type=hover`);
	assertEq(r.status, 400, 'unknown type');
});

test('rage clicks: 3+ clicks within 1 s and 30 px of each other, across batches', async () => {
	const t0 = Date.now() - 60000;
	const click = (ts, x, y) => ({ t: 'click', ts, x, y, vw: 390, vh: 844, dw: 390, dh: 3000, sel: 'button.slow', ex: 0, ey: 0, ew: 80, eh: 40, pt: 'touch' });
	const send = async (id, seq, ev) => {
		const now = Date.now();
		const b = { v: 1, site: key, now, pv: { id, seq, sid: 'sess_rage_0001', url: '/rage', ts: t0, vw: 390, vh: 844 }, ev };
		const r = await fetch(`${server.url}/collect`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify(b) });
		assertEq(r.status, 204, 'collect');
	};
	// page view 1: a burst of 4 (two of them rage: the 3rd and 4th), split over two batches
	await send('pv_rage_00001', 0, [click(t0, 100, 100), click(t0 + 300, 105, 102)]);
	await send('pv_rage_00001', 1, [click(t0 + 700, 98, 99), click(t0 + 1500, 101, 100)]);
	// page view 2: too slow (1.2 s apart) and too far (40 px): no rage
	await send('pv_rage_00002', 0, [click(t0, 300, 300), click(t0 + 1200, 300, 300), click(t0 + 1300, 300, 300),
		click(t0 + 1400, 340, 300)]);
	const flags = sql("SELECT group_concat(flags & 16) FROM (SELECT flags FROM clicks c JOIN pageviews p ON p.id = c.pageview_id WHERE p.client_id = 'pv_rage_00001' ORDER BY c.ts)");
	assertEq(flags, '0,0,16,16', 'rage flags of the burst');
	assertEq(sql("SELECT count(*) FROM clicks c JOIN pageviews p ON p.id = c.pageview_id WHERE p.client_id = 'pv_rage_00002' AND c.flags & 16"), '0', 'no rage in the slow/far clicks');
	const j = await (await server.api(`/api/v1/heatmap?site=${key}&page=/rage&device=mobile&type=rage`)).json();
	assertEq(j.clicks, 2, 'rage overlay counts');
	assert(j.cells.every(c => Math.abs(c[0] - 100) <= 12 && Math.abs(c[1] - 100) <= 12), `rage cells near the button: ${JSON.stringify(j.cells)}`);
});

const bad = [
	['flag out of range', { t: 'click', x: 1, y: 1, vw: 390, vh: 844, dw: 390, dh: 900, sel: 'a', ex: 0, ey: 0, ew: 1, eh: 1, pt: 'touch', dead: 2 }, 'ev[0].dead'],
	['dwell of 99 bands', { t: 'scroll', y: 1, dh: 900, dwell: dwell(() => 0).slice(1) }, 'ev[0].dwell'],
	['negative dwell', { t: 'scroll', y: 1, dh: 900, dwell: dwell(i => (i === 5 ? -1 : 0)) }, 'ev[0].dwell[5]'],
	['moves not in threes', { t: 'move', vw: 390, dh: 900, p: [1, 2] }, 'ev[0].p'],
	['too many move points', { t: 'move', vw: 390, dh: 900, p: Array(903).fill(1) }, 'ev[0].p'],
	['bad goal name', { t: 'goal', name: '<script>' }, 'ev[0].name'],
];
for (const [name, ev, detail] of bad) {
	test(`refused: ${name}, nothing stored`, async () => {
		const before = sql('SELECT (SELECT count(*) FROM batches), (SELECT count(*) FROM moves), (SELECT count(*) FROM goals), (SELECT reversals FROM pageviews)');
		const r = await post(batch(10, [ev]));
		assertEq(r.status, 400, 'status');
		assert(JSON.parse(r.body).detail.includes(detail), `detail names ${detail}: ${r.body}`);
		assertEq(sql('SELECT (SELECT count(*) FROM batches), (SELECT count(*) FROM moves), (SELECT count(*) FROM goals), (SELECT reversals FROM pageviews)'), before, 'unchanged');
	});
}

test('refused: too many tags, bad tag key', async () => {
	const many = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, 'v']));
	let r = await post(batch(11, [], { tags: many }));
	assertEq(r.status, 400, 'too many');
	r = await post(batch(11, [], { tags: { 'Bad Key': 'v' } }));
	assertEq(r.status, 400, 'bad key');
	r = await post(batch(11, [], { utm: { source: 'x'.repeat(129) } }));
	assertEq(r.status, 400, 'long utm');
	assert(JSON.parse(r.body).detail.includes('pv.utm.source'), 'names utm.source');
});

await run({ after: async () => { await server.stop(); cleanup(dataDir); } });
