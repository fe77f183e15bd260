// SPDX-License-Identifier: MIT
// SQLite's busy path: another process (the sqlite3 CLI) holds the write
// lock on the database with BEGIN IMMEDIATE while batches arrive. Held for
// less than the writer's busy timeout (5 s), the batches wait and get 204
// once it is released; held for longer, the batches whose commit waited
// out the busy timeout get 503 with Retry-After, the others wait for the
// release (never past two busy timeouts), no 204 is answered while the
// lock is held, and the server recovers by itself when it goes. Reads
// answer throughout (WAL). Every acknowledged batch is stored once, none
// refused is stored, integrity_check is ok.
import { spawn, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { test, run, assert, assertEq, startServer, addSite, tempDir, cleanup, sleep } from '../lib/harness.mjs';

const dataDir = tempDir();
const key = addSite(dataDir, 'locked');
const server = await startServer({ dataDir, extraArgs: ['--collect-site-rate', '0'] });
const db = join(dataDir, 'calor.db');
const CLICKS = 3;
const acked = new Map(); // id -> ms answered
const refused = new Set();
let n = 0;

function body(id) {
	const now = Date.now();
	const ev = [];
	for (let i = 0; i < CLICKS; i++)
		ev.push({ t: 'click', ts: now - 2000 + 100 * i, x: 100 + 40 * i, y: 300, vw: 1440, vh: 900, dw: 1440, dh: 3000,
			sel: 'a.cta', ex: 10, ey: 10, ew: 90, eh: 30, pt: 'mouse', ia: 1 });
	return JSON.stringify({ v: 1, site: key, now, pv: { id, seq: 0, sid: 'sess_locked', url: '/locked', ts: now - 3000,
		vw: 1440, vh: 900 }, ev });
}

// One batch; returns { status, ms } with ms the time it took.
async function send() {
	const id = `pv_lock_${String(++n).padStart(6, '0')}`;
	const t0 = Date.now();
	const r = await fetch(`${server.url}/collect`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: body(id) });
	const text = await r.text();
	if (r.status === 204) {
		acked.set(id, Date.now());
	} else {
		refused.add(id);
		assertEq(r.status, 503, `batch ${id}: status (${text})`);
		assert(Number(r.headers.get('retry-after')) > 0, `503 for ${id} has Retry-After`);
	}
	return { status: r.status, ms: Date.now() - t0 };
}

// The sqlite3 CLI holding the write lock until release() is called.
async function holdLock() {
	const cli = spawn('sqlite3', [db], { stdio: ['pipe', 'pipe', 'pipe'] });
	let out = '';
	cli.stdout.on('data', d => { out += d; });
	cli.stderr.on('data', d => { out += d; });
	const exited = new Promise(resolve => cli.on('exit', resolve));
	cli.stdin.write(".timeout 10000\nBEGIN IMMEDIATE;\nSELECT 'locked';\n");
	for (const deadline = Date.now() + 10000; !out.includes('locked');) {
		assert(Date.now() < deadline, `sqlite3 did not take the lock: ${out}`);
		await sleep(20);
	}
	return {
		async release() {
			cli.stdin.end('COMMIT;\n.quit\n');
			assertEq(await exited, 0, `sqlite3 exit (${out})`);
			return Date.now();
		},
	};
}

function recount() {
	const q = sql => execFileSync('sqlite3', ['-readonly', db, sql], { encoding: 'utf8' }).split('\n').filter(Boolean);
	const ids = new Set(q(`SELECT client_id FROM pageviews`));
	const wrong = q(`SELECT client_id FROM pageviews pv WHERE (SELECT count(*) FROM clicks WHERE pageview_id = pv.id) != ${CLICKS}`);
	assertEq([...acked.keys()].filter(id => !ids.has(id)).slice(0, 5), [], `acknowledged batches missing (of ${acked.size})`);
	assertEq([...refused].filter(id => ids.has(id)).slice(0, 5), [], `refused batches stored (of ${refused.size})`);
	assertEq(wrong.slice(0, 5), [], 'batches stored partly or twice');
	assertEq(q('PRAGMA integrity_check').join(), 'ok', 'integrity_check');
}

test('write lock held 2 s by another process: batches wait, then 204; reads answer meanwhile', async () => {
	for (let i = 0; i < 5; i++) assertEq((await send()).status, 204, 'a batch before the lock');
	const lock = await holdLock();
	const taken = Date.now();
	const pending = Array.from({ length: 8 }, () => send());
	await sleep(300);
	const t0 = Date.now();
	const pages = await server.api(`/api/v1/pages?site=${key}`);
	assertEq(pages.status, 200, 'the pages table while the lock is held');
	assert(Date.now() - t0 < 1000, `a read waited ${Date.now() - t0} ms for the writer's lock`);
	await sleep(2000 - (Date.now() - taken));
	const released = await lock.release();
	const results = await Promise.all(pending);
	assertEq(results.map(r => r.status), Array(8).fill(204), 'batches sent while the lock was held');
	for (const [id, at] of acked) assert(at < taken || at >= released, `${id} acknowledged while the lock was held`);
	recount();
});

test('write lock held 8 s (past the busy timeout): 503 with Retry-After in bounded time, never 204; recovers by itself', async () => {
	const lock = await holdLock();
	const taken = Date.now();
	const releasing = sleep(8000).then(() => lock.release());
	// a batch every 250 ms through the first 7 s of the hold, each
	// answered whenever the server answers it
	const during = [];
	while (Date.now() - taken < 7000) {
		during.push(send());
		await sleep(250);
	}
	const released = await releasing;
	const results = await Promise.all(during);
	const refusedDuring = results.filter(r => r.status === 503).length;
	const slowest = Math.max(...results.map(r => r.ms));
	console.error(`# lock held 8 s: ${results.length} batches sent, ${refusedDuring} refused, ` +
		`${results.length - refusedDuring} acknowledged after the release, slowest answer ${slowest} ms`);
	// the first group's BEGIN IMMEDIATE gives up after the busy timeout
	assert(refusedDuring >= 1, 'a batch refused while the lock was held');
	// a batch waits for at most its group's busy timeout and the one before
	assert(slowest < 12000, `the slowest answer during the hold took ${slowest} ms`);
	for (const [id, at] of acked) assert(at < taken || at >= released, `${id} acknowledged while the lock was held`);
	// after the release: straight back to 204, nothing restarted
	const after = await Promise.all(Array.from({ length: 10 }, () => send()));
	assertEq(after.map(r => r.status), Array(10).fill(204), 'batches after the release');
	recount();
});

await run({ after: async () => { await server.stop(); cleanup(dataDir); } });
