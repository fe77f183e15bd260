// SPDX-License-Identifier: MIT
// `calor backup` and `calor restore` over real servers and real SQLite. A
// site gets its page views, all acknowledged; then, while a bounded stream
// of batches keeps arriving for a second site, `calor backup` copies the
// data directory (with a file kept beside the database). The backup passes
// SQLite's integrity check; restored into a new directory, a server on it
// answers the first site's pages, heatmaps, elements, scroll and export
// exactly as the original does, holds every batch of the second site
// acknowledged before the backup began (and none that was never
// acknowledged), has the file back, and accepts the original's API token
// (secrets are in the database). A restore over a database is refused
// without --force; a damaged backup is refused and touches nothing.
import { spawn, execFileSync } from 'node:child_process';
import { writeFileSync, readFileSync, existsSync, copyFileSync, openSync, writeSync, closeSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test, run, assert, assertEq, startServer, addSite, cli, tempDir, cleanup, CALOR } from '../lib/harness.mjs';

const dataDir = tempDir();
const work = tempDir();
const fixed = addSite(dataDir, 'fixed');
const busy = addSite(dataDir, 'busy');
writeFileSync(join(dataDir, 'demo-site.key'), `${fixed}\n`, { mode: 0o600 });
const server = await startServer({ dataDir });
const backupFile = join(work, 'calor.backup');
const restoredDir = join(work, 'restored');

let n = 0;
async function send(srv, site, url, clicks, sel) {
	const start = Date.now() - 60000;
	const id = `pv_backup_${String(++n).padStart(6, '0')}`;
	const ev = [];
	for (let i = 0; i < clicks; i++)
		ev.push({ t: 'click', ts: start + 1000 + 1500 * i, x: 100 + 37 * ((n + i) % 30), y: 150 + 53 * i, vw: 1440, vh: 800,
			dw: 1440, dh: 4000, sel, ex: 9, ey: 9, ew: 50, eh: 20, pt: 'mouse', ia: 1, dead: 0, err: 0 });
	ev.push({ t: 'move', ts: start + 500, vw: 1440, dh: 4000, p: [10, 20, 0, 300, 400, 150] });
	ev.push({ t: 'scroll', ts: start + 900, y: 1200 + 10 * (n % 50), dh: 4000, fold: 800, rev: n % 3 });
	const body = { v: 1, site, now: Date.now(), pv: { id, seq: 0, sid: `sess_backup_${n % 7}`, url, ts: start, vw: 1440, vh: 800,
		tags: { variant: n % 2 ? 'A' : 'B' } }, ev };
	const r = await fetch(`${srv.url}/collect`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify(body) });
	return { id, status: r.status };
}

for (let i = 0; i < 40; i++) {
	const { status } = await send(server, fixed, i % 3 ? '/home' : '/pricing', 1 + (i % 4), i % 2 ? '#cta' : '#nav');
	assertEq(status, 204, 'fixed site batch');
}

// The answers compared, with an API token of the server asked.
async function answers(srv, token) {
	const get = async (p) => {
		const r = await fetch(`${srv.url}${p}`, { headers: { Authorization: `Bearer ${token}` } });
		assertEq(r.status, 200, `GET ${p}`);
		return r.json();
	};
	const home = `site=${fixed}&page=/home&device=desktop`;
	return {
		pages: await get(`/api/v1/pages?site=${fixed}`),
		heatmap: await get(`/api/v1/heatmap?${home}`),
		segmented: await get(`/api/v1/heatmap?${home}&tag.variant=A`),
		moves: await get(`/api/v1/heatmap?${home}&type=move`),
		pricing: await get(`/api/v1/heatmap?site=${fixed}&page=/pricing&device=desktop`),
		elements: await get(`/api/v1/elements?${home}`),
		scroll: await get(`/api/v1/scroll?${home}`),
	};
}
const exportOf = (dir, site) => cli(['export', '--site', site, '--data', dir]).trim().split('\n')
	.filter(l => !l.startsWith('{"type":"site"'));
const original = await answers(server, server.token);
const originalExport = exportOf(dataDir, fixed);

// The load: batches for the busy site, one after another from 3 senders,
// each batch's fate recorded with when it was acknowledged.
const acked = []; // [id, ms acknowledged]
let stopLoad = false, refused = 0;
async function sender() {
	for (let i = 0; i < 400 && !stopLoad; i++) {
		const { id, status } = await send(server, busy, '/busy', 1, '#b');
		if (status === 204) acked.push([id, Date.now()]);
		else refused++;
	}
}

let backupOut = '', began = 0, ended = 0, ackedBefore = 0;
test('calor backup while the server takes a write load: a checked copy', async () => {
	const load = Promise.all([sender(), sender(), sender()]);
	while (acked.length < 30) await new Promise(r => setTimeout(r, 5));
	began = Date.now();
	// what was acknowledged before the backup started (a time test would
	// miss an acknowledgement in the same millisecond)
	ackedBefore = acked.length;
	const child = spawn(CALOR, ['backup', '--data', dataDir, '--out', backupFile], { stdio: ['ignore', 'pipe', 'pipe'] });
	let err = '';
	child.stdout.on('data', d => { backupOut += d; });
	child.stderr.on('data', d => { err += d; });
	const code = await new Promise(resolve => child.on('exit', resolve));
	ended = Date.now();
	const during = acked.filter(([, t]) => t > began && t < ended).length;
	stopLoad = true;
	await load;
	assertEq(code, 0, `exit status (${err})`);
	assertEq(refused, 0, 'every batch of the load acknowledged');
	assert(during > 0, `batches acknowledged while the backup ran: ${during}`);
	assert(/integrity ok/.test(backupOut) && /2 sites/.test(backupOut) && /1 files beside/.test(backupOut), backupOut);
	assertEq(execFileSync('sqlite3', [backupFile, 'PRAGMA integrity_check;'], { encoding: 'utf8' }).trim(), 'ok', 'sqlite3 integrity_check');
	assert(!existsSync(`${backupFile}.tmp`), 'no temporary file left');
	assertEq(statSync(backupFile).mode & 0o777, 0o600, 'the backup is readable by its owner only');
});

let restored = null;
test('calor restore into a new directory: a server on it answers as the original', async () => {
	const out = cli(['restore', '--in', backupFile, '--data', restoredDir]);
	assert(/2 sites/.test(out) && /1 files beside/.test(out), out);
	assertEq(readFileSync(join(restoredDir, 'demo-site.key'), 'utf8'), `${fixed}\n`, 'the file beside the database');
	assertEq(statSync(join(restoredDir, 'demo-site.key')).mode & 0o777, 0o600, 'its mode');
	restored = await startServer({ dataDir: restoredDir });
	// the original's API token: access control's records came along
	assertEq(await answers(restored, server.token), original, 'pages, heatmaps, elements, scroll');
	assertEq(exportOf(restoredDir, fixed), originalExport, 'export');
	assertEq(original.pages.pageviews, 40, 'the fixed site\'s page views');
});

test('the restore holds every batch acknowledged before the backup began, and nothing never acknowledged', async () => {
	const ids = new Set(exportOf(restoredDir, busy).map(l => JSON.parse(l)).filter(l => l.type === 'pageview').map(l => l.id));
	const before = acked.slice(0, ackedBefore).map(([id]) => id);
	const all = new Set(acked.map(([id]) => id));
	assert(before.length >= 30, `acknowledged before: ${before.length}`);
	for (const id of before) assert(ids.has(id), `${id} acknowledged before the backup began is restored`);
	for (const id of ids) assert(all.has(id), `${id} was acknowledged`);
	assert(ids.size <= acked.filter(([, t]) => t < ended).length, `no more than was acknowledged by the end: ${ids.size}`);
	// and the restored store takes new events
	const { status } = await send(restored, busy, '/after', 2, '#n');
	assertEq(status, 204, 'collect on the restored server');
});

test('restore refuses a directory with a database unless --force, and a damaged backup', async () => {
	await restored.stop();
	const fails = (args) => { try { cli(args); return null; } catch (e) { return { status: e.status, stderr: String(e.stderr) }; } };
	const occupied = fails(['restore', '--in', backupFile, '--data', restoredDir]);
	assert(occupied && occupied.status === 1 && /--force/.test(occupied.stderr), `refused: ${JSON.stringify(occupied)}`);
	const out = cli(['restore', '--in', backupFile, '--data', restoredDir, '--force']);
	assert(/2 sites/.test(out), out);
	// the forced restore is the backup again: the batch sent after is gone
	assert(!exportOf(restoredDir, busy).some(l => l.includes('/after')), 'replaced, not merged');

	const bad = join(work, 'damaged.backup');
	copyFileSync(backupFile, bad);
	const fd = openSync(bad, 'r+');
	writeSync(fd, Buffer.alloc(8192, 0x5a), 0, 8192, 3 * 4096);
	closeSync(fd);
	const target = join(work, 'never');
	const damaged = fails(['restore', '--in', bad, '--data', target]);
	assert(damaged && damaged.status === 1, `damaged refused: ${JSON.stringify(damaged)}`);
	assert(!existsSync(target), 'nothing made');
	const missing = fails(['backup', '--data', join(work, 'nothing-here'), '--out', join(work, 'x.backup')]);
	assert(missing && missing.status === 1 && /no calor database/.test(missing.stderr), `no database: ${JSON.stringify(missing)}`);
	assert(!existsSync(join(work, 'x.backup')), 'no backup file');
});

await run({ after: async () => { await server.stop(); if (restored) await restored.stop(); cleanup(dataDir); cleanup(work); } });
