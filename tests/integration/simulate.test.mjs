// SPDX-License-Identifier: MIT
// `calor simulate` against a real server: every batch it sends is
// acknowledged, what the server stored (calor export) is exactly what the
// simulator says it sent and planted, the same seed gives the same
// payloads, backdated events keep their days, and the HTTP client retries
// a dropped connection and a 503, sends the tracker's headers, and counts
// 4xx as refused.
import { createServer } from 'node:http';
import { spawnSync, execFile } from 'node:child_process';
import { test, run, assert, assertEq, startServer, addSite, cli, tempDir, cleanup, freePort, CALOR } from '../lib/harness.mjs';

const SESSIONS = 400;
const DAYS = 7;
const port = await freePort();
const origin = `http://127.0.0.1:${port}`;
const dataDir = tempDir();
const key = addSite(dataDir, 'demo', [origin]);
cli(['site', 'set', key, `backdate_days=${DAYS}`, '--data', dataDir]);
const server = await startServer({ dataDir, port, extraArgs: ['--demo-site', key] });

function simulate(args) {
	const r = spawnSync(CALOR, ['simulate', ...args], { encoding: 'utf8', maxBuffer: 1 << 30 });
	return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function exportSite() {
	const lines = cli(['export', '--site', key, '--data', dataDir], { maxBuffer: 1 << 30 }).trim().split('\n');
	return lines.map(l => JSON.parse(l));
}

let report, records;

test('every batch is acknowledged, and the report says so', async () => {
	const t0 = Date.now();
	const r = simulate(['--target', server.url, '--site', key, '--sessions', String(SESSIONS), '--seed', '7',
		'--days', String(DAYS), '--concurrency', '4', '--json']);
	assertEq(r.status, 0, `exit status (stderr: ${r.stderr})`);
	report = JSON.parse(r.stdout);
	assertEq(report.sessions, SESSIONS, 'sessions');
	assert(report.batches.sent > SESSIONS, `batches sent: ${report.batches.sent}`);
	assertEq(report.batches.acknowledged, report.batches.sent, 'batches acknowledged');
	assertEq([report.batches.refused, report.batches.failed], [0, 0], 'refused, failed');
	assertEq(report.events.acknowledged, report.events.sent, 'events acknowledged');
	assert(Date.now() - t0 < 60000, 'a few hundred sessions take seconds');
	records = exportSite();
});

test('the server stored exactly what the simulator sent', () => {
	const end = records.at(-1);
	assertEq(end.type, 'end', 'export complete');
	assertEq(end.pageviews, report.pageviews, 'page views');
	assertEq(end.clicks, report.clicks, 'clicks');
	const pvs = records.filter(x => x.type === 'pageview');
	assertEq(new Set(pvs.map(p => p.session)).size, SESSIONS, 'sessions');
	const by = (k) => pvs.reduce((m, p) => ((m[p[k]] = (m[p[k]] || 0) + 1), m), {});
	const devices = by('device');
	for (const d of ['desktop', 'tablet', 'mobile']) assertEq(devices[d] || 0, report.truth.devices[d], `${d} page views`);
	const browsers = by('browser'), os = by('os');
	for (const [b, n] of Object.entries(report.truth.browsers)) assertEq(browsers[b] || 0, n, `browser ${b}`);
	for (const [o, n] of Object.entries(report.truth.os)) assertEq(os[o] || 0, n, `os ${o}`);
	const goals = records.filter(x => x.type === 'goal');
	const signups = new Set(goals.filter(g => g.name === 'signup').map(g => g.session));
	assertEq(signups.size, report.truth.goal.sessions, 'signup sessions');
	for (const [name, n] of Object.entries(report.truth.goals))
		assertEq(new Set(goals.filter(g => g.name === name).map(g => g.session)).size, n, `${name} sessions`);
	// the planted frustration, as the server flagged it
	const clicks = records.filter(x => x.type === 'click');
	const count = (top, flag) => clicks.filter(c => c.page === top.page && c.selector === top.selector && c[flag]).length;
	assertEq(count(report.truth.dead_top, 'dead'), report.truth.dead_top.clicks, 'dead clicks on the top element');
	assertEq(count(report.truth.rage_top, 'rage'), report.truth.rage_top.clicks, 'rage clicks on the top element');
	assertEq(count(report.truth.error_top, 'error'), report.truth.error_top.clicks, 'error clicks on the top element');
	assertEq(report.truth.dead_top.selector, '#hero-image', 'dead top');
	assertEq(report.truth.rage_top.selector, '#slow-save', 'rage top');
	assertEq(report.truth.error_top.selector, '#apply-coupon', 'error top');
	const rage = clicks.filter(c => c.rage).length;
	assertEq(rage, report.truth.rage_top.clicks, 'every rage click is on the slow button');
	// the A/B test: variant B's CTA takes the larger share of home clicks
	const share = (v) => {
		const home = clicks.filter(c => c.page === '/demo/index.html' && pvs.find(p => p.id === c.pv).tags.variant === v);
		return [home.filter(c => c.selector === '#cta-hero').length, home.length];
	};
	for (const v of ['A', 'B']) {
		const t = report.truth.variant[v];
		assertEq(share(v), [t.cta_clicks, t.page_clicks], `variant ${v}: CTA clicks, home clicks`);
	}
	assert(report.truth.variant.B.cta_clicks / report.truth.variant.B.page_clicks >
		1.6 * report.truth.variant.A.cta_clicks / report.truth.variant.A.page_clicks, 'B clicks the CTA more');
});

test('scroll depth, quick backs and excessive scrolling are stored as planted', () => {
	const pvs = records.filter(x => x.type === 'pageview');
	for (const r of report.truth.reach50) {
		const mine = pvs.filter(p => p.page === r.page && (r.device === 'all' || p.device === r.device));
		assertEq(mine.length, r.pageviews, `${r.page} ${r.device} page views`);
		const pct = mine.map(p => Math.floor((p.max_depth * 100) / p.doc_h));
		let d = 100;
		while (d > 0 && 2 * pct.filter(x => x >= d).length < pct.length) d--;
		assertEq(d, r.percent, `${r.page} ${r.device}: 50 % reach depth`);
	}
	const home = report.truth.reach50.find(r => r.page === '/demo/index.html' && r.device === 'all');
	assert(Math.abs(home.percent - home.planted) <= 7, `home reach (sampling error at 400 sessions) ${home.percent} vs planted ${home.planted}`);
	const ex = report.truth.excessive_scroll;
	assertEq(pvs.filter(p => p.page === ex.page && p.reversals >= ex.min_reversals).length, ex.count, 'excessive scrolling');
	assert(pvs.filter(p => p.page !== ex.page && p.reversals >= ex.min_reversals).length === 0, 'only on pricing');
	// quick backs: a page view of a page followed within 2-6 s by the page before it
	const qb = report.truth.quick_backs;
	const sessions = {};
	for (const p of pvs) (sessions[p.session] = sessions[p.session] || []).push(p);
	let n = 0;
	for (const list of Object.values(sessions)) {
		list.sort((a, b) => a.ts - b.ts);
		for (let i = 1; i + 1 < list.length; i++)
			if (list[i].page === qb.page && list[i + 1].page === list[i - 1].page &&
				list[i + 1].ts - list[i].ts >= 1900 && list[i + 1].ts - list[i].ts <= 6100) n++;
	}
	assertEq(n, qb.count, 'quick backs');
});

test('device shares are realistic and the events span the days asked for', () => {
	const d = report.truth.devices, all = d.desktop + d.tablet + d.mobile;
	assertEq(all, report.pageviews, 'device classes partition the page views');
	assert(Math.abs(d.desktop / all - 0.57) < 0.08, `desktop share ${d.desktop / all}`);
	assert(Math.abs(d.mobile / all - 0.38) < 0.08, `mobile share ${d.mobile / all}`);
	assert(d.tablet / all > 0.01 && d.tablet / all < 0.12, `tablet share ${d.tablet / all}`);
	const ts = records.filter(x => x.type === 'pageview').map(p => p.ts);
	const span = (Math.max(...ts) - Math.min(...ts)) / 86400000;
	assert(span > DAYS - 1 && span <= DAYS, `page views span ${span.toFixed(2)} days`);
	assert(Math.max(...ts) <= Date.now(), 'nothing in the future');
});

test('the same seed gives the same payloads; another seed does not', () => {
	const args = ['--site', key, '--sessions', '60', '--days', '3', '--dry-run', '--print', '-', '--now', '1790000000000'];
	const a = simulate([...args, '--seed', '11']), b = simulate([...args, '--seed', '11']);
	const c = simulate([...args, '--seed', '12']);
	assertEq([a.status, b.status, c.status], [0, 0, 0], 'exit status');
	assert(a.stdout.length > 10000, 'batches printed');
	assert(a.stdout === b.stdout, 'same seed, same bytes');
	assert(a.stdout !== c.stdout, 'another seed, other payloads');
	// without --now only `now` and the times move with the clock
	const strip = (s) => s.replace(/"(now|ts)":\d+/g, '');
	const d = simulate(args.slice(0, 9).concat(['--seed', '11']));
	assertEq(d.status, 0, 'exit status');
	assert(strip(d.stdout) === strip(a.stdout), 'same payloads but for the clock');
	const lines = a.stdout.trim().split('\n').map(l => JSON.parse(l));
	assert(lines.every(l => l.batch.v === 1 && l.batch.site === key && /^[\w-]{8,64}$/.test(l.batch.pv.id) && l.ua), 'wire v1 batches with a user agent');
});

test('bad arguments: https, no site', () => {
	const r = simulate(['--target', 'https://127.0.0.1:1', '--site', key]);
	assertEq(r.status, 2, 'https refused');
	assert(/https/.test(r.stderr), `says why: ${r.stderr}`);
	assertEq(simulate(['--target', server.url]).status, 2, 'no --site');
	assertEq(simulate(['--target', server.url, '--site', key, '--sessions', '0']).status, 2, '--sessions 0');
});

test('an unknown site: every batch refused, exit status 1', () => {
	const r = simulate(['--target', server.url, '--site', 'no-such-site', '--sessions', '3', '--json']);
	assertEq(r.status, 1, 'exit status');
	const j = JSON.parse(r.stdout);
	assertEq(j.batches.refused, j.batches.sent, 'all refused');
	assertEq(j.events.acknowledged, 0, 'nothing acknowledged');
});

test('the client: tracker headers, keep-alive, a dropped connection and a 503 are retried', async () => {
	const seen = [], sockets = new Set();
	let n = 0;
	const fake = createServer((req, res) => {
		let body = '';
		req.on('data', d => { body += d; });
		req.on('end', () => {
			n++;
			seen.push({ headers: req.headers, body });
			if (n === 1) { req.socket.destroy(); return; } // dropped
			if (n === 2) { res.writeHead(503, { 'Retry-After': '0', 'Content-Type': 'application/json' }).end('{"error":"unavailable"}'); return; }
			res.writeHead(204).end();
		});
	});
	fake.on('connection', s => sockets.add(s));
	await new Promise(r => fake.listen(0, '127.0.0.1', r));
	const fport = fake.address().port;
	// asynchronously: this process is the server
	const r = await new Promise(resolve => execFile(CALOR, ['simulate', '--target', `http://127.0.0.1:${fport}`,
		'--site', 'fake', '--sessions', '5', '--concurrency', '1', '--json'],
	(err, stdout, stderr) => resolve({ err, stdout, stderr })));
	fake.close();
	assert(!r.err, `simulate failed: ${r.err} ${r.stderr}`);
	const j = JSON.parse(r.stdout);
	assertEq(j.batches.acknowledged, j.batches.sent, 'all acknowledged after retries');
	assertEq(seen.length, j.batches.sent + 2, 'one drop and one 503 retried');
	assertEq(seen[0].body, seen[2].body.replace(/"now":\d+/, seen[0].body.match(/"now":\d+/)[0]), 'the same batch again');
	for (const s of seen) {
		assertEq(s.headers['content-type'], 'text/plain;charset=UTF-8', 'content type');
		assertEq(s.headers.origin, `http://127.0.0.1:${fport}`, 'origin');
		assert(/^Mozilla\/5\.0/.test(s.headers['user-agent']), 'a browser user agent');
	}
	assert(sockets.size <= 3, `keep-alive: ${sockets.size} connections for ${seen.length} requests`);
});

await run({ after: async () => { await server.stop(); cleanup(dataDir); } });
