// SPDX-License-Identifier: MIT
// The tracker end to end in Debian's Chromium: real calor.js on the demo
// site, real server, and the rows it stored read back from SQLite with the
// sqlite3 CLI, field by field, against what the page itself says (element
// boxes, scroll positions, viewport) — at desktop 1440x900, tablet 820x1180
// and mobile 390x844 (touch, DPR 3). Also: an SPA whose views are new page
// views, DNT, GPC, consent, storage "none", data-calor-ignore, the command
// queue's validation, and a page whose calor server is unreachable.
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import { join } from 'node:path';
import { test, run, assert, assertEq, startServer, addSite, tempDir, cleanup, freePort, launchChromium, sleep } from '../lib/harness.mjs';
import { chromium } from 'playwright-core';

const port = await freePort();
const dataDir = tempDir();
const key = addSite(dataDir, 'demo', [`http://127.0.0.1:${port}`]);
const server = await startServer({ dataDir, port, extraArgs: ['--demo-site', key] });
const browser = await launchChromium();
// Beacons go out with the browser's own User-Agent, not a context's
// override: phones and tablets get a browser started with their UA.
const uaBrowsers = {};
async function browserFor(ua) {
	if (!ua) return browser;
	return (uaBrowsers[ua] ||= await chromium.launch({
		executablePath: '/usr/bin/chromium',
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
			'--disable-component-update', '--disable-sync', `--user-agent=${ua}`],
	}));
}
const DB = join(dataDir, 'calor.db');

// Each browser context visits the demo through its own transparent proxy in
// front of the server, so that every batch is seen on the wire, the ones
// sent while a page unloads too (Playwright's network events miss those).
// The proxy presents itself as the site's allowed origin and, for the
// privacy tests, adds attributes to the tracker's tag.
const proxies = [];
async function makeProxy(attrs = '') {
	const bodies = [];
	let inflight = 0, lastAt = Date.now();
	const srv = http.createServer((req, res) => {
		const chunks = [];
		inflight++;
		req.on('data', c => chunks.push(c));
		req.on('end', async () => {
			const body = Buffer.concat(chunks);
			if (req.method === 'POST') try { bodies.push(JSON.parse(body)); } catch { bodies.push(null); }
			try {
				const headers = {};
				for (const h of ['content-type', 'user-agent']) if (req.headers[h]) headers[h] = req.headers[h];
				if (req.headers.origin) headers.origin = server.url;
				const r = await fetch(server.url + req.url, { method: req.method, headers, body: req.method === 'POST' ? body : undefined });
				let out = Buffer.from(await r.arrayBuffer());
				if (attrs && /text\/html/.test(r.headers.get('content-type')))
					out = Buffer.from(out.toString().replace('<script defer src="/calor.js"', `<script defer src="/calor.js" ${attrs}`));
				res.writeHead(r.status, { 'content-type': r.headers.get('content-type') || 'text/plain', 'access-control-allow-origin': '*' });
				res.end(out);
			} catch (e) {
				res.writeHead(502);
				res.end(String(e));
			}
			inflight--;
			lastAt = Date.now();
		});
	});
	const p = await freePort();
	await new Promise(r => srv.listen(p, '127.0.0.1', r));
	const px = {
		url: `http://127.0.0.1:${p}`, base: `http://127.0.0.1:${p}/demo`, bodies,
		// every forwarded batch answered (= committed), then 600 ms of quiet
		async settle() { while (inflight || Date.now() - lastAt < 600) await sleep(50); },
		close() { srv.close(); },
	};
	proxies.push(px);
	return px;
}

const UA_ANDROID = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36';
const UA_IPAD = 'Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
// as stored: src/ingest.h
const POINTER = { mouse: 0, touch: 1, pen: 2, key: 3 };
const FIXED = 1, INTERACTIVE = 2, DEAD = 4, ERROR = 8;
const RAGE = 16; // set by the server: the 3rd+ click of a burst (store.h)
const DESKTOP = 0, TABLET = 1, MOBILE = 2;
const CHROME = 1, SAFARI = 4, IOS = 3, ANDROID = 4, LINUX = 5;

// ---- reading the database ------------------------------------------------

function sql(query) {
	const out = execFileSync('sqlite3', ['-readonly', '-json', DB, query], { encoding: 'utf8' });
	return out.trim() ? JSON.parse(out) : [];
}
const quote = s => `'${String(s).replace(/'/g, "''")}'`;
const inList = ids => `(${ids.map(quote).join(',')})`;

// Poll until f() returns something truthy; fail with what it saw last.
async function until(f, what, ms = 10000) {
	const deadline = Date.now() + ms;
	let last;
	for (;;) {
		last = f();
		if (last) return last;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await sleep(100);
	}
}

const PV_COLS = `pv.id, pv.client_id, pv.session, pv.referrer, pv.device, pv.vw, pv.vh, pv.dpr, pv.is_new,
	pv.ts, pv.max_depth, pv.doc_h, pv.browser, pv.os, pv.utm_source, pv.utm_medium, pv.utm_campaign,
	pv.utm_term, pv.utm_content, pv.fold, pv.reversals, hex(pv.dwell) AS dwell, p.path`;
function pageviews(ids) {
	return sql(`SELECT ${PV_COLS} FROM pageviews pv JOIN pages p ON p.id = pv.page_id
		WHERE pv.client_id IN ${inList(ids)} ORDER BY pv.id`);
}
function clicks(pvRowId) {
	return sql(`SELECT ts, x, y, vw, vh, dw, dh, selector, off_x, off_y, el_w, el_h, pointer,
		CAST(sel_hash AS TEXT) AS sel_hash, flags, device FROM clicks WHERE pageview_id = ${pvRowId} ORDER BY ts, id`);
}
const moves = pvRowId => sql(`SELECT ts, x, y, vw FROM moves WHERE pageview_id = ${pvRowId} ORDER BY id`);
const goals = pvRowId => sql(`SELECT name, session, ts FROM goals WHERE pageview_id = ${pvRowId} ORDER BY id`);
const tags = pvRowId => Object.fromEntries(sql(`SELECT key, value FROM pageview_tags WHERE pageview_id = ${pvRowId} ORDER BY key`).map(r => [r.key, r.value]));
const batches = pvRowId => sql(`SELECT seq FROM batches WHERE pageview_id = ${pvRowId} ORDER BY seq`).map(r => r.seq);
const pvCount = () => sql('SELECT count(*) AS n FROM pageviews')[0].n;

// 100 little-endian uint32 from hex(dwell)
function dwellBands(hex) {
	const b = Buffer.from(hex || '', 'hex');
	return Array.from({ length: b.length / 4 }, (_, i) => b.readUInt32LE(4 * i));
}

// 64-bit FNV-1a of the selector, as SQLite keeps it (signed).
function fnv1a(s) {
	let h = 0xcbf29ce484222325n;
	for (const byte of Buffer.from(s, 'utf8')) h = BigInt.asUintN(64, (h ^ BigInt(byte)) * 0x100000001b3n);
	return BigInt.asIntN(64, h).toString();
}

// ---- driving the browser -------------------------------------------------

// A context and its page; o.base is the demo site through the context's
// proxy, o.sent the batches it forwarded (complete after o.settle()).
async function open({ viewport, touch = false, dpr = 1, ua, init, attrs = '' } = {}) {
	const ctx = await (await browserFor(ua)).newContext({ viewport, hasTouch: touch, isMobile: touch, deviceScaleFactor: dpr });
	if (init) await ctx.addInitScript(init);
	const proxy = await makeProxy(attrs);
	const page = await ctx.newPage();
	const errors = [];
	page.on('pageerror', e => errors.push(String(e)));
	if (process.env.DEBUG) page.on('console', m => console.error('console:', m.text())); // DEBUG=1: the page's console
	return { ctx, page, errors, sent: proxy.bodies, settle: proxy.settle, base: proxy.base };
}

// The page view ids the tracker sent, in order of first appearance.
const pvIds = sent => [...new Set(sent.filter(Boolean).map(b => b.pv.id))];

// Wait until the server has every page view the page announced, and each
// has at least `minBatches` batches stored.
async function stored(o, n, what) {
	await o.settle();
	const ids = pvIds(o.sent);
	assertEq(ids.length, n, `${what}: page views sent`);
	const rows = pageviews(ids);
	assertEq(rows.length, n, `${what}: page views stored`);
	return rows;
}

// The visible box of an element in viewport px, and the page's scroll.
const box = (page, sel) => page.$eval(sel, el => {
	const r = el.getBoundingClientRect();
	return { left: r.left, top: r.top, width: r.width, height: r.height, sx: scrollX, sy: scrollY, dh: document.documentElement.scrollHeight, dw: document.documentElement.scrollWidth };
});

// Click at fractions (fx, fy) of the element's box with the mouse; returns
// the row the server should store for it.
async function clickAt(page, sel, fx, fy) {
	let b = await box(page, sel);
	const cx = Math.round(b.left + b.width * fx), cy = Math.round(b.top + b.height * fy);
	// hovering moves the demo's buttons by a pixel (a 150 ms transition):
	// measure the box the tracker will see
	await page.mouse.move(cx, cy);
	await sleep(200);
	b = await box(page, sel);
	await page.mouse.click(cx, cy);
	return expectClick(b, cx, cy, sel, 'mouse');
}
// The same with a finger; the element is scrolled into view first (and the
// scroll given time to be over, so it is not taken for the tap's effect).
async function tapAt(page, sel, fx, fy, vp) {
	const inView = await page.$eval(sel, el => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; });
	if (!inView) { await page.$eval(sel, el => el.scrollIntoView({ block: 'center' })); await sleep(300); }
	const b = await box(page, sel);
	const cx = Math.round(b.left + b.width * fx), cy = Math.round(b.top + b.height * fy);
	await page.touchscreen.tap(cx, cy);
	return expectClick(b, cx, cy, sel, 'touch', vp);
}
function expectClick(b, cx, cy, selector, pt, vp = { width: 1440, height: 900 }) {
	const frac = (v, len) => Math.min(65535, Math.max(0, Math.round((v / len) * 65535)));
	return {
		x: Math.round(cx + b.sx), y: Math.round(cy + b.sy), vw: vp.width, vh: vp.height, dw: b.dw, dh: b.dh, selector,
		off_x: frac(cx - b.left, b.width), off_y: frac(cy - b.top, b.height),
		el_w: Math.round(b.width), el_h: Math.round(b.height), pointer: POINTER[pt], sel_hash: fnv1a(selector),
	};
}

// Compare a stored click with the expected fields (ts and flags separately).
function checkClick(row, want, flags, what, t0, t1) {
	for (const k of Object.keys(want)) {
		// offsets: a hundredth of a pixel (boxes have fractional edges)
		const slack = k === 'off_x' ? 1 + 655 / want.el_w : k === 'off_y' ? 1 + 655 / want.el_h : 0;
		assert(Math.abs(row[k] - want[k]) <= slack || row[k] === want[k], `${what}: ${k} stored ${JSON.stringify(row[k])}, expected ${JSON.stringify(want[k])}`);
	}
	assertEq(row.flags, flags, `${what}: flags`);
	assert(row.ts >= t0 - 1000 && row.ts <= t1 + 1000, `${what}: ts ${row.ts} within the test's time ${t0}..${t1}`);
}

function checkPageview(pv, want, what) {
	for (const [k, v] of Object.entries(want)) assertEq(pv[k], v, `${what}: ${k}`);
	assert(/^[A-Za-z0-9_-]{22}$/.test(pv.client_id), `${what}: page view id ${pv.client_id}`);
	assert(/^[nr][A-Za-z0-9_-]{21}$/.test(pv.session), `${what}: session id ${pv.session}`);
}

// Leave the page: pagehide flushes everything still waiting.
async function leave(page) { await page.goto('about:blank'); }

const scrollY = page => page.evaluate(() => scrollY);
async function wheel(page, dy) {
	await page.mouse.wheel(0, dy);
	// smooth scrolling: wait until the position settles
	let last = -1, y = await scrollY(page);
	while (y !== last) { await sleep(120); last = y; y = await scrollY(page); }
	return y;
}

// ---- tests -----------------------------------------------------------------

test('desktop 1440x900: page view context, click flags (dead, error, fixed, interactive), moves, scroll, attention, tags, goals', async () => {
	const o = await open({ viewport: { width: 1440, height: 900 } });
	const { ctx, page, errors, sent } = o;
	const t0 = Date.now();
	// utm_* come from the landing URL; "color" is not an allow-listed key
	await page.goto(`${o.base}/product.html?utm_source=newsletter&utm_medium=email&utm_campaign=spring_launch&color=red`,
		{ referer: 'https://news.example.com/story/42' });
	await page.waitForLoadState('load');
	// moves: a straight path, each step 22 px
	await page.mouse.move(100, 200);
	await page.mouse.move(500, 400, { steps: 20 });
	// five clicks on a picture that does nothing; only the first is left
	// alone for 1.5 s, each other is followed by one of the signals
	const want = [];
	want.push([await clickAt(page, '#hero-image', 0.25, 0.75), DEAD, 'nothing happened']);
	await sleep(1700);
	want.push([await clickAt(page, '#hero-image', 0.5, 0.5), 0, 'then a DOM mutation']);
	await page.evaluate(() => { document.body.dataset.seen = '1'; });
	want.push([await clickAt(page, '#hero-image', 0.75, 0.25), 0, 'then a scroll']);
	const productY = await wheel(page, 200);
	assert(productY > 0, 'the page scrolled');
	want.push([await clickAt(page, '#hero-image', 0.1, 0.9), 0, 'then a text selection']);
	await page.evaluate(() => getSelection().selectAllChildren(document.querySelector('.buybox h1')));
	want.push([await clickAt(page, '#hero-image', 0.9, 0.6), 0, 'then a focus change']);
	await page.focus('#qty');
	want.push([await clickAt(page, '#add-to-cart', 0.5, 0.5), INTERACTIVE, 'a button']);
	// the navigation bar is sticky: fixed + interactive; it navigates away
	want.push([await clickAt(page, '#nav-pricing', 0.5, 0.5), FIXED | INTERACTIVE, 'a sticky nav link']);
	await page.waitForURL('**/pricing.html');
	await page.waitForLoadState('load');
	const productH = want[0][0].dh;

	// pricing: the billing toggle becomes a tag, the coupon button throws,
	// a plan button is a goal; then scrolling with two reversals
	want.push([await clickAt(page, '#toggle-yearly', 0.5, 0.5), INTERACTIVE, 'a label']);
	await sleep(1100); // an error within 1 s would make this an error click too
	let maxY = await wheel(page, 600);
	want.push([await clickAt(page, '#apply-coupon', 0.5, 0.5), INTERACTIVE | ERROR, 'a button that throws']);
	want.push([await clickAt(page, '#plan-pro', 0.5, 0.5), INTERACTIVE, 'a plan button']);
	await wheel(page, -300);
	maxY = Math.max(maxY, await wheel(page, 900));
	const pricingH = await page.evaluate(() => document.documentElement.scrollHeight);
	const storage = await page.evaluate(() => ({ seen: localStorage.getItem('calor_seen'), sid: sessionStorage.getItem('calor_sid'), utm: sessionStorage.getItem('calor_utm') }));
	await sleep(300);
	await leave(page);
	const t1 = Date.now();
	await ctx.close();
	assertEq(errors, ['ReferenceError: checkout is not defined'], 'page errors (the coupon bug only)');

	const [product, pricing] = await stored(o, 2, 'two page views');
	const ctxPv = { referrer: '', device: DESKTOP, vw: 1440, vh: 900, dpr: 1, is_new: 1, browser: CHROME, os: LINUX,
		utm_source: 'newsletter', utm_medium: 'email', utm_campaign: 'spring_launch', utm_term: '', utm_content: '', fold: 900 };
	checkPageview(product, { ...ctxPv, path: '/demo/product.html', referrer: 'news.example.com', reversals: 0, doc_h: productH, max_depth: productY + 900 }, 'product');
	checkPageview(pricing, { ...ctxPv, path: '/demo/pricing.html', reversals: 2, doc_h: pricingH, max_depth: Math.min(maxY + 900, pricingH) }, 'pricing');
	assertEq(pricing.session, product.session, 'one session');
	assert(product.client_id !== pricing.client_id, 'two page view ids');
	for (const pv of [product, pricing]) assert(pv.ts >= t0 - 1000 && pv.ts <= t1, `page view ts ${pv.ts}`);
	assertEq(storage, { seen: '1', sid: product.session, utm: JSON.stringify({ source: 'newsletter', medium: 'email', campaign: 'spring_launch' }) }, 'storage keys');

	const got = [...clicks(product.id), ...clicks(pricing.id)];
	assertEq(got.length, want.length, 'clicks stored');
	want.forEach(([w, flags, what], i) => checkClick(got[i], w, flags, `click ${i} (${w.selector}, ${what})`, t0, t1));

	// attention: time in view while visible, nothing below the deepest bottom
	const elapsed = t1 - t0;
	for (const [pv, h] of [[product, productH], [pricing, pricingH]]) {
		const d = dwellBands(pv.dwell);
		assertEq(d.length, 100, `${pv.path} dwell bands`);
		assert(d[0] >= 300 && d[0] <= elapsed, `${pv.path} band 0 in view ${d[0]} ms of ${elapsed}`);
		const fold = Math.floor((900 * 100) / h) - 1;
		for (let i = 0; i <= fold; i++) assert(d[i] > 0, `${pv.path} band ${i} (above the fold) has time, got ${d[i]}`);
		for (let i = 0; i < 100; i++) if ((i * h) / 100 >= pv.max_depth) assertEq(d[i], 0, `${pv.path} band ${i} below the deepest bottom`);
	}

	// moves: the path is on the line y = 200 + (x - 100) / 2, each point 20 px
	// or 100 ms after the previous
	const m = moves(product.id);
	const onPath = m.filter(p => p.x >= 100 && p.x <= 500 && Math.abs(p.y - (200 + (p.x - 100) / 2)) <= 1);
	assert(onPath.length >= 15 && onPath.length <= 21, `points on the path: ${onPath.length}`);
	for (let i = 1; i < m.length; i++) {
		const d = Math.hypot(m[i].x - m[i - 1].x, m[i].y - m[i - 1].y), dt = m[i].ts - m[i - 1].ts;
		assert(d >= 20 || dt >= 100, `move ${i}: ${d.toFixed(1)} px after ${dt} ms`);
	}
	assert(m.every(p => p.vw === 1440), 'moves at 1440');

	assertEq(goals(product.id).map(g => [g.name, g.session]), [['add_to_cart', product.session]], 'product goals');
	assertEq(goals(pricing.id).map(g => g.name), ['trial_start'], 'pricing goals');
	assertEq(tags(pricing.id), { billing: 'yearly' }, 'pricing tags (queued before load, then changed)');
	assertEq(tags(product.id), {}, 'product tags');
	// every batch of a page view is stored, seq from 0 without gaps
	for (const pv of [product, pricing]) {
		const s = batches(pv.id);
		assertEq(s, s.map((_, i) => i), `${pv.path} batch seqs`);
	}
	assert(sent.every(b => b && JSON.stringify(b).length < 32000), 'every batch under 32 KB');
});

test('tablet 820x1180 (touch, iPad): keyboard activation at the centre, taps, dead tap, no moves from touch', async () => {
	const vp = { width: 820, height: 1180 };
	const o = await open({ viewport: vp, touch: true, dpr: 2, ua: UA_IPAD });
	const { ctx, page, errors, sent } = o;
	const t0 = Date.now();
	await page.goto(`${o.base}/pricing.html`);
	await page.waitForLoadState('load');
	await page.focus('#plan-starter');
	const kb = await box(page, '#plan-starter');
	await page.keyboard.press('Enter');
	const want = [[expectClick(kb, kb.left + kb.width / 2, kb.top + kb.height / 2, '#plan-starter', 'key', vp), INTERACTIVE, 'Enter on a button']];
	// a tap on the headline: nothing happens
	const h1 = await tapAt(page, 'main h1', 0.3, 0.5, vp);
	h1.selector = 'main.pricing > section.section.center:nth-of-type(1) > div.wrap > h1';
	h1.sel_hash = fnv1a(h1.selector);
	want.push([h1, DEAD, 'a tap on text']);
	await sleep(1700);
	// a tap on a FAQ question opens it
	want.push([await tapAt(page, '#faq-room > summary', 0.2, 0.5, vp), INTERACTIVE, 'a tap on a summary']);
	assert(await page.$eval('#faq-room', d => d.open), 'the tap opened the question');
	// a finger drag scrolls the page: pointer events of type touch, no moves
	const cdp = await ctx.newCDPSession(page);
	const y0 = await scrollY(page);
	const touch = (type, y) => cdp.send('Input.dispatchTouchEvent', { type, touchPoints: type === 'touchEnd' ? [] : [{ x: 400, y }] });
	await touch('touchStart', 900);
	for (let y = 880; y >= 500; y -= 20) await touch('touchMove', y);
	await touch('touchEnd');
	await sleep(300);
	assert(await scrollY(page) > y0, 'the drag scrolled');
	await leave(page);
	const t1 = Date.now();
	await ctx.close();
	assertEq(errors, [], 'page errors');
	const [pv] = await stored(o, 1, 'the page view');
	checkPageview(pv, { path: '/demo/pricing.html', device: TABLET, vw: 820, vh: 1180, dpr: 2, is_new: 1, browser: SAFARI, os: IOS, fold: 1180, utm_source: '' }, 'tablet page view');
	const got = clicks(pv.id);
	assertEq(got.length, want.length, 'clicks stored');
	want.forEach(([w, flags, what], i) => checkClick(got[i], w, flags, `click ${i} (${what})`, t0, t1));
	assertEq(got[0].off_x, 32768, 'keyboard click at the centre (x)');
	assertEq(got[0].off_y, 32768, 'keyboard click at the centre (y)');
	assertEq(moves(pv.id).length, 0, 'no moves from touch');
	assert(got.every(c => c.device === TABLET), 'clicks carry the tablet class');
	assertEq(tags(pv.id), { billing: 'monthly' }, 'tag from the page script');
	assertEq(goals(pv.id).map(g => g.name), ['trial_start'], 'goal of the keyboard activation');
});

test('mobile 390x844 (touch, DPR 3, Android): taps, an in-page anchor stays one page view, dead tap on a picture', async () => {
	const vp = { width: 390, height: 844 };
	const o = await open({ viewport: vp, touch: true, dpr: 3, ua: UA_ANDROID });
	const { ctx, page, errors, sent } = o;
	const t0 = Date.now();
	await page.goto(`${o.base}/?variant=B`); // the A/B test: variant B from the URL
	await page.waitForLoadState('load');
	const want = [[await tapAt(page, '#cta-hero', 0.5, 0.5, vp), INTERACTIVE, 'a link to an anchor']];
	await page.waitForFunction(() => location.hash === '#signup');
	await sleep(300);
	await page.goto(`${o.base}/product.html`);
	await page.waitForLoadState('load');
	want.push([await tapAt(page, '#hero-image', 0.6, 0.4, vp), DEAD, 'a tap on a picture']);
	await sleep(1700);
	want.push([await tapAt(page, '#thumb-side', 0.5, 0.5, vp), INTERACTIVE, 'a tap on a thumbnail label']);
	await sleep(200);
	await leave(page);
	const t1 = Date.now();
	await ctx.close();
	assertEq(errors, [], 'page errors');
	const rows = await stored(o, 2, 'two page views');
	assertEq(rows.map(r => r.path), ['/demo/', '/demo/product.html'], 'paths (the anchor did not start a page view)');
	const ctxPv = { device: MOBILE, vw: 390, vh: 844, dpr: 3, is_new: 1, browser: CHROME, os: ANDROID, referrer: '', fold: 844 };
	rows.forEach(r => checkPageview(r, ctxPv, r.path));
	assertEq(tags(rows[0].id), { variant: 'B' }, 'index tag');
	const got = [...clicks(rows[0].id), ...clicks(rows[1].id)];
	assertEq(got.length, want.length, 'taps stored');
	want.forEach(([w, flags, what], i) => checkClick(got[i], w, flags, `tap ${i} (${what})`, t0, t1));
	assertEq(moves(rows[0].id).length + moves(rows[1].id).length, 0, 'no moves from taps');
	assert(rows[0].max_depth > 844, `the anchor scrolled: depth ${rows[0].max_depth}`);
});

test('SPA: pushState and popstate start page views, replaceState only on a new URL; data-calor-ignore; move cap', async () => {
	const vp = { width: 1440, height: 900 };
	const o = await open({ viewport: vp });
	const { ctx, page, errors, sent } = o;
	const t0 = Date.now();
	// "token" is not in data-query-keys="view"
	await page.goto(`${o.base}/app.html?token=s3cret`);
	await page.waitForLoadState('load');
	const want1 = [[await clickAt(page, '#spa-tab-settings', 0.5, 0.5), FIXED | INTERACTIVE, 'a sticky SPA tab']];
	await page.waitForFunction(() => !document.getElementById('view-settings').hidden);
	// same normalised URL: no new page view
	await page.evaluate(() => history.replaceState({ x: 1 }, '', location.href));
	await page.evaluate(() => history.replaceState({ x: 2 }, '', 'app.html?view=settings&tab=billing'));
	await page.evaluate(() => history.pushState({ x: 3 }, '', 'app.html?view=settings#top'));
	// the payment card is data-calor-ignore: no clicks, no moves over it
	const card = await box(page, '#payment-card');
	await page.mouse.move(card.left - 300, card.top + 40);
	await page.mouse.move(card.left + card.width - 20, card.top + 40, { steps: 25 });
	await page.mouse.move(card.left + 40, card.top + card.height - 20, { steps: 15 });
	await page.click('#card-number');
	await page.keyboard.type('4242424242424242');
	await page.click('#update-card');
	// a slow button clicked four times, about 17 px and 300 ms apart: the
	// third and fourth are rage clicks
	const want2 = [];
	for (let i = 0; i < 4; i++) want2.push([await clickAt(page, '#slow-save', 0.3 + i * 0.1, 0.5), INTERACTIVE | (i >= 2 ? RAGE : 0), `slow save ${i}`]);
	await page.goBack();
	await page.goBack();
	await page.waitForFunction(() => !document.getElementById('view-overview').hidden);
	const want3 = [[await clickAt(page, '#sync-calendars', 0.5, 0.5), INTERACTIVE | ERROR, 'a button whose promise rejects']];
	// raw mouse moves about 25 px apart until the page has seen 1100
	// pointermoves (Chromium coalesces some): at most 1000 points are kept
	const cdp = await ctx.newCDPSession(page);
	await page.evaluate(() => { window.__moves = 0; addEventListener('pointermove', () => window.__moves++); });
	// in small concurrent batches (one at a time waits a frame each; huge
	// batches coalesce into a few events on a slow machine), for at most 60 s
	const until = Date.now() + 60000;
	for (let j = 0; Date.now() < until && await page.evaluate(() => window.__moves) < 1100;)
		await Promise.all(Array.from({ length: 20 }, () => {
			j++;
			return cdp.send('Input.dispatchMouseEvent', { type: 'mouseMoved', x: 360 + (j * 25) % 1000, y: 200 + (Math.floor(j * 25 / 1000) % 30) * 20 });
		}));
	assert(await page.evaluate(() => window.__moves) >= 1100, 'enough pointer moves dispatched');
	await sleep(200);
	await leave(page);
	const t1 = Date.now();
	await ctx.close();
	assertEq(errors, ['Error: calendar sync: token expired'], 'page errors (the rejected sync only)');

	const rows = await stored(o, 3, 'three page views');
	assertEq(rows.map(r => r.path), ['/demo/app.html', '/demo/app.html?view=settings', '/demo/app.html'], 'one page view per view');
	assertEq(new Set(rows.map(r => r.client_id)).size, 3, 'three page view ids');
	assertEq(new Set(rows.map(r => r.session)).size, 1, 'one session');
	rows.forEach(r => checkPageview(r, { device: DESKTOP, vw: 1440, vh: 900, referrer: '', fold: 900 }, r.path));
	for (const id of pvIds(sent)) assertEq(sent.find(b => b.pv.id === id).pv.seq, 0, `first batch of ${id} has seq 0`);
	for (const r of rows) { const s = batches(r.id); assertEq(s, s.map((_, i) => i), `batches of ${r.path}`); }
	const c = rows.map(r => clicks(r.id));
	assertEq(c.map(x => x.length), [1, 4, 1], 'clicks per page view (none on the ignored card)');
	[[c[0], want1], [c[1], want2], [c[2], want3]].forEach(([got, want]) =>
		want.forEach(([w, flags, what], i) => checkClick(got[i], w, flags, what, t0, t1)));
	const m2 = moves(rows[1].id);
	const inCard = p => p.x >= card.left + card.sx && p.x <= card.left + card.sx + card.width && p.y >= card.top + card.sy && p.y <= card.top + card.sy + card.height;
	assert(m2.length >= 5, `moves beside the card are kept (${m2.length})`);
	assertEq(m2.filter(inCard), [], 'no moves over the ignored card');
	assertEq(moves(rows[2].id).length, 1000, 'moves capped at 1000 per page view');
	const moveEvents = sent.filter(b => b.pv.id === rows[2].client_id).flatMap(b => b.ev.filter(e => e.t === 'move'));
	assert(moveEvents.every(e => e.p.length >= 3 && e.p.length <= 900 && e.p.length % 3 === 0), 'move events carry 1..300 points');
	assertEq(moveEvents.reduce((n, e) => n + e.p.length / 3, 0), 1000, 'points sent');
	// the whole number: a random id or a time may well contain '4242'
	assert(!JSON.stringify(sent).includes('42424242'), 'typed text never sent');
});

test('an idle page: one batch (with the fold), nothing more while idle, its attention when it is left', async () => {
	const o = await open({ viewport: { width: 1440, height: 900 } });
	const { ctx, page, errors, sent } = o;
	await page.clock.install();
	await page.goto(`${o.base}/product.html`);
	await page.waitForLoadState('load');
	await page.clock.runFor(5500);
	await o.settle();
	assertEq(sent.length, 1, 'the first batch within 5 s');
	assertEq(sent[0].ev.map(e => [e.t, e.fold]), [['scroll', 900]], 'it carries the fold');
	await page.clock.runFor(60000); // a minute of reading, no input
	await o.settle();
	assertEq(sent.length, 1, 'nothing sent while idle');
	await leave(page);
	await ctx.close();
	assertEq(errors, [], 'page errors');
	const [pv] = await stored(o, 1, 'the idle page view');
	assertEq(sent.length, 2, 'one more batch when the page was left');
	assertEq(sent[1].ev.map(e => e.t), ['scroll'], 'the last batch: attention only');
	assertEq(batches(pv.id), [0, 1], 'both stored');
	const d = dwellBands(pv.dwell);
	const fold = Math.floor((900 * 100) / pv.doc_h);
	for (let i = 0; i < fold; i++) assert(d[i] >= 65000 && d[i] <= 68000, `band ${i} in view ~65.5 s (fake clock): ${d[i]}`);
	for (let i = fold + 1; i < 100; i++) assertEq(d[i], 0, `band ${i} never in view`);
	assertEq(pv.reversals, 0, 'no reversals');
	assertEq(pv.max_depth, 900, 'depth: the fold');
});

test('Do Not Track and Global Privacy Control: nothing sent, nothing stored, no storage; a plain visit is stored', async () => {
	const before = pvCount();
	const visit = async init => {
		const o = await open({ viewport: { width: 1440, height: 900 }, init });
		await o.page.goto(`${o.base}/pricing.html`);
		await o.page.waitForLoadState('load');
		await o.page.click('#plan-pro');
		await o.page.mouse.move(300, 300, { steps: 5 });
		await wheel(o.page, 400);
		const live = await o.page.evaluate(() => !!(window.calor && window.calor.l));
		const keys = await o.page.evaluate(() => localStorage.length + sessionStorage.length);
		await leave(o.page);
		await o.ctx.close();
		return { ...o, live, keys };
	};
	const [dnt, gpc, plain] = await Promise.all([
		visit(() => Object.defineProperty(Navigator.prototype, 'doNotTrack', { get: () => '1' })),
		visit(() => Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true })),
		visit(null),
	]);
	assertEq([dnt.live, gpc.live, plain.live], [false, false, true], 'tracker live');
	assertEq([dnt.keys, gpc.keys], [0, 0], 'no storage keys under DNT/GPC');
	await Promise.all([dnt.settle(), gpc.settle()]);
	assertEq([dnt.sent.length, gpc.sent.length], [0, 0], 'no batches under DNT/GPC');
	const [pv] = await stored(plain, 1, 'the plain visit');
	assertEq(clicks(pv.id).length, 1, 'plain visit click stored');
	await sleep(500);
	assertEq(pvCount(), before + 1, 'only the plain visit stored');
});

test('consent: data-consent="required" records nothing (not even storage) until calor("consent", true); withdrawal drops and forgets', async () => {
	const vp = { width: 1440, height: 900 };
	// 1: never consents
	const consent = 'data-consent="required"';
	const a = await open({ viewport: vp, attrs: consent });
	// 2: consents halfway through the visit
	const b = await open({ viewport: vp, attrs: consent });
	// 3: consents, then withdraws before anything was sent
	const c = await open({ viewport: vp, attrs: consent });
	const before = pvCount();

	await a.page.goto(`${a.base}/pricing.html`);
	await a.page.waitForLoadState('load');
	await a.page.click('#plan-pro');
	await wheel(a.page, 500);
	assertEq(await a.page.evaluate(() => localStorage.length + sessionStorage.length), 0, 'no storage before consent');
	await leave(a.page);

	await b.page.goto(`${b.base}/pricing.html`);
	await b.page.waitForLoadState('load');
	await b.page.click('#plan-starter'); // before consent: neither click nor goal
	assertEq(await b.page.evaluate(() => localStorage.length + sessionStorage.length), 0, 'no storage before consent (b)');
	await b.page.evaluate(() => calor('consent', true));
	assertEq(await b.page.evaluate(() => [localStorage.getItem('calor_seen'), !!sessionStorage.getItem('calor_sid')]), ['1', true], 'storage after consent');
	const want = await clickAt(b.page, '#plan-pro', 0.5, 0.5);
	await leave(b.page);

	await c.page.goto(`${c.base}/pricing.html`);
	await c.page.waitForLoadState('load');
	await c.page.evaluate(() => calor('consent', true));
	await c.page.click('#plan-pro');
	await c.page.evaluate(() => calor('consent', false));
	await c.page.click('#plan-enterprise');
	assertEq(await c.page.evaluate(() => localStorage.length + sessionStorage.length), 0, 'storage keys removed on withdrawal');
	await leave(c.page);

	for (const o of [a, b, c]) await o.ctx.close();
	await Promise.all([a.settle(), c.settle()]);
	assertEq([a.sent.length, c.sent.length], [0, 0], 'batches without consent');
	assertEq([a.errors, b.errors, c.errors], [[], [], []], 'page errors');
	const [pv] = await stored(b, 1, 'the consented visit');
	const got = clicks(pv.id);
	assertEq(got.map(r => r.selector), ['#plan-pro'], 'only the click after consent');
	checkClick(got[0], want, INTERACTIVE, 'click after consent', Date.now() - 60000, Date.now());
	assertEq(goals(pv.id).map(g => g.name), ['trial_start'], 'only the goal after consent');
	assertEq(tags(pv.id), { billing: 'monthly' }, 'tags set before consent are kept');
	await sleep(500);
	assertEq(pvCount(), before + 1, 'one page view stored');
});

test('command queue before load: consent, tags and goals are replayed; invalid calls are dropped, never the batch', async () => {
	const o = await open({
		viewport: { width: 1440, height: 900 },
		attrs: 'data-consent="required"',
		init: () => {
			window.calor = window.calor || function () { (window.calor.q = window.calor.q || []).push(arguments); };
			calor('consent', true);
			calor('tag', 'BAD KEY', 'x');
			calor('tag', 'long', 'é'.repeat(40)); // 80 bytes: cut to 64
			calor('tag', 'emoji', 'a' + '😀'.repeat(20)); // never cut inside a character
			calor('tag', 'ctrl', 'a\u0000b\nc');
			for (let i = 0; i < 9; i++) calor('tag', 'k' + i, String(i)); // only 10 keys in all
			calor('goal', 'Not A Goal!');
			calor('goal', 'queued_goal');
			calor('nonsense', 1, 2);
		},
	});
	const { ctx, page, errors } = o;
	await page.goto(`${o.base}/product.html`);
	await page.waitForLoadState('load');
	await page.evaluate(() => calor('goal', 'live_goal'));
	await leave(page);
	await ctx.close();
	assertEq(errors, [], 'page errors');
	const [pv] = await stored(o, 1, 'the page view');
	const t = tags(pv.id);
	assertEq(Object.keys(t).length, 10, 'ten tags');
	assertEq(t.long, 'é'.repeat(32), 'value cut to 64 bytes');
	assertEq(t.emoji, 'a' + '😀'.repeat(15), 'cut before a whole character');
	assertEq(t.ctrl, 'abc', 'control characters removed');
	assert(!('BAD KEY' in t) && !('k7' in t) && !('k8' in t), `invalid and 11th+ keys dropped: ${Object.keys(t)}`);
	assertEq(goals(pv.id).map(g => g.name), ['queued_goal', 'live_goal'], 'goals');
});

test('data-storage="none" and data-hash="true": no storage at all, memory-only session, fragments in the URL', async () => {
	const o = await open({ viewport: { width: 1440, height: 900 }, attrs: 'data-storage="none" data-hash="true"' });
	const { ctx, page, errors, sent } = o;
	await page.goto(`${o.base}/product.html`);
	await page.waitForLoadState('load');
	await page.click('#reviews-link'); // href="#specs": a new page view with data-hash
	await page.waitForFunction(() => location.hash === '#specs');
	await page.click('#add-to-cart');
	const keys = await page.evaluate(() => [localStorage.length, sessionStorage.length]);
	await page.reload();
	await page.waitForLoadState('load');
	const keys2 = await page.evaluate(() => [localStorage.length, sessionStorage.length]);
	await leave(page);
	await ctx.close();
	assertEq(errors, [], 'page errors');
	assertEq([keys, keys2], [[0, 0], [0, 0]], 'localStorage and sessionStorage untouched');
	const rows = await stored(o, 3, 'three page views');
	assertEq(rows.map(r => r.path), ['/demo/product.html', '/demo/product.html#specs', '/demo/product.html#specs'], 'paths with fragments');
	assertEq(rows.map(r => r.is_new), [0, 0, 0], 'never "new" without storage');
	assertEq(rows[0].session, rows[1].session, 'same session within the page');
	assert(rows[2].session !== rows[0].session, 'a reload starts a new in-memory session');
	assertEq(clicks(rows[0].id).map(r => [r.selector, r.flags]), [['#reviews-link', INTERACTIVE]], 'anchor click in the first page view');
	assertEq(clicks(rows[1].id).map(r => r.selector), ['#add-to-cart'], 'click in the second');
});

test('unreachable, failing or refusing server: no uncaught error in the page', async () => {
	const closed = await freePort();
	const tracker = await (await fetch(`${server.url}/calor.js`)).text();
	const run1 = async ({ init, collect }) => {
		const { ctx, page, errors } = await open({
			viewport: { width: 1440, height: 900 },
			init: `window.__errs = []; addEventListener('error', e => __errs.push(String(e.message))); addEventListener('unhandledrejection', e => __errs.push('rejection: ' + e.reason)); ${init || ''}`,
		});
		const tried = [], failed = [];
		ctx.on('request', r => { if (r.url().endsWith('/collect')) tried.push(r.url()); });
		ctx.on('requestfailed', r => { if (r.url().endsWith('/collect')) failed.push(r.failure() && r.failure().errorText); });
		// the page on another origin, the tracker "from" a port nobody listens on
		await ctx.route('http://shop.test/**', async route => {
			const u = new URL(route.request().url());
			const res = await route.fetch({ url: `${server.url}${u.pathname}` });
			let body = await res.text();
			if (u.pathname.endsWith('.html')) body = body.replace('src="/calor.js"', `src="http://127.0.0.1:${closed}/calor.js"`);
			await route.fulfill({ response: res, body });
		});
		await ctx.route(`http://127.0.0.1:${closed}/calor.js`, route => route.fulfill({ status: 200, contentType: 'text/javascript', body: tracker }));
		if (collect) await ctx.route(`http://127.0.0.1:${closed}/collect`, collect);
		await page.clock.install();
		await page.goto('http://shop.test/demo/product.html');
		await page.waitForLoadState('load');
		await page.click('#add-to-cart');
		await page.mouse.move(200, 200, { steps: 5 });
		await page.evaluate(() => calor('goal', 'offline'));
		await page.clock.runFor(7000); // the observation window and a 5 s flush
		await sleep(300);
		const inPage = await page.evaluate(() => window.__errs);
		const live = await page.evaluate(() => !!(window.calor && window.calor.l));
		await ctx.close();
		return { errors, inPage, tried, failed, live };
	};
	const down = await run1({});
	const noBeacon = await run1({ init: 'navigator.sendBeacon = () => { throw new Error("blocked"); };' });
	const refusing = await run1({ collect: route => route.fulfill({ status: 503, contentType: 'application/json', body: '{"error":"unavailable"}' }) });
	for (const [name, r] of Object.entries({ down, noBeacon, refusing })) {
		assert(r.live, `${name}: the tracker ran`);
		assert(r.tried.length >= 1, `${name}: a batch was attempted`);
		assertEq(r.errors, [], `${name}: uncaught page errors`);
		assertEq(r.inPage, [], `${name}: errors seen by the page`);
	}
	assert(down.failed.length >= 1 && noBeacon.failed.length >= 1, `requests failed: ${down.failed} / ${noBeacon.failed}`);
});

await run({ after: async () => { await browser.close(); for (const b of Object.values(uaBrowsers)) await b.close(); for (const p of proxies) p.close(); await server.stop(); cleanup(dataDir); } });
