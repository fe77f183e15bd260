// SPDX-License-Identifier: MIT
// Crash safety: concurrent clients send batches while `calor serve` is
// killed with SIGKILL; after a restart every batch that got a 204 is in the
// database exactly once. Bounded: two kills, a few seconds each, 127.0.0.1.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { test, run, assert, assertEq, startServer, addSite, tempDir, cleanup, sleep } from '../lib/harness.mjs';

const dataDir = tempDir();
const key = addSite(dataDir, 'crash');
const CLICKS = 5;
const CLIENTS = 16;
const acked = new Set();
let sent = 0;

function batchFor(id) {
	const now = Date.now();
	const ev = [];
	for (let i = 0; i < CLICKS; i++)
		ev.push({ t: 'click', ts: now, x: 10 * i, y: 20 * i, vw: 1440, vh: 900, dw: 1440, dh: 3000,
			sel: 'button.buy', ex: 100, ey: 100, ew: 80, eh: 30, pt: 'mouse' });
	return JSON.stringify({ v: 1, site: key, now, pv: { id, seq: 0, sid: 'sess_crash_1', url: '/crash',
		ts: now, vw: 1440, vh: 900 }, ev });
}

async function client(url, n, stopAt) {
	for (let i = 0; Date.now() < stopAt; i++) {
		const id = `pv_c${n}_${String(i).padStart(7, '0')}_${stopAt}`;
		sent++;
		try {
			const r = await fetch(`${url}/collect`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: batchFor(id) });
			if (r.status === 204) acked.add(id);
			else await r.text();
		} catch { /* the server died under us: not acknowledged */ return; }
	}
}

function stored() {
	const out = execFileSync('sqlite3', ['-readonly', join(dataDir, 'calor.db'),
		`SELECT pv.client_id, count(c.id) FROM pageviews pv LEFT JOIN clicks c ON c.pageview_id = pv.id GROUP BY pv.id`],
		{ encoding: 'utf8', maxBuffer: 64 << 20 });
	const m = new Map();
	for (const line of out.split('\n')) if (line) { const [id, n] = line.split('|'); m.set(id, Number(n)); }
	return m;
}

for (const round of [1, 2]) {
	test(`kill -9 under load, round ${round}: every acknowledged batch stored once`, async () => {
		const server = await startServer({ dataDir });
		const killAt = 1200 + 700 * round;
		const stopAt = Date.now() + killAt + 2000;
		const clients = Array.from({ length: CLIENTS }, (_, n) => client(server.url, n, stopAt));
		await sleep(killAt);
		server.proc.kill('SIGKILL');
		await server.exited;
		await Promise.all(clients);
		assert(acked.size > 50, `enough batches acknowledged before the kill (${acked.size} of ${sent})`);
		// restart on the same data: recovery must not lose or duplicate anything
		const again = await startServer({ dataDir });
		const rows = stored();
		let missing = 0, wrong = 0;
		for (const id of acked) if (!rows.has(id)) missing++;
		for (const [, n] of rows) if (n !== CLICKS) wrong++;
		assertEq(missing, 0, `acknowledged batches missing after restart (of ${acked.size})`);
		assertEq(wrong, 0, 'page views with a partial or duplicated batch');
		const ok = await fetch(`${again.url}/healthz`);
		assertEq(ok.status, 200, 'healthz after restart');
		await again.stop('SIGTERM');
		console.error(`# round ${round}: ${acked.size} acknowledged, ${rows.size} stored, ${sent} sent`);
	});
}

test('SIGTERM under load: clean exit, every acknowledged batch stored once', async () => {
	const server = await startServer({ dataDir });
	const stopAt = Date.now() + 3000;
	const before = acked.size;
	const clients = Array.from({ length: CLIENTS }, (_, n) => client(server.url, 100 + n, stopAt));
	await sleep(1200);
	const { code } = await server.stop('SIGTERM');
	await Promise.all(clients);
	assertEq(code, 0, 'exit code after SIGTERM');
	assert(acked.size - before > 50, `batches acknowledged before SIGTERM (${acked.size - before})`);
	const rows = stored();
	let missing = 0, wrong = 0;
	for (const id of acked) if (!rows.has(id)) missing++;
	for (const [, n] of rows) if (n !== CLICKS) wrong++;
	assertEq(missing, 0, 'acknowledged batches missing after SIGTERM');
	assertEq(wrong, 0, 'partial or duplicated batches');
});

test('integrity_check after the kills', async () => {
	const out = execFileSync('sqlite3', [join(dataDir, 'calor.db'), 'PRAGMA integrity_check'], { encoding: 'utf8' }).trim();
	assertEq(out, 'ok', 'integrity');
});

await run({ after: () => cleanup(dataDir) });
