// SPDX-License-Identifier: MIT
// Abuse over real HTTP (docs/limits.md): /collect is rate-limited per client
// address and per site, sign-in per address, with 429, Retry-After and a
// count in /metrics; X-Forwarded-For counts only with --trust-proxy, and
// only its last entry; known bots and headless browsers get 204 and nothing
// is stored; a client trickling its headers is cut off at the request
// timeout while others are answered; connections past the per-address cap
// are refused and the server stays up; oversized headers get 431; no
// client address is written anywhere.
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import net from 'node:net';
import { test, run, assert, assertEq, startServer, addSite, tempDir, cleanup, sleep, CALOR } from '../lib/harness.mjs';

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';

// A server behind a (pretend) proxy with small limits: 1 batch/s per
// address (burst 3), 4 per site (burst 20). Bursts are sent at once, so
// the refill while they are answered is a token or two at most.
const proxied = tempDir();
const ipSite = addSite(proxied, 'per-address');
const siteSite = addSite(proxied, 'per-site');
const calmSite = addSite(proxied, 'calm');
const behind = await startServer({ dataDir: proxied,
	extraArgs: ['--trust-proxy', '--collect-ip-rate', '1', '--collect-site-rate', '4'] });
// The same per-address limit and no proxy to trust.
const direct = tempDir();
const directSite = addSite(direct, 'direct');
const open = await startServer({ dataDir: direct, extraArgs: ['--collect-ip-rate', '1'] });
// A short request timeout.
const tight = tempDir();
const strict = await startServer({ dataDir: tight, extraArgs: ['--request-timeout', '2'] });
// A small per-address connection cap and header size.
const small = tempDir();
const capped = await startServer({ dataDir: small, extraArgs: ['--max-connections-per-ip', '4', '--max-header-size', '8192'] });

let n = 0;
function batch(site) {
	const now = Date.now();
	n++;
	return JSON.stringify({ v: 1, site, now,
		pv: { id: `pv_abuse_${String(n).padStart(6, '0')}`, seq: 0, sid: 'sess_abuse_01', url: '/a', ts: now - 1000, vw: 1440, vh: 900 },
		ev: [{ t: 'click', ts: now - 500, x: 10, y: 20, vw: 1440, vh: 900, dw: 1440, dh: 2000, sel: '#b', ex: 1, ey: 1, ew: 10, eh: 10, pt: 'mouse' }] });
}

async function send(server, site, headers = {}) {
	const r = await fetch(`${server.url}/collect`, { method: 'POST',
		headers: { 'Content-Type': 'text/plain', 'User-Agent': CHROME, ...headers }, body: batch(site) });
	const text = await r.text();
	return { status: r.status, json: text ? JSON.parse(text) : null, headers: r.headers };
}

function stored(dataDir, site) {
	return Number(execFileSync('sqlite3', ['-readonly', join(dataDir, 'calor.db'),
		`SELECT count(*) FROM pageviews WHERE site_id = (SELECT id FROM sites WHERE key = '${site}')`], { encoding: 'utf8' }).trim());
}

async function metric(server, re) {
	const m = re.exec(await (await fetch(`${server.url}/metrics`)).text());
	return m ? Number(m[1]) : NaN;
}

// n batches at once; their answers.
const burst = (server, site, n, headers) => Promise.all(Array.from({ length: n }, (_, i) => send(server, site, headers(i))));
const statuses = rs => rs.map(r => r.status);
const counted = (rs, status) => rs.filter(r => r.status === status).length;

test('per address: the burst passes, then 429 with Retry-After; another address is not held back', async () => {
	const xff = { 'X-Forwarded-For': '198.51.100.7' };
	const before = stored(proxied, ipSite);
	const rs = await burst(behind, ipSite, 10, () => xff);
	const ok = counted(rs, 204);
	assert(ok >= 3 && ok <= 5, `the burst of 3 (and a refill) pass: ${statuses(rs)}`);
	assertEq(counted(rs, 429), 10 - ok, 'the rest are 429');
	const r = rs.find(x => x.status === 429);
	assertEq(r.json.error, 'rate_limited', 'error code');
	assert(Number(r.headers.get('retry-after')) >= 1, 'Retry-After in whole seconds');
	assertEq(stored(proxied, ipSite) - before, ok, 'refused batches are not stored');
	// the proxy appends the address it saw: entries before it are the
	// client's own invention and change nothing
	assertEq((await send(behind, ipSite, { 'X-Forwarded-For': '203.0.113.1, 198.51.100.7' })).status, 429, 'a spoofed first entry');
	assertEq((await send(behind, ipSite, { 'X-Forwarded-For': '198.51.100.8' })).status, 204, 'another address');
	assertEq(await metric(behind, /^calor_rate_limited_total\{limit="collect_ip"\} (\d+)$/m), 11 - ok, 'counted by limit');
	assertEq(await metric(behind, /^calor_batches_rejected_total\{reason="rate_limited"\} (\d+)$/m), 11 - ok, 'counted as refused batches');
	// after the wait it says, the address may send again
	await sleep(Number(r.headers.get('retry-after')) * 1000);
	assertEq((await send(behind, ipSite, xff)).status, 204, 'after Retry-After');
});

test('per address: an IPv6 client is one /64', async () => {
	const rs = await burst(behind, ipSite, 8, i => ({ 'X-Forwarded-For': `2001:db8:5:6::${i + 1}` }));
	assert(counted(rs, 429) >= 4, `addresses of one /64 share a bucket: ${statuses(rs)}`);
	assertEq((await send(behind, ipSite, { 'X-Forwarded-For': '2001:db8:5:7::1' })).status, 204, 'the next /64');
});

test('without --trust-proxy X-Forwarded-For is ignored; loopback clients are not limited', async () => {
	// 1 batch/s, burst 3: were the header believed, the 4th would be 429
	for (let i = 0; i < 10; i++)
		assertEq((await send(open, directSite, { 'X-Forwarded-For': '198.51.100.7' })).status, 204, `batch ${i}`);
	// and with --trust-proxy, a request the proxy sent without the header
	// is the proxy's own (loopback here)
	for (let i = 0; i < 10; i++) assertEq((await send(behind, calmSite)).status, 204, `proxy's own ${i}`);
});

test('per site: past its burst a site gets 429 whoever sends; other sites go on', async () => {
	// 30 addresses, one batch each: only the site's bucket (burst 20) runs dry
	const rs = await burst(behind, siteSite, 30, i => ({ 'X-Forwarded-For': `192.0.2.${i + 1}` }));
	const ok = counted(rs, 204);
	assert(ok >= 20 && ok <= 25, `the site's burst of 20 (and a refill) pass: ${statuses(rs)}`);
	assertEq(counted(rs, 429), 30 - ok, 'the rest are 429');
	const r = rs.find(x => x.status === 429);
	assertEq(r.json.error, 'rate_limited', 'error code');
	assert(/site/.test(r.json.detail), `names the site's limit: ${r.json.detail}`);
	assert(Number(r.headers.get('retry-after')) >= 1, 'Retry-After');
	assertEq((await send(behind, calmSite, { 'X-Forwarded-For': '192.0.2.201' })).status, 204, 'another site');
	assertEq(await metric(behind, /^calor_rate_limited_total\{limit="collect_site"\} (\d+)$/m), 30 - ok, 'counted');
});

test('sign-in per address: 10 tries, then 429 before any password is checked', async () => {
	const login = (user, ip) => fetch(`${behind.url}/auth/login`, { method: 'POST', headers: { 'X-Forwarded-For': ip },
		body: JSON.stringify({ user, password: 'guess-guess-1' }) });
	// a different name each time: the per-name lockout (5 per name) never
	// applies, only the per-address limit does; all at once, so the
	// refill (one try in 10 s) while the hashes are checked is small
	const rs = await Promise.all(Array.from({ length: 13 }, (_, i) => login(`guess${i}`, '198.51.100.50')));
	const tried = rs.filter(x => x.status === 401).length;
	assert(tried >= 10 && tried <= 11, `10 tries (and a refill) checked: ${rs.map(x => x.status)}`);
	assertEq(rs.filter(x => x.status === 429).length, 13 - tried, 'the rest are 429');
	const r = rs.find(x => x.status === 429);
	assertEq((await r.json()).error, 'rate_limited', 'error code');
	assert(Number(r.headers.get('retry-after')) >= 1, 'Retry-After');
	assertEq((await login('guess11', '198.51.100.51')).status, 401, 'another address may still try');
	assertEq(await metric(behind, /^calor_rate_limited_total\{limit="login_ip"\} (\d+)$/m), 13 - tried, 'counted');
});

test('bots and headless browsers: 204, counted, nothing stored; a browser is stored', async () => {
	const bots = [
		'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
		'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
		'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36',
		'Mozilla/5.0 (Unknown; Linux x86_64) AppleWebKit/538.1 (KHTML, like Gecko) PhantomJS/2.1.1 Safari/538.1',
		'curl/7.88.1', 'Wget/1.21.3', 'python-requests/2.31.0',
	];
	const before = stored(direct, directSite);
	const count = () => metric(open, /^calor_bot_batches_total (\d+)$/m);
	const bots0 = await count();
	for (const ua of bots) assertEq((await send(open, directSite, { 'User-Agent': ua })).status, 204, ua);
	assertEq(stored(direct, directSite), before, 'no bot batch stored');
	assertEq(await count() - bots0, bots.length, 'each counted');
	assertEq((await send(open, directSite)).status, 204, 'a browser');
	assertEq(stored(direct, directSite), before + 1, 'a browser batch is stored');
	// a bot's batch is still checked like any other
	const bad = await fetch(`${open.url}/collect`, { method: 'POST', headers: { 'Content-Type': 'text/plain', 'User-Agent': 'curl/7.88.1' }, body: '{' });
	assertEq(bad.status, 400, 'a broken batch from a bot is refused');
});

// A raw request on its own connection: the status line, or null when the
// server closed it without answering. opts.localAddress picks the source.
function raw(server, text, opts = {}) {
	return new Promise(resolve => {
		const s = net.connect({ port: server.port, host: '127.0.0.1', ...opts }, () => s.write(text));
		let data = '';
		s.on('data', d => { data += d; });
		s.on('error', () => {});
		s.on('close', () => resolve(data ? data.split('\r\n')[0] : null));
	});
}

test('a client trickling its headers is cut off at the request timeout; others are answered meanwhile', async () => {
	const cut0 = await metric(strict, /^calor_requests_timed_out_total (\d+)$/m);
	const s = net.connect(strict.port, '127.0.0.1');
	const t0 = Date.now();
	let answer = '', closedAt = 0, sent = 0;
	s.on('data', d => { answer += d; });
	s.on('error', () => {});
	const closed = new Promise(r => s.on('close', () => { closedAt = Date.now(); r(); }));
	const head = `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ${'a'.repeat(200)}\r\n\r\n`;
	const drip = setInterval(() => { if (sent < head.length && !closedAt) s.write(head[sent++]); }, 100);
	// meanwhile the server answers others
	for (let i = 0; i < 5; i++) {
		await sleep(250);
		assertEq((await fetch(`${strict.url}/healthz`)).status, 200, `healthz ${i} during the trickle`);
	}
	await Promise.race([closed, sleep(8000)]);
	clearInterval(drip);
	assert(closedAt > 0, 'the trickling connection was closed');
	const took = closedAt - t0;
	assert(took >= 1900 && took < 4500, `closed after the 2 s request timeout (${took} ms)`);
	assert(sent < head.length, 'before its headers were whole');
	assertEq(answer, '', 'with no answer');
	assertEq(await metric(strict, /^calor_requests_timed_out_total (\d+)$/m) - cut0, 1, 'counted');
	s.destroy();
});

const HEALTHZ = 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n';

test('connections past the per-address cap are refused; the server stays up', async () => {
	// open connections until one is closed at once: the fifth, or the
	// fourth while the harness's keep-alive connection is still open
	const held = [];
	let refused = -1;
	for (let i = 0; i < 8 && refused < 0; i++) {
		const s = net.connect(capped.port, '127.0.0.1');
		s.on('error', () => {});
		s.on('close', () => { s.gone = true; });
		await new Promise(r => s.on('connect', r));
		await sleep(150);
		if (s.gone) refused = i;
		else held.push(s);
	}
	assert(refused === 3 || refused === 4, `a connection past the cap of 4 is closed at once (number ${refused + 1})`);
	await sleep(100);
	assert(held.every(s => !s.gone), 'those under the cap stay open');
	assertEq(await raw(capped, HEALTHZ), null, 'another from 127.0.0.1: closed unanswered');
	// another address is still served (the kernel routes all of 127/8 here)
	assertEq(await raw(capped, HEALTHZ, { localAddress: '127.0.0.2' }), 'HTTP/1.1 200 OK', 'from 127.0.0.2 meanwhile');
	for (const s of held) s.destroy();
	await sleep(200);
	assertEq(await raw(capped, HEALTHZ), 'HTTP/1.1 200 OK', 'served again once they are gone');
	assertEq(capped.proc.exitCode, null, 'still running');
});

test('headers past --max-header-size get 431; the server goes on', async () => {
	const big = `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(10000)}\r\nConnection: close\r\n\r\n`;
	assertEq(await raw(capped, big), 'HTTP/1.1 431 Request Header Fields Too Large', 'too large');
	const fine = `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(4000)}\r\nConnection: close\r\n\r\n`;
	assertEq(await raw(capped, fine), 'HTTP/1.1 200 OK', 'under the cap');
});

test('serve refuses bad limit values', async () => {
	for (const args of [['--collect-ip-rate', '-1'], ['--max-header-size', '100'], ['--request-timeout', 'soon'], ['--tls-cert', '/nonexistent.pem']]) {
		const r = spawnSync(CALOR, ['serve', '--listen', '127.0.0.1:1', '--data', tight, ...args], { encoding: 'utf8', timeout: 10000 });
		assert(r.status !== 0, `${args.join(' ')}: exit ${r.status}`);
	}
});

test('a second serve on a port already taken fails instead of sharing its connections', async () => {
	// with SO_REUSEPORT both would listen and the kernel would spread
	// clients over two servers with different data
	const other = tempDir();
	const r = spawnSync(CALOR, ['serve', '--listen', `127.0.0.1:${open.port}`, '--data', other], { encoding: 'utf8', timeout: 10000 });
	cleanup(other);
	assertEq(r.status, 1, `exit status (${r.stderr.trim()})`);
	assert(/cannot listen on 127\.0\.0\.1:\d+/.test(r.stderr), `says why: ${r.stderr}`);
	assertEq((await fetch(`${open.url}/healthz`)).status, 200, 'the first one still serves');
});

test('no client address reaches the data directory or the log', async () => {
	// the addresses the per-address tests sent through --trust-proxy, in
	// their text forms and as the 16 bytes a bucket is keyed by
	const v4 = [198, 51, 100, 7];
	const needles = ['198.51.100.7', '2001:db8:5:6', '192.0.2.1', '198.51.100.50']
		.map(t => [t, Buffer.from(t)])
		.concat([['::ffff:198.51.100.7 as bytes', Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...v4])],
			['2001:db8:5:6::/64 as bytes', Buffer.from([0x20, 0x01, 0x0d, 0xb8, 0, 5, 0, 6])]]);
	await behind.stop(); // everything committed and checkpointed first
	const files = readdirSync(proxied, { recursive: true }).map(f => join(proxied, f)).filter(f => statSync(f).isFile());
	assert(files.some(f => f.endsWith('calor.db')), `the database is there: ${files}`);
	for (const f of files) {
		const bytes = readFileSync(f);
		for (const [what, needle] of needles) assert(!bytes.includes(needle), `${what} found in ${f}`);
	}
	const log = Buffer.from(behind.log());
	for (const [what, needle] of needles) assert(!log.includes(needle), `${what} found in the log`);
});

await run({ after: async () => {
	for (const s of [behind, open, strict, capped]) await s.stop();
	for (const d of [proxied, direct, tight, small]) cleanup(d);
} });
