// SPDX-License-Identifier: MIT
// Retention over a real server and real SQLite: three sites get the same
// page views, 20, 11, 9 and 2 days old and new; then one keeps 10 days,
// one 30 and one everything. After the server's pass (run every second
// here, --retention-interval 1) the pages table, heatmaps from the grids
// and from the events, elements, scroll, frustration and the export of the
// 10-day site have lost exactly the page views older than 10 days with
// all they carried; everything else is counted as before.
import { test, run, assert, assertEq, startServer, addSite, cli, tempDir, cleanup, sleep } from '../lib/harness.mjs';

const DAY = 86400000;
const dataDir = tempDir();
const purged = addSite(dataDir, 'ten days');
const month = addSite(dataDir, 'thirty days');
const kept = addSite(dataDir, 'for ever');
for (const key of [purged, month, kept])
	cli(['site', 'set', key, 'backdate_days=30', '--data', dataDir]);
const server = await startServer({ dataDir, extraArgs: ['--retention-interval', '1'] });
const api = async (path) => (await server.api(path)).json();

// [age, selector, clicks, document height]: the old ones on a taller page
const VIEWS = [[20 * DAY, '#old20', 4, 9000], [11 * DAY, '#old11', 3, 9000], [9 * DAY, '#new9', 2, 3000],
	[2 * DAY, '#new2', 5, 3000], [0, '#now', 1, 3000]];
let n = 0;
async function send(site, [age, sel, clicks, dh]) {
	const now = Date.now();
	const start = now - age - 60000;
	const id = `pv_ret_${String(++n).padStart(5, '0')}`;
	const ev = [];
	for (let i = 0; i < clicks; i++)
		ev.push({ t: 'click', ts: start + 1000 + 2000 * i, x: 100 + 150 * i, y: 200 + 40 * i, vw: 1440, vh: 800,
			dw: 1440, dh, sel, ex: 100, ey: 100, ew: 50, eh: 20, pt: 'mouse', ia: 0, dead: i === 0 ? 1 : 0, err: 0 });
	ev.push({ t: 'move', ts: start + 500, vw: 1440, dh, p: [10, 20, 0, 300, 400, 150, 600, 700, 300] });
	ev.push({ t: 'scroll', ts: start + 900, y: 2400, dh, fold: 800, rev: 0 });
	ev.push({ t: 'goal', ts: start + 1500, name: 'signup' });
	const body = { v: 1, site, now, pv: { id, seq: 0, sid: `sess_ret_${n}`, url: '/home', ts: start, vw: 1440, vh: 800,
		tags: { variant: 'A' } }, ev };
	const r = await fetch(`${server.url}/collect`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify(body) });
	assertEq(r.status, 204, `collect ${id}`);
}
for (const site of [purged, month, kept])
	for (const v of VIEWS) await send(site, v);

// What every view of a site says, in numbers.
async function counts(site) {
	const q = `site=${site}&page=/home&device=desktop`;
	const pages = await api(`/api/v1/pages?site=${site}`);
	const grid = await api(`/api/v1/heatmap?${q}`);
	const seg = await api(`/api/v1/heatmap?${q}&tag.variant=A`);
	const moves = await api(`/api/v1/heatmap?${q}&type=move`);
	const dead = await api(`/api/v1/heatmap?${q}&type=dead`);
	const ranged = await api(`/api/v1/heatmap?${q}&from=${day(21 * DAY)}&to=${day(19 * DAY)}`);
	const elements = await api(`/api/v1/elements?${q}`);
	const scroll = await api(`/api/v1/scroll?${q}`);
	const frustration = await api(`/api/v1/frustration?site=${site}`);
	const lines = cli(['export', '--site', site, '--data', dataDir]).trim().split('\n').map(l => JSON.parse(l));
	const exported = t => lines.filter(l => l.type === t).length;
	return {
		pages: [pages.pageviews, pages.clicks],
		heatmap: [grid.pageviews, grid.clicks, grid.cells.reduce((s, c) => s + c[2], 0), grid.height],
		segmented: [seg.pageviews, seg.clicks],
		moves: moves.clicks,
		dead: [dead.clicks, frustration.dead.clicks],
		ranged: ranged.clicks,
		elements: elements.elements.map(e => [e.selector, e.clicks]).sort(),
		scroll: scroll.pageviews,
		export: [exported('pageview'), exported('click'), exported('move'), exported('goal')],
	};
}
const day = (msAgo) => new Date(Date.now() - msAgo).toISOString().slice(0, 10);

const all = await counts(kept);
const metric = async () => Number(/^calor_retention_passes_total (\d+)$/m.exec(await (await fetch(`${server.url}/metrics`)).text())[1]);
// Until two more passes have finished: one of them began after now.
async function passes() {
	const start = await metric();
	for (let t = 0; (await metric()) < start + 2; t++) {
		assert(t < 300, 'retention passes within 30 s');
		await sleep(100);
	}
}

test('before retention: every site holds all 5 page views, 15 clicks, 15 move points, 5 goals', async () => {
	assertEq(all.pages, [5, 15], 'pages');
	assertEq(all.heatmap.slice(0, 3), [5, 15, 15], 'grid heatmap: page views, clicks, cells');
	assert(all.heatmap[3] >= 9000, `height from the tallest page: ${all.heatmap[3]}`);
	assertEq(all.segmented, [5, 15], 'segmented heatmap');
	assertEq([all.moves, all.dead, all.ranged, all.scroll], [15, [5, 5], 4, 5], 'moves, dead, 20 days ago, scroll');
	assertEq(all.elements, [['#new2', 5], ['#new9', 2], ['#now', 1], ['#old11', 3], ['#old20', 4]], 'elements');
	assertEq(all.export, [5, 15, 15, 5], 'export');
	await passes(); // with retention_days 0 everywhere: nothing to do
	for (const site of [purged, month, kept])
		assertEq(await counts(site), all, 'the same on every site');
});

test('retention_days=10: the next pass deletes exactly what is older than 10 days', async () => {
	for (const [site, days] of [[purged, 10], [month, 30]]) {
		const r = await server.api(`/api/v1/sites?site=${site}`, { method: 'PATCH', body: JSON.stringify({ settings: { retention_days: days } }) });
		assertEq(r.status, 200, 'patched');
	}
	await passes();
	const line = server.log().split('\n').find(l => l.includes(`retention: site ${purged}:`));
	assert(line && line.includes('deleted 2 page views, 7 clicks, 6 moves, 2 goals'), `log line: ${line}`);
	assert(!server.log().includes(`site ${month}:`) && !server.log().includes(`site ${kept}:`), 'no line for the sites that lost nothing');
	const after = await counts(purged);
	assertEq(after.pages, [3, 8], 'pages');
	assertEq(after.heatmap.slice(0, 3), [3, 8, 8], 'grid heatmap: page views, clicks, cells');
	assert(after.heatmap[3] < 9000, `height from the pages left: ${after.heatmap[3]}`);
	assertEq(after.segmented, [3, 8], 'segmented heatmap');
	assertEq([after.moves, after.dead, after.ranged, after.scroll], [9, [3, 3], 0, 3], 'moves, dead, 20 days ago, scroll');
	assertEq(after.elements, [['#new2', 5], ['#new9', 2], ['#now', 1]], 'elements');
	assertEq(after.export, [3, 8, 9, 3], 'export');
});

test('a site keeping 30 days and a site keeping everything lose nothing', async () => {
	assertEq(await counts(month), all, '30 days');
	assertEq(await counts(kept), all, 'for ever');
});

test('later passes find nothing more; new events are stored and kept', async () => {
	await passes();
	assertEq((await counts(purged)).pages, [3, 8], 'unchanged');
	await send(purged, [0, '#later', 2, 3000]);
	// backdated past retention: stored (204), then purged by a pass
	await send(purged, [15 * DAY, '#late', 1, 3000]);
	await passes();
	const after = await counts(purged);
	assertEq(after.pages, [4, 10], 'the backdated one purged, the new one kept');
	assertEq(after.elements.map(e => e[0]), ['#later', '#new2', '#new9', '#now'], 'elements');
});

test('the server stops promptly while passes run', async () => {
	const t0 = Date.now();
	const { code } = await server.stop('SIGTERM');
	assertEq(code, 0, 'clean exit');
	assert(Date.now() - t0 < 5000, `stopped in ${Date.now() - t0} ms`);
});

await run({ after: async () => { await server.stop(); cleanup(dataDir); } });
