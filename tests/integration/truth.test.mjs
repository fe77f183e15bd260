// SPDX-License-Identifier: MIT
// The planted truth is found: `calor simulate` sends a seeded month of
// visitors to a real server, then the read API must find what the simulator
// planted — the dead-click image, the slow button's rage, the throwing
// button's errors, variant B's call-to-action, the scroll drop-off, quick
// backs, excessive scrolling — and device classes must partition the data.
import { test, run, assert, assertEq, startServer, addSite, cli, newStore, cleanup, CALOR } from '../lib/harness.mjs';
import { execFile } from 'node:child_process';

const SESSIONS = 1200, SEED = 7, DAYS = 30;
const dataDir = newStore();
const server = await startServer({ dataDir });
const origin = `http://127.0.0.1:${server.port}`;
const key = addSite(dataDir, 'demo', [origin]);
cli(['site', 'set', key, `backdate_days=${DAYS + 1}`, '--data', dataDir]);
// the running server sees a new site at once and settings within 10 s; the
// site is new to it, so its first lookup loads the settings too
const sim = await new Promise((resolve, reject) => execFile(CALOR,
	['simulate', '--target', origin, '--site', key, '--sessions', String(SESSIONS), '--seed', String(SEED), '--days', String(DAYS), '--json'],
	{ maxBuffer: 64 << 20, timeout: 240000 }, (err, stdout, stderr) => err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(JSON.parse(stdout))));
const truth = sim.truth;
const api = async (path) => {
	const r = await server.api(`/api/v1/${path}${path.includes('?') ? '&' : '?'}site=${key}`);
	assertEq(r.status, 200, path);
	return r.json();
};

test('every event the simulator sent was acknowledged and stored', async () => {
	assertEq(sim.batches.acknowledged, sim.batches.sent, 'batches');
	assertEq(sim.events.acknowledged, sim.events.sent, 'events');
	const all = await api('pages?device=all');
	assertEq([all.pageviews, all.sessions], [sim.pageviews, SESSIONS], 'page views and sessions');
	assertEq(all.clicks, sim.clicks, 'clicks');
	assertEq(all.warning, undefined, `${SESSIONS} sessions: no small-sample warning`);
});

test('device filters partition the data exactly: desktop + tablet + mobile = all', async () => {
	const all = await api('pages');
	const sum = { pageviews: 0, clicks: 0 };
	for (const d of ['desktop', 'tablet', 'mobile']) {
		const j = await api(`pages?device=${d}`);
		assertEq(j.pageviews, truth.devices[d], `${d} page views`);
		sum.pageviews += j.pageviews;
		sum.clicks += j.clicks;
		assert(j.warning, `${d}: fewer than 1,000 sessions warns`);
	}
	assertEq([sum.pageviews, sum.clicks], [all.pageviews, all.clicks], 'sum of the classes');
});

test('the days are spread over the month, and date ranges split them', async () => {
	const day = (d) => new Date(Date.now() - d * 86400000).toISOString().slice(0, 10);
	const recent = await api(`pages?from=${day(14)}`);
	const older = await api(`pages?to=${day(15)}`);
	assertEq(recent.pageviews + older.pageviews, sim.pageviews, 'the two halves');
	assert(older.pageviews > sim.pageviews / 4 && recent.pageviews > sim.pageviews / 4, `spread: ${older.pageviews} / ${recent.pageviews}`);
});

test('frustration: the image is the top dead-click element, the slow button the top rage element, the throwing button the top error element', async () => {
	const j = await api('frustration');
	const top = (k) => ({ page: j[k].elements[0].page, selector: j[k].elements[0].selector });
	assertEq(top('dead'), { page: truth.dead_top.page, selector: truth.dead_top.selector }, 'dead');
	assertEq(top('rage'), { page: truth.rage_top.page, selector: truth.rage_top.selector }, 'rage');
	assertEq(top('error'), { page: truth.error_top.page, selector: truth.error_top.selector }, 'error');
	assertEq(j.dead.elements[0].count, truth.dead_top.clicks, 'dead clicks on the image');
	assertEq(j.error.elements[0].count, truth.error_top.clicks, 'error clicks on the button');
	assertEq(j.quick_back.pages[0].page, truth.quick_backs.page, 'quick backs');
	assertEq(j.excessive_scroll.pages[0].page, truth.excessive_scroll.page, 'excessive scrolling');
	assertEq(j.excessive_scroll.pages[0].count, truth.excessive_scroll.count, 'excessive page views');
});

test('variant B\'s call-to-action gets the larger click share, with intervals that do not overlap', async () => {
	const v = {};
	for (const name of ['A', 'B']) {
		const t = truth.variant[name];
		const j = await api(`elements?page=${encodeURIComponent(t.page)}&tag.variant=${name}`);
		const cta = j.elements.find(e => e.selector === t.selector);
		assert(cta, `${name}: ${t.selector} listed`);
		assertEq([cta.clicks, j.clicks], [t.cta_clicks, t.page_clicks], `${name}: clicks`);
		v[name] = cta.share;
	}
	assert(v.B.rate > v.A.rate, `B ${v.B.rate} > A ${v.A.rate}`);
	assert(v.B.low > v.A.high, `intervals apart: A ${v.A.low}..${v.A.high}, B ${v.B.low}..${v.B.high}`);
	// the difference map of B against A is hottest on B's call-to-action
	const d = await api(`heatmap?page=${encodeURIComponent(truth.variant.B.page)}&device=desktop&type=diff&tag.variant=B&vs.tag.variant=A`);
	assert(d.cells[0][2] > 0, 'the largest difference is more clicks in B');
});

test('the 50 % reach depth matches the planted drop-off within 3 % of the page height', async () => {
	const rows = truth.reach50.filter(r => r.pageviews >= 200);
	assert(rows.length >= 4, 'enough pages and devices to check');
	for (const r of rows) {
		const q = `scroll?page=${encodeURIComponent(r.page)}${r.device === 'all' ? '&vw=1-' : `&device=${r.device}`}`;
		const j = await api(q);
		assert(Math.abs(j.reached_by['50'] - r.percent) <= 3, `${r.page} ${r.device}: 50 % reach at ${j.reached_by['50']} %, planted ${r.percent} %`);
	}
});

test('goal and nogoal partition the element table', async () => {
	const page = encodeURIComponent(truth.variant.B.page);
	const conv = await api(`elements?page=${page}&goal=${truth.goal.name}`);
	const not = await api(`elements?page=${page}&nogoal=${truth.goal.name}`);
	const all = await api(`elements?page=${page}`);
	assertEq(conv.sessions + not.sessions, all.sessions, 'goal and nogoal partition the sessions');
	assertEq(conv.clicks + not.clicks, all.clicks, 'and the clicks');
});

await run({ after: async () => { await server.stop(); await cleanup(dataDir); } });
