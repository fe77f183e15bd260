// SPDX-License-Identifier: MIT
// web/demo/layout.json (what `calor simulate` clicks) must match the demo
// as it renders now: the layout is measured again in Chromium and compared
// with the committed file (boxes within 2 px, the same selectors, flags and
// document sizes). When the demo or the tracker's selector rule changes,
// run `node scripts/demo-layout.mjs` and commit the file. A real click
// through the real tracker checks that layout.json names elements as
// calor.js does.
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { test, run, assert, assertEq, startServer, addSite, tempDir, cleanup, freePort, launchChromium, sleep, CALOR } from '../lib/harness.mjs';
import { generateLayout, LAYOUT_PATH } from '../../scripts/demo-layout.mjs';

const browser = await launchChromium();
const committed = JSON.parse(readFileSync(LAYOUT_PATH, 'utf8'));

test('layout.json is up to date (node scripts/demo-layout.mjs)', async () => {
	const fresh = await generateLayout(browser);
	const problems = [];
	const near = (a, b) => Math.abs(a - b) <= 2;
	assertEq(fresh.pages.map(p => p.name), committed.pages.map(p => p.name), 'page states');
	fresh.pages.forEach((p, i) => {
		const old = committed.pages[i];
		assertEq(p.views.length, old.views.length, `${p.name} views`);
		p.views.forEach((v, k) => {
			const o = old.views[k], where = `${p.name} ${v.vw}x${v.vh}`;
			if (v.vw !== o.vw || v.vh !== o.vh || !near(v.dw, o.dw) || !near(v.dh, o.dh))
				problems.push(`${where}: document ${v.dw}x${v.dh}, committed ${o.dw}x${o.dh}`);
			const keys = new Set([...Object.keys(v.el), ...Object.keys(o.el)]);
			for (const key of keys) {
				const a = v.el[key], b = o.el[key];
				if (!a || !b) { problems.push(`${where} ${key}: ${a ? 'new' : 'gone'}`); continue; }
				for (let j = 0; j < Math.max(a.length, b.length); j++) {
					const same = typeof a[j] === 'number' && typeof b[j] === 'number' && j !== 5 && j !== 11
						? near(a[j], b[j]) : a[j] === b[j];
					if (!same) { problems.push(`${where} ${key}[${j}]: ${JSON.stringify(a[j])}, committed ${JSON.stringify(b[j])}`); break; }
				}
			}
		});
	});
	assert(problems.length === 0, `layout.json is stale (run node scripts/demo-layout.mjs):\n  ${problems.slice(0, 20).join('\n  ')}`);
});

test('the tracker sends the selectors layout.json names', async () => {
	const port = await freePort();
	const dataDir = tempDir();
	const key = addSite(dataDir, 'demo', [`http://127.0.0.1:${port}`]);
	const server = await startServer({ dataDir, port, extraArgs: ['--demo-site', key] });
	try {
		const want = [];
		for (const [path, state, keys] of [
			['/demo/index.html?variant=B', 'home-B', ['#cta-hero', '.hero h1', '.mockup']],
			['/demo/product.html', 'product', ['#hero-image', '.specs', '#add-to-cart']],
			['/demo/pricing.html', 'pricing', ['#apply-coupon', '#card-pro ul']],
		]) {
			const view = committed.pages.find(p => p.name === state).views.find(v => v.vw === 1440);
			const ctx = await browser.newContext({ viewport: { width: view.vw, height: view.vh } });
			const page = await ctx.newPage();
			await page.goto(`${server.url}${path}`);
			await page.waitForFunction(() => typeof window.calor === 'function' && !window.calor.q);
			for (const k of keys) {
				const [sel, x, y, w, h] = view.el[k];
				await page.evaluate(([cx, cy]) => window.scrollTo(0, Math.max(0, cy - innerHeight / 2)), [x + w / 2, y + h / 2]);
				const sy = await page.evaluate(() => scrollY);
				await page.mouse.click(x + w / 2, y + h / 2 - sy);
				want.push([path.split('?')[0], sel]);
				await sleep(150);
				if (page.url().split('#')[0] !== `${server.url}${path}`) await page.goBack();
			}
			await sleep(300);
			await page.goto('about:blank');
			await ctx.close();
		}
		let got = [];
		for (let i = 0; i < 100 && got.length < want.length; i++) {
			await sleep(100);
			got = execFileSync(CALOR, ['export', '--site', key, '--data', dataDir], { encoding: 'utf8' })
				.trim().split('\n').map(l => JSON.parse(l)).filter(x => x.type === 'click').map(c => [c.page, c.selector]);
		}
		for (const w of want)
			assert(got.some(g => g[0] === w[0] && g[1] === w[1]), `the tracker sent ${JSON.stringify(w)} (got ${JSON.stringify(got)})`);
	} finally {
		await server.stop();
		cleanup(dataDir);
	}
});

await run({ after: () => browser.close() });
