// SPDX-License-Identifier: MIT
// GET /api/v1/pages, the pages table, over real HTTP on hand-made sessions
// whose every count is known: page views, sessions, clicks, rage, dead and
// error clicks, average scroll depth, conversion with its interval, the
// priority score and its terms; sort, order, q, limit, offset, the
// filters; and every bad parameter a 400 naming it.
import { test, run, assert, assertEq, startServer, addSite, newStore, cleanup } from '../lib/harness.mjs';

const dataDir = newStore();
const key = addSite(dataDir, 'pages');
const nogoals = addSite(dataDir, 'no goals');
const server = await startServer({ dataDir });

// The one place requests are made: with the harness's API token.
const fetchApi = (path) => server.api(path);
async function api(path) {
	const r = await fetchApi(path);
	return { status: r.status, body: await r.json() };
}
const pages = (query = '') => api(`/api/v1/pages?site=${key}${query}`);

let n = 0;
// One page view in one batch. clicks: [[sel, x, y, dt, {ia, dead, err}]]
async function pageview({ site = key, sid, url, vw = 1440, clicks = [], goal, depth, dh = 3000 }) {
	const now = Date.now();
	const start = now - 60000;
	const id = `pv_pages_${String(++n).padStart(5, '0')}`;
	const ev = clicks.map(([sel, x, y, dt, f = {}]) => ({ t: 'click', ts: start + dt, x, y, vw, vh: 800, dw: vw, dh,
		sel, ex: 100, ey: 100, ew: 50, eh: 20, pt: 'mouse', ia: f.ia ? 1 : 0, dead: f.dead ? 1 : 0, err: f.err ? 1 : 0 }));
	if (goal) ev.push({ t: 'goal', ts: start + 5000, name: goal });
	if (depth !== undefined) ev.push({ t: 'scroll', ts: start + 6000, y: depth, dh, fold: 800, rev: 0 });
	const body = { v: 1, site, now, pv: { id, seq: 0, sid, url, ref: '', ts: start, vw, vh: 800, new: true }, ev };
	const r = await fetch(`${server.url}/collect`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify(body) });
	assertEq(r.status, 204, `collect ${id}`);
}

const ia = { ia: 1 };
const click = (sel, dt, f = ia) => [sel, 300 + dt / 10, 400, dt, f];
// s1, s2 convert (signup on /thanks); s4 is on a phone
await pageview({ sid: 'sess_pg_s1', url: '/home', clicks: [click('#a', 1000), click('#b', 5000)], depth: 1500 });
await pageview({ sid: 'sess_pg_s1', url: '/thanks', goal: 'signup' });
await pageview({ sid: 'sess_pg_s2', url: '/home', clicks: [click('#a', 1000)], depth: 3000 });
await pageview({ sid: 'sess_pg_s2', url: '/thanks', goal: 'signup' });
await pageview({ sid: 'sess_pg_s3', url: '/home' });
await pageview({ sid: 'sess_pg_s3', url: '/pricing', depth: 1200, dh: 4000 });
await pageview({ sid: 'sess_pg_s4', url: '/home', vw: 390, clicks: [click('#a', 1000)], depth: 750 });
// s5: a rage burst of 4 on /pricing (the 3rd and 4th are rage clicks), then /pricing again
await pageview({ sid: 'sess_pg_s5', url: '/pricing', clicks: [0, 1, 2, 3].map((i) => ['#buy', 500 + i, 600, 1000 + 200 * i, ia]) });
await pageview({ sid: 'sess_pg_s5', url: '/pricing', clicks: [click('#buy', 1000)] });
// s6: a dead click and an error click on /pricing
await pageview({ sid: 'sess_pg_s6', url: '/pricing', clicks: [['#img', 100, 900, 1000, { dead: 1 }], ['#coupon', 400, 1500, 5000, { ia: 1, err: 1 }]] });
await pageview({ sid: 'sess_pg_s7', url: '/blog', goal: 'newsletter' });
await pageview({ sid: 'sess_pg_s8', url: '/blog', clicks: [click('#more', 1000)] });
// a site without goals
await pageview({ site: nogoals, sid: 'sess_pg_n1', url: '/only', clicks: [click('#x', 1000)] });

const byPath = (body) => Object.fromEntries(body.pages.map((p) => [p.path, p]));
const paths = (body) => body.pages.map((p) => p.path);
const close = (a, b, eps = 1e-3) => Math.abs(a - b) < eps;

test('every column of every page, exactly', async () => {
	const { status, body } = await pages();
	assertEq(status, 200);
	assertEq([body.site, body.device, body.pageviews, body.sessions, body.clicks], [key, 'all', 12, 8, 12], 'totals');
	assertEq(body.warning, 'fewer than 1,000 sessions: patterns are not yet reliable');
	assertEq([body.conversion.goal, body.conversion.sessions, body.conversion.converted], ['signup', 8, 2], 'site conversion');
	assert(close(body.conversion.rate.rate, 0.25), `site rate ${body.conversion.rate.rate}`);
	assertEq(body.goals, [{ name: 'signup', sessions: 2 }, { name: 'newsletter', sessions: 1 }], 'goals to pick from');
	assertEq([body.sort, body.order, body.q, body.total, body.truncated, body.offset, body.limit],
		['pageviews', 'desc', null, 4, false, 0, 100]);
	const p = byPath(body);
	const cols = (x) => [x.pageviews, x.sessions, x.clicks, x.rage, x.dead, x.error, x.scroll_pageviews, x.converted];
	assertEq(cols(p['/home']), [4, 4, 4, 0, 0, 0, 3, 2], '/home');
	assertEq(cols(p['/pricing']), [4, 3, 7, 2, 1, 1, 1, 0], '/pricing');
	assertEq(cols(p['/thanks']), [2, 2, 0, 0, 0, 0, 0, 2], '/thanks');
	assertEq(cols(p['/blog']), [2, 2, 1, 0, 0, 0, 0, 0], '/blog');
	// depth: the mean of 50 %, 100 % and 25 % (s3 sent no scroll)
	assertEq(p['/home'].depth, 58.33, '/home depth');
	assertEq(p['/pricing'].depth, 30, '/pricing depth');
	assertEq(p['/thanks'].depth, null, 'no scroll data');
	assert(close(p['/home'].conversion.rate, 0.5), 'home rate');
	// Wilson 95 % of 2 of 4: 0.15004..0.84996
	assert(close(p['/home'].conversion.low, 0.15004) && close(p['/home'].conversion.high, 0.84996),
		`home interval ${JSON.stringify(p['/home'].conversion)}`);
	assertEq(p['/thanks'].conversion.rate, 1);
	assertEq(p['/pricing'].conversion.rate, 0);
	// most viewed first, ties by path
	assertEq(paths(body), ['/home', '/pricing', '/blog', '/thanks']);
});

test('the priority score: sessions × (frustration rate + conversion gap), each term shown', async () => {
	const { body } = await pages('&sort=priority');
	assertEq(body.sort, 'priority');
	// /pricing: 3 sessions, 4 frustrated clicks, 0 % against 25 %: 3 × (4/3 + 0.25) = 4.75
	// /blog: 2 sessions, none frustrated, 0 % against 25 %: 2 × 0.25 = 0.5
	// /home (50 %) and /thanks (100 %) convert better than the site: 0, by page views
	assertEq(paths(body), ['/pricing', '/blog', '/home', '/thanks']);
	const p = byPath(body);
	assertEq(p['/pricing'].priority, { score: 4.75, frustration: 4, frustration_rate: 1.33333, conversion_gap: 0.25, missed_conversions: 0.75 });
	assertEq(p['/blog'].priority, { score: 0.5, frustration: 0, frustration_rate: 0, conversion_gap: 0.25, missed_conversions: 0.5 });
	assertEq(p['/home'].priority, { score: 0, frustration: 0, frustration_rate: 0, conversion_gap: 0, missed_conversions: 0 });
	const asc = await pages('&sort=priority&order=asc');
	assertEq(paths(asc.body), ['/home', '/thanks', '/blog', '/pricing'], 'ascending, ties still by page views');
});

test('every sort key, both orders', async () => {
	const expect = {
		sessions: ['/home', '/pricing', '/blog', '/thanks'],
		clicks: ['/pricing', '/home', '/blog', '/thanks'],
		rage: ['/pricing', '/home', '/blog', '/thanks'],
		dead: ['/pricing', '/home', '/blog', '/thanks'],
		error: ['/pricing', '/home', '/blog', '/thanks'],
		depth: ['/home', '/pricing', '/blog', '/thanks'],
		conversion: ['/thanks', '/home', '/pricing', '/blog'],
		path: ['/blog', '/home', '/pricing', '/thanks'],
	};
	for (const [sort, want] of Object.entries(expect)) {
		const { status, body } = await pages(`&sort=${sort}`);
		assertEq(status, 200, sort);
		assertEq(paths(body), want, `sort=${sort}`);
	}
	assertEq(paths((await pages('&sort=clicks&order=asc')).body), ['/thanks', '/blog', '/home', '/pricing'], 'clicks asc');
	assertEq(paths((await pages('&sort=path&order=desc')).body), ['/thanks', '/pricing', '/home', '/blog'], 'path desc');
	assertEq((await pages('&sort=path')).body.order, 'asc', 'paths A to Z by default');
});

test('q searches paths case-insensitively; limit and offset page through', async () => {
	let r = await pages('&q=PRIC');
	assertEq(paths(r.body), ['/pricing']);
	assertEq([r.body.q, r.body.total], ['PRIC', 1]);
	// the totals stay those of the whole site
	assertEq([r.body.pageviews, r.body.sessions], [12, 8]);
	r = await pages('&q=' + encodeURIComponent('%'));
	assertEq(paths(r.body), [], 'no LIKE wildcards');
	r = await pages('&q=');
	assertEq(r.body.total, 4, 'an empty search is every page');
	r = await pages('&limit=2&offset=1');
	assertEq(paths(r.body), ['/pricing', '/blog']);
	assertEq([r.body.total, r.body.offset, r.body.limit], [4, 1, 2]);
	r = await pages('&offset=4');
	assertEq([paths(r.body), r.body.total], [[], 4]);
});

test('filters: device, dates, segments; the conversion goal', async () => {
	let r = await pages('&device=mobile');
	assertEq(r.body.pages.map((p) => [p.path, p.pageviews, p.clicks, p.depth]), [['/home', 1, 1, 25]]);
	r = await pages('&device=desktop');
	assertEq(byPath(r.body)['/home'].pageviews, 3);
	assertEq(byPath(r.body)['/home'].clicks, 3);
	r = await pages('&from=2000-01-01&to=2000-01-02');
	assertEq([r.body.pages, r.body.total, r.body.pageviews], [[], 0, 0]);
	// a segment is counted from the stored events: the same numbers
	r = await pages('&vw=1000-');
	const p = byPath(r.body);
	assertEq([p['/pricing'].clicks, p['/pricing'].rage, p['/pricing'].dead, p['/pricing'].error], [7, 2, 1, 1], 'segment counts');
	assertEq(p['/home'].clicks, 3);
	r = await pages('&goal=signup');
	assertEq(r.body.pages.map((x) => [x.path, x.pageviews, x.converted]), [['/home', 2, 2], ['/thanks', 2, 2]]);
	assertEq(r.body.conversion.rate.rate, 1);
	r = await pages('&conversion=newsletter');
	assertEq([r.body.conversion.goal, r.body.conversion.converted], ['newsletter', 1]);
	assertEq(byPath(r.body)['/blog'].converted, 1);
	assertEq(byPath(r.body)['/blog'].priority.conversion_gap, 0, '/blog converts at 50 % against 12.5 %');
	assertEq(byPath(r.body)['/pricing'].priority.conversion_gap, 0.125);
	r = await pages('&conversion=nosuch');
	assertEq([r.body.conversion.goal, r.body.conversion.converted], ['nosuch', 0]);
	assertEq(byPath(r.body)['/blog'].priority.conversion_gap, 0);
	r = await pages('&goal=other');
	assertEq(r.body.conversion, null, 'a segment on another goal has no honest rate');
	r = await api(`/api/v1/pages?site=${nogoals}`);
	assertEq(r.body.conversion, null);
	assertEq(r.body.pages.map((x) => [x.path, x.converted, x.conversion, x.priority.score]), [['/only', null, null, 0]]);
});

test('every bad parameter is a 400 naming it', async () => {
	const bad = [
		['sort=bogus', 'sort'], ['order=up', 'order'], [`q=${'a'.repeat(201)}`, 'q'], ['q=%01', 'q'],
		['limit=0', 'limit'], ['limit=1001', 'limit'], ['limit=x', 'limit'], ['offset=-1', 'offset'],
		['offset=1000001', 'offset'], ['conversion=', 'conversion'], ['device=phone', 'device'],
		['from=2024-13-01', 'from'], ['vw=abc', 'vw'], ['browser=lynx', 'browser'], ['page=/home', 'page'],
		['bogus=1', 'bogus'],
	];
	for (const [q, name] of bad) {
		const { status, body } = await pages(`&${q}`);
		assertEq(status, 400, q);
		assertEq(body.error, 'bad_param', q);
		assert(body.detail.startsWith(`${name}:`), `${q}: ${body.detail}`);
	}
	const r = await api('/api/v1/pages');
	assertEq([r.status, r.body.detail], [400, 'site: required']);
	const u = await api('/api/v1/pages?site=zzzzzzzzzzzz');
	assertEq(u.status, 404);
});

await run({ after: async () => { await server.stop(); await cleanup(dataDir); } });
