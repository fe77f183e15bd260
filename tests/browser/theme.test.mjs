// SPDX-License-Identifier: MIT
// The dashboard's look in Debian's Chromium, on sessions sent through POST
// /collect: the theme switch (System follows the OS, Light and Dark kept
// across a reload and applied before the body is parsed), WCAG contrast of
// every text and form field measured from computed styles in both themes,
// the page view's geometry at desktop and tablet sizes (no sideways
// scrolling, tabs on one line, no overlapping controls, 32 px touch
// targets, the sidebar narrowed) and the keyboard path through the page
// view with a visible focus ring. Saves tests/out/theme-*.png.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test, run, assert, assertEq, startServer, addSite, tempDir, cleanup, freePort, launchChromium, cli, sleep, ROOT } from '../lib/harness.mjs';

const OUT = join(ROOT, 'tests', 'out');
mkdirSync(OUT, { recursive: true });
const port = await freePort();
const origin = `http://127.0.0.1:${port}`;
const dataDir = tempDir();
const key = addSite(dataDir, 'demo shop', [origin]);
cli(['site', 'set', key, 'backdate_days=30', '--data', dataDir]);
addSite(dataDir, 'blog', ['https://blog.example']);
const server = await startServer({ dataDir, port, extraArgs: ['--demo-site', key] });
const browser = await launchChromium();
const PRICING = '/demo/pricing.html';

// 40 sessions over 10 days on three demo pages, with rage, dead and error
// clicks, goals and a tag: every badge, chip and warning has something to show
const NOW = Date.now();
const DAY = 86400000;
const click = (ts, sel, x, y, extra = {}) => ({ t: 'click', ts, x, y, vw: 1440, vh: 900, dw: 1440, dh: 3000, sel, ex: 30000, ey: 30000, ew: 200, eh: 40, pt: 'mouse', ia: 1, ...extra });
async function send(body) {
	const r = await fetch(`${server.url}/collect`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify(body) });
	if (r.status !== 204) throw new Error(`collect: HTTP ${r.status} ${await r.text()}`);
}
for (let i = 0; i < 40; i++) {
	const t0 = NOW - (i % 10) * DAY - 3600000;
	const id = String(i).padStart(4, '0');
	for (const [u, url] of [PRICING, '/demo/', '/demo/product.html'].entries()) {
		const ev = [click(t0 + 1000, '#plan-pro', 700 + i * 3, 900), click(t0 + 3000, '#plan-starter', 340, 900 + i)];
		if (i < 3) for (let k = 0; k < 4; k++) ev.push(click(t0 + 5000 + k * 150, '#plan-starter', 340, 900));
		if (i < 5) ev.push(click(t0 + 9000, 'div.plan-art > img', 500, 600, { ia: 0, dead: 1 }));
		if (i >= 10 && i < 14) ev.push(click(t0 + 12000, '#apply-coupon', 800, 1500, { err: 1 }));
		ev.push({ t: 'scroll', ts: t0 + 10000, y: 900 + (i % 10) * 200, dh: 3000, fold: 900, rev: 1 });
		if (i % 3 === 0) ev.push({ t: 'goal', ts: t0 + 11000, name: 'signup' });
		await send({ v: 1, site: key, now: NOW, pv: { id: `pv_theme_${u}_${id}`, seq: 0, sid: `sess_theme_${id}`, url, ts: t0, vw: 1440, vh: 900, tags: { variant: i % 2 ? 'B' : 'A' } }, ev });
	}
}

const HASH = {
	sites: '#/sites',
	pages: `#/site/${key}`,
	page: `#/site/${key}/page/${encodeURIComponent(PRICING)}?type=click`,
};
const errors = [];
async function open(ctx, name) {
	const page = await ctx.newPage();
	page.on('pageerror', (e) => errors.push(String(e)));
	page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
	// (a comparison whose B side has no page views is a 400 the view explains)
	page.on('response', (r) => { if (r.status() >= 400 && r.status() !== 401 && !r.url().includes('type=diff')) errors.push(`HTTP ${r.status()} ${r.url()}`); });
	await page.goto(`${server.url}/${HASH[name]}`);
	await ready(page, name);
	return page;
}
async function ready(page, name) {
	await page.locator('#view[data-state="ready"]').waitFor({ timeout: 15000 });
	if (name === 'page') await page.locator('img#heatmap-overlay[data-state="ready"]').waitFor({ state: 'visible', timeout: 15000 });
	if (name === 'pages') await page.locator('#pages-card[data-state="ready"]').waitFor({ timeout: 15000 });
}
async function newContext(opts = {}) {
	const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US', ...opts });
	await server.signIn(ctx);
	return ctx;
}
// a context whose stored choice is THEME before any page of it loads
async function themed(theme, opts) {
	const ctx = await newContext(opts);
	await ctx.addInitScript((t) => { if (!sessionStorage.getItem('seeded')) { localStorage.setItem('calor-theme', t); sessionStorage.setItem('seeded', '1'); } }, theme);
	return ctx;
}
const shot = async (page, name, opts = {}) => { await sleep(250); await page.screenshot({ path: join(OUT, `theme-${name}.png`), ...opts }); };

// Colour maths that runs in the page: WCAG relative luminance and contrast
// of computed colours, over the element's real backdrop (the first opaque
// background up the tree, with translucent ones blended on top).
const COLOUR_LIB = `
	window.__c = (() => {
		function parse(c) {
			if (!c || c === 'transparent') return [0, 0, 0, 0];
			let m = /^rgba?\\(([^)]*)\\)/.exec(c);
			if (m) { const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; }
			m = /^color\\(srgb ([^)]*)\\)/.exec(c);
			if (m) { const p = m[1].split(/[\\s\\/]+/).filter(Boolean).map(Number); return [p[0] * 255, p[1] * 255, p[2] * 255, p.length > 3 ? p[3] : 1]; }
			return null;
		}
		const over = (top, bottom) => { const a = top[3]; return [0, 1, 2].map((i) => top[i] * a + bottom[i] * (1 - a)).concat(1); };
		function backdrop(el) {
			const layers = [];
			for (let e = el; e; e = e.parentElement) {
				const c = parse(getComputedStyle(e).backgroundColor);
				if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
			}
			let bg = [255, 255, 255, 1];
			for (let i = layers.length - 1; i >= 0; i--) bg = over(layers[i], bg);
			return bg;
		}
		const lin = (v) => { v /= 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
		const lum = (c) => 0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2]);
		const ratio = (a, b) => { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
		// the contrast of el's text (or of the colour given) against its backdrop
		function contrast(el, colour) {
			const bg = backdrop(el);
			const fg = parse(colour || getComputedStyle(el).color);
			return ratio(over(fg, bg), bg);
		}
		function visible(el) {
			const r = el.getBoundingClientRect();
			if (r.width < 2 || r.height < 2) return false;
			if (!el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) return false;
			for (let e = el; e; e = e.parentElement) if (Number(getComputedStyle(e).opacity) < 1) return false;
			return true;
		}
		const label = (el) => el.id ? '#' + el.id : el.tagName.toLowerCase() + '.' + [...el.classList].join('.');
		return { parse, backdrop, ratio, contrast, visible, label };
	})();
`;

// ------------------------------------------------------------ theme switch

// theme.js hears of an OS change from a media query event, a moment later
const osTheme = (page, want) => page.waitForFunction((w) => document.documentElement.dataset.theme === w, want, { timeout: 5000 });

test('theme switch: System follows the OS, Light and Dark are kept across a reload and applied before the body', async () => {
	const ctx = await newContext({ colorScheme: 'light' });
	// when <body> is parsed, <html data-theme> must already hold the stored choice
	await ctx.addInitScript(() => {
		new MutationObserver((_, obs) => {
			if (!document.body) return;
			window.__themeAtBody = document.documentElement.dataset.theme || '(none)';
			obs.disconnect();
		}).observe(document, { childList: true, subtree: true });
	});
	const page = await open(ctx, 'sites');
	const state = () => page.evaluate(() => ({
		theme: document.documentElement.dataset.themeChoice,
		resolved: document.documentElement.dataset.theme,
		scheme: getComputedStyle(document.documentElement).colorScheme,
		bg: getComputedStyle(document.body).backgroundColor,
		checked: document.querySelector('input[name="theme"]:checked').value,
		meta: document.querySelector('meta[name="color-scheme"]').content,
		stored: localStorage.getItem('calor-theme'),
		atBody: window.__themeAtBody,
	}));
	const LIGHT_BG = 'rgb(246, 247, 249)', DARK_BG = 'rgb(14, 17, 22)';
	let s = await state();
	assertEq([s.theme, s.resolved, s.checked, s.scheme, s.bg, s.meta], ['system', 'light', 'system', 'light', LIGHT_BG, 'light dark'], 'first visit: System, light OS');

	await page.emulateMedia({ colorScheme: 'dark' });
	await osTheme(page, 'dark');
	s = await state();
	assertEq([s.theme, s.resolved, s.scheme, s.bg], ['system', 'dark', 'dark', DARK_BG], 'System follows a dark OS');
	await shot(page, 'sites-system-dark');

	// Dark, chosen with the mouse, wins over a light OS and survives a reload
	await page.emulateMedia({ colorScheme: 'light' });
	await page.click('label[for="theme-dark"]');
	s = await state();
	assertEq([s.theme, s.checked, s.scheme, s.bg, s.stored, s.meta], ['dark', 'dark', 'dark', DARK_BG, 'dark', 'dark'], 'Dark chosen');
	await page.reload();
	await ready(page, 'sites');
	s = await state();
	assertEq([s.theme, s.checked, s.bg, s.atBody], ['dark', 'dark', DARK_BG, 'dark'], 'Dark after a reload, set before <body>');

	// Light, chosen with the keyboard (arrow keys in the radio group), wins over a dark OS
	await page.emulateMedia({ colorScheme: 'dark' });
	await page.focus('#theme-dark');
	await page.keyboard.press('ArrowLeft');
	s = await state();
	assertEq([s.theme, s.checked, s.bg, s.stored], ['light', 'light', LIGHT_BG, 'light'], 'Light chosen with the arrow key');
	await page.reload();
	await ready(page, 'sites');
	s = await state();
	assertEq([s.theme, s.bg, s.atBody], ['light', LIGHT_BG, 'light'], 'Light after a reload on a dark OS');

	// back to System
	await page.keyboard.press('Tab'); // nothing focused after a reload: just moves on
	await page.click('label[for="theme-system"]');
	s = await state();
	assertEq([s.theme, s.bg, s.stored], ['system', DARK_BG, 'system'], 'System again, OS dark');
	await page.emulateMedia({ colorScheme: 'light' });
	await osTheme(page, 'light');
	assertEq((await state()).bg, LIGHT_BG, 'and light with the OS');

	// one dark block: System on a dark OS is the same theme as Dark
	const vars = () => page.evaluate(() => {
		const cs = getComputedStyle(document.documentElement);
		return ['--bg', '--surface', '--text', '--muted', '--accent', '--focus', '--code-bg'].map((n) => cs.getPropertyValue(n).trim());
	});
	const rules = await page.evaluate(() => [...document.styleSheets].flatMap((sh) => [...sh.cssRules]).filter((r) => r.conditionText && r.conditionText.includes('prefers-color-scheme')).length);
	assertEq(rules, 0, 'no second copy of the colours under prefers-color-scheme');
	await page.emulateMedia({ colorScheme: 'dark' });
	await osTheme(page, 'dark');
	const system = await vars();
	await page.click('label[for="theme-dark"]');
	assertEq(await vars(), system, 'System on a dark OS = Dark');
	await page.click('label[for="theme-light"]');
	assert(JSON.stringify(await vars()) !== JSON.stringify(system), 'and Light differs');
	await ctx.close();
});

// ------------------------------------------------------------ contrast

// Every visible piece of text in the sidebar and the view: 4.5:1 (3:1 when
// large); every form field's border and the focus colour: 3:1.
const measured = [];
async function contrastReport(page) {
	await page.evaluate(COLOUR_LIB);
	return page.evaluate(() => {
		const { contrast, visible, label, parse, backdrop, ratio } = window.__c;
		const bad = [];
		const worst = {};
		const note = (kind, el, r, need) => {
			if (!worst[kind] || r < worst[kind].r) worst[kind] = { r: Math.round(r * 100) / 100, el: label(el) };
			if (r < need) bad.push(`${kind} ${label(el)} "${(el.textContent || '').trim().slice(0, 30)}" ${r.toFixed(2)} < ${need}`);
		};
		let count = 0;
		const roots = [document.querySelector('.sidebar'), document.getElementById('view')].filter(Boolean);
		for (const root of roots) {
			for (const el of root.querySelectorAll('*')) {
				if (el.closest('.stage, svg, .sr-only, .theme-input')) continue;
				const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
				if (!own || !visible(el)) continue;
				const cs = getComputedStyle(el);
				const px = parseFloat(cs.fontSize), bold = Number(cs.fontWeight) >= 700;
				const large = px >= 24 || (px >= 18.66 && bold);
				note('text', el, contrast(el), large ? 3 : 4.5);
				count++;
			}
		}
		// named kinds, for the report
		const kinds = {
			body: '.page-title, .row-title, .figure dt, .card-title', muted: '.page-sub, .stat-label, .control-label, .muted, .crumb a',
			links: '.crumb a, a.row-title, .nav-link', buttons: '.btn, .tab, .seg-btn', badges: '.tab-badge, .seg-badge, .badge, .sig, .chip',
			warnings: '.callout-warn .callout-text, .sample-warning, .cell-flag',
		};
		for (const [kind, sel] of Object.entries(kinds)) {
			for (const el of document.querySelectorAll(sel)) if (visible(el) && el.textContent.trim()) note(kind, el, contrast(el), 4.5);
		}
		for (const el of document.querySelectorAll('.input, .select, input[type="date"]')) {
			if (!visible(el)) continue;
			const border = parse(getComputedStyle(el).borderTopColor);
			note('field border', el, ratio(border, backdrop(el.parentElement)), 3);
		}
		const probe = document.createElement('span');
		probe.style.color = 'var(--focus)';
		document.querySelector('.main').appendChild(probe);
		note('focus ring', probe, ratio(parse(getComputedStyle(probe).color), backdrop(probe)), 3);
		probe.remove();
		worst.texts = { r: count, el: 'measured' };
		return { bad, worst };
	});
}

for (const theme of ['light', 'dark']) {
	test(`contrast in the ${theme} theme: text 4.5:1 (large 3:1), field borders and focus 3:1; screenshots`, async () => {
		const ctx = await themed(theme, { colorScheme: theme === 'dark' ? 'light' : 'dark' });
		const page = await open(ctx, 'sites');
		const problems = [];
		for (const name of ['sites', 'pages', 'page']) {
			if (name !== 'sites') {
				await page.evaluate((h) => { location.hash = h; }, HASH[name]);
				await ready(page, name);
			}
			await shot(page, `${name}-${theme}`);
			const { bad, worst } = await contrastReport(page);
			problems.push(...bad.map((b) => `${name}: ${b}`));
			measured.push(`${theme} ${name}: ` + Object.entries(worst).map(([k, v]) => `${k} ${v.r} (${v.el})`).join(', '));
		}
		// the page view's other types: the frustration report, elements, compare, the scroll chart
		for (const [type, extra] of [['rage', {}], ['elements', {}], ['scroll', {}], ['diff', { vs: 'custom', 'vs.tag.variant': 'B' }]]) {
			const q = new URLSearchParams({ type, ...extra });
			await page.evaluate((h) => { location.hash = h; }, `#/site/${key}/page/${encodeURIComponent(PRICING)}?${q}`);
			await page.locator(`img#heatmap-overlay[data-state="ready"][data-type="${type}"]`).waitFor({ state: 'attached', timeout: 15000 });
			await page.locator('#view[data-state="ready"]').waitFor({ timeout: 15000 });
			if (type === 'rage') await page.locator('#frustration-report[data-state="ready"]').waitFor({ timeout: 15000 });
			if (type === 'elements') await page.locator('#type-panel[data-state="ready"] #elements-body tr.element-row').first().waitFor({ timeout: 15000 });
			await sleep(500);
			const { bad, worst } = await contrastReport(page);
			problems.push(...bad.map((b) => `page ${type}: ${b}`));
			measured.push(`${theme} page ${type}: text ${worst.text && worst.text.r} (${worst.text && worst.text.el})`);
			if (type === 'rage') await shot(page, `frustration-${theme}`, { fullPage: true });
		}
		await ctx.close();
		// the sign-in screen
		const anon = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: theme });
		const p2 = await anon.newPage();
		await p2.goto(`${server.url}/`);
		await p2.locator('#signin-form').waitFor({ timeout: 15000 });
		const { bad } = await contrastReport(p2);
		problems.push(...bad.map((b) => `sign-in: ${b}`));
		await shot(p2, `signin-${theme}`);
		await anon.close();
		for (const m of measured.filter((x) => x.startsWith(theme))) console.error(`# ${m}`);
		assert(problems.length === 0, `contrast too low:\n  ${problems.slice(0, 30).join('\n  ')}`);
	});
}

// ------------------------------------------------------------ geometry

const SIZES = [
	{ name: '1280x800', width: 1280, height: 800 },
	{ name: '1440x900', width: 1440, height: 900 },
	{ name: 'tablet-portrait', width: 820, height: 1180, tablet: true },
	{ name: 'tablet-landscape', width: 1180, height: 820, tablet: true },
	{ name: '1024x768', width: 1024, height: 768, tablet: true },
];

// What the page view must get right at one size: returns the problems.
async function geometry(page, tablet) {
	await page.evaluate(COLOUR_LIB);
	return page.evaluate((tablet) => {
		const { visible, label } = window.__c;
		const out = [];
		const de = document.documentElement;
		if (de.scrollWidth > de.clientWidth) out.push(`the document scrolls sideways: ${de.scrollWidth} > ${de.clientWidth}`);
		const tabs = [...document.querySelectorAll('#type-tabs .tab')];
		const tops = new Set(tabs.map((t) => Math.round(t.getBoundingClientRect().top)));
		if (tabs.length !== 8 || tops.size !== 1) out.push(`tabs on ${tops.size} lines`);
		const list = document.getElementById('type-tabs');
		if (list.scrollWidth > list.clientWidth + 1) out.push(`the tab row scrolls: ${list.scrollWidth} > ${list.clientWidth}`);
		for (const t of tabs) {
			const r = t.getBoundingClientRect(), lr = list.getBoundingClientRect();
			if (r.left < lr.left - 1 || r.right > lr.right + 1) out.push(`${label(t)} outside the tab row`);
		}
		// every control of the header, toolbar and stage bar inside the window, none over another
		const controls = [...document.querySelectorAll('.page-header, .toolbar, .stage-bar, .type-panel')]
			.flatMap((box) => [...box.querySelectorAll('button, a[href], select, input, output, .control-label, .stat, .zoom-scale, .page-title, .seg')])
			.filter((el) => visible(el) && !el.classList.contains('theme-input'));
		const boxes = controls.map((el) => ({ el, r: el.getBoundingClientRect() }));
		for (const { el, r } of boxes) {
			if (r.left < -1 || r.right > de.clientWidth + 1) out.push(`${label(el)} outside the window (${Math.round(r.left)}..${Math.round(r.right)})`);
		}
		for (let i = 0; i < boxes.length; i++) {
			for (let j = i + 1; j < boxes.length; j++) {
				const a = boxes[i], b = boxes[j];
				if (a.el.contains(b.el) || b.el.contains(a.el)) continue;
				const w = Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left);
				const h = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top);
				if (w > 1 && h > 1) out.push(`${label(a.el)} overlaps ${label(b.el)} (${Math.round(w)}x${Math.round(h)})`);
			}
		}
		const panel = document.getElementById('type-panel').getBoundingClientRect();
		if (panel.right > de.clientWidth + 1) out.push(`the side panel ends at ${panel.right}`);
		// the sidebar: a column at desktop widths, a rail or a top bar on a tablet
		const side = document.querySelector('.sidebar').getBoundingClientRect();
		const main = document.getElementById('main').getBoundingClientRect();
		if (de.clientWidth >= 1280 && side.width < 200) out.push(`sidebar ${side.width} px wide at ${de.clientWidth}`);
		if (de.clientWidth < 1280 && de.clientWidth >= 900 && side.width > 80) out.push(`sidebar not narrowed: ${side.width} px`);
		if (de.clientWidth < 900 && (main.left > 1 || side.bottom > main.top + 1)) out.push(`sidebar not a top bar: main at ${main.left},${main.top}`);
		// touch targets
		if (tablet) {
			const targets = [...document.querySelectorAll('.sidebar, #view')]
				.flatMap((box) => [...box.querySelectorAll('button, a[href], select, input, summary, [role="tab"]')])
				.map((el) => (el.classList.contains('theme-input') ? el.nextElementSibling : el))
				.filter(visible);
			for (const el of targets) {
				const r = el.getBoundingClientRect();
				if (r.width < 31.5 || r.height < 31.5) out.push(`touch target ${label(el)} "${el.textContent.trim().slice(0, 20)}" is ${Math.round(r.width)}x${Math.round(r.height)}`);
			}
		}
		return out;
	}, tablet);
}

test('the page view, the pages table and the sites fit at 1280x800, 1440x900, tablets and 1024x768', async () => {
	const ctx = await themed('light');
	const page = await open(ctx, 'page');
	const problems = [];
	for (const size of SIZES) {
		await page.setViewportSize({ width: size.width, height: size.height });
		await page.evaluate((h) => { location.hash = h; }, HASH.page);
		await ready(page, 'page');
		await sleep(300);
		problems.push(...(await geometry(page, size.tablet)).map((p) => `${size.name}: ${p}`));
		if (size.name === 'tablet-portrait') await shot(page, 'page-tablet');
		if (size.name === 'tablet-landscape') await shot(page, 'page-tablet-landscape');
		if (size.name === '1024x768') await shot(page, 'page-1024');
		// the Elements table beside the page keeps its columns in view
		await page.evaluate((h) => { location.hash = h; }, HASH.page.replace('type=click', 'type=elements'));
		await page.locator('#type-panel[data-state="ready"] #elements-body tr.element-row').first().waitFor({ timeout: 15000 });
		const el = await page.evaluate(() => [...document.querySelectorAll('#type-panel .table-scroll')].map((t) => t.scrollWidth - t.clientWidth));
		if (!el.length || el.some((d) => d > 1)) problems.push(`${size.name}: the Elements table scrolls sideways (${el})`);
		for (const name of ['pages', 'sites']) {
			await page.evaluate((h) => { location.hash = h; }, HASH[name]);
			await ready(page, name);
			const w = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth,
				...[...document.querySelectorAll('.table-scroll')].map((t) => t.scrollWidth - t.clientWidth)]);
			if (w[0] > w[1]) problems.push(`${size.name} ${name}: the document scrolls sideways (${w[0]} > ${w[1]})`);
			const bar = await page.evaluate(() => document.querySelector('.sidebar').getBoundingClientRect().height);
			if (size.width < 900 && bar > 100) problems.push(`${size.name} ${name}: the top bar is ${bar} px high`);
			if (w.slice(2).some((d) => d > 1)) problems.push(`${size.name} ${name}: a table scrolls sideways (${w.slice(2)})`);
			const cut = await page.$$eval('a.row-title', (as) => as.filter((a) => a.scrollWidth > a.clientWidth + 1).map((a) => a.textContent));
			if (cut.length) problems.push(`${size.name} ${name}: names cut short: ${cut}`);
			if (size.name === 'tablet-portrait') await shot(page, `${name}-tablet`);
		}
	}
	await ctx.close();
	assert(problems.length === 0, `layout:\n  ${problems.slice(0, 40).join('\n  ')}`);
});

// ------------------------------------------------------------ keyboard

for (const theme of ['light', 'dark']) {
	test(`keyboard (${theme}): Tab reaches every control of the page view in order, each with a visible focus ring`, async () => {
		const ctx = await themed(theme);
		const page = await open(ctx, 'page');
		await page.evaluate(COLOUR_LIB);
		await page.evaluate(() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); });
		// focus from the top of the document
		await page.evaluate(() => { const a = document.createElement('span'); a.tabIndex = -1; document.body.prepend(a); a.focus(); a.remove(); });
		const seen = [];
		const noRing = [];
		for (let i = 0; i < 70; i++) {
			await page.keyboard.press('Tab');
			const f = await page.evaluate(() => {
				const { parse, backdrop, ratio, label } = window.__c;
				const el = document.activeElement;
				if (!el || el === document.body) return null;
				const shown = el.classList.contains('theme-input') ? el.nextElementSibling : el;
				const cs = getComputedStyle(shown);
				const bg = backdrop(shown.parentElement || shown);
				let ring = 0;
				if (cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 1) ring = ratio(parse(cs.outlineColor), bg);
				if (cs.boxShadow && cs.boxShadow !== 'none') {
					for (const m of cs.boxShadow.matchAll(/rgba?\([^)]*\)|color\(srgb[^)]*\)/g)) {
						const c = parse(m[0]);
						if (c && c[3] >= 0.9) ring = Math.max(ring, ratio(c, bg));
					}
				}
				return { id: el.id || label(el), ring: Math.round(ring * 100) / 100, inView: !!el.closest('#view') };
			});
			if (!f) continue;
			seen.push(f.id);
			if (f.ring < 3) noRing.push(`${f.id} (${f.ring})`);
			if (f.id === 'overlay-opacity') break;
		}
		const want = ['skip-link', 'nav-sites', 'nav-site', 'sign-out', `theme-${theme}`, 'refresh', 'share', 'tab-click', 'device-desktop',
			'date-range', 'filter-add', 'radius', 'palette', 'overlay-opacity'];
		const at = want.map((id) => seen.indexOf(id));
		assert(at.every((i) => i >= 0), `Tab reached ${JSON.stringify(seen)}; missing ${want.filter((_, k) => at[k] < 0)}`);
		assert(at.every((v, k) => k === 0 || v > at[k - 1]), `in order: ${JSON.stringify(seen)}`);
		// the tabs are one Tab stop: the arrow keys (End) reach Compare, then Tab its controls
		await page.focus('#tab-click');
		await page.keyboard.press('End');
		assertEq(await page.evaluate(() => document.activeElement.id), 'tab-compare', 'End moves to Compare');
		await page.waitForFunction(() => location.hash.includes('type=diff'));
		await page.locator('#vs-preset').waitFor({ timeout: 15000 });
		const after = [];
		for (let i = 0; i < 12 && !after.includes('vs-preset'); i++) {
			await page.keyboard.press('Tab');
			after.push(await page.evaluate(() => document.activeElement.id));
		}
		assert(after.includes('vs-preset'), `Tab from Compare reaches its presets: ${after}`);
		await shot(page, `focus-${theme}`);
		assert(noRing.length === 0, `no visible focus ring (3:1) on: ${noRing.join(', ')}`);
		await ctx.close();
	});
}

test('no errors in the dashboard', async () => {
	assertEq(errors.filter((e) => !/Failed to load resource/.test(e)), [], 'page errors');
});

await run({ after: async () => { await browser.close(); await server.stop(); cleanup(dataDir); } });
