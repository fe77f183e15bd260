#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// demo-layout.mjs — measures the demo site (web/demo) in Debian's Chromium
// at every viewport `calor simulate` uses, for both A/B variants of the home
// page, and writes web/demo/layout.json: for every element the simulator
// clicks, the element a click at its centre hits, with the selector calor.js
// computes for it (the tracker's own code, web/dashboard/selector.js),
// its document box, whether it is interactive or fixed, and a "miss": what a
// click just outside it hits. The pages are served from the working tree, so
// no build is needed. `node scripts/demo-layout.mjs` rewrites the file;
// tests/browser/layout.test.mjs fails when the committed file is stale.
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, dirname, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const LAYOUT_PATH = join(ROOT, 'web', 'demo', 'layout.json');

// Viewports (CSS px, innerWidth x innerHeight) the simulator draws from;
// docs/simulate.md gives their shares. The server's classes: mobile < 768
// <= tablet < 1024 <= desktop (an iPad Pro at 1024 counts as desktop).
export const VIEWPORTS = [
	[1366, 657], [1440, 789], [1536, 730], [1920, 953],
	[768, 954], [820, 1106], [1024, 1292],
	[360, 656], [390, 664], [412, 782], [414, 715],
];

// The page states and, per state, the elements the simulator may click
// (document.querySelector keys; the simulator names them the same way).
const NAV = ['#nav-logo', '#nav-features', '#nav-product', '#nav-pricing', '#nav-customers', '#nav-signin', '#nav-cta', '#nav-menu-button'];
const HOME = [...NAV, '#hero-badge', '#cta-hero', '#cta-demo', '.hero h1', '.hero .lead', '.mockup', '.logo-row',
	'#features h2', '.features .feature p', '#feature-booking', '#feature-release', '#feature-display',
	'#feature-insights', '#feature-sync', '#feature-security', '.quotes blockquote', '#signup-email', '#cta-bottom',
	'.signup h2', '#footer-pricing', '#footer-display', '#footer-faq', '#footer-careers'];
export const PAGES = [
	{ name: 'home-A', path: '/demo/index.html', query: '?variant=A', keys: HOME },
	{ name: 'home-B', path: '/demo/index.html', query: '?variant=B', keys: HOME },
	{ name: 'product', path: '/demo/product.html', query: '', keys: [...NAV, '#crumb-home', '#hero-image',
		'#thumb-front', '#thumb-side', '#thumb-room', '#thumb-app', '.buybox h1', '#reviews-link', '.buybox .price',
		'#swatch-graphite', '#swatch-chalk', '#swatch-oak', '#qty', '#add-to-cart', '.perks', '.specs',
		'#cta-volume', '#footer-pricing'] },
	{ name: 'pricing', path: '/demo/pricing.html', query: '', keys: [...NAV, '.pricing h1', '#toggle-monthly',
		'#toggle-yearly', '#card-pro ul', '#plan-starter', '#plan-pro', '#plan-enterprise', '#coupon-code',
		'#apply-coupon', '#faq-trial > summary', '#faq-room > summary', '#faq-display > summary',
		'#faq-cancel > summary', '#faq-data > summary', '#cta-pricing', '#cta-walkthrough'] },
	{ name: 'app', path: '/demo/app.html', query: '', keys: ['#nav-logo', '#app-help', '#spa-tab-overview',
		'#spa-tab-settings', '#app-back', '#sync-calendars', '.app-head h1', '.stats .stat', '.room-table tbody'] },
	{ name: 'settings', path: '/demo/app.html', query: '?view=settings', keys: ['#nav-logo', '#app-help',
		'#spa-tab-overview', '#spa-tab-settings', '#app-back', '#ws-name', '#ws-release', '#ws-digest',
		'#slow-save', '.settings h3'] },
];

// The tracker as the build makes it (bundled with selector.js), unminified.
function trackerBundle() {
	return execFileSync(join(ROOT, 'node_modules', '.bin', 'esbuild'),
		['--bundle', '--format=iife', '--target=es2017', '--log-level=warning', join(ROOT, 'web', 'tracker', 'calor.js')]);
}

const TYPES = { '.html': 'text/html; charset=utf-8', '.css': 'text/css', '.js': 'text/javascript', '.json': 'application/json' };

// A static server for the working tree's demo: /demo/* from web/demo (the
// site key filled in), /calor.js bundled but unminified, /selector.js (the
// tracker's element naming, web/dashboard/selector.js), /collect swallowed.
function serve() {
	const tracker = trackerBundle();
	const server = createServer((req, res) => {
		const url = new URL(req.url, 'http://x');
		if (req.method === 'POST') { req.resume(); res.writeHead(204).end(); return; }
		if (url.pathname === '/calor.js') { res.writeHead(200, { 'Content-Type': TYPES['.js'] }).end(tracker); return; }
		let file;
		if (url.pathname === '/selector.js') file = join(ROOT, 'web', 'dashboard', 'selector.js');
		else if (url.pathname.startsWith('/demo/')) file = join(ROOT, 'web', 'demo', normalize(url.pathname.slice(6)).replace(/^(\.\.\/)+/, ''));
		let body;
		try { body = readFileSync(file); } catch { res.writeHead(404).end(); return; }
		const ext = file.slice(file.lastIndexOf('.'));
		if (ext === '.html') body = Buffer.from(String(body).replaceAll('__CALOR_SITE__', 'layout'));
		res.writeHead(200, { 'Content-Type': TYPES[ext] || 'application/octet-stream' }).end(body);
	});
	return new Promise(resolve => server.listen(0, '127.0.0.1', () => resolve(server)));
}

// In the page: every key's hit element at its centre and a miss next to it.
// Returns one view: {vw, vh, dw, dh, el: {key: [sel, x, y, w, h, flags,
// missSel, mx, my, mw, mh, mflags, px, py]}} with flags 1 = interactive,
// 2 = fixed/sticky; the miss fields are absent when nothing is next to it.
function measurePage(keys) {
	const sel = window.__calorLayout.selector, IA = window.__calorLayout.IA;
	const fixedOf = (e) => {
		for (; e && e.nodeType === 1; e = e.parentElement) if (/fixed|sticky/.test(getComputedStyle(e).position)) return 1;
		return 0;
	};
	const de = document.documentElement, R = Math.round;
	const flags = (e) => (e.closest(IA) ? 1 : 0) | (fixedOf(e) ? 2 : 0);
	const box = (e) => {
		const r = e.getBoundingClientRect();
		return [R(r.left + scrollX), R(r.top + scrollY), R(r.width), R(r.height)];
	};
	scrollTo(0, 0);
	const out = { vw: innerWidth, vh: innerHeight, dw: de.scrollWidth, dh: de.scrollHeight, el: {} };
	for (const key of keys) {
		const el = document.querySelector(key);
		if (!el) continue;
		let r = el.getBoundingClientRect();
		if (r.width < 2 || r.height < 2 || getComputedStyle(el).visibility === 'hidden') continue;
		// fixed things are measured where they are at the top of the page
		if (fixedOf(el)) scrollTo(0, 0);
		else scrollTo(0, Math.max(0, r.top + scrollY + r.height / 2 - innerHeight / 2));
		r = el.getBoundingClientRect();
		const cx = r.left + r.width / 2, cy = Math.min(Math.max(r.top + r.height / 2, 1), innerHeight - 2);
		const hit = document.elementFromPoint(cx, cy);
		// covered or clipped here (the click would hit something else)
		if (!hit || !el.contains(hit) || hit.closest('[data-calor-ignore]')) continue;
		const v = [sel(hit), ...box(hit), flags(hit)];
		const hr = hit.getBoundingClientRect();
		const probes = [[hr.left - 10, cy], [hr.right + 10, cy], [cx, hr.top - 10], [cx, hr.bottom + 10]];
		for (const [px, py] of probes) {
			if (px < 0 || py < 0 || px >= innerWidth || py >= innerHeight) continue;
			const m = document.elementFromPoint(px, py);
			if (!m || m === hit || hit.contains(m) || m === de || m.closest('[data-calor-ignore]')) continue;
			v.push(sel(m), ...box(m), flags(m), R(px + scrollX), R(py + scrollY));
			break;
		}
		out.el[key] = v;
	}
	scrollTo(0, 0);
	return out;
}

// Measure every page state at every viewport. Returns the layout object.
export async function generateLayout(browser) {
	const server = await serve();
	const base = `http://127.0.0.1:${server.address().port}`;
	const pages = [];
	try {
		for (const p of PAGES) {
			const views = [];
			for (const [width, height] of VIEWPORTS) {
				const ctx = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1 });
				const page = await ctx.newPage();
				await page.goto(`${base}${p.path}${p.query}`);
				await page.waitForLoadState('load');
				await page.evaluate(async () => {
					const { selector, IA } = await import('/selector.js');
					window.__calorLayout = { selector, IA };
				});
				await page.evaluate(() => document.fonts.ready);
				views.push(await page.evaluate(measurePage, p.keys));
				await ctx.close();
			}
			pages.push({ name: p.name, path: p.path, query: p.query, views });
		}
	} finally {
		server.close();
	}
	return { note: 'generated by scripts/demo-layout.mjs; do not edit', pages };
}

// One line per view keeps diffs readable.
export function formatLayout(l) {
	const out = ['{"note":' + JSON.stringify(l.note) + ',"pages":['];
	l.pages.forEach((p, i) => {
		out.push(`{"name":${JSON.stringify(p.name)},"path":${JSON.stringify(p.path)},"query":${JSON.stringify(p.query)},"views":[`);
		p.views.forEach((v, k) => out.push(JSON.stringify(v) + (k + 1 < p.views.length ? ',' : '')));
		out.push(']}' + (i + 1 < l.pages.length ? ',' : ''));
	});
	out.push(']}');
	return out.join('\n') + '\n';
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
	const { launchChromium } = await import('../tests/lib/harness.mjs');
	const browser = await launchChromium();
	try {
		const l = await generateLayout(browser);
		writeFileSync(LAYOUT_PATH, formatLayout(l));
		const n = l.pages.reduce((a, p) => a + p.views.reduce((b, v) => b + Object.keys(v.el).length, 0), 0);
		console.log(`wrote ${LAYOUT_PATH}: ${l.pages.length} page states x ${VIEWPORTS.length} viewports, ${n} elements`);
	} finally {
		await browser.close();
	}
}
