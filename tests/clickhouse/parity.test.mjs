// SPDX-License-Identifier: MIT
// Backend parity over HTTP: one calor on SQLite and one on ClickHouse
// (CALOR_CH_PORT0, a server of tests/clickhouse/run.sh) get the same /collect
// batches (tests/lib/parity.mjs: a seeded simulated week and hand-made page
// views), then hundreds of read requests — pages, heatmaps of every type
// as JSON and PNG, confetti, diff, scroll, elements, frustration, under
// every filter — must answer the same from both: the same status, X-Calor-*
// headers and JSON (event times in examples within a few ms, see
// parity.mjs) or PNG bytes. Batches sent again are duplicates on both.
import { test, run, assert, assertEq, startServer, addSite, newStore, cleanup } from '../lib/harness.mjs';
import { makeBatches, send, siteSettings, requests, compare, firstDifference } from '../lib/parity.mjs';

const CH = Number(process.env.CALOR_CH_PORT0);
assert(CH > 0, 'CALOR_CH_PORT0: a ClickHouse HTTP port (tests/clickhouse/run.sh)');

const stores = { sqlite: newStore(null), clickhouse: newStore(CH) };
const keys = {}, servers = {};
for (const [name, store] of Object.entries(stores)) {
	keys[name] = addSite(store, 'parity');
	siteSettings(store, keys[name]);
	servers[name] = await startServer({ dataDir: store });
}
const both = Object.keys(stores).map(name => ({ name, server: servers[name], key: keys[name] }));
const targets = both.map(s => ({ url: s.server.url, key: s.key }));
const batches = makeBatches();
let paths = [];

test('every batch is acknowledged by both servers', async () => {
	const t = Date.now();
	await send(batches, targets);
	console.error(`# ${batches.length} batches sent to both in ${Date.now() - t} ms`);
	const counts = await Promise.all(both.map(async s => (await (await s.server.api(`/api/v1/pages?site=${s.key}`)).json())));
	assertEq(counts.map(c => [c.pageviews, c.sessions, c.clicks]), [0, 1].map(() => [counts[0].pageviews, counts[0].sessions, counts[0].clicks]), 'totals');
	paths = counts[0].pages.map(p => p.path);
	assert(counts[0].pageviews > 80 && counts[0].clicks > 150, `enough data: ${counts[0].pageviews} page views, ${counts[0].clicks} clicks`);
	assert(paths.length >= 5, `pages: ${paths}`);
});

// Every answer of a few requests, per server.
async function snapshot(list) {
	const out = {};
	for (const s of both) {
		out[s.name] = [];
		for (const p of list) out[s.name].push(await (await s.server.api(p.replace('?x', `?site=${s.key}`))).text());
	}
	return out;
}

test('a batch sent again, a second later, is a duplicate on both: nothing changes', async () => {
	const list = ['/api/v1/pages?x', '/api/v1/frustration?x', ...paths.map(p => `/api/v1/elements?x&page=${encodeURIComponent(p)}`)];
	const before = await snapshot(list);
	await new Promise(r => setTimeout(r, 1000));
	const again = batches.filter((_, i) => i % 25 === 7);
	await send(again, targets, { workers: 2 });
	const after = await snapshot(list);
	for (const s of both)
		list.forEach((p, i) => assert(after[s.name][i] === before[s.name][i],
			`${s.name}: ${p} changed after ${again.length} batches were sent again ${firstDifference(before[s.name][i], after[s.name][i])}`));
});

test('every read answers the same from SQLite and ClickHouse', async () => {
	const list = requests(paths), t = Date.now();
	const n = await compare(both, list);
	assertEq(n, list.length, 'answers compared');
	console.error(`# ${n} requests answered the same by both in ${Date.now() - t} ms`);
});

test('a mutation is seen: an extra click on one side makes the answers differ', async () => {
	const b = { ua: batches[0].ua, batch: { v: 1, site: 'x', now: Date.now(), pv: { id: 'pvonlyonone0001', seq: 0, sid: 'sessonlyone01', url: paths[0], ts: Date.now() - 5000, vw: 1440, vh: 800 },
		ev: [{ t: 'click', ts: Date.now() - 1000, x: 20, y: 20, vw: 1440, vh: 800, dw: 1440, dh: 2000, sel: '#only', ex: 0, ey: 0, ew: 1, eh: 1, pt: 'mouse' }] } };
	await send([b], [targets[1]]);
	let err = null;
	try { await compare(both, [`/api/v1/heatmap?x&page=${encodeURIComponent(paths[0])}`]); } catch (e) { err = e; }
	assert(err && /differ/.test(err.message), 'the comparison finds the extra click');
});

await run({ after: async () => {
	for (const name of Object.keys(stores)) { await servers[name].stop(); await cleanup(stores[name]); }
} });
