// SPDX-License-Identifier: MIT
// The deployment files of contrib/ (docs/deploy.md), run for real:
// - contrib/systemd/calor.service: `systemd-analyze verify` finds nothing
//   to say (when systemd-analyze is installed), and its ExecStart, with the
//   unit's own Environment= defaults, is the calor serve this test uses;
//   SIGTERM, its KillSignal, ends it with status 0 (no restart).
// - contrib/nginx/calor.conf (with calor-proxy.conf): nginx, run as the
//   test user with a private prefix on 127.0.0.1, terminates TLS with a
//   self-signed certificate in front of that calor. /collect through it
//   stores a batch and answers as calor does; HSTS is added once and
//   calor's own headers pass unchanged; the sign-in cookie is Secure; the
//   client's address reaches calor (a per-address rate limit holds one
//   client back and not another, and a forged X-Forwarded-For changes
//   nothing); bodies over 128 KiB are refused by nginx in calor's JSON;
//   upstream connections are kept alive; plain HTTP is redirected.
// - contrib/nginx/calor-cluster.conf: the load balancer spreads requests
//   over two calor nodes, passes on a node's 503 without sending the batch
//   to the other node too, and sends everything to the one left when the
//   other stops. The nodes are SQLite here (the mechanics of the balancer);
//   that two nodes over one ClickHouse cluster answer the same is the
//   ClickHouse suite's cluster test (tests/clickhouse).
// The shipped files are rendered by replacing their example values (ports,
// addresses, certificate paths) with the test's; every replacement must
// match, so a changed file fails here instead of being tested stale.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import { test, run, assert, assertEq, addSite, cli, tempDir, cleanup, freePort, sleep, startServer, ROOT, CALOR } from '../lib/harness.mjs';

const CONTRIB = join(ROOT, 'contrib');
// Whatever this file started is stopped even when setting up fails.
const started = [];
process.on('exit', () => { for (const p of started) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL'); });
const prefix = tempDir('calor-nginx-');
const dataDir = tempDir();
const origin = 'https://shop.example';
const key = addSite(dataDir, 'proxied', [origin]);
const user = { user: 'proxyadmin', password: 'proxy-pass-1234' };
cli(['user', 'add', user.user, '--data', dataDir], { input: `${user.password}\n` });

// Replace each [from, to] in text; every from must occur.
function render(file, pairs) {
	let text = readFileSync(file, 'utf8');
	for (const [from, to] of pairs) {
		if (!text.includes(from)) throw new Error(`${file}: "${from}" not found; update the test's rendering`);
		text = text.split(from).join(to);
	}
	return text;
}

// ---- calor as contrib/systemd/calor.service starts it ----
const unitFile = join(CONTRIB, 'systemd', 'calor.service');
const unit = readFileSync(unitFile, 'utf8');
const execStart = /^ExecStart=(.*)$/m.exec(unit)[1];
const unitEnv = Object.fromEntries([...unit.matchAll(/^Environment=([A-Z_]+)=(.*)$/mg)].map(m => [m[1], m[2]]));
// The unit's command line with its variables: ${X} is one argument, $X is
// split on spaces (systemd.service(5)); the binary is this build's.
function unitCommand(env) {
	const args = [];
	for (const word of execStart.split(/\s+/)) {
		let m;
		if ((m = /^\$\{([A-Z_]+)\}$/.exec(word))) args.push(env[m[1]]);
		else if ((m = /^\$([A-Z_]+)$/.exec(word))) args.push(...env[m[1]].split(/\s+/).filter(Boolean));
		else args.push(word);
	}
	assertEq(args[0], '/usr/local/bin/calor', 'the unit runs /usr/local/bin/calor');
	return [CALOR, args.slice(1)];
}
function spawnLogged(cmd, args) {
	const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
	started.push(proc);
	const p = { proc, log: '' };
	proc.stdout.on('data', d => { p.log += d; });
	proc.stderr.on('data', d => { p.log += d; });
	p.exited = new Promise(r => proc.on('exit', (code, sig) => r({ code, sig })));
	return p;
}
// Up means this process said it listens on that port with that data and
// /healthz answers there: a 200 alone could come from another server.
async function waitUp(p, port, dir, what) {
	const said = `listening on http://127.0.0.1:${port}/ (data ${dir})`;
	for (const deadline = Date.now() + 15000; ;) {
		try {
			if (p.log.includes(said) && (await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200) return;
		} catch { /* not up yet */ }
		if (p.proc.exitCode !== null || Date.now() > deadline) throw new Error(`${what} did not come up:\n${p.log}`);
		await sleep(50);
	}
}

const calorPort = await freePort();
// the per-address limit made small so one client's burst meets it
const [cmd, args] = unitCommand({ ...unitEnv, CALOR_LISTEN: `127.0.0.1:${calorPort}`, CALOR_STORE: dataDir,
	CALOR_OPTS: '--collect-ip-rate 1' });
const calor = spawnLogged(cmd, args);
await waitUp(calor, calorPort, dataDir, 'calor serve (the unit\'s ExecStart)');

// ---- two nodes for the load balancer ----
// SQLite nodes share nothing; each gets a copy of one database, so both
// know the same site key, as nodes over one ClickHouse cluster do.
const dirA = tempDir(), dirB = tempDir();
const lbKey = addSite(dirA, 'balanced', [origin]);
execFileSync('sqlite3', [join(dirA, 'calor.db'), `.backup ${join(dirB, 'calor.db')}`]);
const nodeA = await startServer({ dataDir: dirA, extraArgs: ['--trust-proxy'] });
const nodeB = await startServer({ dataDir: dirB, extraArgs: ['--trust-proxy'] });
started.push(nodeA.proc, nodeB.proc);

// ---- nginx with the shipped files ----
const cert = join(prefix, 'cert.pem'), certKey = join(prefix, 'key.pem');
execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
	'-keyout', certKey, '-out', cert, '-days', '2', '-subj', '/CN=127.0.0.1',
	'-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
const ca = readFileSync(cert);
const [httpPort, tlsPort, lbHttpPort, lbTlsPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
mkdirSync(join(prefix, 'snippets'));
mkdirSync(join(prefix, 'sites'));
writeFileSync(join(prefix, 'snippets', 'calor-proxy.conf'), readFileSync(join(CONTRIB, 'nginx', 'calor-proxy.conf')));
const tlsPairs = (h, t) => [
	['listen 80;', `listen 127.0.0.1:${h};`], ['listen [::]:80;', ''],
	['listen 443 ssl http2;', `listen 127.0.0.1:${t} ssl http2;`], ['listen [::]:443 ssl http2;', ''],
	['/etc/letsencrypt/live/calor.example.com/fullchain.pem', cert],
	['/etc/letsencrypt/live/calor.example.com/privkey.pem', certKey]];
writeFileSync(join(prefix, 'sites', 'calor.conf'), render(join(CONTRIB, 'nginx', 'calor.conf'),
	[['server 127.0.0.1:8080;', `server 127.0.0.1:${calorPort};`], ...tlsPairs(httpPort, tlsPort)]));
writeFileSync(join(prefix, 'sites', 'calor-cluster.conf'), render(join(CONTRIB, 'nginx', 'calor-cluster.conf'),
	[['server 10.0.0.11:8080', `server 127.0.0.1:${nodeA.port}`], ['server 10.0.0.12:8080', `server 127.0.0.1:${nodeB.port}`],
		...tlsPairs(lbHttpPort, lbTlsPort)]));
// The main file is the test's own: private paths, one worker, and a
// stand-in for clients at other addresses — nginx takes the client's
// address from X-Test-Client (the realip module), as if the request had
// come from there. Everything calor sees of it goes through the shipped
// proxy settings.
writeFileSync(join(prefix, 'nginx.conf'), `
daemon off;
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 256; }
http {
	log_format test '$request_uri $status $upstream_addr';
	access_log ${prefix}/access.log test;
	client_body_temp_path ${prefix}/body;
	proxy_temp_path ${prefix}/proxy;
	fastcgi_temp_path ${prefix}/fastcgi;
	uwsgi_temp_path ${prefix}/uwsgi;
	scgi_temp_path ${prefix}/scgi;
	default_type application/octet-stream;
	set_real_ip_from 127.0.0.1;
	real_ip_header X-Test-Client;
	include sites/*.conf;
}
`);
const nginxArgs = ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-e', join(prefix, 'error.log')];
const check = spawnSync('nginx', [...nginxArgs, '-t'], { encoding: 'utf8' });
if (check.status !== 0) throw new Error(`nginx -t:\n${check.stderr}`);
const nginx = spawnLogged('nginx', nginxArgs);

// A request over HTTPS checked against our certificate: { status, headers, body }.
function request(port, path, { method = 'GET', headers = {}, body, chunked = false } = {}) {
	return new Promise((resolve, reject) => {
		const req = https.request({ host: '127.0.0.1', port, path, method, headers, ca, agent: false }, res => {
			let data = '';
			res.on('data', d => { data += d; });
			res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: data }));
		});
		req.on('error', reject);
		if (chunked && body) {
			for (let i = 0; i < body.length; i += 16384) req.write(body.slice(i, i + 16384));
			req.end();
		} else {
			req.end(body);
		}
	});
}
function direct(port, path, { method = 'GET', headers = {}, body } = {}) {
	return fetch(`http://127.0.0.1:${port}${path}`, { method, headers, body })
		.then(async r => ({ status: r.status, headers: Object.fromEntries(r.headers), body: await r.text() }));
}
for (const deadline = Date.now() + 15000; ;) {
	try {
		if ((await request(tlsPort, '/healthz')).status === 200) break;
	} catch { /* not up yet */ }
	if (nginx.proc.exitCode !== null || Date.now() > deadline) throw new Error(`nginx did not come up:\n${nginx.log}`);
	await sleep(50);
}

let n = 0;
function batch(site, clicks = 1) {
	const now = Date.now();
	n++;
	const ev = [];
	for (let i = 0; i < clicks; i++)
		ev.push({ t: 'click', ts: now - 500 + i, x: 10 + i, y: 20, vw: 1440, vh: 900, dw: 1440, dh: 2000, sel: '#b', ex: 1, ey: 1, ew: 10, eh: 10, pt: 'mouse' });
	return JSON.stringify({ v: 1, site, now,
		pv: { id: `pv_nginx_${String(n).padStart(6, '0')}`, seq: 0, sid: 'sess_nginx_0001', url: '/p', ts: now - 1000, vw: 1440, vh: 900 },
		ev });
}
const collectHeaders = (extra = {}) => ({ 'Content-Type': 'text/plain', Origin: origin, ...extra });
function count(dir, sql) {
	return Number(execFileSync('sqlite3', ['-readonly', join(dir, 'calor.db'), sql], { encoding: 'utf8' }).trim());
}
// The other ends (address:port, hex) of TCP connections to a local port,
// from /proc/net/tcp: both ends are on this machine, so a connection is
// there twice, and whichever end closed first holds TIME_WAIT for a minute.
function peersOf(port) {
	const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
	const out = new Set();
	for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
		const f = line.trim().split(/\s+/);
		if (f.length < 4 || f[3] === '0A') continue; // listening
		if (f[1].endsWith(hex) && !f[2].endsWith(hex)) out.add(f[2]);
		else if (f[2].endsWith(hex) && !f[1].endsWith(hex)) out.add(f[1]);
	}
	return out;
}
// The access log lines (the test's format: "URI STATUS UPSTREAM").
const accessLog = () => readFileSync(join(prefix, 'access.log'), 'utf8').trim().split('\n');

test('systemd unit: systemd-analyze verify says nothing; SIGTERM ends serve with 0', async () => {
	const which = spawnSync('sh', ['-c', 'command -v systemd-analyze'], { encoding: 'utf8' });
	if (which.status === 0) {
		// verify checks that the binary exists: point it at this build
		const dir = join(prefix, 'unit');
		mkdirSync(dir);
		writeFileSync(join(dir, 'calor.service'), unit.split('/usr/local/bin/calor').join(CALOR));
		const v = spawnSync('systemd-analyze', ['verify', join(dir, 'calor.service')], { encoding: 'utf8' });
		assertEq([v.status, (v.stdout + v.stderr).trim()], [0, ''], 'systemd-analyze verify');
	} else {
		console.error('# systemd-analyze is not installed: the unit was not verified');
	}
	// a second calor from the unit's command line, on its own data
	const dir = tempDir();
	const port = await freePort();
	const [c, a] = unitCommand({ ...unitEnv, CALOR_LISTEN: `127.0.0.1:${port}`, CALOR_STORE: dir });
	assert(a.includes('--trust-proxy') && a.includes('serve'), `the unit's arguments: ${a.join(' ')}`);
	const p = spawnLogged(c, a);
	await waitUp(p, port, dir, 'the unit\'s calor');
	assertEq(/^KillSignal=(\w+)$/m.exec(unit)[1], 'SIGTERM', 'KillSignal');
	p.proc.kill('SIGTERM');
	assertEq(await p.exited, { code: 0, sig: null }, 'a clean stop is status 0 (Restart=on-failure leaves it)');
	cleanup(dir);
});

test('nginx TLS: /collect stores a batch and answers as calor does', async () => {
	const body = batch(key);
	const before = count(dataDir, 'SELECT count(*) FROM clicks');
	const viaProxy = await request(tlsPort, '/collect', { method: 'POST', body, headers: collectHeaders() });
	assertEq([viaProxy.status, viaProxy.body], [204, ''], 'stored through nginx');
	assertEq(count(dataDir, 'SELECT count(*) FROM clicks'), before + 1, 'the click is in the store');
	const again = await request(tlsPort, '/collect', { method: 'POST', body, headers: collectHeaders() });
	assertEq(again.status, 204, 'the same batch again (a duplicate) is 204 too');
	assertEq(count(dataDir, 'SELECT count(*) FROM clicks'), before + 1, 'and stored once');
	const same = await direct(calorPort, '/collect', { method: 'POST', body, headers: collectHeaders() });
	for (const h of ['access-control-allow-origin', 'vary', 'x-content-type-options'])
		assertEq(viaProxy.headers[h], same.headers[h], `${h} as calor sends it`);
	// a refusal: calor's status and JSON, unchanged
	const bad = JSON.stringify({ v: 1, site: key });
	const [p, d] = [await request(tlsPort, '/collect', { method: 'POST', body: bad, headers: collectHeaders() }),
		await direct(calorPort, '/collect', { method: 'POST', body: bad, headers: collectHeaders() })];
	assertEq([p.status, p.body], [d.status, d.body], 'a bad batch');
	assert(p.status === 400 && JSON.parse(p.body).error, `a bad batch is calor's 400: ${p.body}`);
});

test('nginx TLS: HSTS added once; calor\'s security headers pass unchanged; plain HTTP redirected', async () => {
	for (const path of ['/healthz', '/', '/calor.js', '/no-such-path']) {
		const [p, d] = [await request(tlsPort, path), await direct(calorPort, path)];
		assertEq(p.status, d.status, `${path} status`);
		assertEq(p.headers['strict-transport-security'], 'max-age=63072000', `${path} HSTS`);
		for (const h of ['content-security-policy', 'x-frame-options', 'referrer-policy', 'cross-origin-resource-policy',
			'x-content-type-options', 'cache-control', 'access-control-allow-origin'])
			assertEq(p.headers[h], d.headers[h], `${path} ${h}`);
	}
	const r = await fetch(`http://127.0.0.1:${httpPort}/collect?x=1`, { redirect: 'manual' });
	assertEq([r.status, r.headers.get('location')], [301, 'https://127.0.0.1/collect?x=1'],
		'plain HTTP goes to https on the same name');
});

test('nginx TLS: the sign-in cookie is Secure, whatever the client says of its scheme', async () => {
	const cookieRe = /^calor_session=[^;]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+; Secure$/;
	for (const headers of [{}, { 'X-Forwarded-Proto': 'http' }]) {
		const r = await request(tlsPort, '/auth/login', { method: 'POST', body: JSON.stringify(user), headers });
		assert(r.status === 200, `signed in: ${r.status} ${r.body}`);
		const cookie = [].concat(r.headers['set-cookie'])[0];
		assert(cookieRe.test(cookie), `cookie through nginx: ${cookie}`);
		// the session works through the proxy
		const me = await request(tlsPort, '/auth/me', { headers: { Cookie: cookie.split(';')[0] } });
		assertEq([me.status, JSON.parse(me.body).user], [200, user.user], '/auth/me with it');
	}
	const plain = await direct(calorPort, '/auth/login', { method: 'POST', body: JSON.stringify(user) });
	assert(!/Secure/.test(plain.headers['set-cookie']), `calor alone over plain HTTP: ${plain.headers['set-cookie']}`);
});

test('nginx TLS: calor sees each client\'s own address (per-address limit), a forged X-Forwarded-For changes nothing', async () => {
	// --collect-ip-rate 1: a burst of 3, then 429
	const send = (client, extra = {}) => request(tlsPort, '/collect', { method: 'POST', body: batch(key),
		headers: collectHeaders({ 'X-Test-Client': client, ...extra }) });
	const a = [];
	for (let i = 0; i < 6; i++) a.push((await send('203.0.113.7')).status);
	assert(a.slice(0, 3).every(s => s === 204) && a.includes(429), `client A's burst: ${a}`);
	const forged = [];
	for (let i = 0; i < 3; i++) forged.push((await send('203.0.113.7', { 'X-Forwarded-For': '198.51.100.9' })).status);
	assert(forged.includes(429), `A with a forged X-Forwarded-For is still A: ${forged}`);
	const b = (await send('203.0.113.8')).status;
	assertEq(b, 204, 'client B, at another address, is not held back by A');
	const limited = /calor_rate_limited_total\{limit="collect_ip"\} (\d+)/.exec((await direct(calorPort, '/metrics')).body)[1];
	assert(Number(limited) >= 2, `calor counted the 429s: ${limited}`);
});

test('nginx TLS: a body over 128 KiB is refused by nginx in calor\'s words; 128 KiB passes on to calor', async () => {
	const big = 'x'.repeat(128 * 1024 + 1);
	const calorSays = await direct(calorPort, '/collect', { method: 'POST', body: big, headers: collectHeaders() });
	assertEq(calorSays.status, 413, 'calor itself refuses it');
	for (const chunked of [false, true]) {
		const r = await request(tlsPort, '/collect?big', { method: 'POST', body: big, chunked, headers: collectHeaders() });
		assertEq([r.status, r.body], [413, calorSays.body], `${chunked ? 'chunked' : 'Content-Length'}: refused as calor refuses`);
		assertEq(r.headers['content-type'], 'application/json; charset=utf-8', 'JSON');
		// nginx answered it without passing it on (no upstream address);
		// it logs the request once it has read and dropped the body
		let line;
		for (const deadline = Date.now() + 3000; Date.now() < deadline; await sleep(20))
			if ((line = accessLog().at(-1)).startsWith('/collect?big ')) break;
		assertEq(line, '/collect?big 413 -', `${chunked ? 'chunked' : 'Content-Length'}: nginx's own answer`);
	}
	// exactly the limit reaches calor, which reads it (not JSON: 400, not 413)
	const edge = await request(tlsPort, '/collect', { method: 'POST', body: 'x'.repeat(128 * 1024), headers: collectHeaders() });
	assertEq([edge.status, JSON.parse(edge.body).error], [400, 'bad_json'], '128 KiB is calor\'s to judge');
});

test('nginx TLS: upstream connections are kept alive', async () => {
	const before = peersOf(calorPort);
	for (let i = 0; i < 20; i++) assertEq((await request(tlsPort, '/healthz')).status, 200, 'healthz');
	const fresh = [...peersOf(calorPort)].filter(p => !before.has(p));
	assert(fresh.length <= 2, `20 requests through nginx opened ${fresh.length} connections to calor`);
});

test('nginx load balancer: requests spread over both nodes, and go to the one left when the other stops', async () => {
	const clicks = dir => count(dir, 'SELECT count(*) FROM clicks');
	const peers = [peersOf(nodeA.port), peersOf(nodeB.port)];
	for (let i = 0; i < 20; i++) {
		const r = await request(lbTlsPort, '/collect', { method: 'POST', body: batch(lbKey), headers: collectHeaders() });
		assertEq(r.status, 204, `batch ${i} through the balancer`);
	}
	const [a, b] = [clicks(nodeA.dataDir), clicks(nodeB.dataDir)];
	assert(a + b === 20 && a >= 5 && b >= 5, `20 batches: ${a} on node A, ${b} on node B`);
	const opened = [nodeA.port, nodeB.port].map((p, i) => [...peersOf(p)].filter(x => !peers[i].has(x)).length);
	assert(opened.every(k => k <= 2), `connections opened to the nodes: ${opened}`);
	const me = await request(lbTlsPort, '/healthz');
	assertEq([me.status, me.headers['strict-transport-security']], [200, 'max-age=63072000'], 'the balancer\'s TLS server');
	// node B answers /collect 503 while another process holds its
	// database's write lock past the 5 s busy timeout; the balancer passes
	// that answer on and does not send the batch to node A too (a POST
	// already sent is not retried: docs/deploy.md, "The load balancer")
	const cli = spawn('sqlite3', [join(nodeB.dataDir, 'calor.db')], { stdio: ['pipe', 'pipe', 'pipe'] });
	let out = '';
	cli.stdout.on('data', d => { out += d; });
	const cliExited = new Promise(resolve => cli.on('exit', resolve));
	cli.stdin.write(".timeout 10000\nBEGIN IMMEDIATE;\nSELECT 'locked';\n");
	for (const deadline = Date.now() + 10000; !out.includes('locked'); await sleep(20))
		assert(Date.now() < deadline, `sqlite3 did not take the lock: ${out}`);
	const held = await Promise.all([0, 1, 2, 3].map(() =>
		request(lbTlsPort, '/collect', { method: 'POST', body: batch(lbKey), headers: collectHeaders() })));
	cli.stdin.end('COMMIT;\n.quit\n');
	await cliExited;
	const ok = held.filter(r => r.status === 204).length;
	assert(ok >= 1 && held.every(r => r.status === 204 || (r.status === 503 && r.headers['retry-after'])),
		`batches sent while node B refuses: ${held.map(r => r.status)}`);
	assertEq([clicks(nodeA.dataDir), clicks(nodeB.dataDir)], [a + ok, b], 'only the acknowledged ones stored, on node A');
	assertEq(accessLog().filter(l => l.startsWith('/collect ') && l.includes(', ')), [], 'no batch was sent to two nodes');
	const aNow = clicks(nodeA.dataDir);
	assertEq(await nodeB.stop(), { code: 0, sig: null }, 'node B stopped');
	for (let i = 0; i < 10; i++) {
		const r = await request(lbTlsPort, '/collect', { method: 'POST', body: batch(lbKey), headers: collectHeaders() });
		assertEq(r.status, 204, `batch ${i} with node B gone`);
	}
	assertEq([clicks(nodeA.dataDir), clicks(nodeB.dataDir)], [aNow + 10, b], 'all ten on node A');
});

await run({ after: async ({ failed }) => {
	// what the servers said, for a failure seen only elsewhere (CI)
	if (failed) {
		const tail = (name, text) => console.error(`--- ${name} (last 4000 characters)\n${text.slice(-4000)}`);
		tail('calor serve (the unit\'s)', calor.log);
		for (const f of ['error.log', 'access.log']) {
			try { tail(`nginx ${f}`, readFileSync(join(prefix, f), 'utf8')); } catch { /* none */ }
		}
	}
	nginx.proc.kill('SIGQUIT');
	calor.proc.kill('SIGTERM');
	await Promise.all([nginx.exited, calor.exited, nodeA.stop(), nodeB.stop()]);
	for (const d of [prefix, dataDir, nodeA.dataDir, nodeB.dataDir]) cleanup(d);
} });
