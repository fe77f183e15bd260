// SPDX-License-Identifier: MIT
// A full disk: the data directory sits on a small filesystem that a filler
// file fills up while batches keep arriving. /collect must answer 503 with
// Retry-After (never 204 for a batch it did not commit), the server stays
// up and answers reads; when the filler goes, it recovers by itself: new
// batches get 204, every batch acknowledged before is stored exactly once,
// none refused is stored, integrity_check is ok, and the failure is logged
// once, not once per refused batch.
//
// The fault, the first of these this machine allows (CALOR_DISKFULL=tmpfs,
// ext4 or fsize picks one): a tmpfs mount; an ext4 image on a loop device;
// or, without the privilege to mount, RLIMIT_FSIZE on the server (writes past
// the limit fail with EFBIG; "freeing space" raises the limit with prlimit).
// When none can be set up the test fails: it never passes without the fault.
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, statfsSync, statSync, openSync, writeSync, closeSync, unlinkSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test, run, assert, assertEq, addSite, cli, tempDir, cleanup, sleep, freePort, CALOR } from '../lib/harness.mjs';

const SIZE_MB = 24;		// the small filesystem
const HEADROOM = 2 << 20;	// what the filler leaves free
const CLICKS = 40, POINTS = 300;	// a big batch: the disk fills in about a second
const work = tempDir('calor-diskfull-');
const mnt = join(work, 'mnt');
const dataDir = join(mnt, 'data');
const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const sh = (cmd, args) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const why = e => String(e.stderr || e.message).trim().split('\n')[0];

// Each fault: setup() (throws when this machine does not allow it), then
// fill() and free() once the server runs, teardown() always.
const faults = {
	tmpfs: {
		setup() { sh('mount', ['-t', 'tmpfs', '-o', `size=${SIZE_MB}m,mode=0700`, 'tmpfs', mnt]); this.mounted = true; },
		fill() { fillUp(); },
		free() { unlinkSync(join(mnt, 'filler')); },
		teardown() { if (this.mounted) sh('umount', [mnt]); },
	},
	ext4: {
		setup() {
			const img = join(work, 'fs.img');
			sh('truncate', ['-s', `${SIZE_MB}M`, img]);
			sh('mkfs.ext4', ['-q', '-F', '-m', '0', img]);
			sh('mount', ['-o', 'loop', img, mnt]);
			this.mounted = true;
		},
		fill() { fillUp(); },
		free() { unlinkSync(join(mnt, 'filler')); },
		teardown() { if (this.mounted) sh('umount', [mnt]); },
	},
	fsize: {
		setup() { sh('prlimit', ['--version']); this.wrap = true; },
		// no file of the data directory may grow past what it is now plus
		// the headroom
		fill() {
			const biggest = Math.max(...readdirSync(dataDir).map(f => statSync(join(dataDir, f)).size));
			sh('prlimit', ['--pid', String(server.proc.pid), `--fsize=${biggest + HEADROOM}:unlimited`]);
		},
		free() { sh('prlimit', ['--pid', String(server.proc.pid), '--fsize=unlimited:unlimited']); },
		teardown() {},
	},
};

// A filler file taking all but HEADROOM of the filesystem's free space.
function fillUp() {
	const st = statfsSync(mnt);
	let left = Number(st.bavail) * Number(st.bsize) - HEADROOM;
	const fd = openSync(join(mnt, 'filler'), 'w');
	const chunk = Buffer.alloc(1 << 20, 7);
	try {
		while (left > 0) {
			left -= writeSync(fd, chunk, 0, Math.min(chunk.length, left));
		}
	} finally { closeSync(fd); }
}

function pickFault() {
	const names = process.env.CALOR_DISKFULL ? [process.env.CALOR_DISKFULL] : ['tmpfs', 'ext4', 'fsize'];
	const tried = [];
	mkdirSync(mnt, { recursive: true });
	for (const name of names) {
		const f = faults[name];
		if (!f) throw new Error(`CALOR_DISKFULL=${name}: not one of ${Object.keys(faults)}`);
		try {
			f.setup();
			f.name = name;
			return f;
		} catch (e) {
			tried.push(`${name}: ${why(e)}`);
			try { f.teardown(); } catch { /* never set up */ }
		}
	}
	throw new Error(`no way to fill a disk on this machine (${tried.join('; ')})`);
}

// `calor serve` on the data directory; under RLIMIT_FSIZE with SIGXFSZ
// ignored (so a write past the limit fails with EFBIG instead of killing
// the process; the disposition survives exec).
async function serve(fault) {
	const port = await freePort();
	const token = cli(['token', 'add', 'diskfull', '--data', dataDir]).split('\n')[0].trim();
	const args = ['serve', '--listen', `127.0.0.1:${port}`, '--data', dataDir, '--collect-site-rate', '0'];
	const proc = fault.wrap
		? spawn('sh', ['-c', 'trap "" XFSZ; exec "$@"', 'sh', CALOR, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
		: spawn(CALOR, args, { stdio: ['ignore', 'pipe', 'pipe'] });
	let log = '';
	proc.stdout.on('data', d => { log += d; });
	proc.stderr.on('data', d => { log += d; });
	const exited = new Promise(resolve => proc.on('exit', (code, sig) => resolve({ code, sig })));
	const url = `http://127.0.0.1:${port}`;
	for (const deadline = Date.now() + 15000; ;) {
		if (proc.exitCode !== null) throw new Error(`calor serve exited early:\n${log}`);
		try { if ((await fetch(`${url}/healthz`)).ok) break; } catch { /* not up yet */ }
		if (Date.now() > deadline) { proc.kill('SIGKILL'); throw new Error(`calor serve did not come up:\n${log}`); }
		await sleep(50);
	}
	return {
		url, proc, log: () => log,
		api: path => fetch(`${url}${path}`, { headers: { Authorization: `Bearer ${token}` } }),
		stop() { if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM'); return exited; },
	};
}

let fault, server, key;
const acked = new Set(), refused = new Set(), cutOff = new Set();
let n = 0;

function batch(id) {
	const now = Date.now();
	const ev = [];
	for (let i = 0; i < CLICKS; i++)
		ev.push({ t: 'click', ts: now - 4000 + 50 * i, x: (37 * (n + i)) % 1440, y: (91 * (n + i)) % 3000, vw: 1440,
			vh: 900, dw: 1440, dh: 3000, sel: `main > section:nth-of-type(${i % 9}) > a.cta`, ex: 1000, ey: 2000,
			ew: 180, eh: 48, pt: 'mouse', ia: 1 });
	const p = [];
	for (let i = 0; i < POINTS; i++) p.push((n * 13 + i * 7) % 1440, (n * 29 + i * 11) % 3000, i * 10);
	ev.push({ t: 'move', ts: now - 4000, vw: 1440, dh: 3000, p });
	return JSON.stringify({ v: 1, site: key, now, pv: { id, seq: 0, sid: `sess_df_${n % 17}`, url: '/full',
		ts: now - 5000, vw: 1440, vh: 900 }, ev });
}

// Send one batch; returns its status (0: no answer) after checking what a
// refusal must look like.
async function send() {
	const id = `pv_df_${String(++n).padStart(7, '0')}`;
	let r;
	try {
		r = await fetch(`${server.url}/collect`, { method: 'POST', headers: { 'Content-Type': 'text/plain', 'User-Agent': UA },
			body: batch(id) });
	} catch {
		cutOff.add(id);
		return 0;
	}
	const body = await r.text();
	if (r.status === 204) {
		acked.add(id);
	} else {
		refused.add(id);
		assertEq(r.status, 503, `batch ${id}: status (${body})`);
		assert(Number(r.headers.get('retry-after')) > 0, `503 for ${id} has Retry-After (got ${r.headers.get('retry-after')})`);
		assertEq(JSON.parse(body).error, 'unavailable', `503 body for ${id}`);
	}
	return r.status;
}

// The stored batches' page view ids, and those whose clicks or move points
// are not exactly one batch's.
function stored() {
	const q = sql => execFileSync('sqlite3', ['-readonly', join(dataDir, 'calor.db'), sql],
		{ encoding: 'utf8', maxBuffer: 64 << 20 }).split('\n').filter(Boolean);
	return {
		ids: new Set(q(`SELECT pv.client_id FROM pageviews pv JOIN batches b ON b.pageview_id = pv.id`)),
		wrong: q(`SELECT client_id FROM pageviews pv WHERE
			(SELECT count(*) FROM clicks WHERE pageview_id = pv.id) != ${CLICKS} OR
			(SELECT count(*) FROM moves WHERE pageview_id = pv.id) != ${POINTS} OR
			(SELECT count(*) FROM batches WHERE pageview_id = pv.id) != 1`),
	};
}

function recount(what) {
	const { ids, wrong } = stored();
	const lost = [...acked].filter(id => !ids.has(id));
	const kept = [...refused].filter(id => ids.has(id));
	assertEq(lost.slice(0, 5), [], `${what}: acknowledged batches missing (of ${acked.size})`);
	assertEq(kept.slice(0, 5), [], `${what}: refused batches stored (of ${refused.size})`);
	assertEq(wrong.slice(0, 5), [], `${what}: batches stored partly or twice`);
	const check = execFileSync('sqlite3', ['-readonly', join(dataDir, 'calor.db'), 'PRAGMA integrity_check'],
		{ encoding: 'utf8' }).trim();
	assertEq(check, 'ok', `${what}: integrity_check`);
}

test('a small filesystem for the data directory', async () => {
	fault = pickFault();
	console.error(`# the fault: ${fault.name}`);
	key = addSite(dataDir, 'diskfull');
	server = await serve(fault);
	for (let i = 0; i < 20; i++) assertEq(await send(), 204, 'a batch while there is room');
});

test('disk full under load: 503 with Retry-After, the server stays up and answers reads', async () => {
	assert(server, 'no server');
	fault.fill();
	const deadline = Date.now() + 30000;
	const before = acked.size;
	let full = 0;
	// 8 senders until 100 refusals, over at least a second of being full
	let firstFull = 0;
	await Promise.all(Array.from({ length: 8 }, async () => {
		while (Date.now() < deadline && (full < 100 || Date.now() - firstFull < 1000)) {
			if (await send() === 503) {
				full++;
				firstFull = firstFull || Date.now();
			}
			assertEq(server.proc.exitCode, null, 'the server is running');
		}
	}));
	console.error(`# ${acked.size - before} batches acknowledged after the filler, then ${full} refused as full ` +
		`(${cutOff.size} unanswered)`);
	assert(full >= 100, `the disk never filled in 30 s: ${full} refusals`);
	assertEq(cutOff.size, 0, 'batches without an answer');
	assertEq((await fetch(`${server.url}/healthz`)).status, 200, '/healthz while full');
	const pages = await server.api(`/api/v1/pages?site=${key}`);
	assertEq(pages.status, 200, 'the pages table while full');
	assert((await pages.json()).pages.length > 0, 'the pages table lists the page');
	recount('while full');
});

test('space comes back: the server recovers by itself, nothing acknowledged lost, nothing refused stored', async () => {
	assert(server, 'no server');
	fault.free();
	const freed = Date.now();
	let status = 0;
	while (status !== 204 && Date.now() - freed < 15000) {
		status = await send();
		if (status !== 204) await sleep(200);
	}
	assertEq(status, 204, 'a batch accepted within 15 s of space returning');
	console.error(`# first batch stored ${Date.now() - freed} ms after space returned`);
	const statuses = await Promise.all(Array.from({ length: 40 }, () => send()));
	// and on for a while: the writer calls the run of failures over once
	// commits have succeeded for 2 s
	for (const until = Date.now() + 2500; Date.now() < until;) statuses.push(await send());
	assertEq(statuses.filter(s => s !== 204).length, 0, 'batches refused after recovery');
	recount('after recovery');
	// a full disk is one failure: logged when it starts and when it ends,
	// not once per refused batch
	const failures = server.log().split('\n').filter(l => / error commit/.test(l));
	assert(failures.length <= 5, `log lines about failing commits: ${failures.length}\n${failures.slice(0, 8).join('\n')}`);
	// a disk at the edge may take a small group between two failing runs:
	// each run ends with its own line, and the last line says it is over
	const lines = server.log().split('\n');
	const recovered = lines.filter(l => /commits succeed again/.test(l));
	assert(recovered.length >= 1 && recovered.length <= failures.length, `log lines saying commits succeed again: ${recovered.length}`);
	const last = lines.filter(l => / error commit|commits succeed again/.test(l)).pop();
	assert(/commits succeed again/.test(last), `the last commit line says they succeed again: ${last}`);
	console.error(`# the log:\n# ${[...failures, ...recovered].join('\n# ')}`);
	const { code } = await server.stop();
	assertEq(code, 0, 'exit code after SIGTERM');
	recount('after a clean stop');
});

await run({
	after: async () => {
		if (server) await server.stop();
		try { fault?.teardown(); } catch (e) { console.error(`# teardown: ${why(e)}`); }
		cleanup(work);
	},
});
