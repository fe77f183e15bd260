// SPDX-License-Identifier: MIT
// The Sites views in Chromium against a real server: add a site through
// the form (its mistakes refused with the field named), its install page
// (the snippet, the copy button, the live check that turns green when the
// demo pages, carrying the copied snippet, send their first page view), and
// its settings (privacy, retention, a frustration rule) saved, kept after a
// reload, and in the snippet and the API. Saves tests/out/sites-*.png.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test, run, assert, assertEq, startServer, addSite, tempDir, cleanup, launchChromium, sleep, ROOT } from '../lib/harness.mjs';

const OUT = join(ROOT, 'tests', 'out');
mkdirSync(OUT, { recursive: true });
const dataDir = tempDir();
const demoKey = addSite(dataDir, 'demo');
const server = await startServer({ dataDir, extraArgs: ['--demo-site', demoKey] });
const browser = await launchChromium();
const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
await server.signIn(ctx);
const page = await ctx.newPage();
const errors = [];
page.on('pageerror', (e) => errors.push(String(e)));
page.on('console', (m) => { if (m.type() === 'error' && !/status of 400/.test(m.text())) errors.push(m.text()); });
const shot = async (name) => { await sleep(150); await page.screenshot({ path: join(OUT, `sites-${name}.png`), fullPage: true }); };
const ready = () => page.locator('#view[data-state="ready"]').waitFor({ timeout: 10000 });
const sitesApi = async () => (await (await server.api('/api/v1/sites')).json()).sites;

let key = null;
const NAME = 'Shop <script>alert(1)</script>';

test('the list has an Add site button; the form refuses mistakes and names the field', async () => {
	await page.goto(`${server.url}/#/sites`);
	await ready();
	assertEq(await page.$$eval('#sites-table tr.site-row', (trs) => trs.map((t) => t.dataset.key)), [demoKey], 'one site');
	await page.click('#add-site');
	await page.waitForFunction(() => location.hash === '#/sites/new');
	await ready();
	assertEq(await page.evaluate(() => document.activeElement.id), 'site-name', 'the name has focus');
	// no name
	await page.click('#form-submit');
	assertEq(await page.textContent('#form-error-text'), 'The site needs a name.');
	assertEq(await page.getAttribute('#site-name', 'aria-invalid'), 'true', 'the name is marked');
	// a path is not an origin
	await page.fill('#site-name', NAME);
	await page.fill('#site-origins', `${server.url}/shop`);
	await page.click('#form-submit');
	assert((await page.textContent('#form-error-text')).includes(`is not an origin: just the scheme, host and port, like ${server.url}`), await page.textContent('#form-error-text'));
	// a rule out of range
	await page.fill('#site-origins', `${server.url}\nhttps://shop.example/`);
	await page.fill('#set-rage_clicks', '1');
	await page.click('#form-submit');
	assertEq(await page.textContent('#form-error-text'), 'Rage: clicks in a run: a whole number from 2 to 20.');
	assertEq(await page.evaluate(() => document.activeElement.id), 'set-rage_clicks', 'focus on the bad rule');
	assertEq((await sitesApi()).length, 1, 'nothing was created');
	await page.fill('#set-rage_clicks', '4');
	await shot('new');
});

test('creating a site stores what the form says and opens its install page', async () => {
	await page.check('#set-consent_required');
	await page.selectOption('#retention', '90');
	await page.click('#form-submit');
	await page.waitForFunction(() => /^#\/site\/[^/]+\/install$/.test(location.hash));
	key = decodeURIComponent(/#\/site\/([^/]+)\/install/.exec(page.url())[1]);
	await ready();
	const s = (await sitesApi()).find((x) => x.key === key);
	assertEq([s.name, s.origins], [NAME, [server.url, 'https://shop.example']], 'name and origins (slash dropped, sorted)');
	assertEq([s.settings.rage_clicks, s.settings.consent_required, s.settings.retention_days, s.settings.no_storage], [4, 1, 90, 0], 'settings');
	assertEq(await page.textContent('#view-title'), `Install calor on ${NAME}`, 'the name is text');
	assertEq(await page.textContent('#snippet'), s.snippet, 'the snippet on show is the API\'s');
	assert(s.snippet.includes('data-consent="required"'), 'consent is in the snippet');
	assertEq(await page.getAttribute('#install-status', 'data-state'), 'waiting');
	assertEq(await page.textContent('#install-text'), 'Waiting for the first page view…');
	assertEq(await page.$$eval('#view script', (x) => x.length), 0, 'no script element from the name');
	assert(!(await page.isVisible('#nav-page')), 'no page in the sidebar');
	assertEq(await page.getAttribute('#nav-install', 'aria-current'), 'page', 'Install is current in the sidebar');
	await shot('install-waiting');
});

test('the copied snippet on the demo pages makes the live check turn green', async () => {
	await page.click('#copy-snippet');
	const copied = await page.evaluate(() => navigator.clipboard.readText());
	assertEq(copied, await page.textContent('#snippet'), 'the clipboard holds the snippet');
	assertEq(await page.textContent('#copy-snippet'), 'Copied');
	// this site waits for consent: without it the demo page sends nothing
	const visitor = await browser.newContext({ viewport: { width: 1280, height: 900 } });
	await visitor.route('**/demo/*.html', async (route) => {
		const r = await route.fetch();
		const body = (await r.text()).replace(/<script defer src="\/calor\.js"[^>]*><\/script>/, copied);
		assert(body.includes(copied), 'the demo page carries the copied snippet');
		await route.fulfill({ response: r, body });
	});
	const v = await visitor.newPage();
	await v.goto(`${server.url}/demo/pricing.html`);
	await v.waitForFunction(() => window.calor && window.calor.l === 1);
	await v.mouse.click(200, 200);
	await sleep(3500);
	assertEq(await page.getAttribute('#install-status', 'data-state'), 'waiting', 'nothing before consent');
	await v.evaluate(() => window.calor('consent', true));
	await v.click('text=Start free trial').catch(() => v.mouse.click(300, 300));
	await v.close();
	await page.locator('#install-status[data-state="received"]').waitFor({ timeout: 15000 });
	const text = await page.textContent('#install-text');
	assert(/^Events are arriving\. 1 page view today \(UTC\) on 1 page, 1 since you opened this page\.$/.test(text), text);
	assertEq(await page.$$eval('#install-pages a', (as) => as.map((a) => a.textContent)), ['/demo/pricing.html'], 'the page seen');
	await shot('install-received');
	await page.click('#install-pages a');
	await page.waitForFunction(() => location.hash.includes('/page/'));
	await visitor.close();
});

test('settings: privacy, retention and a rule saved, kept after a reload, in the snippet', async () => {
	await page.goto(`${server.url}/#/site/${encodeURIComponent(key)}/settings`);
	await ready();
	assertEq(await page.inputValue('#site-name'), NAME);
	assertEq(await page.inputValue('#set-rage_clicks'), '4');
	assertEq(await page.inputValue('#retention'), '90');
	assert(await page.isChecked('#set-consent_required'), 'consent is on');
	await page.uncheck('#set-consent_required');
	await page.check('#set-no_storage');
	await page.selectOption('#retention', 'custom');
	await page.fill('#retention-days', '45');
	await page.fill('#set-dead_ms', '2000');
	await page.fill('#site-origins', 'https://shop.example');
	await page.click('#form-submit');
	await page.locator('#form-saved:text("Saved")').waitFor({ timeout: 5000 });
	const s = (await sitesApi()).find((x) => x.key === key);
	assertEq([s.origins, s.settings.consent_required, s.settings.no_storage, s.settings.retention_days, s.settings.dead_ms, s.settings.rage_clicks],
		[['https://shop.example'], 0, 1, 45, 2000, 4], 'stored');
	await page.reload();
	await ready();
	assertEq([await page.inputValue('#retention'), await page.inputValue('#retention-days'), await page.inputValue('#set-dead_ms')], ['custom', '45', '2000'], 'after a reload');
	await shot('settings');
	// restore the frustration defaults (not saved until Save)
	await page.click('button[data-reset="frustration"]');
	assertEq(await page.inputValue('#set-dead_ms'), '1500', 'default shown');
	await page.click('#nav-install');
	await ready();
	assertEq(await page.textContent('#snippet'), s.snippet, 'the install page shows the new snippet');
	assert(s.snippet.includes('data-storage="none"') && !s.snippet.includes('data-consent'), s.snippet);
	assertEq((await sitesApi()).find((x) => x.key === key).settings.dead_ms, 2000, 'restoring defaults did not save');
});

test('a refusal from the server is shown with its field; the list shows both sites', async () => {
	await page.goto(`${server.url}/#/site/${encodeURIComponent(key)}/settings`);
	await ready();
	// 17 origins: the form passes it, the server caps origins at 16
	await page.fill('#site-origins', Array.from({ length: 17 }, (_, i) => `https://s${i}.example`).join('\n'));
	await page.click('#form-submit');
	await page.locator('#form-error:not([hidden])').waitFor();
	assert((await page.textContent('#form-error-text')).startsWith('origins'), await page.textContent('#form-error-text'));
	assertEq(await page.getAttribute('#site-origins', 'aria-invalid'), 'true');
	assertEq((await sitesApi()).find((x) => x.key === key).origins, ['https://shop.example'], 'unchanged');
	await page.goto(`${server.url}/#/sites`);
	await ready();
	assertEq((await page.$$eval('#sites-table tr.site-row', (trs) => trs.map((t) => t.dataset.key))).sort(), [demoKey, key].sort());
	const row = page.locator(`tr.site-row[data-key="${key}"]`);
	assertEq(await row.locator('.cell-retention').textContent(), '45 days');
	await shot('list');
	assertEq(errors, [], 'no script errors');
});

await run({
	after: async () => {
		await browser.close();
		await server.stop();
		cleanup(dataDir);
	},
});
