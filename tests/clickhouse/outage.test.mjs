// SPDX-License-Identifier: MIT
// ClickHouse goes away under a running calor: server 1 of
// tests/clickhouse/run.sh (CALOR_CH_PORT1, its pid CALOR_CH_PID1, its
// directory CALOR_CH_DIR/ch1) is first stopped with SIGSTOP (slow: nothing
// answers) and later killed (unreachable). /collect must answer 503 with
// Retry-After, never 2xx, for what it could not store; the server stays up
// and reads fail with a JSON error. After SIGCONT, and after a restart of
// ClickHouse on the same data directory, calor recovers by itself: the
// refused batches, sent again, are stored exactly once, and every batch
// acknowledged before is still there.
import { spawn } from 'node:child_process';
import { openSync, writeFileSync } from 'node:fs';
import { test, run, assert, assertEq, startServer, addSite, cleanup, sleep } from '../lib/harness.mjs';

const PORT = Number(process.env.CALOR_CH_PORT1), DIR = process.env.CALOR_CH_DIR;
let pid = Number(process.env.CALOR_CH_PID1);
assert(PORT > 0 && pid > 0 && DIR, 'CALOR_CH_PORT1, CALOR_CH_PID1, CALOR_CH_DIR (tests/clickhouse/run.sh)');

const store = `clickhouse://127.0.0.1:${PORT}/calor_outage_${process.pid}`;
const key = addSite(store, 'outage');
const server = await startServer({ dataDir: store });

// Batch i: one page view with two clicks on #b<i>.
function batch(i) {
	const now = Date.now(), id = `pv_outage_${String(i).padStart(5, '0')}`;
	return { v: 1, site: key, now, pv: { id, seq: 0, sid: `sess_outage_${i % 5}`, url: '/o', ts: now - 5000, vw: 1440, vh: 800 },
		ev: [0, 1].map(k => ({ t: 'click', ts: now - 4000 + 100 * k, x: 100 * k + 10, y: 10 * i + 5, vw: 1440, vh: 800, dw: 1440, dh: 4000,
			sel: `#b${i}`, ex: 0, ey: 0, ew: 1, eh: 1, pt: 'mouse' })) };
}
const bodies = new Map(); // a retry is the same bytes as the first try
async function post(i) {
	if (!bodies.has(i)) bodies.set(i, JSON.stringify(batch(i)));
	const t = Date.now();
	let r;
	try {
		r = await fetch(`${server.url}/collect`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: bodies.get(i) });
	} catch (e) {
		throw new Error(`batch ${i}: no answer after ${Date.now() - t} ms: ${e.cause || e}\n${server.log().slice(-2000)}`);
	}
	return { status: r.status, retry: r.headers.get('retry-after'), body: await r.text(), ms: Date.now() - t };
}
const acknowledged = new Set();
async function postAll(list) {
	const out = await Promise.all(list.map(post));
	out.forEach((r, k) => { if (r.status === 204) acknowledged.add(list[k]); });
	return out;
}
const range = (a, b) => Array.from({ length: b - a }, (_, k) => a + k);

// Every refused batch sent again until it is acknowledged (calor
// recovers without a restart), at most for ms.
async function retryUntilStored(list, ms) {
	const deadline = Date.now() + ms;
	let left = list.filter(i => !acknowledged.has(i)), rounds = 0;
	while (left.length && Date.now() < deadline) {
		const out = await postAll(left);
		out.forEach(r => assert(r.status === 204 || r.status === 503, `a retry answered ${r.status}: ${r.body}`));
		left = left.filter(i => !acknowledged.has(i));
		rounds++;
		if (left.length) await sleep(500);
	}
	assertEq(left, [], `batches still refused after ${ms} ms (${rounds} rounds)`);
}

// The store holds exactly the acknowledged batches, each once.
async function assertStored(what) {
	const r = await server.api(`/api/v1/elements?site=${key}&page=/o&limit=1000`);
	assertEq(r.status, 200, `${what}: elements`);
	const j = await r.json();
	const want = [...acknowledged].sort((a, b) => a - b);
	assertEq([j.pageviews, j.clicks], [want.length, 2 * want.length], `${what}: page views and clicks`);
	assertEq(j.elements.map(e => [e.selector, e.clicks]).sort(), want.map(i => [`#b${i}`, 2]).sort(), `${what}: two clicks per batch`);
}

function assertRefused(out, what) {
	for (const r of out) {
		assertEq(r.status, 503, `${what}: ${r.body}`);
		assertEq(r.retry, '5', `${what}: Retry-After`);
		assertEq(JSON.parse(r.body).error, 'unavailable', `${what}: JSON error`);
	}
}

async function up() {
	for (let t = 0; t < 300; t++) {
		try { if ((await (await fetch(`http://127.0.0.1:${PORT}/`)).text()).startsWith('Ok.')) return; } catch { /* starting */ }
		await sleep(100);
	}
	throw new Error(`ClickHouse did not come back on ${PORT}`);
}

test('with ClickHouse up, batches are acknowledged and stored', async () => {
	const out = await postAll(range(0, 10));
	assertEq(out.map(r => r.status), out.map(() => 204), 'all 204');
	await assertStored('before');
});

test('ClickHouse stopped (SIGSTOP): /collect answers 503 with Retry-After, reads a JSON 503, the server stays up', async () => {
	process.kill(pid, 'SIGSTOP');
	try {
		// the read last: the first read to meet a hung ClickHouse holds
		// one of calor's HTTP threads until its 15 s timeout
		const out = await postAll(range(10, 14));
		assertRefused(out, 'collect while ClickHouse is stopped');
		assert(out.every(r => r.ms < 19000), `answered before the HTTP deadline: ${out.map(r => r.ms)}`);
		assertEq((await fetch(`${server.url}/healthz`)).status, 200, 'the server answers');
		const more = await postAll([14]);
		assertRefused(more, 'a later batch');
		// before HTTP's request deadline (20 s), which would cut the
		// connection unanswered: the write gives up after 10 s, a site
		// reload on the same request after 3 s
		assert(more[0].ms < 19000, `a later batch answered in ${more[0].ms} ms`);
		const t = Date.now();
		const r = await server.api(`/api/v1/pages?site=${key}`).then(async x => ({ status: x.status, body: await x.text() }));
		const readMs = Date.now() - t;
		console.error(`# collects answered in ${out.map(x => x.ms)} and ${more[0].ms} ms, the read in ${readMs} ms`);
		assertEq(r.status, 503, `read after ${readMs} ms: ${r.body}`);
		assertEq(JSON.parse(r.body).error, 'unavailable', 'read: JSON error');
		// the writes found ClickHouse away, so the read asks it for a
		// ping (1 s) before its query, instead of waiting 15 s for it
		assert(readMs < 5000, `a read after ClickHouse was found away answered in ${readMs} ms`);
	} finally {
		process.kill(pid, 'SIGCONT');
	}
});

test('after SIGCONT calor recovers by itself; the refused batches sent again are stored once', async () => {
	await retryUntilStored(range(10, 15), 30000);
	const out = await postAll(range(15, 18));
	assertEq(out.map(r => r.status), [204, 204, 204], 'new batches');
	await assertStored('after SIGCONT');
});

test('ClickHouse killed: /collect answers 503 at once, reads a JSON 503, the server stays up', async () => {
	process.kill(pid, 'SIGKILL');
	for (let t = 0; t < 100; t++) {
		try { process.kill(pid, 0); await sleep(50); } catch { break; }
	}
	const out = await postAll(range(18, 22));
	assertRefused(out, 'collect while ClickHouse is down');
	assert(out.every(r => r.ms < 10000), `answered at once: ${out.map(r => r.ms)}`);
	const r = await server.api(`/api/v1/heatmap?site=${key}&page=/o`);
	assertEq(r.status, 503, 'read');
	const j = await r.json();
	assertEq(j.error, 'unavailable', 'read: JSON error');
	assertEq((await fetch(`${server.url}/healthz`)).status, 200, 'the server answers');
});

test('ClickHouse restarted on its data: calor recovers by itself, nothing acknowledged is lost, retries stored once', async () => {
	const log = openSync(`${DIR}/ch1/log/stdout.log`, 'a');
	const ch = spawn('/usr/sbin/clickhouse-server', [`--config-file=${DIR}/ch1/config.xml`], { stdio: ['ignore', log, log], detached: true });
	ch.unref();
	pid = ch.pid;
	writeFileSync(`${DIR}/ch1/pid`, `${pid}\n`); // scripts/clickhouse.sh stop stops this one
	await up();
	await retryUntilStored(range(18, 22), 60000);
	const out = await postAll(range(22, 25));
	assertEq(out.map(r => r.status), [204, 204, 204], 'new batches');
	await assertStored('after the restart');
});

test('the server never stopped and stops cleanly', async () => {
	assertEq(server.proc.exitCode, null, 'still running');
	const { code } = await server.stop();
	assertEq(code, 0, 'exit status');
});

await run({ after: async () => {
	await server.stop();
	try { process.kill(pid, 'SIGCONT'); } catch { /* gone */ }
	await cleanup(store);
} });
