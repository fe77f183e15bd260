// SPDX-License-Identifier: MIT
// calor serve --tls-cert FILE --tls-key FILE: HTTPS through libmicrohttpd
// (GnuTLS) with a self-signed certificate made here by openssl. /healthz and
// /collect answer over HTTPS with the certificate checked, the session
// cookie is Secure, plain HTTP and TLS 1.1 get no answer, and a missing or
// mismatched key stops serve before it listens.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import tls from 'node:tls';
import { test, run, assert, assertEq, addSite, cli, tempDir, cleanup, freePort, sleep, CALOR } from '../lib/harness.mjs';

const dataDir = tempDir();
const certDir = tempDir('calor-tls-');
const key = addSite(dataDir, 'secure', ['https://shop.example']);
const cert = join(certDir, 'cert.pem'), keyFile = join(certDir, 'key.pem');
function makeCert(certPath, keyPath) {
	execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
		'-keyout', keyPath, '-out', certPath, '-days', '2', '-subj', '/CN=127.0.0.1',
		'-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
}
makeCert(cert, keyFile);
const ca = readFileSync(cert);
const user = { user: 'tlsadmin', password: 'tls-pass-1234' };
cli(['user', 'add', user.user, '--data', dataDir], { input: `${user.password}\n` });

// A request over HTTPS checked against our certificate: { status, headers, body }.
function request(port, path, { method = 'GET', headers = {}, body } = {}) {
	return new Promise((resolve, reject) => {
		const req = https.request({ host: '127.0.0.1', port, path, method, headers, ca, agent: false }, res => {
			let data = '';
			res.on('data', d => { data += d; });
			res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: data }));
		});
		req.on('error', reject);
		req.end(body);
	});
}

const port = await freePort();
const proc = spawn(CALOR, ['serve', '--listen', `127.0.0.1:${port}`, '--data', dataDir, '--tls-cert', cert, '--tls-key', keyFile],
	{ stdio: ['ignore', 'pipe', 'pipe'] });
let log = '';
proc.stdout.on('data', d => { log += d; });
proc.stderr.on('data', d => { log += d; });
const exited = new Promise(r => proc.on('exit', r));
for (const deadline = Date.now() + 15000; ;) {
	try {
		if ((await request(port, '/healthz')).status === 200) break;
	} catch { /* not up yet */ }
	if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`calor serve over TLS did not come up:\n${log}`);
	await sleep(50);
}

test('https: /healthz answers, the certificate checked; serve says https', async () => {
	const r = await request(port, '/healthz');
	assertEq([r.status, JSON.parse(r.body).status], [200, 'ok'], 'healthz');
	assert(log.includes(`https://127.0.0.1:${port}/`), `serve prints its https URL: ${log}`);
});

test('https: /collect stores a batch', async () => {
	const now = Date.now();
	const body = JSON.stringify({ v: 1, site: key, now,
		pv: { id: 'pv_tls_000001', seq: 0, sid: 'sess_tls_0001', url: '/secure', ts: now - 1000, vw: 1440, vh: 900 },
		ev: [{ t: 'click', ts: now - 500, x: 10, y: 20, vw: 1440, vh: 900, dw: 1440, dh: 2000, sel: '#b', ex: 1, ey: 1, ew: 10, eh: 10, pt: 'mouse' }] });
	const r = await request(port, '/collect', { method: 'POST', body, headers: { 'Content-Type': 'text/plain', Origin: 'https://shop.example' } });
	assertEq(r.status, 204, 'stored');
	assertEq(r.headers['access-control-allow-origin'], 'https://shop.example', 'CORS');
	const n = execFileSync('sqlite3', ['-readonly', join(dataDir, 'calor.db'), "SELECT count(*) FROM clicks"], { encoding: 'utf8' }).trim();
	assertEq(n, '1', 'the click is in the store');
});

test('https: the session cookie is Secure without any proxy header', async () => {
	const r = await request(port, '/auth/login', { method: 'POST', body: JSON.stringify(user) });
	assertEq(r.status, 200, 'signed in');
	const cookie = [].concat(r.headers['set-cookie'])[0];
	assert(/^calor_session=[^;]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+; Secure$/.test(cookie), `cookie: ${cookie}`);
});

test('plain HTTP and TLS 1.1 on the TLS port get no answer; the server goes on', async () => {
	let plain;
	try { plain = (await fetch(`http://127.0.0.1:${port}/healthz`)).status; } catch { plain = 'refused'; }
	assertEq(plain, 'refused', 'plain HTTP');
	const old = await new Promise(resolve => {
		const s = tls.connect({ host: '127.0.0.1', port, ca, minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' },
			() => { resolve(`connected with ${s.getProtocol()}`); s.destroy(); });
		s.on('error', e => resolve(`refused: ${e.code || e.message}`));
	});
	assert(old.startsWith('refused'), `TLS 1.1: ${old}`);
	const modern = await new Promise((resolve, reject) => {
		const s = tls.connect({ host: '127.0.0.1', port, ca }, () => { resolve(s.getProtocol()); s.destroy(); });
		s.on('error', reject);
	});
	assert(modern === 'TLSv1.3' || modern === 'TLSv1.2', `a modern client: ${modern}`);
	assertEq((await request(port, '/healthz')).status, 200, 'still serving');
});

test('serve will not start with a key missing, unreadable or not the certificate\'s', async () => {
	const other = join(certDir, 'other-key.pem');
	makeCert(join(certDir, 'other-cert.pem'), other);
	const cases = [
		[['--tls-cert', cert], /both a certificate and a key/],
		[['--tls-cert', cert, '--tls-key', join(certDir, 'missing.pem')], /cannot read .*missing\.pem/],
		[['--tls-cert', cert, '--tls-key', other], /cannot listen|do not go together/],
	];
	for (const [args, why] of cases) {
		const p = await freePort();
		const r = spawnSync(CALOR, ['serve', '--listen', `127.0.0.1:${p}`, '--data', dataDir, ...args], { encoding: 'utf8', timeout: 15000 });
		assertEq(r.status, 1, `${args.join(' ')}: exit status`);
		assert(why.test(r.stderr), `${args.join(' ')}: ${r.stderr}`);
	}
});

await run({ after: async () => {
	proc.kill('SIGTERM');
	await exited;
	cleanup(dataDir);
	cleanup(certDir);
} });
