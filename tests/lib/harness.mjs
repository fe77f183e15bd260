// SPDX-License-Identifier: MIT
// Test harness shared by the integration and browser suites: starts a real
// `calor serve` on a free 127.0.0.1 port with a fresh store, registers sites
// through the real CLI, and reports "ok NAME" / "not ok NAME" lines that
// tests/run.sh counts. A store is a temporary data directory (SQLite), or,
// with CALOR_TEST_CLICKHOUSE=PORT (the HTTP port of a ClickHouse server,
// tests/clickhouse/run.sh), a fresh database on that server: newStore().
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
// Tests run the sanitizer build when it exists (make test builds it).
export const CALOR = process.env.CALOR_BIN ||
	(() => { try { execFileSync('test', ['-x', join(ROOT, 'build/asan/calor')]); return join(ROOT, 'build/asan/calor'); } catch { return join(ROOT, 'calor'); } })();

export function freePort() {
	return new Promise((resolve, reject) => {
		const s = net.createServer();
		s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
		s.on('error', reject);
	});
}

export function tempDir(prefix = 'calor-test-') {
	return mkdtempSync(join(tmpdir(), prefix));
}

// The ClickHouse server the backend-agnostic tests run on, or null (SQLite).
export const CLICKHOUSE = /^[0-9]{1,5}$/.test(process.env.CALOR_TEST_CLICKHOUSE || '') ? Number(process.env.CALOR_TEST_CLICKHOUSE) : null;

let databases = 0;
// A fresh, empty store for `--data`: a database named after this process on
// the ClickHouse server of port (default CLICKHOUSE), or a temporary
// directory when there is none. cleanup() removes either.
export function newStore(port = CLICKHOUSE, { cluster } = {}) {
	if (!port) return tempDir();
	const db = `calor_test_${process.pid}_${++databases}`;
	return `clickhouse://127.0.0.1:${port}/${db}${cluster ? `?cluster=${cluster}` : ''}`;
}

// Runs one SQL statement on a ClickHouse server's HTTP interface; returns
// the answer's text, throws on an HTTP error.
export async function clickhouseQuery(port, sql) {
	const r = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: sql });
	const text = await r.text();
	if (r.status !== 200) throw new Error(`ClickHouse ${port}: ${r.status} ${text.split('\n')[0]}`);
	return text;
}

// Run the calor CLI synchronously; returns stdout.
export function cli(args, opts = {}) {
	return execFileSync(CALOR, args, { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], ...opts });
}

// Register a site; returns its key (first line of `calor site add`).
export function addSite(dataDir, name, origins = []) {
	const args = ['site', 'add', name, '--data', dataDir];
	for (const o of origins) args.push('--origin', o);
	return cli(args).split('\n')[0].trim();
}

// Start `calor serve`; resolves once /healthz answers. Returns
// { url, port, proc, dataDir, token, api(path, init), signIn(context),
// stop(signal) }: the read API needs a session or an API token, so every
// server comes with a token (`calor token add`) that api() sends, and
// signIn() makes a dashboard user and puts its session cookie into a
// Playwright browser context.
export async function startServer({ dataDir, port, extraArgs = [], env = {} } = {}) {
	dataDir = dataDir || tempDir();
	port = port || await freePort();
	const token = cli(['token', 'add', `harness-${port}`, '--data', dataDir]).split('\n')[0].trim();
	const proc = spawn(CALOR, ['serve', '--listen', `127.0.0.1:${port}`, '--data', dataDir, ...extraArgs],
		{ stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
	let log = '';
	proc.stdout.on('data', d => { log += d; });
	proc.stderr.on('data', d => { log += d; });
	const exited = new Promise(resolve => proc.on('exit', (code, sig) => resolve({ code, sig })));
	const url = `http://127.0.0.1:${port}`;
	const deadline = Date.now() + 15000;
	for (;;) {
		if (proc.exitCode !== null) throw new Error(`calor serve exited early:\n${log}`);
		try {
			const r = await fetch(`${url}/healthz`);
			if (r.ok) break;
		} catch { /* not up yet */ }
		if (Date.now() > deadline) { proc.kill('SIGKILL'); throw new Error(`calor serve did not come up:\n${log}`); }
		await sleep(50);
	}
	let user = null;
	return {
		url, port, proc, dataDir, exited, token,
		log: () => log,
		// fetch with the server's API token
		api(path, init = {}) {
			return fetch(`${url}${path}`, { ...init, headers: { Authorization: `Bearer ${token}`, ...(init.headers || {}) } });
		},
		// a signed-in dashboard in ctx (a Playwright BrowserContext);
		// returns { user, password, csrf }
		async signIn(ctx) {
			if (!user) {
				user = { user: `admin${port}`, password: `pw-${token.slice(3, 19)}` };
				cli(['user', 'add', user.user, '--data', dataDir], { input: `${user.password}\n` });
			}
			const r = await fetch(`${url}/auth/login`, { method: 'POST', body: JSON.stringify(user) });
			if (r.status !== 200) throw new Error(`sign in: ${r.status} ${await r.text()}`);
			const { csrf } = await r.json();
			const value = /calor_session=([^;]*)/.exec(r.headers.get('set-cookie') || '')[1];
			await ctx.addCookies([{ name: 'calor_session', value, url }]);
			return { ...user, csrf, cookie: `calor_session=${value}` };
		},
		async stop(signal = 'SIGTERM') {
			if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
			return exited;
		},
	};
}

export const sleep = ms => new Promise(r => setTimeout(r, ms));

// Minimal reporter: test(name, fn) runs fn in order; run() prints the lines.
const cases = [];
export function test(name, fn) { cases.push({ name, fn }); }
export async function run({ after } = {}) {
	let failed = 0;
	for (const c of cases) {
		const t = Date.now();
		try {
			await c.fn();
			if (process.env.CALOR_TEST_TIMES) console.error(`# ${c.name}: ${Date.now() - t} ms`);
			console.log(`ok ${c.name}`);
		} catch (e) {
			failed++;
			console.log(`not ok ${c.name}`);
			console.error(`# ${c.name}: ${e && e.stack || e}`);
		}
	}
	if (after) await after({ failed });
	process.exitCode = failed ? 1 : 0;
}

export function assert(cond, msg) { if (!cond) throw new Error(`assertion failed: ${msg}`); }
export function assertEq(a, b, msg = '') {
	const ja = JSON.stringify(a), jb = JSON.stringify(b);
	if (ja !== jb) throw new Error(`${msg} expected ${jb}, got ${ja}`);
}

// Remove a temporary directory, or a store of newStore() (ignores errors;
// a ClickHouse database is dropped on the server the spec names).
export async function cleanup(dir) {
	const ch = /^clickhouse:\/\/127\.0\.0\.1:([0-9]+)\/([A-Za-z0-9_]+)/.exec(dir);
	if (ch) {
		try { await clickhouseQuery(ch[1], `DROP DATABASE IF EXISTS ${ch[2]}`); } catch { /* server gone */ }
		return;
	}
	try { rmSync(dir, { recursive: true, force: true }); } catch { /* gone */ }
}

// The User-Agent of this Chromium when it is not headless. calor counts a
// "HeadlessChrome" batch as a bot's and does not store it (docs/limits.md),
// so the test browser, which stands in for a person's, says what a
// person's Chromium says. A launch flag, not a context's userAgent: beacons
// go out with the browser's own.
let desktopUA;
export function chromiumUserAgent() {
	if (!desktopUA) {
		const out = execFileSync('/usr/bin/chromium', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
		const major = /(\d+)\./.exec(out)?.[1] || '120';
		desktopUA = `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${major}.0.0.0 Safari/537.36`;
	}
	return desktopUA;
}

// Chromium via playwright-core, Debian's binary, never a download.
export async function launchChromium() {
	const { chromium } = await import('playwright-core');
	return chromium.launch({
		executablePath: '/usr/bin/chromium',
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
			'--disable-background-networking', '--disable-component-update', '--disable-sync',
			`--user-agent=${chromiumUserAgent()}`],
	});
}
