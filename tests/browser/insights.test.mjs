// SPDX-License-Identifier: MIT
// The dashboard's insights end to end in Debian's Chromium, on a real server
// fed through real POST /collect batches with known content: the segment
// bar (hash, request parameters, numbers), the Elements table (selectors,
// counts, share with its interval, highlight in the preview, order), the
// frustration report (the planted rage, dead and error elements, quick
// backs, definitions), the sample-size warning (below and above 1,000
// sessions), compare (both sides' sample sizes, side by side, presets) and
// stored markup shown as text. Screenshots go to tests/out/insights-*.png.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test, run, assert, assertEq, startServer, addSite, tempDir, cleanup, freePort, launchChromium, cli, sleep, ROOT } from '../lib/harness.mjs';

const OUT = join(ROOT, 'tests', 'out');
mkdirSync(OUT, { recursive: true });
const port = await freePort();
const origin = `http://127.0.0.1:${port}`;
const dataDir = tempDir();
const key = addSite(dataDir, 'demo', [origin]);
cli(['site', 'set', key, 'backdate_days=30', '--data', dataDir]);
const server = await startServer({ dataDir, port, extraArgs: ['--demo-site', key] });
const browser = await launchChromium();
const PRICING = '/demo/pricing.html';
const PRODUCT = '/demo/product.html';
const XSS_SEL = '<img src=x onerror=alert(1)>';
const XSS_TAG = '<img src=y onerror=alert(2)>';

const UA = {
	firefox: 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
	chrome: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
	safari: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
	iphone: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
};

const api = async (path, params) => {
	const r = await server.api(`${path}?${new URLSearchParams({ site: key, ...params })}`);
	const j = await r.json();
	if (!r.ok) throw new Error(`${path} ${JSON.stringify(params)}: HTTP ${r.status} ${JSON.stringify(j)}`);
	return j;
};

// ------------------------------------------------------------ known data

async function send(body, ua) {
	const r = await fetch(`${server.url}/collect`, { method: 'POST', headers: { 'Content-Type': 'text/plain', 'User-Agent': ua }, body: JSON.stringify(body) });
	if (r.status !== 204) throw new Error(`collect: HTTP ${r.status} ${await r.text()}`);
}
const DAY = 86400000;
const NOW = Date.now();
const id4 = (i) => String(i).padStart(4, '0');
const click = (ts, sel, x, y, extra = {}) => ({ t: 'click', ts, x, y, vw: 1440, vh: 900, dw: 1440, dh: 3000, sel, ex: 30000, ey: 30000, ew: 200, eh: 40, pt: 'mouse', ia: 1, ...extra });

// 60 desktop sessions on the pricing page, one page view each, over 20
// days: every third Firefox/Linux, Chrome/Windows, Safari/macOS; tag
// variant A (even) or B (odd). Everyone clicks #plan-pro once; B clicks
// #plan-enterprise twice; sessions 0-4 rage on #plan-starter (5 quick
// clicks: 3 rage each), 10-13 hit the throwing #apply-coupon, 20-25 click
// a dead picture, 30-32 click an element whose stored selector is markup.
// Sessions 0, 3, 6, ... reach the goal "signup"; 0-2 scroll up and down
// 30 times (excessive scrolling).
const PLAN = { desktop: 60, firefox: 20, variantA: 30, variantB: 30, clicksA: 52, clicksB: 106, clicks: 158 };
async function seed() {
	for (let i = 0; i < 60; i++) {
		const t0 = NOW - (i % 20) * DAY - 3600000;
		const pv = { id: `pv_ins_${id4(i)}`, seq: 0, sid: `sess_ins_${id4(i)}`, url: PRICING, ts: t0, vw: 1440, vh: 900, new: i % 2 === 0,
			ref: i % 4 === 0 ? 'www.google.com' : '', tags: { variant: i % 2 ? 'B' : 'A' } };
		if (i === 0) pv.tags.note = XSS_TAG;
		if (i % 4 === 1) pv.utm = { source: 'newsletter', medium: 'email', campaign: 'spring' };
		const ev = [];
		let t = t0 + 1000;
		ev.push(click(t += 2000, '#plan-pro', 720, 900));
		if (i % 2) { ev.push(click(t += 2000, '#plan-enterprise', 1100, 900)); ev.push(click(t += 2000, '#plan-enterprise', 1100, 900)); }
		if (i < 5) for (let k = 0; k < 5; k++) ev.push(click(t += 150, '#plan-starter', 340, 900));
		if (i >= 10 && i < 14) ev.push(click(t += 3000, '#apply-coupon', 800, 1500, { err: 1 }));
		if (i >= 20 && i < 26) ev.push(click(t += 3000, 'div.plan-art > img', 500, 600, { ia: 0, dead: 1 }));
		if (i >= 30 && i < 33) ev.push(click(t += 3000, XSS_SEL, 200, 200, { ia: 0 }));
		ev.push({ t: 'scroll', ts: t += 1000, y: 900 + (i % 10) * 200, dh: 3000, fold: 900, rev: i < 3 ? 30 : 1 });
		if (i % 3 === 0) ev.push({ t: 'goal', ts: t += 500, name: 'signup' });
		await send({ v: 1, site: key, now: NOW, pv, ev }, [UA.firefox, UA.chrome, UA.safari][i % 3]);
	}
	// 3 quick backs: home, pricing, and home again 3 s later
	for (let i = 0; i < 3; i++) {
		const t0 = NOW - 2 * DAY - i * 60000;
		const mk = (n, url, ts) => ({ v: 1, site: key, now: NOW, pv: { id: `pv_qb_${i}_${n}_xxxx`, seq: 0, sid: `sess_qb_${id4(i)}`, url, ts, vw: 1440, vh: 900 }, ev: [] });
		await send(mk(0, '/demo/', t0), UA.chrome);
		await send(mk(1, PRICING, t0 + 10000), UA.chrome);
		await send(mk(2, '/demo/', t0 + 13000), UA.chrome);
	}
	// 8 phones
	for (let i = 0; i < 8; i++) {
		const t0 = NOW - i * DAY - 7200000;
		await send({ v: 1, site: key, now: NOW, pv: { id: `pv_mob_${id4(i)}`, seq: 0, sid: `sess_mob_${id4(i)}`, url: PRICING, ts: t0, vw: 390, vh: 844, tags: { variant: i % 2 ? 'B' : 'A' } },
			ev: [{ t: 'click', ts: t0 + 2000, x: 195, y: 1200, vw: 390, vh: 844, dw: 390, dh: 5000, sel: '#plan-pro', ex: 1, ey: 1, ew: 300, eh: 40, pt: 'touch', ia: 1 }] }, UA.iphone);
	}
	// 1,000 desktop sessions on the product page: enough to be reliable
	const big = Array.from({ length: 1000 }, (_, i) => i);
	const worker = async () => {
		for (let i = big.shift(); i !== undefined; i = big.shift()) {
			const t0 = NOW - (i % 10) * DAY - 3600000;
			await send({ v: 1, site: key, now: NOW, pv: { id: `pv_big_${id4(i)}`, seq: 0, sid: `sess_big_${id4(i)}`, url: PRODUCT, ts: t0, vw: 1440, vh: 900 },
				ev: [click(t0 + 1000, '#hero-image', 700, 500, { ia: 0 })] }, UA.chrome);
		}
	};
	await Promise.all(Array.from({ length: 16 }, worker));
}

test('known sessions go in through POST /collect and the API sees them', async () => {
	const t0 = Date.now();
	await seed();
	console.error(`# seeding took ${Date.now() - t0} ms`);
	const e = await api('/api/v1/elements', { page: PRICING, device: 'desktop' });
	assertEq([e.pageviews, e.clicks], [PLAN.desktop + 3, PLAN.clicks], 'desktop page views (60 + 3 quick backs) and clicks');
	assertEq(e.elements.find(x => x.selector === '#plan-pro').clicks, 60, '#plan-pro clicks');
	const big = await api('/api/v1/elements', { page: PRODUCT, device: 'desktop' });
	assertEq(big.sessions, 1000, 'product page sessions');
	assertEq(big.warning, undefined, 'no warning at 1,000 sessions');
});

// ------------------------------------------------------------ the dashboard

let ctx, page;
const consoleErrors = [];
const dialogs = [];
const requests = [];
const hashOf = (path, query) => `#/site/${encodeURIComponent(key)}/page/${encodeURIComponent(path)}?${new URLSearchParams(query)}`;
const query = async () => new URLSearchParams((await page.evaluate(() => location.hash)).split('?')[1] || '');
const text = async sel => (await page.locator(sel).first().innerText()).trim();
const num = async sel => Number((await text(sel)).replace(/[^\d.]/g, ''));
const shot = async name => { await sleep(250); await page.screenshot({ path: join(OUT, `insights-${name}.png`), fullPage: true }); };
// API requests made since mark, as URLSearchParams, by path
const since = mark => requests.slice(mark).map(u => new URL(u)).filter(u => u.pathname.startsWith('/api/v1/'));
const pct = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const rateText = r => `${pct.format(r.rate * 100)}% (${pct.format(r.low * 100)}–${pct.format(r.high * 100)})`;

async function open(path, q) {
	await page.evaluate(h => { location.hash = h; }, hashOf(path, q));
}
async function ready(type) {
	await page.locator(`img#heatmap-overlay[data-state="ready"][data-type="${type}"]`).waitFor({ state: 'visible', timeout: 15000 });
	await page.locator('#view[data-state="ready"]').waitFor({ timeout: 10000 });
}

test('segment bar: a filter goes into the hash, every request and the numbers; chips remove it', async () => {
	ctx = await browser.newContext({ viewport: { width: 1440, height: 1000 }, locale: 'en-US' });
	await server.signIn(ctx);
	page = await ctx.newPage();
	page.on('pageerror', e => consoleErrors.push(String(e)));
	page.on('console', m => { if (m.type() === 'error') consoleErrors.push(m.text()); });
	page.on('dialog', d => { dialogs.push(d.message()); d.dismiss(); });
	page.on('request', r => requests.push(r.url()));
	await page.goto(`${server.url}/${hashOf(PRICING, { device: 'desktop', type: 'click' })}`);
	await ready('click');
	assertEq(await num('#stat-sessions'), PLAN.desktop + 3, 'sessions before');
	assertEq(await text('#filter-none'), 'All visitors', 'no filter yet');

	const mark = requests.length;
	await page.click('#filter-add');
	await page.selectOption('#filter-kind', 'browser');
	await page.selectOption('#filter-value', 'firefox');
	await page.click('#filter-apply');
	await page.waitForFunction(() => location.hash.includes('browser=firefox'));
	await ready('click');
	await page.waitForFunction(n => document.getElementById('stat-sessions').textContent === String(n), PLAN.firefox);
	const ff = await api('/api/v1/heatmap', { page: PRICING, browser: 'firefox', cell: '1000' });
	assertEq(ff.sessions, PLAN.firefox, 'API: Firefox sessions');
	assertEq(await num('#stat-clicks'), ff.clicks, 'clicks of the segment shown');
	assertEq(await text('#filter-chip-browser .chip-text'), 'Browser: Firefox', 'chip');
	const reqs = since(mark);
	const heat = reqs.filter(u => u.pathname === '/api/v1/heatmap');
	assert(heat.some(u => u.searchParams.get('format') === 'png'), 'a PNG was asked for');
	assert(heat.length >= 4 && heat.every(u => u.searchParams.get('browser') === 'firefox'),
		`every heatmap request carries browser=firefox: ${heat.map(u => u.search).join(' ')}`);

	// the scroll tab asks with the filter too
	const mark2 = requests.length;
	await page.click('#tab-scroll');
	await ready('scroll');
	const sc = since(mark2).filter(u => u.pathname === '/api/v1/scroll');
	assert(sc.length >= 1 && sc.every(u => u.searchParams.get('browser') === 'firefox'), 'scroll request carries the filter');

	// a tag from the values the data has
	await page.click('#filter-add');
	await page.selectOption('#filter-kind', 'tag');
	await page.locator('#filter-tag-values[data-key="variant"]').waitFor({ state: 'attached', timeout: 10000 });
	const values = await page.locator('#filter-tag-values option').evaluateAll(os => os.map(o => o.value));
	assertEq(values, ['A', 'B'], 'tag values discovered');
	await page.fill('#filter-value', 'B');
	await page.click('#filter-apply');
	await page.waitForFunction(() => location.hash.includes('tag.variant=B'));
	await ready('scroll');
	const both = await api('/api/v1/scroll', { page: PRICING, browser: 'firefox', 'tag.variant': 'B' });
	await page.waitForFunction(n => document.getElementById('stat-sessions').textContent === String(n), both.sessions);
	assertEq(await page.locator('#filter-chips .chip-filter').count(), 2, 'two chips');
	await shot('segment');

	// the view is a link: a reload keeps the segment
	await page.reload();
	await ready('scroll');
	assertEq(await page.locator('#filter-chips .chip-filter').count(), 2, 'chips after reload');
	// remove one chip, then the other
	await page.click('#filter-chip-browser .chip-x');
	await page.waitForFunction(() => !location.hash.includes('browser='));
	await page.click('#filter-chip-tag-variant .chip-x');
	await page.waitForFunction(() => !location.hash.includes('tag.variant'));
	await page.waitForFunction(n => document.getElementById('stat-sessions').textContent === String(n), PLAN.desktop + 3);
	assertEq(await text('#filter-none'), 'All visitors', 'no filter again');
});

test('Elements: the clicked selectors with their counts, share text with interval, badge, highlight and order', async () => {
	const mark = requests.length;
	await page.click('#tab-elements');
	await ready('elements');
	await page.locator('#elements-table').waitFor();
	const j = await api('/api/v1/elements', { page: PRICING, device: 'desktop', limit: '200' });
	const rows = await page.locator('#elements-body tr.element-row').evaluateAll(trs => trs.map(tr => ({
		sel: tr.querySelector('.selector').textContent,
		clicks: Number(tr.querySelector('.cell-clicks').textContent.replace(/\D/g, '')),
		share: tr.querySelector('.share-text').textContent,
		sessions: Number(tr.querySelector('.cell-sessions').textContent.replace(/\D/g, '')),
		rage: Number((tr.querySelector('.sig-rage') || { dataset: { count: 0 } }).dataset.count),
		badge: (tr.querySelector('.badge-warn') || { textContent: '' }).textContent,
	})));
	assertEq(rows.map(r => r.sel).sort(), ['#apply-coupon', '#plan-enterprise', '#plan-pro', '#plan-starter', XSS_SEL, 'div.plan-art > img'].sort(), 'selectors');
	const want = { '#plan-pro': [60, 60], '#plan-enterprise': [60, 30], '#plan-starter': [25, 5], '#apply-coupon': [4, 4], 'div.plan-art > img': [6, 6], [XSS_SEL]: [3, 3] };
	for (const r of rows) {
		assertEq([r.clicks, r.sessions], want[r.sel], `clicks and sessions of ${r.sel}`);
		const e = j.elements.find(x => x.selector === r.sel);
		assertEq(r.share, rateText(e.share), `share text of ${r.sel}`);
	}
	assertEq(rows.find(r => r.sel === '#plan-starter').share, '15.8% (11.0–22.3)', 'share of the starter button (25 of 158)');
	assertEq(rows.find(r => r.sel === '#plan-starter').rage, 15, 'rage clicks of the starter button');
	assertEq(rows.find(r => r.sel === 'div.plan-art > img').badge, 'not clickable', 'non-interactive badge');
	assertEq(rows.find(r => r.sel === '#plan-pro').badge, '', 'no badge on a button');
	assertEq(await num('#elements-total-clicks'), PLAN.clicks, 'total clicks');
	assertEq(await text('#conv-rate'), rateText(j.conversion.rate), 'page conversion with its interval');
	assertEq(await page.locator('#elements-sample .sample-warning').count(), 1, 'sample warning in the panel');
	assert(since(mark).some(u => u.pathname === '/api/v1/elements' && u.searchParams.get('device') === 'desktop'), 'elements asked for desktop');

	// hovering a row outlines the element in the preview
	await page.frameLocator('iframe#preview').locator('#plan-pro').waitFor();
	await page.locator('#elements-body tr[data-selector="#plan-pro"]').hover();
	const hl = page.locator('#stage-highlight');
	await hl.waitFor({ state: 'visible' });
	assertEq(await hl.getAttribute('data-selector'), '#plan-pro', 'highlighted selector');
	const hb = await hl.boundingBox();
	const eb = await page.frameLocator('iframe#preview').locator('#plan-pro').boundingBox();
	const cx = eb.x + eb.width / 2, cy = eb.y + eb.height / 2;
	assert(cx > hb.x && cx < hb.x + hb.width && cy > hb.y && cy < hb.y + hb.height && hb.width < eb.width + 20,
		`highlight ${JSON.stringify(hb)} around the button ${JSON.stringify(eb)}`);
	await shot('elements');
	// a selector the page does not have, and one that is not a selector at all
	await page.locator('#elements-body tr[data-selector="div.plan-art > img"]').hover();
	await hl.waitFor({ state: 'hidden' });
	assertEq(await page.locator('#elements-body tr[data-selector="div.plan-art > img"]').getAttribute('data-found'), 'false', 'missing element marked');

	// order by rage: the server sorts, the starter button comes first
	const mark2 = requests.length;
	await page.click('#esort-rage');
	await page.waitForFunction(() => location.hash.includes('esort=rage'));
	await page.locator('#type-panel[data-state="ready"] #elements-body tr.element-row').first().waitFor();
	await page.waitForFunction(() => document.querySelector('#elements-body tr.element-row .selector').textContent === '#plan-starter');
	assert(since(mark2).some(u => u.pathname === '/api/v1/elements' && u.searchParams.get('sort') === 'rage'), 'sort=rage asked for');
	await page.click('#esort-clicks');
	await page.waitForFunction(() => !location.hash.includes('esort='));
});

test('stored markup in a selector and a tag value is shown as text, never run', async () => {
	const cell = page.locator(`#type-panel[data-state="ready"] #elements-body tr.element-row .selector`, { hasText: XSS_SEL });
	await cell.waitFor({ timeout: 10000 });
	assertEq(await cell.count(), 1, 'the markup selector is listed');
	assertEq(await cell.evaluate(el => el.childElementCount), 0, 'as text only');
	assertEq(await page.evaluate(() => document.querySelectorAll('img[src="x"], img[src="y"]').length), 0, 'no element injected');
	// the tag value as a filter: the chip shows it as text
	await page.click('#filter-add');
	await page.selectOption('#filter-kind', 'tag');
	await page.fill('#filter-tag-key', 'note');
	await page.locator('#filter-tag-values[data-key="note"]').waitFor({ state: 'attached', timeout: 10000 });
	assertEq(await page.locator('#filter-tag-values option').evaluateAll(os => os.map(o => o.value)), [XSS_TAG], 'the stored tag value offered');
	await page.fill('#filter-value', XSS_TAG);
	await page.click('#filter-apply');
	await page.waitForFunction(() => location.hash.includes('tag.note='));
	await ready('elements');
	assertEq(await text('#filter-chip-tag-note .chip-text'), `Tag note = ${XSS_TAG}`, 'chip text');
	await page.locator('#elements-sample').waitFor();
	await page.waitForFunction(() => document.querySelector('#elements-sample .sample-sessions').textContent === '1');
	assertEq(await page.evaluate(() => document.querySelectorAll('img[src="x"], img[src="y"]').length), 0, 'no element injected');
	await page.click('#filter-chip-tag-note .chip-x');
	await page.waitForFunction(() => !location.hash.includes('tag.note='));
	assertEq(dialogs, [], 'no dialog fired');
});

test('Frustration: the planted rage, dead and error elements, quick backs, excessive scrolling, definitions', async () => {
	await open(PRICING, { device: 'desktop', type: 'rage' });
	await ready('rage');
	await page.locator('#frustration-report[data-state="ready"]').waitFor({ timeout: 10000 });
	const j = await api('/api/v1/frustration', { page: PRICING, device: 'desktop' });
	const first = async id => page.locator(`#${id} tbody tr`).first().evaluate(tr => ({
		sel: (tr.querySelector('.selector') || tr.querySelector('.cell-page code')).textContent,
		count: Number(tr.querySelector('.cell-count').textContent.replace(/\D/g, '')),
		sessions: Number(tr.querySelector('.cell-sessions').textContent.replace(/\D/g, '')),
		times: [...tr.querySelectorAll('time')].map(t => [t.getAttribute('datetime'), t.textContent]),
	}));
	const rage = await first('report-rage');
	assertEq([rage.sel, rage.count, rage.sessions], ['#plan-starter', 15, 5], 'rage: the slow starter button');
	const dead = await first('report-dead');
	assertEq([dead.sel, dead.count, dead.sessions], ['div.plan-art > img', 6, 6], 'dead: the picture');
	const error = await first('report-error');
	assertEq([error.sel, error.count, error.sessions], ['#apply-coupon', 4, 4], 'error: the coupon button');
	assertEq(error.times.map(t => t[0]), j.error.elements[0].examples.map(x => new Date(x.ts).toISOString()), 'example times');
	const local = new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
	assertEq(error.times[0][1], local.format(new Date(j.error.elements[0].examples[0].ts)), 'example in local time');
	const qb = await first('report-quick-back');
	assertEq([qb.sel, qb.count, qb.sessions], [PRICING, 3, 3], 'quick backs');
	const xs = await first('report-scrolling');
	assertEq([xs.sel, xs.count], [PRICING, 3], 'excessive scrolling');
	assertEq([await num('#report-rage-total'), await num('#report-dead-total'), await num('#report-error-total')], [15, 6, 4], 'totals');
	const defs = await text('#report-definitions');
	assert(defs.includes('3 or more clicks, each within 1.0 s of the one before and within 30 px of it'), `rage definition: ${defs}`);
	assert(defs.includes('within 7.0 s'), 'quick back definition');
	assert(defs.includes('at least 6 times and at least 3 times as often'), 'excessive scrolling definition');
	assertEq(await page.locator('#report-sample .sample-warning').count(), 1, 'sample warning in the report');
	// hovering the rage row outlines the button
	await page.frameLocator('iframe#preview').locator('#plan-starter').waitFor();
	await page.locator('#report-rage tbody tr').first().hover();
	await page.locator('#stage-highlight[data-selector="#plan-starter"]').waitFor({ state: 'visible' });
	await shot('frustration');
	// every page: the page column appears
	await page.click('#fscope-site');
	await page.waitForFunction(() => location.hash.includes('fscope=site'));
	await page.locator('#frustration-report[data-state="ready"] #report-rage .cell-page').first().waitFor();
	assertEq(await text('#report-rage .cell-page code'), PRICING, 'page column');
});

test('sample size: the warning shows under 1,000 sessions and not at 1,000', async () => {
	await open(PRICING, { device: 'desktop', type: 'click' });
	await ready('click');
	await page.locator('#sample-warning').waitFor();
	assertEq(await text('#sample-warning'), `Based on ${PLAN.desktop + 3} sessions. Below 1,000 sessions, patterns are not yet reliable.`, 'warning text');
	await open(PRODUCT, { device: 'desktop', type: 'elements' });
	await ready('elements');
	await page.waitForFunction(() => document.getElementById('stat-sessions').textContent === '1,000');
	await page.locator('#elements-sample').waitFor();
	assertEq(await page.locator('#sample-warning').count(), 0, 'no banner at 1,000 sessions');
	assertEq(await page.locator('#elements-sample .sample-warning').count(), 0, 'no warning in the panel');
	assertEq(await text('#elements-sample .sample-sessions'), '1,000', 'sessions in the panel');
});

test('Compare: variant A vs B as a difference and side by side, each with its sample size; presets', async () => {
	const mark = requests.length;
	await open(PRICING, { device: 'desktop', type: 'diff', vs: 'custom', 'tag.variant': 'A', 'vs.tag.variant': 'B' });
	await ready('diff');
	const j = await api('/api/v1/heatmap', { page: PRICING, type: 'diff', 'tag.variant': 'A', 'vs.tag.variant': 'B', cell: '1000' });
	assertEq([j.a.sessions, j.b.sessions, j.a.clicks, j.b.clicks], [PLAN.variantA, PLAN.variantB, PLAN.clicksA, PLAN.clicksB], 'API sides');
	assertEq([await num('#diff-a-sessions'), await num('#diff-b-sessions')], [PLAN.variantA, PLAN.variantB], 'sessions of A and B');
	assertEq([await num('#diff-a-clicks'), await num('#diff-b-clicks')], [PLAN.clicksA, PLAN.clicksB], 'clicks of A and B');
	assertEq([await page.locator('#diff-a-warning').count(), await page.locator('#diff-b-warning').count()], [1, 1], 'both sides warn');
	assertEq(await text('#diff-b-label'), 'Desktop · all time · Tag variant = B', 'B described');
	assertEq(await text('#vs-chip-tag-variant .chip-text'), 'Tag variant = B', 'B\'s change as a chip');
	const diffReq = since(mark).find(u => u.pathname === '/api/v1/heatmap' && u.searchParams.get('type') === 'diff');
	assertEq([diffReq.searchParams.get('tag.variant'), diffReq.searchParams.get('vs.tag.variant')], ['A', 'B'], 'diff request');
	await shot('compare-diff');

	await page.click('#cmp-side');
	await page.waitForFunction(() => location.hash.includes('cmp=side'));
	await page.locator('#side-a-stage-overlay[data-state="ready"]').waitFor({ state: 'visible', timeout: 15000 });
	await page.locator('#side-b-stage-overlay[data-state="ready"]').waitFor({ state: 'visible', timeout: 15000 });
	assertEq([await num('#side-a-sample .sample-sessions'), await num('#side-b-sample .sample-sessions')], [PLAN.variantA, PLAN.variantB], 'side sessions');
	assertEq([await num('#side-a-sample .sample-pageviews'), await num('#side-b-sample .sample-pageviews')], [j.a.pageviews, j.b.pageviews], 'side page views');
	assertEq([await num('#side-a-clicks'), await num('#side-b-clicks')], [PLAN.clicksA, PLAN.clicksB], 'side clicks');
	assertEq(await page.locator('#side-a-sample .sample-warning').count(), 1, 'side A warns');
	assert(await page.locator('#stage-viewport').isHidden(), 'the single stage rests');
	await sleep(600);
	await shot('compare-side');

	// a preset: mobile vs desktop
	await page.selectOption('#vs-preset', 'devices');
	await page.waitForFunction(() => location.hash.includes('vs=device') && location.hash.includes('vs.device=mobile'));
	await page.locator('#side-b-stage-overlay[data-state="ready"]').waitFor({ state: 'visible', timeout: 15000 });
	const mob = await api('/api/v1/heatmap', { page: PRICING, device: 'mobile', 'tag.variant': 'A', cell: '1000' });
	assertEq(await num('#side-b-sample .sample-sessions'), mob.sessions, 'B = mobile, variant A');
	assertEq(await page.locator('#side-b-stage').getAttribute('data-scale') !== null, true, 'B drawn');
	// free choice of B: change the browser too
	await page.click('#vs-mode-custom');
	await page.waitForFunction(() => location.hash.includes('vs=custom'));
	await page.click('#vs-add');
	await page.selectOption('#vs-filter-kind', 'browser');
	await page.selectOption('#vs-filter-value', 'safari');
	await page.click('#vs-filter-apply');
	await page.waitForFunction(() => location.hash.includes('vs.browser=safari') && location.hash.includes('vs.device=mobile'));
	await page.click('#cmp-diff');
	await ready('diff');
	const q = await query();
	const k = await api('/api/v1/heatmap', { page: PRICING, type: 'diff', 'tag.variant': 'A', 'vs.device': 'mobile', 'vs.browser': 'safari', cell: '1000' });
	assertEq([q.get('vs.device'), q.get('vs.browser')], ['mobile', 'safari'], 'B in the hash');
	assertEq(await num('#diff-b-sessions'), k.b.sessions, 'B sessions');
});

test('the dashboard made no errors and recorded nothing', async () => {
	await ctx.close();
	assertEq(consoleErrors, [], 'dashboard errors');
	assertEq(dialogs, [], 'dialogs');
	const j = await api('/api/v1/pages', {});
	assertEq(j.pageviews, 60 + 9 + 8 + 1000, 'the previews recorded no page views');
});

await run({ after: async () => { await browser.close(); await server.stop(); cleanup(dataDir); } });
