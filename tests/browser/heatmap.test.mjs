// SPDX-License-Identifier: MIT
// End to end in Debian's Chromium: real tracker, real server, real SQLite.
// Clicks on a demo page at desktop and mobile sizes must come back as
// heatmaps whose hot spots lie on the clicked elements (checked in the JSON
// cells and in the PNG's pixels), and the dashboard must show the page with
// the overlay. Screenshots go to tests/out/.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test, run, assert, assertEq, startServer, addSite, tempDir, cleanup, freePort, launchChromium, sleep, ROOT } from '../lib/harness.mjs';
import { decodePng, hottestPixel } from '../lib/png.mjs';

const OUT = join(ROOT, 'tests', 'out');
mkdirSync(OUT, { recursive: true });
const port = await freePort();
const origin = `http://127.0.0.1:${port}`;
const dataDir = tempDir();
const key = addSite(dataDir, 'demo', [origin]);
const server = await startServer({ dataDir, port, extraArgs: ['--demo-site', key] });
const browser = await launchChromium();
const PAGE = '/demo/';

// Document-space box of an element (CSS px).
async function docBox(page, selector) {
	return page.$eval(selector, el => {
		const r = el.getBoundingClientRect();
		return { x: r.left + scrollX, y: r.top + scrollY, w: r.width, h: r.height };
	});
}

function inside(box, x, y, slack = 0) {
	return x >= box.x - slack && x <= box.x + box.w + slack && y >= box.y - slack && y <= box.y + box.h + slack;
}

async function heatmap(device, expectClicks) {
	const deadline = Date.now() + 15000;
	for (;;) {
		const r = await server.api(`/api/v1/heatmap?site=${key}&page=${encodeURIComponent(PAGE)}&device=${device}&format=json`);
		const j = await r.json();
		if (j.clicks >= expectClicks || Date.now() > deadline) return j;
		await sleep(200);
	}
}

// Where two screenshots differ most inside box (centroid of the pixels with
// the largest colour change), as screen coordinates.
function largestChange(a, b, box) {
	let best = -1, bx = 0, by = 0, n = 0;
	const x0 = Math.max(0, Math.floor(box.x)), y0 = Math.max(0, Math.floor(box.y));
	const x1 = Math.min(a.width, Math.ceil(box.x + box.width)), y1 = Math.min(a.height, Math.ceil(box.y + box.height));
	for (let y = y0; y < y1; y++)
		for (let x = x0; x < x1; x++) {
			const i = (y * a.width + x) * 4;
			const d = Math.abs(a.data[i] - b.data[i]) + Math.abs(a.data[i + 1] - b.data[i + 1]) + Math.abs(a.data[i + 2] - b.data[i + 2]);
			if (d > best) { best = d; bx = x; by = y; n = 1; } else if (d === best) { bx += x; by += y; n++; }
		}
	return { x: bx / n, y: by / n, change: best };
}

// A hot spot: the centre of a heatmap JSON cell.
const centre = (j, c) => [c[0] + j.cell / 2, c[1] + j.cell / 2];

async function pngHotspot(device) {
	const r = await server.api(`/api/v1/heatmap?site=${key}&page=${encodeURIComponent(PAGE)}&device=${device}&format=png`);
	assertEq(r.status, 200, 'png status');
	const scale = Number(r.headers.get('x-calor-scale'));
	const img = decodePng(Buffer.from(await r.arrayBuffer()));
	const hot = hottestPixel(img);
	return [hot.x * scale + scale / 2, hot.y * scale + scale / 2];
}

async function clickSession({ viewport, touch, device, first, second }) {
	const ctx = await browser.newContext({ viewport, hasTouch: !!touch, isMobile: !!touch, deviceScaleFactor: touch ? 3 : 1 });
	const page = await ctx.newPage();
	const errors = [];
	page.on('pageerror', e => errors.push(String(e)));
	await page.goto(`${server.url}${PAGE}`);
	await page.waitForLoadState('load');
	const box1 = await docBox(page, first);
	const box2 = await docBox(page, second);
	for (let i = 0; i < 20; i++) {
		// the first element is a link to #signup: keep the page where it is
		await page.$eval(first, el => el.addEventListener('click', e => e.preventDefault(), { once: true }));
		if (touch) await page.tap(first); else await page.click(first);
	}
	for (let i = 0; i < 5; i++) {
		if (touch) await page.tap(second); else await page.click(second);
	}
	// leaving the page flushes the tracker's queue (pagehide -> sendBeacon)
	await page.goto('about:blank');
	await ctx.close();
	assertEq(errors, [], 'page errors');
	const j = await heatmap(device, 25);
	return { j, box1, box2 };
}

test('desktop 1440x900: hottest cell on the button, second on the headline', async () => {
	const { j, box1, box2 } = await clickSession({ viewport: { width: 1440, height: 900 }, device: 'desktop',
		first: '#cta-hero', second: '.hero-copy h1' });
	assertEq(j.clicks, 25, 'clicks stored');
	assertEq(j.width, 1440, 'projection width');
	const [x1, y1] = centre(j, j.cells[0]);
	assert(j.cells[0][2] >= 10, `hottest cell is dense (${j.cells[0][2]})`);
	assert(inside(box1, x1, y1, j.cell / 2), `hottest cell (${x1}, ${y1}) inside #cta-hero ${JSON.stringify(box1)}`);
	// the second hot spot: the hottest cell outside the first element
	const other = j.cells.find(c => !inside(box1, ...centre(j, c), j.cell));
	assert(other, 'a second hot spot exists');
	const [x2, y2] = centre(j, other);
	assert(inside(box2, x2, y2, j.cell / 2), `second hot spot (${x2}, ${y2}) inside the headline ${JSON.stringify(box2)}`);
	const [px, py] = await pngHotspot('desktop');
	assert(inside(box1, px, py, 4), `PNG hottest pixel (${px}, ${py}) inside #cta-hero ${JSON.stringify(box1)}`);
});

test('mobile 390x844 with touch: taps land on the same elements', async () => {
	const { j, box1, box2 } = await clickSession({ viewport: { width: 390, height: 844 }, touch: true, device: 'mobile',
		first: '#cta-hero', second: '.hero-copy h1' });
	assertEq(j.clicks, 25, 'taps stored');
	assertEq(j.width, 390, 'projection width');
	const [x1, y1] = centre(j, j.cells[0]);
	assert(inside(box1, x1, y1, j.cell / 2), `hottest cell (${x1}, ${y1}) inside #cta-hero ${JSON.stringify(box1)}`);
	const other = j.cells.find(c => !inside(box1, ...centre(j, c), j.cell));
	const [x2, y2] = centre(j, other);
	assert(inside(box2, x2, y2, j.cell / 2), `second hot spot (${x2}, ${y2}) inside the headline ${JSON.stringify(box2)}`);
	// desktop data is untouched by the mobile session
	assertEq((await heatmap('desktop', 25)).clicks, 25, 'desktop clicks unchanged');
});

test('the page list shows the demo page with its clicks', async () => {
	const j = await (await server.api(`/api/v1/pages?site=${key}`)).json();
	const p = j.pages.find(x => x.path === PAGE);
	assert(p, 'demo page listed');
	assertEq(p.clicks, 50, 'clicks');
	assertEq(p.pageviews, 2, 'page views');
});

test('dashboard shows the page with the heatmap overlay', async () => {
	const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
	await server.signIn(ctx);
	const page = await ctx.newPage();
	const errors = [];
	page.on('pageerror', e => errors.push(String(e)));
	page.on('console', m => { if (m.type() === 'error') errors.push(m.text()); });
	await page.goto(`${server.url}/`);
	// pick the site and the page the way a person would: by clicking
	await page.getByText(PAGE, { exact: true }).first().click({ timeout: 10000 });
	const overlay = page.locator('img#heatmap-overlay[data-state="ready"]');
	await overlay.waitFor({ state: 'visible', timeout: 10000 });
	assert(await overlay.evaluate(img => img.complete && img.naturalWidth > 0), 'overlay image decoded');
	const frame = page.locator('iframe[name="calor-preview"]');
	await frame.waitFor({ state: 'attached', timeout: 10000 });
	assertEq(await frame.getAttribute('src').then(s => new URL(s, server.url).pathname), PAGE, 'iframe shows the page');
	// the overlay and the page are drawn over each other at the same size
	const ob = await overlay.boundingBox();
	const fb = await frame.boundingBox();
	assert(Math.abs(ob.x - fb.x) < 2 && Math.abs(ob.y - fb.y) < 2 && Math.abs(ob.width - fb.width) < 2,
		`overlay ${JSON.stringify(ob)} aligned with iframe ${JSON.stringify(fb)}`);
	assertEq((await page.locator('#stat-clicks').innerText()).trim(), '25', 'desktop click count shown');
	// the overlay's hot spot sits on the button inside the preview: find the
	// button's box in the framed page and the reddest overlay pixel on screen
	// (screens with the overlay at 100% and at 0%: the largest change is
	// where the overlay is hottest, whatever colours the page has)
	const setOpacity = v => page.locator('#overlay-opacity').evaluate((el, val) => {
		el.value = String(val);
		el.dispatchEvent(new Event('input', { bubbles: true }));
	}, v);
	await setOpacity(100);
	const on = decodePng(await page.screenshot());
	await setOpacity(0);
	const off = decodePng(await page.screenshot());
	await setOpacity(75);
	await page.screenshot({ path: join(OUT, 'dashboard-page.png') });
	const btn = await page.frameLocator('iframe[name="calor-preview"]').locator('#cta-hero').boundingBox();
	const hot = largestChange(on, off, fb);
	assert(btn && inside({ x: btn.x, y: btn.y, w: btn.width, h: btn.height }, hot.x, hot.y, 6),
		`reddest screen pixel (${hot.x}, ${hot.y}) on the button ${JSON.stringify(btn)}`);
	// the tracker inside the preview must not have recorded the dashboard
	await sleep(500);
	await ctx.close();
	assertEq(errors, [], 'dashboard errors');
	const j = await (await server.api(`/api/v1/pages?site=${key}`)).json();
	assertEq(j.pageviews, 2, 'preview iframe recorded nothing');
});

await run({ after: async () => { await browser.close(); await server.stop(); cleanup(dataDir); } });
