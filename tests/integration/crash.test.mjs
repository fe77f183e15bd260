// SPDX-License-Identifier: MIT
// Crash safety: concurrent clients send page views of several batches
// (seq 0, 1, 2: later ones go through rage detection against the stored
// clicks) while `calor serve` is killed with SIGKILL at a random moment,
// KILLS times over (a seeded PRNG picks the moments; CALOR_CRASH_SEED=N
// replays a run). After each restart: every batch that got a 204 is in the
// database exactly once (its `batches` row, and its page view holds exactly
// the clicks of the batches stored for it); the batches whose answer the
// kill cut off, and a sample of acknowledged ones, sent again, are stored
// once; integrity_check is ok. Then SIGTERM under load: a clean exit
// losing nothing. Bounded: four kills of 0.3–2.5 s of load, 127.0.0.1.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { test, run, assert, assertEq, startServer, addSite, tempDir, cleanup, sleep } from '../lib/harness.mjs';

const dataDir = tempDir();
const key = addSite(dataDir, 'crash');
const CLICKS = 5;
const SEQS = 3;
const CLIENTS = 16;
const KILLS = 4;
const seed = Number(process.env.CALOR_CRASH_SEED) || (Date.now() % 1000000);
console.error(`# crash seed ${seed} (CALOR_CRASH_SEED=${seed} replays the kill moments)`);

// mulberry32: the kill moments, reproducible from the seed
let state = seed >>> 0;
function random() {
	state = (state + 0x6d2b79f5) >>> 0;
	let t = state;
	t = Math.imul(t ^ (t >>> 15), t | 1);
	t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
	return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

const acked = new Set();   // "pvid/seq" answered 204
const cutOff = new Set();  // sent, no answer: the kill came first
const refused = new Map(); // "pvid/seq" -> status: must never be stored
let sent = 0;

function batchFor(pv, seq) {
	const now = Date.now();
	const ev = [];
	for (let i = 0; i < CLICKS; i++)
		ev.push({ t: 'click', ts: now - 3000 + 100 * i, x: 10 * i + 5 * seq, y: 20 * i, vw: 1440, vh: 900, dw: 1440,
			dh: 3000, sel: 'button.buy', ex: 100, ey: 100, ew: 80, eh: 30, pt: 'mouse', ia: 1 });
	ev.push({ t: 'scroll', ts: now, y: 900 + 300 * seq, dh: 3000, fold: 900, rev: 1 });
	return JSON.stringify({ v: 1, site: key, now, pv: { id: pv, seq, sid: `sess_${pv}`, url: '/crash',
		ts: now - 5000, vw: 1440, vh: 900 }, ev });
}

async function post(url, pv, seq) {
	const r = await fetch(`${url}/collect`, { method: 'POST', headers: { 'Content-Type': 'text/plain' },
		body: batchFor(pv, seq) });
	await r.arrayBuffer();
	if (r.status === 503 && !r.headers.get('retry-after'))
		throw new Error(`batch ${pv}/${seq}: 503 without Retry-After`);
	return r.status;
}

// One client: page views of SEQS batches, one batch at a time, until the
// server dies under it.
async function client(url, round, n) {
	for (let i = 0; ; i++) {
		const pv = `pv_k${round}_c${n}_${String(i).padStart(6, '0')}`;
		for (let seq = 0; seq < SEQS; seq++) {
			const id = `${pv}/${seq}`;
			sent++;
			try {
				const status = await post(url, pv, seq);
				if (status === 204) acked.add(id);
				else refused.set(id, status);
			} catch (e) {
				if (e.message.startsWith('batch ')) throw e;
				cutOff.add(id);
				return;
			}
		}
	}
}

// What the database holds: the stored batches ("pv/seq") and the page
// views whose clicks are not exactly CLICKS per stored batch.
function stored() {
	const db = join(dataDir, 'calor.db');
	const q = sql => execFileSync('sqlite3', ['-readonly', db, sql], { encoding: 'utf8', maxBuffer: 64 << 20 })
		.split('\n').filter(Boolean);
	const batches = new Set(q(`SELECT pv.client_id || '/' || b.seq FROM batches b JOIN pageviews pv ON pv.id = b.pageview_id`));
	const wrong = q(`SELECT pv.client_id FROM pageviews pv WHERE
		(SELECT count(*) FROM clicks WHERE pageview_id = pv.id) !=
		${CLICKS} * (SELECT count(*) FROM batches WHERE pageview_id = pv.id)`);
	return { batches, wrong };
}

function integrity() {
	return execFileSync('sqlite3', ['-readonly', join(dataDir, 'calor.db'), 'PRAGMA integrity_check'],
		{ encoding: 'utf8' }).trim();
}

function check(what) {
	const { batches, wrong } = stored();
	let missing = 0, refusedStored = 0;
	for (const id of acked) if (!batches.has(id)) missing++;
	for (const id of refused.keys()) if (batches.has(id)) refusedStored++;
	assertEq(missing, 0, `${what}: acknowledged batches missing (of ${acked.size})`);
	assertEq(refusedStored, 0, `${what}: refused batches stored (of ${refused.size})`);
	assertEq(wrong.slice(0, 5), [], `${what}: page views with a partial or duplicated batch`);
	return batches;
}

for (let round = 1; round <= KILLS; round++) {
	test(`kill -9 under load at a random moment, round ${round}: every acknowledged batch stored once`, async () => {
		const server = await startServer({ dataDir });
		const before = acked.size;
		const killAt = Math.round(300 + random() * 2200);
		const clients = Array.from({ length: CLIENTS }, (_, n) => client(server.url, round, n));
		await sleep(killAt);
		server.proc.kill('SIGKILL');
		await server.exited;
		await Promise.all(clients);
		assert(acked.size - before > 20, `batches acknowledged before the kill at ${killAt} ms (${acked.size - before})`);
		assertEq([...refused], [], 'batches refused while the server was up');

		// restart on the same data: recovery must not lose or duplicate anything
		const again = await startServer({ dataDir });
		const batches = check('after restart');
		assertEq(integrity(), 'ok', 'integrity_check after restart');
		// the cut-off batches sent again (committed or not, they end up
		// stored once), and acknowledged ones again: duplicates, no-ops
		const resend = [...cutOff, ...[...acked].filter((_, i) => i % 50 === 0)];
		let cutStored = 0;
		for (const id of cutOff) if (batches.has(id)) cutStored++;
		for (const id of resend) {
			const [pv, seq] = id.split('/');
			assertEq(await post(again.url, pv, Number(seq)), 204, `resent batch ${id}`);
			acked.add(id);
		}
		cutOff.clear();
		check('after resending');
		const { code } = await again.stop('SIGTERM');
		assertEq(code, 0, 'exit code after SIGTERM');
		console.error(`# round ${round}: killed at ${killAt} ms, ${acked.size - before} acknowledged this round, ` +
			`${cutStored} of the cut-off batches were committed, ${resend.length} resent, ${batches.size} stored in all`);
	});
}

test('SIGTERM under load: clean exit, every acknowledged batch stored once', async () => {
	const server = await startServer({ dataDir });
	const before = acked.size;
	const clients = Array.from({ length: CLIENTS }, (_, n) => client(server.url, 'T', n));
	await sleep(1200);
	const { code } = await server.stop('SIGTERM');
	await Promise.all(clients);
	assertEq(code, 0, 'exit code after SIGTERM');
	assert(acked.size - before > 20, `batches acknowledged before SIGTERM (${acked.size - before})`);
	// while it stops, new batches may get 503 (with Retry-After), never
	// a 204 for what it did not commit
	for (const [id, status] of refused) assertEq(status, 503, `batch ${id} refused while stopping`);
	check('after SIGTERM');
});

test('integrity_check after the kills', async () => {
	assertEq(integrity(), 'ok', 'integrity');
});

await run({ after: () => cleanup(dataDir) });
