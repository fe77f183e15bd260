// SPDX-License-Identifier: MIT
// Hostile strings stored through /collect — script tags, onerror= and
// onload= attributes, javascript: URLs — in page paths, selectors, UTM
// values and tags, then every dashboard view that shows them: nothing runs,
// no element is injected, no javascript: link appears, and the strings are
// shown as text.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test, run, assert, assertEq, startServer, addSite, tempDir, cleanup, launchChromium, sleep, ROOT } from '../lib/harness.mjs';

const OUT = join(ROOT, 'tests', 'out');
mkdirSync(OUT, { recursive: true });
const dataDir = tempDir();
const key = addSite(dataDir, 'hostile');
const server = await startServer({ dataDir });
const browser = await launchChromium();

// Each payload sets window.__xss to its number if it ever runs.
const PATH = '/p"><img src=x onerror="window.__xss=1">';
const SELECTORS = [
	'<script>window.__xss=2</script>',
	'"><img src=x onerror="window.__xss=3">',
	'svg[onload="window.__xss=4"] > <svg onload=window.__xss=4>',
	'a[href="javascript:window.__xss=5"]',
];
const UTM = '<img src=x onerror=window.__xss=6>';
const TAGS = ['<b onmouseover=window.__xss=7>B</b>', 'javascript:window.__xss=8'];

let n = 0;
async function send(url, sel, tag, flags = {}) {
	const now = Date.now();
	const body = { v: 1, site: key, now, pv: { id: `pv_xss_${String(++n).padStart(4, '0')}`, seq: 0, sid: `sess_xss_${n}`,
		url, ts: now, vw: 1440, vh: 900, utm: { source: UTM, campaign: UTM }, tags: { variant: tag } },
	ev: [0, 1, 2].map(i => ({ t: 'click', ts: now + 100 * i, x: 300 + i, y: 400 + i, vw: 1440, vh: 900, dw: 1440, dh: 2000,
		sel, ex: 100, ey: 100, ew: 50, eh: 20, pt: 'mouse', ia: 0, ...flags }))
		.concat([{ t: 'scroll', ts: now + 500, y: 1500, dh: 2000, fold: 900, rev: 12 }]) };
	const r = await fetch(`${server.url}/collect`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify(body) });
	assertEq(r.status, 204, `collect ${sel}`);
}
for (const [i, sel] of SELECTORS.entries())
	await send(PATH, sel, TAGS[i % 2], i === 0 ? { dead: 1 } : i === 1 ? { err: 1 } : {});
await send('/javascript:window.__xss=9', SELECTORS[0], TAGS[1]);

const hashOf = (path, query) => `#/site/${encodeURIComponent(key)}/page/${encodeURIComponent(path)}?${new URLSearchParams(query)}`;

test('every view shows the hostile strings as text and runs none of them', async () => {
	const ctx = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
	await server.signIn(ctx);
	const page = await ctx.newPage();
	const dialogs = [], errors = [];
	page.on('dialog', d => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
	page.on('pageerror', e => errors.push(String(e)));
	// the site's page list, then the hostile page under every tab
	const views = [`${server.url}/#/site/${encodeURIComponent(key)}`];
	for (const type of ['click', 'move', 'scroll', 'attention', 'confetti', 'dead', 'error', 'rage'])
		views.push(`${server.url}/${hashOf(PATH, { device: 'desktop', type, ...(type === 'confetti' ? { by: 'tag.variant' } : {}) })}`);
	views.push(`${server.url}/${hashOf(PATH, { device: 'desktop', type: 'elements' })}`);
	views.push(`${server.url}/${hashOf(PATH, { device: 'desktop', type: 'frustration' })}`);
	views.push(`${server.url}/${hashOf(PATH, { device: 'desktop', type: 'diff', 'tag.variant': TAGS[0], 'vs.tag.variant': TAGS[1] })}`);
	views.push(`${server.url}/${hashOf(PATH, { device: 'desktop', type: 'click', utm_source: UTM, 'tag.variant': TAGS[0] })}`);
	let seen = '';
	for (const [i, v] of views.entries()) {
		await page.goto(v);
		await page.waitForLoadState('load');
		await page.locator('#view').waitFor({ timeout: 10000 }).catch(() => {});
		await sleep(900);
		// hover everything that lists stored strings (tooltips, highlights)
		for (const row of (await page.locator('table tbody tr').all()).slice(0, 12)) await row.hover({ timeout: 300 }).catch(() => {});
		const probe = await page.evaluate(() => ({
			xss: window.__xss,
			injected: document.querySelectorAll('img[src="x"], svg[onload], [onerror], [onload], [onmouseover], script:not([src])').length,
			js: [...document.querySelectorAll('[href], [src], [action]')].filter(e =>
				/^\s*javascript:/i.test(e.getAttribute('href') || e.getAttribute('src') || e.getAttribute('action') || '')).length,
			text: document.body.innerText,
		}));
		assertEq(probe.xss, undefined, `${v}: a payload ran`);
		assertEq(probe.injected, 0, `${v}: injected elements`);
		assertEq(probe.js, 0, `${v}: javascript: URLs`);
		seen += probe.text;
		await page.screenshot({ path: join(OUT, `xss-${i}.png`) });
	}
	// the strings were shown, as text
	for (const s of [SELECTORS[0], SELECTORS[1], TAGS[0]]) assert(seen.includes(s), `shown as text: ${s}`);
	assertEq(dialogs, [], 'no dialogs');
	assertEq(errors, [], 'no page errors');
	await ctx.close();
});

test('the API answers the hostile strings as JSON strings, never as markup', async () => {
	const r = await server.api(`/api/v1/elements?site=${key}&page=${encodeURIComponent(PATH)}`);
	assertEq(r.headers.get('content-type'), 'application/json; charset=utf-8', 'content type');
	const j = await r.json();
	assertEq(j.elements.map(e => e.selector).sort(), [...SELECTORS].sort(), 'selectors round-trip exactly');
	const pages = await (await server.api(`/api/v1/pages?site=${key}`)).json();
	assert(pages.pages.some(p => p.path === PATH), 'path round-trips exactly');
});

await run({ after: async () => { await browser.close(); await server.stop(); cleanup(dataDir); } });
