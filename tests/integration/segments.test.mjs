// SPDX-License-Identifier: MIT
// Segments, element tables, frustration signals and per-site settings over
// real HTTP, on hand-made page views whose answers are known: every filter
// selects exactly the page views it names, device classes partition the
// data, the element table and the frustration list count what was sent,
// and every bad filter is a 400 naming its parameter.
import { test, run, assert, assertEq, startServer, addSite, cli, newStore, cleanup } from '../lib/harness.mjs';

const dataDir = newStore();
const key = addSite(dataDir, 'segments');
const strict = addSite(dataDir, 'strict');
const plain = addSite(dataDir, 'plain');
cli(['site', 'set', strict, 'rage_clicks=4', 'backdate_days=30', 'dead_ms=2500', 'error_ms=2000', '--data', dataDir]);
const server = await startServer({ dataDir });
const api = async (path) => {
	const r = await server.api(path);
	return { status: r.status, headers: r.headers, body: r.headers.get('content-type')?.includes('json') ? await r.json() : null };
};

const UA = {
	chromeWin: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36',
	firefoxLinux: 'Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0',
	safariIpad: 'Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
	chromeAndroid: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36',
};

let n = 0;
// One page view in one batch. clicks: [sel, x, y, dt, flags{ia,dead,err}]
async function pageview({ site = key, sid, url = '/home', vw = 1440, ua = UA.chromeWin, ref = '', isNew = false,
	utm, tags, at = 0, clicks = [], goal, rev, age = 0 }) {
	const now = Date.now();
	const start = now - age - 60000 + at;
	const id = `pv_seg_${String(++n).padStart(5, '0')}`;
	const ev = clicks.map(([sel, x, y, dt, f = {}]) => ({ t: 'click', ts: start + dt, x, y, vw, vh: 800, dw: vw, dh: 3000,
		sel, ex: 100, ey: 100, ew: 50, eh: 20, pt: 'mouse', ia: f.ia ? 1 : 0, dead: f.dead ? 1 : 0, err: f.err ? 1 : 0,
		...(f.rt !== undefined ? { rt: f.rt, et: f.et } : {}) }));
	if (goal) ev.push({ t: 'goal', ts: start + 5000, name: goal });
	if (rev !== undefined) ev.push({ t: 'scroll', ts: start + 6000, y: 2400, dh: 3000, fold: 800, rev });
	const body = { v: 1, site, now, pv: { id, seq: 0, sid, url, ref, ts: start, vw, vh: 800, new: isNew, ...(utm ? { utm } : {}), ...(tags ? { tags } : {}) }, ev };
	const r = await fetch(`${server.url}/collect`, { method: 'POST', headers: { 'Content-Type': 'text/plain', 'User-Agent': ua }, body: JSON.stringify(body) });
	assertEq(r.status, 204, `collect ${id}`);
	return id;
}

const ia = { ia: 1 };
// s1: desktop Chrome/Windows from Google, new, variant A; signs up on /next
await pageview({ sid: 'sess_one_0001', ref: 'www.google.com', isNew: true, tags: { variant: 'A' },
	clicks: [['#cta', 700, 500, 1000, ia], ['#cta', 702, 505, 9000, ia]], rev: 0 });
await pageview({ sid: 'sess_one_0001', url: '/next', isNew: true, tags: { variant: 'A' }, at: 20000, goal: 'signup' });
// s2: desktop 1920 Firefox/Linux, direct, returning, variant B; a dead image click
await pageview({ sid: 'sess_two_0002', vw: 1920, ua: UA.firefoxLinux, tags: { variant: 'B' },
	clicks: [['#cta', 907, 501, 1000, ia], ['#cta', 908, 503, 4000, ia], ['#cta', 909, 505, 8000, ia], ['#img', 300, 900, 12000, { dead: 1 }]], rev: 1 });
// s3: tablet Safari/iPad from an email campaign, new, variant B; a throwing coupon button
await pageview({ sid: 'sess_three_03', vw: 820, ua: UA.safariIpad, isNew: true, tags: { variant: 'B' },
	utm: { source: 'news', medium: 'email', campaign: 'launch' },
	clicks: [['#cta', 400, 500, 1000, ia], ['#coupon', 400, 1500, 3000, { ia: 1, err: 1 }]], rev: 0 });
// s4: mobile Chrome/Android from t.co, returning: a rage burst of 4 on #save
await pageview({ sid: 'sess_four_004', vw: 390, ua: UA.chromeAndroid, ref: 't.co',
	clicks: [0, 1, 2, 3].map(i => ['#save', 200 + i, 600 + i, 1000 + 200 * i, ia]), rev: 1 });
// s5: a quick back: /home, /next for 3 s, back to /home
await pageview({ sid: 'sess_five_005', at: 0, rev: 0 });
await pageview({ sid: 'sess_five_005', url: '/next', at: 1000 });
await pageview({ sid: 'sess_five_005', at: 4000, rev: 0 });
// s6: a page view scrolling up and down 20 times
await pageview({ sid: 'sess_six_0006', rev: 20 });
// the strict site (rage_clicks=4, backdate_days=30): a burst of 4 and a page view 10 days old
await pageview({ site: strict, sid: 'sess_strict_1', clicks: [0, 1, 2, 3].map(i => ['#save', 200, 600, 1000 + 200 * i, ia]) });
await pageview({ site: strict, sid: 'sess_strict_2', url: '/old', age: 10 * 86400000, clicks: [['#x', 10, 10, 0, ia]] });
await pageview({ sid: 'sess_old_0007', url: '/old', age: 10 * 86400000, clicks: [['#x', 10, 10, 0, ia]] });
// the tracker's measurements: a reaction after 2 s, an error after 1.5 s,
// on a site with the default windows and on one with 2.5 s / 2 s; the
// flags the sender set are not what counts
for (const site of [plain, strict])
	await pageview({ site, sid: 'sess_late_001', url: '/late', clicks: [
		['#slow', 10, 10, 0, { rt: 2000, et: 1500, dead: 0, err: 0 }],
		['#quick', 50, 10, 4000, { rt: 100, et: 9000, dead: 1, err: 1 }],
		['#link', 90, 10, 8000, { ia: 1, rt: 9000, et: 9000 }]] });

const pages = (q = '') => api(`/api/v1/pages?site=${key}${q}`);
const day = (msAgo) => new Date(Date.now() - msAgo).toISOString().slice(0, 10);

test('device classes partition the data exactly: desktop + tablet + mobile = all', async () => {
	const all = (await pages()).body;
	let pv = 0, s = 0, c = 0;
	for (const d of ['desktop', 'tablet', 'mobile']) {
		const j = (await pages(`&device=${d}`)).body;
		pv += j.pageviews; s += j.sessions; c += j.clicks;
	}
	assertEq([pv, s, c], [all.pageviews, all.sessions, all.clicks], 'sum of classes');
	assertEq([all.pageviews, all.sessions, all.clicks], [10, 7, 13], 'all');
});

test('each filter selects exactly the page views it names', async () => {
	const cases = [
		['&browser=firefox', 1, 4], ['&browser=safari', 1, 2], ['&os=android', 1, 4], ['&os=windows', 7, 3],
		['&source=search', 1, 2], ['&source=campaign', 1, 2], ['&source=social', 1, 4],
		['&referrer=t.co', 1, 4], ['&utm_campaign=launch', 1, 2], ['&utm_source=news&utm_medium=email', 1, 2],
		['&visitor=new', 3, 4], ['&visitor=returning', 7, 9],
		['&tag.variant=B', 2, 6], ['&tag.variant=A', 2, 2], ['&tag.variant=A&browser=firefox', 0, 0],
		['&goal=signup', 2, 2], ['&nogoal=signup', 8, 11],
		['&vw=1800-2000', 1, 4], ['&vw=-800', 1, 4], ['&vw=800-', 9, 9],
		[`&from=${day(0)}&to=${day(0)}`, 9, 12],
	];
	for (const [q, pv, clicks] of cases) {
		const j = (await pages(q)).body;
		assertEq([j.pageviews, j.clicks], [pv, clicks], q);
	}
});

test('a date range finds a backdated page view only on a site that allows it', async () => {
	const old = `&from=${day(10 * 86400000)}&to=${day(10 * 86400000)}`;
	assertEq((await api(`/api/v1/pages?site=${strict}${old}`)).body.pageviews, 1, 'strict site: 10 days back');
	assertEq((await pages(old)).body.pageviews, 0, 'default site: clamped to 24 h');
	assertEq((await pages(`&from=${day(86400000)}`)).body.pageviews, 10, 'default site: all within a day');
});

test('heatmaps honour segments: cells from the matching clicks only', async () => {
	const j = (await api(`/api/v1/heatmap?site=${key}&page=/home&device=desktop&browser=firefox&cell=10`)).body;
	assertEq([j.clicks, j.pageviews, j.width], [4, 1, 1920], 'firefox desktop');
	assertEq(j.cells[0][2], 3, 'hottest cell: the three #cta clicks');
	const band = (await api(`/api/v1/heatmap?site=${key}&page=/home&vw=300-500`)).body;
	assertEq([band.clicks, band.device, band.width], [4, 'all', 390], 'width band alone');
	const tagged = (await api(`/api/v1/heatmap?site=${key}&page=/home&device=desktop&tag.variant=A&type=dead`)).body;
	assertEq(tagged.clicks, 0, 'no dead clicks in variant A');
	const dead = (await api(`/api/v1/heatmap?site=${key}&page=/home&device=desktop&tag.variant=B&type=dead`)).body;
	assertEq(dead.clicks, 1, 'the dead click in variant B');
});

test('diff compares any two filter sets, each side with its sample size', async () => {
	const j = (await api(`/api/v1/heatmap?site=${key}&page=/home&device=desktop&type=diff&tag.variant=B&vs.tag.variant=A`)).body;
	assertEq([j.a.pageviews, j.a.clicks, j.b.pageviews, j.b.clicks], [1, 4, 1, 2], 'sides');
	assert(j.a.warning && j.b.warning, 'each side warns under 1,000 sessions');
	const top = j.cells[0];
	assert(top[2] > 0, 'the hottest difference is variant B\'s');
});

test('every answer carries page views, sessions and the small-sample warning', async () => {
	for (const path of [`/api/v1/pages?site=${key}`, `/api/v1/scroll?site=${key}&page=/home`,
		`/api/v1/heatmap?site=${key}&page=/home`, `/api/v1/heatmap?site=${key}&page=/home&type=confetti`,
		`/api/v1/elements?site=${key}&page=/home`, `/api/v1/frustration?site=${key}`]) {
		const j = (await api(path)).body;
		assert(Number.isInteger(j.pageviews) && Number.isInteger(j.sessions), `${path}: sample`);
		assert(/not yet reliable/.test(j.warning), `${path}: warning`);
	}
	const r = await api(`/api/v1/heatmap?site=${key}&page=/home&format=png`);
	assertEq([r.headers.get('x-calor-pageviews'), r.headers.get('x-calor-sessions')], ['5', '4'], 'png headers');
	assert(/not yet reliable/.test(r.headers.get('x-calor-warning')), 'png warning header');
});

test('elements: counts, shares with Wilson intervals, sessions, flags and conversion', async () => {
	const j = (await api(`/api/v1/elements?site=${key}&page=/home`)).body;
	assertEq(j.clicks, 12, 'clicks on the page');
	assertEq(j.conversion.goal, 'signup', 'the most reached goal');
	assertEq([j.conversion.sessions, j.conversion.converted], [6, 1], 'page conversion');
	const cta = j.elements[0];
	assertEq([cta.selector, cta.clicks, cta.sessions, cta.converted, cta.interactive], ['#cta', 6, 3, 1, true], '#cta');
	assert(Math.abs(cta.share.rate - 6 / 12) < 1e-4, `share ${cta.share.rate}`);
	// Wilson 95 % for 6 of 12: 0.2538 .. 0.7462
	assert(Math.abs(cta.share.low - 0.2538) < 0.001 && Math.abs(cta.share.high - 0.7462) < 0.001, `interval ${JSON.stringify(cta.share)}`);
	assert(Math.abs(cta.conversion.rate - 1 / 3) < 1e-4, 'conversion of #cta clickers');
	const img = j.elements.find(e => e.selector === '#img');
	assertEq([img.dead, img.interactive, img.non_interactive_clicks], [1, false, 1], '#img flagged non-interactive');
	const byRage = (await api(`/api/v1/elements?site=${key}&page=/home&sort=rage&limit=1`)).body.elements;
	assertEq([byRage.length, byRage[0].selector, byRage[0].rage], [1, '#save', 2], 'sorted by rage');
	const seg = (await api(`/api/v1/elements?site=${key}&page=/home&device=mobile`)).body;
	assertEq(seg.elements.map(e => e.selector), ['#save'], 'filtered by device');
});

test('frustration: rage, dead, error by element; quick backs and excessive scrolling by page', async () => {
	const j = (await api(`/api/v1/frustration?site=${key}`)).body;
	assertEq(j.definitions.rage_clicks, 3, 'default rule');
	assertEq(j.definitions.quick_back_ms, 7000, 'quick back window');
	assertEq([j.rage.elements[0].selector, j.rage.elements[0].count, j.rage.elements[0].sessions], ['#save', 2, 1], 'rage');
	assertEq(j.rage.elements[0].examples[0].session, 'sess_four_004', 'rage example');
	assertEq([j.dead.elements[0].selector, j.dead.clicks], ['#img', 1], 'dead');
	assertEq([j.error.elements[0].selector, j.error.elements[0].page], ['#coupon', '/home'], 'error');
	assertEq(j.quick_back.pages.map(p => [p.page, p.count, p.sessions]), [['/next', 1, 1]], 'quick back');
	const ex = j.excessive_scroll.pages[0];
	assertEq([ex.page, ex.count, ex.median_reversals, ex.threshold], ['/home', 1, 0, 6], 'excessive scrolling');
	assertEq(ex.examples[0].session, 'sess_six_0006', 'excessive example');
	const mobile = (await api(`/api/v1/frustration?site=${key}&device=mobile&page=/home`)).body;
	assertEq([mobile.dead.clicks, mobile.rage.clicks, mobile.quick_back.pageviews], [0, 2, 0], 'filtered');
});

test('dead and error clicks are decided by the site\'s windows from the tracker\'s measurements', async () => {
	const flags = async (site) => {
		const j = (await api(`/api/v1/elements?site=${site}&page=/late`)).body;
		return Object.fromEntries(j.elements.map(e => [e.selector, [e.dead, e.error]]).sort());
	};
	assertEq(await flags(plain), { '#link': [0, 0], '#quick': [0, 0], '#slow': [1, 0] }, 'defaults: 1500 / 1000 ms');
	assertEq(await flags(strict), { '#link': [0, 0], '#quick': [0, 0], '#slow': [0, 1] }, 'dead_ms=2500, error_ms=2000');
	const d = (await api(`/api/v1/frustration?site=${strict}`)).body.definitions;
	assertEq([d.dead_ms, d.error_ms], [2500, 2000], 'definitions shown');
});

test('per-site settings: rage_clicks=4 flags only the fourth click of a burst', async () => {
	const j = (await api(`/api/v1/frustration?site=${strict}`)).body;
	assertEq(j.definitions.rage_clicks, 4, 'definition shown');
	assertEq(j.rage.clicks, 1, 'one rage click');
	assertEq(j.rage.elements.map(e => e.selector), ['#save'], 'on #save');
});

test('every bad filter gets a 400 naming it; the server stays up', async () => {
	const bad = [
		['device=phone', 'device'], ['vw=abc', 'vw'], ['vw=900-100', 'vw'], ['vw=-', 'vw'], ['vw=0-100', 'vw'],
		['browser=netscape', 'browser'], ['os=beos', 'os'], ['source=tv', 'source'], ['referrer=a/b', 'referrer'],
		['utm_source=', 'utm_source'], ['utm_campaign=%01', 'utm_campaign'], ['visitor=old', 'visitor'],
		['tag.Bad=1', 'tag.Bad'], ['tag.variant=', 'tag.variant'], ['goal=', 'goal'], ['nogoal=', 'nogoal'],
		['from=2025-13-01', 'from'], ['to=yesterday', 'to'], ['colour=red', 'colour'],
		['tag.a=1&tag.b=1&tag.c=1&tag.d=1&tag.e=1', 'tag.e'],
	];
	for (const base of [`/api/v1/pages?site=${key}`, `/api/v1/heatmap?site=${key}&page=/home`,
		`/api/v1/scroll?site=${key}&page=/home`, `/api/v1/elements?site=${key}&page=/home`,
		`/api/v1/frustration?site=${key}`]) {
		for (const [q, name] of bad) {
			const r = await api(`${base}&${q}`);
			assertEq(r.status, 400, `${base} ${q}`);
			assertEq(r.body.error, 'bad_param', q);
			assert(r.body.detail.startsWith(`${name}:`), `${q}: detail "${r.body.detail}" names ${name}`);
		}
	}
	for (const [q, name] of [['sort=best', 'sort'], ['limit=0', 'limit'], ['conversion=', 'conversion']]) {
		const r = await api(`/api/v1/elements?site=${key}&page=/home&${q}`);
		assert(r.status === 400 && r.body.detail.startsWith(`${name}:`), `elements ${q}`);
	}
	const r = await api(`/api/v1/heatmap?site=${key}&page=/home&vs.browser=chrome`);
	assert(r.status === 400 && r.body.detail.startsWith('vs.'), 'vs.* without diff');
	assertEq((await api(`/api/v1/elements?site=${key}`)).body.detail, 'page: required', 'elements needs a page');
	assertEq((await fetch(`${server.url}/healthz`)).status, 200, 'still up');
	assertEq((await pages()).body.pageviews, 10, 'nothing changed');
});

await run({ after: async () => { await server.stop(); await cleanup(dataDir); } });
