// SPDX-License-Identifier: MIT
// `calor erase` over a real server and real SQLite, while the server runs.
// Four sites get page views: `erased` all of them; `noVisitor` all but one
// visitor's (session T); `noVisitorNoDays` all but T's and those started
// on two chosen UTC days; `other` T's under the same session id and one
// more. After `calor erase --visitor T` the erased site answers every view
// (pages, heatmaps from the grids unsegmented and dated, segmented, moves,
// dead and rage clicks, elements, scroll, frustration, export) exactly as
// the site that never had T's page views, with exact counts, and after
// `calor erase --from --to` exactly as the one that never had those days'
// either; `other` keeps everything; ETags change; /collect keeps storing
// during an erase.
import { spawn } from 'node:child_process';
import { test, run, assert, assertEq, startServer, addSite, cli, tempDir, cleanup, CALOR } from '../lib/harness.mjs';

const DAY = 86400000;
const dataDir = tempDir();
const erased = addSite(dataDir, 'erased');
const noVisitor = addSite(dataDir, 'reference without the visitor');
const noVisitorNoDays = addSite(dataDir, 'reference without the visitor and the days');
const other = addSite(dataDir, 'same session id, another site');
for (const key of [erased, noVisitor, noVisitorNoDays, other])
	cli(['site', 'set', key, 'backdate_days=30', '--data', dataDir]);
const server = await startServer({ dataDir });
const api = async (path) => (await server.api(path)).json();

// The visitor to erase: the session id the tracker kept in calor_sid.
const T = 'nVisitorToErase00000001';
const now = Date.now();
const today = Math.floor(now / DAY) * DAY;
const iso = (ms) => new Date(ms).toISOString().slice(0, 10);
// the erased days: 5 and 4 days ago (UTC)
const FROM = today - 5 * DAY, TO = today - 4 * DAY;

// [id, session, page, start, vw, variant, clicks, x0, selector, goal, rage, group]
// group: 'T' the visitor, 'D' started on an erased day, '' kept
const VIEWS = [
	['pv_visitor_1', T, '/home', now - 600000, 1440, 'A', 4, 200, '#cta', true, false, 'T'],
	['pv_visitor_2', T, '/pricing', now - 500000, 390, 'B', 3, 50, '#plan', false, true, 'T'],
	['pv_visitor_3', T, '/home', now - 400000, 1440, 'A', 2, 900, '#t-only', false, false, 'T'],
	// on the same cells as pv_t_1: shared grid rows go down, not away
	['pv_kept_1', 'rKeepOne000000000001', '/home', now - 590000, 1440, 'A', 4, 200, '#cta', true, false, ''],
	['pv_kept_2', 'rKeepTwo000000000002', '/pricing', now - 480000, 390, 'B', 2, 60, '#plan', false, false, ''],
	['pv_kept_3', 'rKeepTwo000000000002', '/home', now - 470000, 1440, 'B', 3, 400, '#nav', true, true, ''],
	// started 10 s before the first erased day, its events on it: kept
	['pv_range_0', 'rRangeKeep0000000001', '/home', FROM - 10000, 1440, 'A', 2, 300, '#cta', false, false, ''],
	['pv_range_1', 'rRangeGone0000000001', '/home', FROM + 12 * 3600000, 1440, 'A', 3, 300, '#cta', true, false, 'D'],
	// started 10 s before the day after the range, its events on that day: erased
	['pv_range_2', 'rRangeGone0000000002', '/home', TO + DAY - 10000, 1440, 'B', 2, 500, '#nav', false, false, 'D'],
	['pv_range_3', 'rRangeKeep0000000002', '/home', TO + DAY + 12 * 3600000, 1440, 'A', 1, 300, '#cta', false, false, ''],
];

let seq = 0;
async function send(site, [id, sid, url, start, vw, variant, clicks, x0, sel, goal, rage]) {
	const ev = [];
	for (let i = 0; i < clicks; i++) {
		const step = rage ? 4 : 120;
		ev.push({ t: 'click', ts: start + 20000 + (rage ? 200 : 1500) * i, x: x0 + step * i, y: 300 + step * i,
			vw, vh: 800, dw: vw, dh: 3000, sel, ex: 100, ey: 100, ew: 50, eh: 20, pt: 'mouse', ia: 0,
			dead: i === 0 ? 1 : 0, err: 0 });
	}
	ev.push({ t: 'move', ts: start + 20000, vw, dh: 3000, p: [x0, 100, 0, x0 + 100, 200, 100, x0 + 150, 260, 200] });
	ev.push({ t: 'scroll', ts: start + 20500, y: 1500 + 100 * clicks, dh: 3000, fold: 800, rev: 1 });
	if (goal) ev.push({ t: 'goal', ts: start + 21000, name: 'signup' });
	const body = { v: 1, site, now: Date.now(), pv: { id, seq: 0, sid, url, ts: start, vw, vh: 800, tags: { variant } }, ev };
	const r = await fetch(`${server.url}/collect`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify(body) });
	assertEq(r.status, 204, `collect ${site} ${id}`);
	seq++;
}
for (const v of VIEWS) {
	await send(erased, v);
	if (v[11] !== 'T') await send(noVisitor, v);
	if (v[11] === '') await send(noVisitorNoDays, v);
	if (v[11] === 'T' || v[0] === 'pv_kept_1') await send(other, v);
}

// Every view of a site, as JSON with the site's key taken out.
async function views(site) {
	const home = `site=${site}&page=/home&device=desktop`;
	const pricing = `site=${site}&page=/pricing&device=mobile`;
	const answers = {
		pages: await api(`/api/v1/pages?site=${site}`),
		grid: await api(`/api/v1/heatmap?${home}`),
		dated: await api(`/api/v1/heatmap?${home}&from=${iso(FROM - DAY)}&to=${iso(TO + DAY)}`),
		segmented: await api(`/api/v1/heatmap?${home}&tag.variant=A`),
		moves: await api(`/api/v1/heatmap?${home}&type=move`),
		dead: await api(`/api/v1/heatmap?${home}&type=dead`),
		rage: await api(`/api/v1/heatmap?${pricing}&type=rage`),
		mobile: await api(`/api/v1/heatmap?${pricing}`),
		elements: await api(`/api/v1/elements?${home}`),
		scroll: await api(`/api/v1/scroll?${home}`),
		frustration: await api(`/api/v1/frustration?site=${site}`),
		export: cli(['export', '--site', site, '--data', dataDir]).trim().split('\n').map(l => JSON.parse(l))
			.filter(l => l.type !== 'site'),
	};
	// times carry each batch's clock-skew correction (a ms or so) and so
	// differ between sites: compared without them
	return JSON.parse(JSON.stringify(answers).split(site).join('SITE'), (k, v) => k === 'ts' ? undefined : v);
}
const count = (x) => ({
	pages: [x.pages.pageviews, x.pages.sessions, x.pages.clicks],
	grid: [x.grid.pageviews, x.grid.clicks, x.grid.cells.reduce((s, c) => s + c[2], 0)],
	segmented: x.segmented.clicks,
	moves: x.moves.cells.reduce((s, c) => s + c[2], 0),
	rage: x.rage.clicks,
	export: ['pageview', 'click', 'move', 'goal'].map(t => x.export.filter(l => l.type === t).length),
});
const before = await views(erased);
const otherBefore = await views(other);
const eraseCli = (args) => cli(['erase', '--site', erased, ...args, '--data', dataDir]);
const numbers = (out) => /erased (\d+) page views, (\d+) clicks, (\d+) move points, (\d+) goals, (\d+) tags, (\d+) batch records\ngrids: (\d+) /.exec(out).slice(1).map(Number);

test('before: the erased site holds all 10 page views and differs from its references', async () => {
	assertEq(count(before), {
		pages: [10, 7, 26], grid: [8, 21, 21], segmented: 16, moves: 24, rage: 1,
		export: [10, 26, 30, 4],
	}, 'counts');
	assert(JSON.stringify(before) !== JSON.stringify(await views(noVisitor)), 'the comparison can fail');
});

test('erase --visitor while the server runs: T\'s page views are gone from every view, exactly', async () => {
	const q = `/api/v1/heatmap?site=${erased}&page=/home&device=desktop`;
	const first = await server.api(q);
	const etag = first.headers.get('etag');
	assert(etag, 'an ETag');
	const out = eraseCli(['--visitor', T]);
	assertEq(numbers(out), [3, 9, 9, 1, 3, 3, 18], `printed: ${out}`);
	// the server's cached answer is not taken for the new data
	const again = await server.api(q, { headers: { 'If-None-Match': etag } });
	assertEq(again.status, 200, 'not 304 after the erase');
	assert(again.headers.get('etag') !== etag, 'a new ETag');
	const after = await views(erased);
	assertEq(count(after), {
		pages: [7, 6, 17], grid: [6, 15, 15], segmented: 10, moves: 18, rage: 0,
		export: [7, 17, 21, 3],
	}, 'counts');
	assertEq(after, await views(noVisitor), 'every answer as if T had never come');
	assert(!JSON.stringify(after).includes(T), 'the session id is nowhere');
});

test('erase --visitor leaves the same session id on another site alone', async () => {
	assertEq(await views(other), otherBefore, 'other site unchanged');
	assertEq(count(otherBefore).pages, [4, 2, 13], 'other site counts');
});

test('erase --from --to while /collect keeps storing: the days\' page views go, exactly', async () => {
	// a bounded stream of batches to another site during the erase
	const child = spawn(CALOR, ['erase', '--site', erased, '--from', iso(FROM), '--to', iso(TO), '--data', dataDir],
		{ stdio: ['ignore', 'pipe', 'pipe'] });
	let out = '';
	child.stdout.on('data', d => { out += d; });
	const done = new Promise(resolve => child.on('exit', resolve));
	let sent = 0, finished = false;
	done.then(() => { finished = true; });
	while (!finished || sent < 20) {
		assert(sent < 2000, 'the erase finishes');
		await send(other, [`pv_load_${sent}`, 'rLoad00000000000001', '/load', Date.now() - 1000, 1440, 'A', 1, 10, '#x', false, false]);
		sent++;
	}
	assertEq(await done, 0, 'exit status');
	assertEq(numbers(out), [2, 5, 6, 1, 2, 2, 11], `printed: ${out}`);
	const after = await views(erased);
	assertEq(count(after).pages, [5, 4, 12], 'pages');
	assertEq(count(after).grid, [4, 10, 10], 'grid');
	assertEq(after, await views(noVisitorNoDays), 'every answer as if those days had never come');
	const load = await api(`/api/v1/pages?site=${other}&q=/load`);
	assertEq([load.pages[0].pageviews, load.pages[0].clicks], [sent, sent], 'every batch sent during the erase stored');
});

test('erase refuses what it cannot do', async () => {
	const fails = (args) => { try { cli(['erase', ...args, '--data', dataDir]); return null; } catch (e) { return e.status; } };
	assertEq(fails(['--site', erased]), 2, 'neither --visitor nor a range');
	assertEq(fails(['--site', erased, '--visitor', 'no spaces allowed']), 2, 'not a session id');
	assertEq(fails(['--site', erased, '--from', iso(TO), '--to', iso(FROM)]), 2, 'from after to');
	assertEq(fails(['--site', erased, '--from', iso(FROM)]), 2, 'from without to');
	assertEq(fails(['--site', 'nosuchsite', '--visitor', T]), 1, 'unknown site');
	// nothing left to erase: 0, and says so
	assertEq(numbers(eraseCli(['--visitor', T])), [0, 0, 0, 0, 0, 0, 0], 'again');
});

await run({ after: async () => { await server.stop(); cleanup(dataDir); } });
