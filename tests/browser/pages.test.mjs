// SPDX-License-Identifier: MIT
// The dashboard's Pages view in Chromium, on sessions sent through
// /collect whose counts are known: the table shows the API's numbers,
// sorting, "Where to look first" with its reasons, search, device and
// segment filters live in the hash; a hostile path shows as text and
// nothing runs; a row opens the page view. Saves tests/out/pages-*.png.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test, run, assert, assertEq, startServer, addSite, tempDir, cleanup, launchChromium, sleep, ROOT } from '../lib/harness.mjs';

const OUT = join(ROOT, 'tests', 'out');
mkdirSync(OUT, { recursive: true });
const dataDir = tempDir();
const key = addSite(dataDir, 'pages demo');
const server = await startServer({ dataDir });
const browser = await launchChromium();
const HOSTILE = '/<img src=x onerror=alert(1)>';

let n = 0;
async function pageview({ sid, url, vw = 1440, clicks = [], goal, depth, dh = 3000 }) {
	const now = Date.now();
	const start = now - 60000;
	const id = `pv_bpages_${String(++n).padStart(5, '0')}`;
	const ev = clicks.map(([sel, x, y, dt, f = {}]) => ({ t: 'click', ts: start + dt, x, y, vw, vh: 800, dw: vw, dh,
		sel, ex: 100, ey: 100, ew: 50, eh: 20, pt: 'mouse', ia: f.ia ? 1 : 0, dead: f.dead ? 1 : 0, err: f.err ? 1 : 0 }));
	if (goal) ev.push({ t: 'goal', ts: start + 5000, name: goal });
	if (depth !== undefined) ev.push({ t: 'scroll', ts: start + 6000, y: depth, dh, fold: 800, rev: 0 });
	const body = { v: 1, site: key, now, pv: { id, seq: 0, sid, url, ref: '', ts: start, vw, vh: 800, new: true }, ev };
	const r = await fetch(`${server.url}/collect`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify(body) });
	if (r.status !== 204) throw new Error(`collect: ${r.status} ${await r.text()}`);
}
const ia = { ia: 1 };
const click = (sel, dt, f = ia) => [sel, 300 + dt / 10, 400, dt, f];
// the same sessions as tests/integration/pages.test.mjs, plus a hostile path
await pageview({ sid: 'sess_bp_s1', url: '/home', clicks: [click('#a', 1000), click('#b', 5000)], depth: 1500 });
await pageview({ sid: 'sess_bp_s1', url: '/thanks', goal: 'signup' });
await pageview({ sid: 'sess_bp_s2', url: '/home', clicks: [click('#a', 1000)], depth: 3000 });
await pageview({ sid: 'sess_bp_s2', url: '/thanks', goal: 'signup' });
await pageview({ sid: 'sess_bp_s3', url: '/home' });
await pageview({ sid: 'sess_bp_s3', url: '/pricing', depth: 1200, dh: 4000 });
await pageview({ sid: 'sess_bp_s4', url: '/home', vw: 390, clicks: [click('#a', 1000)], depth: 750 });
await pageview({ sid: 'sess_bp_s5', url: '/pricing', clicks: [0, 1, 2, 3].map((i) => ['#buy', 500 + i, 600, 1000 + 200 * i, ia]) });
await pageview({ sid: 'sess_bp_s5', url: '/pricing', clicks: [click('#buy', 1000)] });
await pageview({ sid: 'sess_bp_s6', url: '/pricing', clicks: [['#img', 100, 900, 1000, { dead: 1 }], ['#coupon', 400, 1500, 5000, { ia: 1, err: 1 }]] });
await pageview({ sid: 'sess_bp_s7', url: '/blog', goal: 'newsletter' });
await pageview({ sid: 'sess_bp_s8', url: '/blog', clicks: [click('#more', 1000)] });
await pageview({ sid: 'sess_bp_s9', url: HOSTILE, clicks: [click('#x', 1000, { dead: 1 })] });

// what the API stored for the hostile path (the normaliser may encode it)
const stored = (await (await server.api(`/api/v1/pages?site=${key}&q=img`)).json()).pages.map((p) => p.path);
assertEq(stored.length, 1, 'the hostile page is stored');
const hostile = stored[0];

const ctx = await browser.newContext({ viewport: { width: 1440, height: 1000 }, locale: 'en-US' });
await server.signIn(ctx);
const page = await ctx.newPage();
const errors = [];
const dialogs = [];
page.on('pageerror', (e) => errors.push(String(e)));
page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss(); });
const shot = async (name) => { await sleep(200); await page.screenshot({ path: join(OUT, `pages-${name}.png`), fullPage: true }); };

const rows = () => page.$$eval('#pages-body tr.page-row', (trs) => trs.map((tr) => tr.dataset.path));
const rowCells = (path) => page.$$eval('#pages-body tr.page-row', (trs, p) => {
	const tr = trs.find((x) => x.dataset.path === p);
	return tr ? [...tr.cells].slice(1, 10).map((td) => td.textContent.trim()) : null;
}, path);
async function ready() {
	await page.locator('#view[data-state="ready"]').waitFor({ timeout: 10000 });
	await page.locator('#pages-card[data-state="ready"]').waitFor({ timeout: 10000 });
}
async function waitRows(want) {
	try {
		await page.waitForFunction((w) => JSON.stringify([...document.querySelectorAll('#pages-body tr.page-row')].map((tr) => tr.dataset.path)) === JSON.stringify(w), want, { timeout: 10000 });
	} catch (e) {
		throw new Error(`rows: expected ${JSON.stringify(want)}, got ${JSON.stringify(await rows())}`);
	}
}

test('the table shows every column with the API\'s numbers, most viewed first', async () => {
	await page.goto(`${server.url}/#/site/${key}`);
	await ready();
	await waitRows(['/home', '/pricing', '/blog', '/thanks', hostile]);
	assertEq(await page.textContent('#total-pageviews'), '13');
	assertEq(await page.textContent('#total-sessions'), '9');
	assertEq(await page.textContent('#total-clicks'), '13');
	// 2 of 9 sessions signed up
	assertEq(await page.textContent('#total-conversion'), '22.2%');
	// views, sessions, clicks, rage, dead, error, scroll, conversion, priority
	assertEq(await rowCells('/home'), ['4', '4', '4', '0', '0', '0', '58%', '50%', '0']);
	// /pricing: 3 × (4/3 + 2/9) = 4.667
	assertEq(await rowCells('/pricing'), ['4', '3', '7', '2', '1', '1', '30%', '0%', '4.7']);
	assertEq(await rowCells('/thanks'), ['2', '2', '0', '0', '0', '0', '–', '100%', '0']);
	assert(await page.isVisible('#sample-warning'), 'the sample-size warning shows');
	assert((await page.textContent('#sample-warning')).includes('9 sessions'), 'warning names the sessions');
	assertEq(await page.textContent('#pages-count'), '5 pages');
});

test('sorting by a column is in the hash and reorders the rows', async () => {
	await page.click('#pages-table th [data-sort="clicks"]');
	await page.waitForFunction(() => location.hash.includes('sort=clicks'));
	await waitRows(['/pricing', '/home', '/blog', hostile, '/thanks']);
	assertEq(await page.getAttribute('#pages-table th:has([data-sort="clicks"])', 'aria-sort'), 'descending');
	await page.click('#pages-table th [data-sort="clicks"]');
	await page.waitForFunction(() => location.hash.includes('order=asc'));
	await waitRows(['/thanks', '/blog', hostile, '/home', '/pricing']);
	assertEq(await page.evaluate(() => document.activeElement.dataset.sort), 'clicks', 'focus stays on the header');
});

test('"Where to look first" ranks by priority and says why', async () => {
	await page.click('#pages-look-first');
	await page.waitForFunction(() => location.hash.includes('sort=priority'));
	// /pricing 4.67; the hostile page: 1 session, 1 dead click, 0 % vs 22 %: 1.22; /blog: 2 × 2/9 = 0.44
	await waitRows(['/pricing', hostile, '/blog', '/home', '/thanks']);
	const reasons = await page.$$eval('#pages-body .page-reason', (els) => els.map((e) => e.textContent));
	assertEq(reasons[0], '3 sessions, conversion 0% vs 22.2% site-wide, 2 rage clicks, 1 dead click, 1 error click');
	assertEq(reasons[1], '1 session, conversion 0% vs 22.2% site-wide, 1 dead click');
	assertEq(reasons[3], '4 sessions, converts at least as well as the site, no frustrated clicks');
	assertEq(await page.textContent('#pages-look-first'), 'Most viewed first');
	await shot('table');
	// a tablet in landscape: the table still fits without scrolling sideways
	await page.setViewportSize({ width: 1024, height: 768 });
	await shot('tablet');
	assert(await page.$eval('.table-scroll', (el) => el.scrollWidth <= el.clientWidth + 1), 'no sideways scroll at 1024 px');
	const pathWidth = await page.$eval('#pages-table th.col-path', (el) => el.getBoundingClientRect().width);
	assert(pathWidth >= 200, `the page column keeps room for the path at 1024 px (${pathWidth} px)`);
	await page.setViewportSize({ width: 1440, height: 1000 });
});

test('a hostile path shows as text and nothing runs', async () => {
	const text = await page.$$eval('#pages-body tr.page-row', (trs, p) => trs.find((x) => x.dataset.path === p).querySelector('.page-link').textContent, hostile);
	assertEq(text, hostile);
	assert(hostile.includes('<img') || hostile.includes('%3C'), `stored as ${hostile}`);
	assertEq(await page.$$eval('#view img', (els) => els.length), 0, 'no img element was made');
	assertEq(dialogs, [], 'no dialog opened');
	assertEq(errors, [], 'no script error, no CSP violation');
});

test('search narrows the rows on the server, in the hash', async () => {
	await page.fill('#pages-filter', 'PRIC');
	await page.waitForFunction(() => location.hash.includes('q=PRIC'));
	await waitRows(['/pricing']);
	assertEq(await page.textContent('#pages-count'), '1 page');
	await page.fill('#pages-filter', 'nothing-here');
	await page.locator('#pages-none').waitFor();
	await page.fill('#pages-filter', '');
	await page.waitForFunction(() => !location.hash.includes('q='));
	await waitRows(['/pricing', hostile, '/blog', '/home', '/thanks']);
});

test('device and segment filters reload the table; a reload restores the view', async () => {
	await page.click('#pages-device-mobile');
	await page.waitForFunction(() => location.hash.includes('device=mobile'));
	await waitRows(['/home']);
	assertEq(await page.textContent('#total-pageviews'), '1');
	await page.click('#pages-device-all');
	await waitRows(['/pricing', hostile, '/blog', '/home', '/thanks']);
	await page.click('#filter-add');
	await page.selectOption('#filter-kind', 'goal');
	await page.fill('#filter-value', 'signup');
	await page.click('#filter-apply');
	await page.waitForFunction(() => location.hash.includes('goal=signup'));
	await waitRows(['/home', '/thanks']);
	assertEq(await page.textContent('#total-sessions'), '2');
	await page.reload();
	await ready();
	await waitRows(['/home', '/thanks']);
	assert(await page.isVisible('#filter-chip-goal'), 'the segment chip is back');
	await shot('segment');
	await page.click('#filter-chip-goal .chip-x');
	await waitRows(['/pricing', hostile, '/blog', '/home', '/thanks']);
});

test('the conversion goal is chosen from the goals sessions reached', async () => {
	assertEq(await page.$$eval('#pages-goal option', (os) => os.map((o) => [o.value, o.textContent])),
		[['signup', 'signup (2 sessions)'], ['newsletter', 'newsletter (1 session)']]);
	await page.selectOption('#pages-goal', 'newsletter');
	await page.waitForFunction(() => location.hash.includes('conv=newsletter'));
	await page.waitForFunction(() => document.getElementById('total-conversion').textContent === '11.1%');
	assertEq((await rowCells('/blog'))[7], '50%');
	await page.selectOption('#pages-goal', 'signup');
	await page.waitForFunction(() => document.getElementById('total-conversion').textContent === '22.2%');
});

test('a row opens the page view of that page', async () => {
	await page.click('#pages-body tr[data-path="/pricing"] td.num >> nth=0');
	await page.waitForFunction(() => location.hash.startsWith('#/site/') && location.hash.includes('/page/'));
	assertEq(await page.evaluate(() => decodeURIComponent(location.hash.split('/page/')[1].split('?')[0])), '/pricing');
	await page.goBack();
	await ready();
	await waitRows(['/pricing', hostile, '/blog', '/home', '/thanks']);
	// the page view previews the page itself, which this test site does not serve
	assertEq(errors.filter((e) => !e.startsWith('Failed to load resource')), [], 'no script error');
});

await run({ after: async () => { await browser.close(); await server.stop(); cleanup(dataDir); } });
