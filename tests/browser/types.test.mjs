// SPDX-License-Identifier: MIT
// Every heatmap type in the dashboard, end to end in Debian's Chromium: real
// visits through the real tracker on the demo site (clicks, rage clicks, an
// error button, a dead image, mouse moves, scrolling, two tag variants, a
// phone), then the dashboard's page view switched to every type. Each type
// must show an overlay PNG that has pixels and lines up with the framed
// page, and the numbers of the API; the scroll chart, the attention bars,
// the confetti legend and both sides of a comparison are checked against
// the API's JSON. A screenshot per type goes to tests/out/type-NAME.png.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test, run, assert, assertEq, startServer, addSite, tempDir, cleanup, freePort, launchChromium, sleep, ROOT } from '../lib/harness.mjs';

const OUT = join(ROOT, 'tests', 'out');
mkdirSync(OUT, { recursive: true });
const port = await freePort();
const origin = `http://127.0.0.1:${port}`;
const dataDir = tempDir();
const key = addSite(dataDir, 'demo', [origin]);
const server = await startServer({ dataDir, port, extraArgs: ['--demo-site', key] });
const browser = await launchChromium();
const PRICING = '/demo/pricing.html';
const PRODUCT = '/demo/product.html';

const api = async (path, params) => {
	const r = await server.api(`${path}?${new URLSearchParams({ site: key, ...params })}`);
	const j = await r.json();
	if (!r.ok) throw new Error(`${path} ${JSON.stringify(params)}: HTTP ${r.status} ${JSON.stringify(j)}`);
	return j;
};
const heat = (params) => api('/api/v1/heatmap', { cell: '1000', ...params });

// ------------------------------------------------------------ real visits

// One visit in its own browser context; work(page) does what the visitor
// does. The tracker flushes when the page is left (pagehide).
async function visit({ path, viewport, touch, variant, work }) {
	const ctx = await browser.newContext({ viewport, hasTouch: !!touch, isMobile: !!touch, deviceScaleFactor: touch ? 2 : 1 });
	const page = await ctx.newPage();
	const errors = [];
	page.on('pageerror', e => errors.push(String(e)));
	await page.goto(`${server.url}${path}`);
	await page.waitForFunction(() => typeof window.calor === 'function' && !window.calor.q);
	// the page's command queue: a custom tag for this page view
	if (variant) await page.evaluate(v => window.calor('tag', 'variant', v), variant);
	await work(page);
	// let the last clicks' 1.5 s window close (dead and error flags)
	await sleep(1700);
	await page.goto('about:blank');
	await ctx.close();
	return errors;
}

async function clicks(page, selector, n, touch) {
	for (let i = 0; i < n; i++) {
		if (touch) await page.tap(selector); else await page.click(selector);
		await sleep(touch ? 60 : 1100); // slower than a rage run
	}
}

// Fast clicks in one spot: a rage run (3 clicks or more, each <= 1000 ms
// after the previous and <= 30 px from it); the third and every later
// click count as rage clicks.
async function rage(page, selector, n) {
	const b = await page.locator(selector).boundingBox();
	for (let i = 0; i < n; i++) {
		await page.mouse.click(b.x + b.width / 2, b.y + b.height / 2);
		await sleep(90);
	}
}

async function scrollTo(page, share, steps, ms) {
	const max = await page.evaluate(() => document.documentElement.scrollHeight - innerHeight);
	for (let i = 1; i <= steps; i++) {
		await page.evaluate(y => window.scrollTo(0, y), Math.round((max * share * i) / steps));
		await sleep(ms);
	}
}

async function wander(page, points) {
	for (const [x, y] of points) await page.mouse.move(x, y, { steps: 10 });
}

const DESKTOP = { width: 1440, height: 900 };

test('visits through the real tracker reach every heatmap type', async () => {
	const t0 = Date.now();
	const errors = await Promise.all([
		// desktop, variant A: the Pro plan, the broken coupon button, a rage
		// run on the Starter button, moves over the plans, read to the end
		visit({ path: PRICING, viewport: DESKTOP, variant: 'A', work: async p => {
			await wander(p, [[300, 300], [720, 520], [1100, 480], [720, 700], [400, 650]]);
			await clicks(p, '#plan-pro', 3);
			await clicks(p, '#apply-coupon', 2);
			await rage(p, '#plan-starter', 5);
			await sleep(1200);
			await scrollTo(p, 1, 6, 250);
		} }),
		// desktop, variant B, yearly billing: Enterprise, the coupon once, and
		// only half way down
		visit({ path: PRICING, viewport: DESKTOP, variant: 'B', work: async p => {
			await p.click('#toggle-yearly');
			await wander(p, [[1000, 300], [1100, 600], [900, 750]]);
			await clicks(p, '#plan-enterprise', 3);
			await clicks(p, '#apply-coupon', 1);
			await scrollTo(p, 0.5, 3, 250);
		} }),
		// a phone: taps on the Pro plan, and some scrolling
		visit({ path: PRICING, viewport: { width: 390, height: 844 }, touch: true, work: async p => {
			await clicks(p, '#plan-pro', 4, true);
			await scrollTo(p, 0.6, 3, 200);
		} }),
		// the product page: a dead image (clicks on #hero-image answer nothing)
		visit({ path: PRODUCT, viewport: DESKTOP, work: async p => {
			await clicks(p, '#hero-image', 3);
		} }),
	]);
	// the coupon button throws on purpose; nothing else may
	const unexpected = errors.flat().filter(e => !/checkout/.test(e));
	assertEq(unexpected, [], 'page errors');
	assert(errors[0].some(e => /checkout/.test(e)), 'the coupon button threw');

	// wait until the server has it all
	const deadline = Date.now() + 15000;
	let d;
	for (;;) {
		d = {
			click: await heat({ page: PRICING }),
			error: await heat({ page: PRICING, type: 'error' }),
			rage: await heat({ page: PRICING, type: 'rage' }),
			mobile: await heat({ page: PRICING, device: 'mobile' }),
			dead: await heat({ page: PRODUCT, type: 'dead' }),
			scroll: await api('/api/v1/scroll', { page: PRICING }),
		};
		if ((d.click.clicks >= 15 && d.error.clicks >= 3 && d.rage.clicks >= 3 && d.mobile.clicks >= 4 &&
			d.dead.clicks >= 3 && d.scroll.scroll_pageviews >= 2) || Date.now() > deadline) break;
		await sleep(200);
	}
	assertEq(d.click.clicks, 15, 'desktop clicks on the pricing page (A: 3 + 2 + 5, B: the yearly toggle + 3 + 1)');
	assertEq(d.click.pageviews, 2, 'desktop page views');
	assertEq(d.error.clicks, 3, 'error clicks (the coupon button)');
	assertEq(d.rage.clicks, 3, 'rage clicks (the 3rd, 4th and 5th of the run)');
	assertEq(d.mobile.clicks, 4, 'mobile taps');
	assertEq(d.dead.clicks, 3, 'dead clicks on the product image');
	assertEq(d.scroll.scroll_pageviews, 2, 'page views with scroll data');
	console.error(`# visits took ${Date.now() - t0} ms`);
});

// ------------------------------------------------------------ the dashboard

let ctx, page;
const consoleErrors = [];
const hashOf = (path, query) => `#/site/${encodeURIComponent(key)}/page/${encodeURIComponent(path)}?${new URLSearchParams(query)}`;
const query = async () => new URLSearchParams((await page.evaluate(() => location.hash)).split('?')[1] || '');

// Waits for the overlay of a type to be drawn.
async function ready(type) {
	await page.locator(`img#heatmap-overlay[data-state="ready"][data-type="${type}"]`).waitFor({ state: 'visible', timeout: 10000 });
	await page.locator('#view[data-state="ready"]').waitFor({ timeout: 5000 });
}

// The overlay is a decoded image with visible pixels, drawn over the
// framed page at the same place and width. Returns the overlay's box and
// the visible pixel count.
async function checkOverlay(what) {
	const overlay = page.locator('img#heatmap-overlay');
	const info = await overlay.evaluate(img => {
		const c = document.createElement('canvas');
		c.width = img.naturalWidth;
		c.height = img.naturalHeight;
		const g = c.getContext('2d');
		g.drawImage(img, 0, 0);
		const px = g.getImageData(0, 0, c.width, c.height).data;
		let visible = 0;
		for (let i = 3; i < px.length; i += 4) if (px[i] > 8) visible++;
		return { complete: img.complete, w: img.naturalWidth, h: img.naturalHeight, visible };
	});
	assert(info.complete && info.w > 0 && info.h > 0, `${what}: overlay decoded (${JSON.stringify(info)})`);
	assert(info.visible > 50, `${what}: overlay has visible pixels (${info.visible})`);
	const ob = await overlay.boundingBox();
	const fb = await page.locator('iframe[name="calor-preview"]').boundingBox();
	assert(ob && fb && Math.abs(ob.x - fb.x) < 2 && Math.abs(ob.y - fb.y) < 2 && Math.abs(ob.width - fb.width) < 2,
		`${what}: overlay ${JSON.stringify(ob)} aligned with the iframe ${JSON.stringify(fb)}`);
	return { ob, fb, ...info };
}

async function shot(name) {
	await sleep(200); // the opacity transition
	await page.screenshot({ path: join(OUT, `type-${name}.png`), fullPage: true });
}

const text = async sel => (await page.locator(sel).innerText()).trim();
const num = async sel => Number((await text(sel)).replace(/[^\d.]/g, ''));

test('Clicks: opens from the hash, overlay over the page, counts', async () => {
	ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
	await server.signIn(ctx);
	page = await ctx.newPage();
	page.on('pageerror', e => consoleErrors.push(String(e)));
	page.on('console', m => { if (m.type() === 'error') consoleErrors.push(m.text()); });
	await page.goto(`${server.url}/${hashOf(PRICING, { device: 'desktop', type: 'click' })}`);
	await ready('click');
	await checkOverlay('click');
	assertEq(await text('#stat-clicks'), '15', 'clicks stat');
	assertEq(await text('#stat-pageviews'), '2', 'page views stat');
	assertEq(await page.locator('#tab-click').getAttribute('aria-selected'), 'true', 'Clicks tab selected');
	assertEq(await text('#panel-click-count'), '15', 'panel click count');
	assertEq(await page.locator('#tab-click-badge').innerText(), '15', 'tab badge');
	await shot('click');
});

test('Moves: its own overlay and count', async () => {
	const j = await heat({ page: PRICING, type: 'move' });
	assert(j.clicks > 20, `moves stored (${j.clicks})`);
	await page.click('#tab-move');
	await ready('move');
	assertEq((await query()).get('type'), 'move', 'type in the hash');
	await checkOverlay('move');
	assertEq(await num('#panel-move-count'), j.clicks, 'move count in the panel');
	await shot('move');
});

test('Scroll: band overlay, reach chart with 101 points, fold and 75/50/25 depths', async () => {
	const j = await api('/api/v1/scroll', { page: PRICING });
	await page.click('#tab-scroll');
	await ready('scroll');
	await checkOverlay('scroll');
	const points = await page.locator('svg#scroll-chart polyline.reach-line').getAttribute('points');
	assertEq(points.trim().split(/\s+/).length, 101, 'reach curve points');
	assertEq(await page.locator('svg#scroll-chart .reach-mark').count(), 3, '75/50/25 marks');
	assertEq(await page.locator('svg#scroll-chart #chart-fold').count(), 1, 'fold line');
	for (const k of ['75', '50', '25']) {
		assertEq(await text(`#scroll-depth-${k}`), `${j.reached_by[k]}%`, `depth reached by ${k}%`);
		assertEq(await page.locator(`svg#scroll-chart .reach-mark[data-share="${k}"]`).getAttribute('data-depth'), String(j.reached_by[k]), `mark ${k}`);
	}
	assertEq(await text('#scroll-pageviews'), String(j.scroll_pageviews), 'page views with scroll data');
	assertEq(await num('#scroll-fold'), j.average_fold.px, 'average fold');
	assert(j.reached_by['25'] === 100 && j.reached_by['75'] < 100, `one visit read to the end, one half way (${JSON.stringify(j.reached_by)})`);
	await shot('scroll');
});

test('Attention: band overlay and a bar per 1 % band', async () => {
	await page.click('#tab-attention');
	await ready('attention');
	await checkOverlay('attention');
	assertEq(await page.locator('svg#attention-chart rect.attention-bar').count(), 100, 'attention bars');
	const j = await api('/api/v1/scroll', { page: PRICING });
	assertEq(await text('#attention-pageviews'), String(j.attention_pageviews), 'page views with attention data');
	await shot('attention');
});

test('Confetti: colour by tag.variant, legend from the categories', async () => {
	await page.click('#tab-confetti');
	await ready('confetti');
	await checkOverlay('confetti new/returning');
	await page.selectOption('#confetti-by', 'tag.variant');
	await page.locator('#confetti-legend .confetti-item[data-name="A"]').waitFor({ timeout: 10000 });
	await ready('confetti');
	assertEq((await query()).get('by'), 'tag.variant', 'by in the hash');
	await checkOverlay('confetti by variant');
	const j = await api('/api/v1/heatmap', { page: PRICING, type: 'confetti', by: 'tag.variant' });
	const items = await page.locator('#confetti-legend .confetti-item').evaluateAll(els => els.map(el => ({
		name: el.dataset.name,
		count: Number(el.querySelector('.confetti-count').textContent.replace(/\D/g, '')),
		colour: getComputedStyle(el.querySelector('.swatch')).backgroundColor,
	})));
	assertEq(items.map(i => i.name).sort(), ['A', 'B'], 'legend lists the variants');
	for (const c of j.categories) {
		const it = items.find(i => i.name === c.name);
		assertEq(it.count, c.count, `count of ${c.name}`);
		const hex = '#' + it.colour.match(/\d+/g).slice(0, 3).map(v => Number(v).toString(16).padStart(2, '0')).join('');
		assertEq(hex, c.colour.toLowerCase(), `swatch of ${c.name}`);
	}
	assertEq([items.find(i => i.name === 'A').count, items.find(i => i.name === 'B').count], [10, 5], 'clicks per variant');
	await shot('confetti');
});

test('Frustration: rage and error overlays with their counts', async () => {
	const rage = await heat({ page: PRICING, type: 'rage' });
	const error = await heat({ page: PRICING, type: 'error' });
	await page.click('#tab-frustration');
	await ready('rage');
	await checkOverlay('rage');
	assertEq(await num('#frust-count-rage'), rage.clicks, 'rage count in the panel');
	assertEq(await num('#frust-rage-badge'), rage.clicks, 'rage badge');
	await shot('rage');
	await page.click('#frust-error');
	await ready('error');
	await checkOverlay('error');
	assertEq(await num('#frust-count-error'), error.clicks, 'error count in the panel');
	assertEq((await query()).get('type'), 'error', 'type in the hash');
	await shot('error');
});

test('Dead: the dead image on the product page is the hot spot', async () => {
	await page.evaluate(h => { location.hash = h; }, hashOf(PRODUCT, { device: 'desktop', type: 'dead', opacity: '100' }));
	await ready('dead');
	const { ob } = await checkOverlay('dead');
	// the overlay's most opaque pixels, on screen, fall on #hero-image
	const hot = await page.locator('img#heatmap-overlay').evaluate(img => {
		const c = document.createElement('canvas');
		c.width = img.naturalWidth;
		c.height = img.naturalHeight;
		const g = c.getContext('2d');
		g.drawImage(img, 0, 0);
		const px = g.getImageData(0, 0, c.width, c.height).data;
		let best = -1, sx = 0, sy = 0, n = 0;
		for (let i = 3; i < px.length; i += 4) {
			const a = px[i];
			if (a > best) { best = a; sx = 0; sy = 0; n = 0; }
			if (a === best) { const p = (i - 3) / 4; sx += p % c.width; sy += Math.floor(p / c.width); n++; }
		}
		return { x: (sx / n + 0.5) / c.width, y: (sy / n + 0.5) / c.height };
	});
	await page.frameLocator('iframe[name="calor-preview"]').locator('#hero-image').waitFor();
	const img = await page.frameLocator('iframe[name="calor-preview"]').locator('#hero-image').boundingBox();
	const x = ob.x + hot.x * ob.width, y = ob.y + hot.y * ob.height;
	assert(x >= img.x && x <= img.x + img.width && y >= img.y && y <= img.y + img.height,
		`hottest overlay pixel (${x}, ${y}) on the image ${JSON.stringify(img)}`);
	assertEq(await num('#frust-count-dead'), 3, 'dead count');
	assertEq(await page.locator('#overlay-opacity').inputValue(), '100', 'opacity from the hash');
	await shot('dead');
});

test('Compare: desktop against mobile, both sample sizes, diverging legend', async () => {
	await page.evaluate(h => { location.hash = h; }, hashOf(PRICING, { device: 'desktop', type: 'click', opacity: '75' }));
	await ready('click');
	await page.click('#tab-compare');
	await ready('diff');
	const q = await query();
	assertEq([q.get('type'), q.get('vs'), q.get('vs.device')], ['diff', 'device', 'mobile'], 'compare state in the hash');
	await checkOverlay('diff');
	const j = await api('/api/v1/heatmap', { page: PRICING, type: 'diff', 'vs.device': 'mobile', cell: '1000' });
	assertEq(await num('#diff-a-pageviews'), j.a.pageviews, 'A page views');
	assertEq(await num('#diff-a-clicks'), j.a.clicks, 'A clicks');
	assertEq(await num('#diff-b-pageviews'), j.b.pageviews, 'B page views');
	assertEq(await num('#diff-b-clicks'), j.b.clicks, 'B clicks');
	assertEq([j.a.clicks, j.b.clicks], [15, 4], 'the sets compared');
	assert(/More in A/.test(await text('#legend')) && /More in B/.test(await text('#legend')), 'diverging legend');
	await shot('diff');
});

test('Normalisation and radius go to the API; a reload restores the whole view', async () => {
	await page.click('#tab-click');
	await ready('click');
	let png = page.waitForRequest(r => r.url().includes('format=png') && r.url().includes('norm=max'));
	await page.click('#norm-max');
	await png;
	await ready('click');
	png = page.waitForRequest(r => r.url().includes('format=png') && r.url().includes('radius=40'));
	await page.locator('#radius').evaluate(el => {
		el.value = '40';
		el.dispatchEvent(new Event('input', { bubbles: true }));
		el.dispatchEvent(new Event('change', { bubbles: true }));
	});
	await png;
	await ready('click');
	await page.click('#tab-confetti');
	await ready('confetti');
	await page.selectOption('#confetti-by', 'tag.variant');
	await page.waitForFunction(() => location.hash.includes('by=tag.variant'));
	await ready('confetti');
	const before = await page.evaluate(() => location.hash);
	const q = await query();
	assertEq([q.get('type'), q.get('norm'), q.get('radius'), q.get('by')], ['confetti', 'max', '40', 'tag.variant'], 'hash');
	await page.reload();
	await ready('confetti');
	assertEq(await page.evaluate(() => location.hash), before, 'same hash after reload');
	assertEq(await page.locator('#tab-confetti').getAttribute('aria-selected'), 'true', 'tab after reload');
	assertEq(await page.locator('#confetti-by').inputValue(), 'tag.variant', 'colour by after reload');
	await page.click('#tab-click');
	await ready('click');
	assertEq(await page.locator('#norm-max').getAttribute('aria-pressed'), 'true', 'norm after reload');
	assertEq(await page.locator('#radius').inputValue(), '40', 'radius after reload');
	// back in history: the previous tab again
	await page.goBack();
	await ready('confetti');
});

test('The options row: palette, radius reset, dot size, another tag and compare by dates write the hash', async () => {
	await page.click('#tab-click');
	await ready('click');
	await page.selectOption('#palette', 'viridis');
	await page.waitForFunction(() => location.hash.includes('palette=viridis'));
	await ready('click');
	assertEq(await page.locator('#palette').inputValue(), 'viridis', 'palette redrawn from the hash');
	await page.click('#radius-reset'); // radius 40 from the case before
	await page.waitForFunction(() => !/[?&]radius=40/.test(location.hash));
	await ready('click');
	assertEq(await page.locator('#radius').inputValue(), '25', 'radius back to the default');
	assertEq(await page.locator('#radius-reset').count(), 0, 'no reset at the default');
	await page.click('#tab-confetti');
	await ready('confetti');
	await page.click('#dot-l');
	await page.waitForFunction(() => location.hash.includes('dot=l'));
	assertEq(await page.locator('#dot-l').getAttribute('aria-pressed'), 'true', 'large dots pressed');
	await page.selectOption('#confetti-by', 'browser');
	await page.waitForFunction(() => /[?&]by=browser/.test(location.hash));
	await ready('confetti');
	await page.selectOption('#confetti-by', '');
	await page.locator('#confetti-tag').waitFor({ timeout: 5000 });
	assert(await page.locator('#confetti-tag').evaluate(el => el === document.activeElement), 'the tag field has focus');
	await page.fill('#confetti-tag', 'NOT A TAG');
	await page.click('#confetti-tag-apply');
	assertEq(await page.locator('#confetti-tag').getAttribute('aria-invalid'), 'true', 'a bad tag key is refused');
	await page.fill('#confetti-tag', 'variant');
	await page.press('#confetti-tag', 'Enter');
	await page.waitForFunction(() => /[?&]by=tag\.variant/.test(location.hash));
	await ready('confetti');
	assertEq(await page.locator('#confetti-tag').count(), 0, 'the tag field closes once applied');
	// the same tag again: nothing to load, and the field closes all the same
	await page.selectOption('#confetti-by', '');
	await page.fill('#confetti-tag', 'variant');
	await page.click('#confetti-tag-apply');
	await page.locator('#confetti-tag').waitFor({ state: 'detached', timeout: 5000 });
	assertEq(await page.locator('#confetti-by').inputValue(), 'tag.variant', 'colour by shown');
	await page.click('#tab-compare');
	await ready('diff');
	await page.click('#vs-mode-dates');
	await page.waitForFunction(() => location.hash.includes('vs=dates'));
	const q = await query();
	const day = (s) => Date.parse(s) / 86400000;
	const [from, to, vsFrom, vsTo] = ['from', 'to', 'vs.from', 'vs.to'].map(k => q.get(k));
	assert(from && to && vsFrom && vsTo, `A and B dates in the hash: ${q}`);
	assertEq(day(to) - day(from), 6, 'A: the last 7 days');
	assertEq([day(vsTo), day(vsTo) - day(vsFrom)], [day(from) - 1, 6], 'B: the 7 days just before A');
	assertEq(await page.locator('#vs-from').inputValue(), vsFrom, 'B from in the controls');
	// all time again, for the cases after
	await page.evaluate(h => { location.hash = h; }, hashOf(PRICING, { device: 'desktop', type: 'click' }));
	await ready('click');
});

test('Empty and error states', async () => {
	// no tablet visits at all
	await page.click('#tab-scroll');
	await ready('scroll');
	await page.click('#device-tablet');
	await page.locator('img#heatmap-overlay[data-state="empty"][data-type="scroll"]').waitFor({ state: 'attached', timeout: 10000 });
	assertEq(await text('#heatmap-empty .callout-title'), 'No scroll data for this page on tablet yet', 'empty state');
	assertEq(await page.locator('#view').getAttribute('data-state'), 'empty', 'view state');
	await shot('empty');
	// B = days with no visits: the API says why, and the dashboard shows it
	await page.evaluate(h => { location.hash = h; }, hashOf(PRICING, {
		device: 'desktop', type: 'diff', vs: 'dates', 'vs.from': '2020-01-01', 'vs.to': '2020-01-07' }));
	await page.locator('img#heatmap-overlay[data-state="error"][data-type="diff"]').waitFor({ state: 'attached', timeout: 10000 });
	const r = await server.api(`/api/v1/heatmap?${new URLSearchParams({ site: key, page: PRICING, type: 'diff', 'vs.from': '2020-01-01', 'vs.to': '2020-01-07' })}`);
	const body = await r.json();
	assertEq(r.status, 400, 'API status');
	assertEq(await text('#error-detail'), body.detail, 'the API detail is shown');
	assertEq(await page.locator('#vs-from').inputValue(), '2020-01-01', 'B dates in the controls');
	await shot('error-state');
});

test('the dashboard itself made no errors and recorded nothing', async () => {
	await ctx.close();
	// a 400 is logged by Chromium as a failed resource: the one we asked for
	const errs = consoleErrors.filter(e => !/status of 400/.test(e));
	assertEq(errs, [], 'dashboard errors');
	const j = await api('/api/v1/pages', {});
	assertEq(j.pageviews, 4, 'the preview iframe recorded no page views');
});

await run({ after: async () => { await browser.close(); await server.stop(); cleanup(dataDir); } });
