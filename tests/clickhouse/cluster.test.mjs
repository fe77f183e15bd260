// SPDX-License-Identifier: MIT
// Two stateless calor nodes on the two-shard cluster of
// tests/clickhouse/run.sh: node A's store is ClickHouse server 0, node B's
// server 1, both `?cluster=calor` and the same database. The batches of
// tests/lib/parity.mjs go alternately to A and B (and all to a calor on
// SQLite); then every read request answers the same from A, from B and
// from SQLite, both shards hold events, and a batch sent again to the
// other node is a duplicate (stored once).
import { test, run, assert, assertEq, startServer, addSite, newStore, cleanup, clickhouseQuery, sleep } from '../lib/harness.mjs';
import { makeBatches, send, siteSettings, requests, compare, firstDifference } from '../lib/parity.mjs';

const P0 = Number(process.env.CALOR_CH_PORT0), P1 = Number(process.env.CALOR_CH_PORT1);
assert(P0 > 0 && P1 > 0, 'CALOR_CH_PORT0 and CALOR_CH_PORT1: the two servers of tests/clickhouse/run.sh');

const db = `calor_cluster_${process.pid}`;
// A names every server (shards=); B only the cluster
const stores = {
	sqlite: newStore(null),
	A: `clickhouse://127.0.0.1:${P0}/${db}?cluster=calor&shards=127.0.0.1:${P0},127.0.0.1:${P1}`,
	B: `clickhouse://127.0.0.1:${P1}/${db}?cluster=calor`,
};
// No deploy step per shard: the first calor to open the cluster with
// shards= (here `calor site add` through A, whose spec names server 0)
// makes every server's local tables, as ClickHouse 18.16 has no ON
// CLUSTER without ZooKeeper.
const tables = async (port) => (await clickhouseQuery(port,
	`SELECT name FROM system.tables WHERE database = '${db}' ORDER BY name`)).trim().split('\n').filter(Boolean);
const before1 = await tables(P1);
const keys = { sqlite: addSite(stores.sqlite, 'cluster'), A: addSite(stores.A, 'cluster') };
const after1 = await tables(P1);
keys.B = keys.A;
for (const name of ['sqlite', 'A']) siteSettings(stores[name], keys[name]);
const servers = {};
for (const name of Object.keys(stores)) servers[name] = await startServer({ dataDir: stores[name] });
const nodes = Object.keys(stores).map(name => ({ name, server: servers[name], key: keys[name] }));
const target = (name) => ({ url: servers[name].url, key: keys[name] });
const batches = makeBatches({ sessions: 24, seed: 5 });
let paths = [];

test('opening the cluster through server 0 with shards= made server 1\'s tables', () => {
	assertEq(before1.length, 0, `server 1 had no tables before: ${before1}`);
	for (const t of ['events_local', 'sites_local', 'batches_local', 'pageviews_local', 'grids_local', 'grids_mv', 'schema_local'])
		assert(after1.includes(t), `server 1 has ${t}: ${after1}`);
	assert(!after1.includes('events'), `the Distributed tables are made on the spec's server only: ${after1}`);
});

test('node B sees the site made through node A, with its settings', async () => {
	const j = await (await servers.B.api('/api/v1/sites')).json();
	const site = (j.sites || j).find(s => s.key === keys.A);
	assert(site, `site ${keys.A} listed by B: ${JSON.stringify(j).slice(0, 300)}`);
	assertEq(site.settings.backdate_days, 9, 'backdate_days set through A');
});

test('batches sent alternately to A and B are all acknowledged', async () => {
	const t = Date.now();
	await send(batches, (i) => [target('sqlite'), target(i % 2 ? 'B' : 'A')]);
	console.error(`# ${batches.length} batches sent in ${Date.now() - t} ms`);
	const j = await (await servers.sqlite.api(`/api/v1/pages?site=${keys.sqlite}`)).json();
	paths = j.pages.map(p => p.path);
	assert(j.pageviews > 50 && paths.length >= 5, `enough data: ${j.pageviews} page views on ${paths}`);
});

test('both shards hold events (the session is the shard key)', async () => {
	for (const port of [P0, P1]) {
		const n = Number(await clickhouseQuery(port, `SELECT count() FROM ${db}.events_local`));
		assert(n > 100, `server ${port}: ${n} rows`);
	}
});

test('every read answers the same from A, from B and from SQLite', async () => {
	await sleep(1500); // each node sees the other's writes within 1 s (data version)
	const list = requests(paths, { full: false }), t = Date.now();
	const n = await compare(nodes, list);
	assertEq(n, 2 * list.length, 'answers compared');
	console.error(`# ${list.length} requests answered the same by the three in ${Date.now() - t} ms`);
});

test('a batch sent again to the other node is a duplicate: stored once', async () => {
	const list = ['/api/v1/pages?x', '/api/v1/frustration?x', ...paths.slice(0, 3).map(p => `/api/v1/elements?x&page=${encodeURIComponent(p)}`)];
	const snap = async () => Promise.all(list.map(async p => (await (await servers.A.api(p.replace('?x', `?site=${keys.A}`))).text())));
	const before = await snap();
	const rows = async () => Promise.all([P0, P1].map(p => clickhouseQuery(p, `SELECT count() FROM ${db}.events_local`)));
	const rowsBefore = await rows();
	const again = batches.map((b, i) => ({ b, i })).filter(({ i }) => i % 9 === 4);
	await send(again.map(x => x.b), (j) => [target(again[j].i % 2 ? 'A' : 'B')], { workers: 2 });
	await sleep(1500);
	assertEq(await rows(), rowsBefore, 'rows on each shard');
	const after = await snap();
	list.forEach((p, i) => assert(after[i] === before[i], `${p} changed after ${again.length} batches were sent again ${firstDifference(before[i], after[i])}`));
	assertEq((await compare(nodes, list)), 2 * list.length, 'the three still agree');
});

await run({ after: async () => {
	for (const s of Object.values(servers)) await s.stop();
	await cleanup(stores.sqlite);
	for (const port of [P0, P1]) await clickhouseQuery(port, `DROP DATABASE IF EXISTS ${db}`).catch(() => {});
} });
