// SPDX-License-Identifier: MIT
// The whole dashboard as a new user meets it, in Chromium against a real
// server: refused without a session; sign in through the form; add a site;
// put its copied snippet on the demo pages and watch the events arrive;
// open a page from the pages table; switch every tab, a filter and every
// device; compare variant A with B; export a PNG and a CSV and read them;
// follow a share link signed out; sign out. A screenshot of each main view
// goes to tests/out/flow-*.png.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, run, assert, assertEq, startServer, addSite, tempDir, cleanup, cli, launchChromium, sleep, ROOT } from '../lib/harness.mjs';
import { decodePng, pngText } from '../lib/png.mjs';
import { parseCsv } from '../lib/csv.mjs';

const OUT = join(ROOT, 'tests', 'out');
mkdirSync(OUT, { recursive: true });
const dataDir = tempDir();
const demoKey = addSite(dataDir, 'placeholder demo');
const server = await startServer({ dataDir, extraArgs: ['--demo-site', demoKey] });
const USER = 'owner';
const PASSWORD = 'correct horse battery staple';
cli(['user', 'add', USER, '--data', dataDir], { input: `${PASSWORD}\n` });
const browser = await launchChromium();
const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'en-US', acceptDownloads: true });
await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
const page = await ctx.newPage();
const errors = [];
page.on('pageerror', (e) => errors.push(String(e)));
page.on('console', (m) => { if (m.type() === 'error' && !/status of 401/.test(m.text())) errors.push(m.text()); });
const shot = async (name, p = page) => { await sleep(250); await p.screenshot({ path: join(OUT, `flow-${name}.png`) }); };
const ready = (p = page) => p.locator('#view[data-state="ready"]').waitFor({ timeout: 15000 });
const overlay = (type, p = page) => p.locator(`img#heatmap-overlay[data-state="ready"][data-type="${type}"]`).waitFor({ state: 'visible', timeout: 20000 });
const api = async (path) => (await server.api(path)).json();
const num = async (sel) => Number((await page.locator(sel).first().innerText()).replace(/[^0-9]/g, ''));

let key = null;
let snippet = null;
const HOME = '/demo/index.html';

test('without a session: the API refuses and the dashboard asks to sign in', async () => {
	for (const path of ['/api/v1/sites', `/api/v1/pages?site=${demoKey}`, `/api/v1/heatmap?site=${demoKey}&page=/&device=desktop`]) {
		const r = await fetch(`${server.url}${path}`);
		assertEq(r.status, 401, path);
		assertEq((await r.json()).error, 'unauthorized', `${path}: a JSON error`);
	}
	const r = await fetch(`${server.url}/api/v1/sites`, { method: 'POST', body: JSON.stringify({ name: 'x' }) });
	assertEq(r.status, 401, 'no site made without a session');
	await page.goto(`${server.url}/#/sites`);
	await page.locator('#signin-form').waitFor({ timeout: 10000 });
	assertEq(await page.locator('#sites-table').count(), 0, 'no sites on show');
	await shot('signin');
});

test('sign in through the form', async () => {
	await page.fill('#signin-user', USER);
	await page.fill('#signin-password', PASSWORD);
	await page.click('#signin-submit');
	await page.locator('#sites-table').waitFor({ timeout: 10000 });
	assertEq(await page.locator('#user-name').innerText(), USER, 'signed in as');
	const cookie = (await ctx.cookies()).find((c) => c.name === 'calor_session');
	assert(cookie && cookie.httpOnly && cookie.sameSite === 'Strict', 'an HttpOnly, SameSite=Strict session cookie');
});

test('add a site and get its snippet', async () => {
	await page.click('#add-site');
	await ready();
	await page.fill('#site-name', 'Lumio');
	await page.fill('#site-origins', server.url);
	await page.click('#form-submit');
	await page.waitForFunction(() => /^#\/site\/[^/]+\/install$/.test(location.hash));
	key = decodeURIComponent(/#\/site\/([^/]+)\/install/.exec(page.url())[1]);
	await ready();
	await page.click('#copy-snippet');
	snippet = await page.evaluate(() => navigator.clipboard.readText());
	assertEq(snippet, `<script defer src="${server.url}/calor.js" data-site="${key}"></script>`, 'the snippet');
	assertEq(await page.getAttribute('#install-status', 'data-state'), 'waiting');
	await shot('install');
});

// What the server has stored: page views and clicks.
const stored = () => execFileSync('sqlite3', ['-readonly', join(dataDir, 'calor.db'),
	'SELECT (SELECT count(*) FROM pageviews) || \' \' || (SELECT count(*) FROM clicks)'], { encoding: 'utf8' })
	.trim().split(' ').map(Number);

// A visitor on the demo pages, which carry the new site's snippet; back
// once the server stored its page view and a click more (the last batch
// goes as a beacon on pagehide, which closing the browser at once can cut).
async function visitor(path, work) {
	const [pvs, clicks] = stored();
	const v = await browser.newContext({ viewport: { width: 1440, height: 900 } });
	await v.route((u) => u.pathname.startsWith('/demo/') && u.pathname.endsWith('.html'), async (route) => {
		const r = await route.fetch();
		const body = (await r.text()).replace(/<script defer src="\/calor\.js"[^>]*><\/script>/, snippet);
		await route.fulfill({ response: r, body });
	});
	const p = await v.newPage();
	await p.goto(`${server.url}${path}`);
	await p.waitForFunction(() => window.calor && window.calor.l === 1);
	await work(p);
	// leaving the page sends what is left (pagehide)
	await p.goto('about:blank');
	for (const deadline = Date.now() + 10000; ; await sleep(50)) {
		const [nowPvs, nowClicks] = stored();
		if (nowPvs > pvs && nowClicks > clicks) break;
		assert(Date.now() < deadline, `the visit to ${path} was not stored: ${nowPvs - pvs} page views, ${nowClicks - clicks} clicks`);
	}
	await p.close();
	await v.close();
}

test('events arrive from the demo site while the install page watches', async () => {
	for (const variant of ['A', 'B']) {
		await visitor(`${HOME}?variant=${variant}`, async (p) => {
			const b = await p.locator('#cta-hero').boundingBox();
			await p.mouse.click(b.x + b.width / 2, b.y + b.height / 2);
			await sleep(300);
		});
	}
	await page.locator('#install-status[data-state="received"]').waitFor({ timeout: 15000 });
	// the check runs every 3 s: it may first see one of the two
	await page.waitForFunction(() => document.getElementById('install-status').dataset.count === '2', null, { timeout: 10000 });
	assertEq(await page.textContent('#install-text'), 'Events are arriving. 2 page views today (UTC) on 1 page, 2 since you opened this page.');
	await shot('install-received');
	// more visitors, the seeded simulator's, over the last day
	const out = cli(['simulate', '--target', server.url, '--site', key, '--sessions', '400', '--seed', '11', '--days', '1', '--json']);
	const report = JSON.parse(out);
	assert(report.batches.sent > 0 && report.batches.acknowledged === report.batches.sent, `every batch acknowledged: ${JSON.stringify(report.batches)}`);
});

test('the pages table opens a page', async () => {
	await page.click('#install-open-pages');
	await page.locator('#pages-card[data-state="ready"]').waitFor({ timeout: 15000 });
	await page.locator(`#pages-body tr.page-row[data-path="${HOME}"]`).waitFor();
	const j = await api(`/api/v1/pages?site=${key}&limit=1&sort=pageviews`);
	assertEq(await num('#total-pageviews'), j.pageviews, 'page views of the site');
	await shot('pages');
	await page.locator(`#pages-body tr.page-row[data-path="${HOME}"] .page-link`).click();
	await overlay('click');
	await ready();
	await shot('page-click');
});

test('every tab of the page view', async () => {
	const types = { move: 'move', scroll: 'scroll', attention: 'attention', confetti: 'confetti' };
	for (const [tab, type] of Object.entries(types)) {
		await page.click(`#tab-${tab}`);
		await overlay(type);
		assertEq(await page.getAttribute(`#tab-${tab}`, 'aria-selected'), 'true', `${tab} selected`);
		await shot(`page-${tab}`);
	}
	await page.click('#tab-elements');
	await page.locator('#type-panel[data-state="ready"] #elements-body tr.element-row').first().waitFor({ timeout: 15000 });
	const top = await page.locator('#elements-body tr.element-row').first().getAttribute('data-selector');
	const el = await api(`/api/v1/elements?site=${key}&page=${encodeURIComponent(HOME)}&device=desktop&limit=1`);
	assertEq(top, el.elements[0].selector, 'the top element is the API\'s');
	await shot('page-elements');
	await page.click('#tab-frustration');
	await page.locator('#frustration-report[data-state="ready"]').waitFor({ timeout: 15000 });
	await shot('page-frustration');
	await page.click('#tab-click');
	await overlay('click');
});

test('a filter and every device', async () => {
	await page.click('#filter-add');
	await page.selectOption('#filter-kind', 'visitor');
	await page.selectOption('#filter-value', 'new');
	await page.click('#filter-apply');
	await page.waitForFunction(() => location.hash.includes('visitor=new'));
	await overlay('click');
	const j = await api(`/api/v1/heatmap?site=${key}&page=${encodeURIComponent(HOME)}&device=desktop&visitor=new&cell=1000`);
	await page.waitForFunction((n) => document.getElementById('stat-sessions').textContent.replace(/[^0-9]/g, '') === String(n), j.sessions, { timeout: 10000 });
	await shot('page-filter');
	await page.click('#filter-chip-visitor .chip-x');
	await page.waitForFunction(() => !location.hash.includes('visitor='));
	for (const d of ['tablet', 'mobile', 'desktop']) {
		await page.click(`#device-${d}`);
		await page.waitForFunction((x) => location.hash.includes(`device=${x}`) || (x === 'desktop' && !location.hash.includes('device=')), d);
		await overlay('click');
		const w = await page.getAttribute('#stage', 'data-width');
		assertEq(w, { desktop: '1440', tablet: '820', mobile: '390' }[d], `${d}: the frame is that wide`);
		if (d !== 'desktop') await shot(`page-${d}`);
	}
});

test('compare variant A with B', async () => {
	await page.click('#tab-compare');
	await page.selectOption('#vs-preset', 'variant');
	await page.waitForFunction(() => location.hash.includes('vs.tag.variant=B'));
	await overlay('diff');
	const j = await api(`/api/v1/heatmap?site=${key}&page=${encodeURIComponent(HOME)}&device=desktop&type=diff&tag.variant=A&vs.tag.variant=B&cell=1000`);
	assertEq([await num('#diff-a-sessions'), await num('#diff-b-sessions')], [j.a.sessions, j.b.sessions], 'both sides\' sessions');
	assert(j.a.sessions > 0 && j.b.sessions > 0, 'both variants have sessions');
	await shot('compare-diff');
	await page.click('#cmp-side');
	await page.locator('#side-b-stage-overlay[data-state="ready"]').waitFor({ state: 'visible', timeout: 20000 });
	await shot('compare-side');
});

// A download started by clicking sel: its suggested name and bytes.
async function download(sel) {
	const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 60000 }), page.click(sel)]);
	return { name: dl.suggestedFilename(), bytes: readFileSync(await dl.path()) };
}

test('export a PNG and a CSV, and read them', async () => {
	await page.click('#tab-click');
	await page.click('#filter-chip-tag-variant .chip-x');
	await page.waitForFunction(() => !location.hash.includes('tag.variant'));
	await overlay('click');
	const stageH = Number(await page.locator('#stage').getAttribute('data-height'));
	const png = await download('#export-png');
	assertEq(png.name, 'calor-Lumio-demo-index.html-click-desktop.png', 'PNG file name');
	const img = decodePng(png.bytes);
	assertEq(img.width, 1440, 'the PNG is the desktop width');
	assert(img.height > stageH, `the page and a caption (${img.height} > ${stageH})`);
	const t = pngText(png.bytes);
	assertEq(t.Title, `Lumio · ${HOME}`, 'its title');
	const j = await api(`/api/v1/heatmap?site=${key}&page=${encodeURIComponent(HOME)}&device=desktop&cell=1000`);
	assert(t.Description.includes(`${j.pageviews} page views · ${j.sessions} sessions`), `the caption has the sample size: ${t.Description}`);
	assertEq(JSON.parse(t['calor:layout'])[0].page, true, 'the page is drawn beneath');

	await page.click('#tab-elements');
	await page.locator('#type-panel[data-state="ready"] #elements-body tr.element-row').first().waitFor({ timeout: 15000 });
	const csv = await download('#export-elements-csv');
	assertEq(csv.name, 'calor-Lumio-demo-index.html-elements-desktop.csv', 'CSV file name');
	const rows = parseCsv(csv.bytes.toString('utf8'));
	const el = await api(`/api/v1/elements?site=${key}&page=${encodeURIComponent(HOME)}&device=desktop&limit=1000`);
	assertEq(rows.length - 1, el.elements.length, 'a row per element');
	assertEq(rows.slice(1, 4).map((r) => [r[0], Number(r[1])]), el.elements.slice(0, 3).map((e) => [e.selector, e.clicks]), 'the top elements with their clicks');
	await page.click('#tab-click');
	await overlay('click');
});

let shareUrl = null;
test('a share link opens signed out, read-only', async () => {
	await page.click('#tab-click');
	await overlay('click');
	await page.click('#share');
	await page.locator('#share-dialog[open]').waitFor({ timeout: 5000 });
	await page.click('#share-create');
	await page.locator('#share-url').waitFor({ state: 'visible', timeout: 5000 });
	shareUrl = await page.locator('#share-url').inputValue();
	await page.keyboard.press('Escape');
	const anon = await browser.newContext({ viewport: { width: 1280, height: 860 } });
	const p = await anon.newPage();
	await p.goto(shareUrl);
	await overlay('click', p);
	assertEq(await p.locator('#signin-form').count(), 0, 'no sign-in for a share link');
	assertEq(await p.locator('#share').count(), 0, 'no Share button in a shared view');
	assertEq(await p.evaluate(async () => (await fetch('/api/v1/sites')).status), 401, 'the link reads no more than its page');
	await shot('shared', p);
	await anon.close();
});

test('sign out: the dashboard asks again and the cookie no longer works', async () => {
	const cookie = (await ctx.cookies()).find((c) => c.name === 'calor_session');
	await page.click('#sign-out');
	await page.locator('#signin-form').waitFor({ timeout: 10000 });
	const r = await fetch(`${server.url}/api/v1/sites`, { headers: { Cookie: `calor_session=${cookie.value}` } });
	assertEq(r.status, 401, 'the old session is gone');
	assertEq(errors, [], 'no script errors in the dashboard');
});

await run({ after: async () => { await browser.close(); await server.stop(); cleanup(dataDir); } });
