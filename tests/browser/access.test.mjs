// SPDX-License-Identifier: MIT
// The dashboard's side of access, end to end in Debian's Chromium against a
// real server: signed out it shows the sign-in screen (and the API says
// 401), a wrong password is explained, the right one opens the view that
// was asked for, every state change carries the CSRF token, sign-out ends
// the session, a 401 in the middle of a view goes back to sign-in; a share
// link made with the Share button opens in a fresh signed-out browser as a
// read-only view of its one page, with the same numbers, and cannot read
// anything else; expired and forged links are explained. Screenshots go to
// tests/out/access-*.png.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { test, run, assert, assertEq, startServer, addSite, cli, tempDir, cleanup, launchChromium, sleep, ROOT } from '../lib/harness.mjs';

const OUT = join(ROOT, 'tests', 'out');
mkdirSync(OUT, { recursive: true });
const dataDir = tempDir();
const key = addSite(dataDir, 'shop');
const otherKey = addSite(dataDir, 'other shop');
const server = await startServer({ dataDir, extraArgs: ['--demo-site', key] });
const browser = await launchChromium();
const PRICING = '/demo/pricing.html';
const PRODUCT = '/demo/product.html';
const USER = 'maria';
const PASSWORD = 'heat-and-light-42';
cli(['user', 'add', USER, '--data', dataDir], { input: `${PASSWORD}\n` });

// Page views with clicks, straight to /collect (the tracker has its own tests).
let pvn = 0;
async function collect(site, url, clicks) {
	const now = Date.now();
	const id = `pv_access_${String(++pvn).padStart(4, '0')}`;
	const r = await fetch(`${server.url}/collect`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify({
		v: 1, site, now, pv: { id, seq: 0, sid: `sess_access_${pvn}`, url, ts: now - 5000, vw: 1440, vh: 900 },
		ev: clicks.map(([x, y], i) => ({ t: 'click', ts: now - 4000 + i * 1500, x, y, vw: 1440, vh: 900, dw: 1440, dh: 2400,
			sel: 'main > a.cta', ex: 32768, ey: 32768, ew: 200, eh: 48, pt: 'mouse' })) }) });
	assertEq(r.status, 204, `collect ${url}`);
}
await collect(key, PRICING, [[700, 500], [720, 520], [300, 900]]);
await collect(key, PRICING, [[710, 505], [1100, 480]]);
await collect(key, PRICING, [[705, 498], [400, 1200]]);
await collect(key, PRODUCT, [[600, 300], [610, 310]]);
await collect(otherKey, PRICING, [[100, 100]]);

const api = async (path, params, headers = {}) => {
	const r = await server.api(`${path}?${new URLSearchParams(params)}`, { headers });
	return { status: r.status, body: await r.json() };
};
// wait until the server has committed the clicks
for (const deadline = Date.now() + 10000; ;) {
	const j = await api('/api/v1/heatmap', { site: key, page: PRICING, cell: '1000' });
	if (j.body.clicks === 7 || Date.now() > deadline) break;
	await sleep(100);
}

const VIEW = `#/site/${encodeURIComponent(key)}/page/${encodeURIComponent(PRICING)}?device=desktop&type=click&radius=40`;
const text = async (page, sel) => (await page.locator(sel).innerText()).trim();
const status = (page, path, init) => page.evaluate(([p, i]) => fetch(p, i).then(r => r.status), [path, init || {}]);
async function shot(page, name) {
	await sleep(250); // transitions
	await page.screenshot({ path: join(OUT, `access-${name}.png`), fullPage: false });
}
async function overlayReady(page, type = 'click') {
	await page.locator(`img#heatmap-overlay[data-state="ready"][data-type="${type}"]`).waitFor({ state: 'visible', timeout: 15000 });
	await page.locator('#view[data-state="ready"]').waitFor({ timeout: 5000 });
}
function watchErrors(page, list) {
	page.on('pageerror', e => list.push(String(e)));
	page.on('console', m => { if (m.type() === 'error') list.push(m.text()); });
}

let ctx, page;
const errors = [];

test('signed out: any view shows the sign-in screen, the hash is kept, and the API answers 401', async () => {
	ctx = await browser.newContext({ viewport: { width: 1280, height: 860 } });
	page = await ctx.newPage();
	watchErrors(page, errors);
	await page.goto(`${server.url}/${VIEW}`);
	await page.locator('#signin-form').waitFor({ timeout: 10000 });
	assertEq(await page.evaluate(() => location.hash), VIEW, 'the hash asked for is kept');
	assertEq(await page.evaluate(() => document.body.dataset.access), 'signed-out', 'access state');
	assert(!(await page.locator('.sidebar').isVisible()), 'no sidebar before signing in');
	assertEq(await page.locator('#signin-user').getAttribute('autocomplete'), 'username', 'user name autocomplete');
	assertEq(await page.locator('#signin-password').getAttribute('autocomplete'), 'current-password', 'password autocomplete');
	assertEq(await page.locator('#signin-password').getAttribute('type'), 'password', 'password field');
	assertEq(await page.evaluate(() => document.activeElement.id), 'signin-user', 'focus starts in the user name');
	assertEq(await page.locator('label[for="signin-user"]').innerText(), 'User name', 'labelled user name');
	assertEq(await page.locator('label[for="signin-password"]').innerText(), 'Password', 'labelled password');
	for (const p of ['/api/v1/sites', `/api/v1/pages?site=${key}`, `/api/v1/heatmap?site=${key}&page=${PRICING}`])
		assertEq(await status(page, p), 401, `${p} signed out`);
	assertEq(await page.locator('#heatmap-overlay').count(), 0, 'no heatmap drawn');
	await shot(page, 'signin');
});

test('a wrong password is explained, with the focus back on the password', async () => {
	// keyboard only: type, Tab, type, Enter
	await page.keyboard.type(USER);
	await page.keyboard.press('Tab');
	assertEq(await page.evaluate(() => document.activeElement.id), 'signin-password', 'Tab reaches the password');
	await page.keyboard.type('not-her-password');
	await page.keyboard.press('Enter');
	await page.locator('#signin-error').waitFor({ state: 'visible', timeout: 10000 });
	assertEq(await text(page, '#signin-error'), 'Wrong user name or password.', 'the error');
	assertEq(await page.locator('#signin-error').getAttribute('role'), 'alert', 'announced');
	assertEq(await page.locator('#signin-password').getAttribute('aria-invalid'), 'true', 'password marked');
	assertEq(await page.evaluate(() => document.activeElement.id), 'signin-password', 'focus on the password');
	assertEq(await page.locator('#signin-form').count(), 1, 'still signing in');
	assertEq(await page.locator('#signin-why').count(), 0, 'nothing ended: no reason shown');
	assertEq(await status(page, '/api/v1/sites'), 401, 'still refused');
	// an empty user name is caught before asking the server
	await page.fill('#signin-user', '');
	await page.click('#signin-submit');
	assertEq(await text(page, '#signin-error'), 'Enter your user name.', 'empty user name');
	await page.fill('#signin-user', USER);
	await page.fill('#signin-password', 'not-her-password');
	await page.click('#signin-submit');
	await page.locator('#signin-submit:not([disabled])').waitFor({ timeout: 10000 });
	assertEq(await text(page, '#signin-error'), 'Wrong user name or password.', 'the error again');
	await shot(page, 'signin-error');
});

let csrf = null;
test('the right password opens the view asked for, with the user and Sign out in the sidebar', async () => {
	const login = page.waitForResponse(r => r.url().endsWith('/auth/login') && r.status() === 200);
	await page.fill('#signin-password', PASSWORD);
	await page.press('#signin-password', 'Enter');
	csrf = (await (await login).json()).csrf;
	await overlayReady(page);
	assertEq(await page.evaluate(() => location.hash), VIEW, 'the same hash');
	assertEq(await page.locator('#radius').inputValue(), '40', 'the view\'s own settings');
	const j = await api('/api/v1/heatmap', { site: key, page: PRICING, cell: '1000', device: 'desktop' });
	assertEq(await text(page, '#stat-clicks'), String(j.body.clicks), 'clicks as the API says');
	assertEq(j.body.clicks, 7, 'the clicks collected');
	assertEq(await text(page, '#user-name'), USER, 'signed-in indicator');
	assert(await page.locator('#sign-out').isVisible(), 'Sign out button');
	assertEq(await page.evaluate(() => document.body.dataset.access), 'user', 'access state');
	const cookies = await ctx.cookies();
	const c = cookies.find(x => x.name === 'calor_session');
	assert(c && c.httpOnly && c.sameSite === 'Strict', `session cookie ${JSON.stringify(c)}`);
	assertEq(await page.evaluate(() => document.cookie), '', 'the cookie is out of JavaScript\'s reach');
	await shot(page, 'signed-in');
});

test('state changes carry the CSRF token; without it the server refuses', async () => {
	const body = JSON.stringify({ site: key, page: PRICING, view: VIEW.slice(1), hours: 1 });
	assertEq(await status(page, '/api/v1/share', { method: 'POST', body }), 403, 'no X-CSRF-Token');
	assertEq(await status(page, '/api/v1/share', { method: 'POST', body, headers: { 'X-CSRF-Token': csrf } }), 200, 'with it');
});

let shareUrl = null, shareToken = null, shareAnswer = null;
test('Share: a link to the view on show, for 1, 7 or 30 days, with its expiry and a copy button', async () => {
	await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
	await page.click('#share');
	await page.locator('#share-dialog[open]').waitFor({ timeout: 5000 });
	assertEq(await page.locator('#share-hours-168').getAttribute('aria-checked'), 'true', '7 days by default');
	assertEq(await page.locator('#share-lifetime .seg-btn').allInnerTexts(), ['1 day', '7 days', '30 days'], 'lifetimes');
	await page.click('#share-hours-24');
	assertEq(await page.locator('#share-hours-24').getAttribute('aria-checked'), 'true', '1 day picked');
	const req = page.waitForRequest(r => r.url().endsWith('/api/v1/share') && r.method() === 'POST');
	const res = page.waitForResponse(r => r.url().endsWith('/api/v1/share'));
	await page.click('#share-create');
	const sent = await req;
	assertEq(sent.headers()['x-csrf-token'], csrf, 'the dashboard sends the CSRF token');
	const asked = JSON.parse(sent.postData());
	assertEq([asked.site, asked.page, asked.view, asked.hours], [key, PRICING, VIEW.slice(1), 24], 'the view on show, one day');
	shareAnswer = await (await res).json();
	await page.locator('#share-url').waitFor({ state: 'visible', timeout: 5000 });
	shareUrl = await page.locator('#share-url').inputValue();
	shareToken = shareAnswer.token;
	assertEq(shareUrl, `${server.url}/#/share/${shareToken}`, 'the link shown');
	const hours = (shareAnswer.expires - Date.now()) / 3600000;
	assert(hours > 23.9 && hours <= 24, `expires in a day (${hours} h)`);
	const expiry = await text(page, '#share-expiry');
	assert(/^Works for 1 day, until .+\d/.test(expiry), `its lifetime and expiry are shown: ${expiry}`);
	await page.click('#share-copy');
	await page.locator('#share-copy[data-copied]').waitFor({ timeout: 3000 });
	assertEq(await page.evaluate(() => navigator.clipboard.readText()), shareUrl, 'copied');
	await shot(page, 'share-dialog');
	await page.keyboard.press('Escape');
	await page.locator('#share-dialog[open]').waitFor({ state: 'detached', timeout: 3000 }).catch(() => {});
	assert(!(await page.locator('#share-dialog').isVisible()), 'Escape closes it');
	assertEq(await page.evaluate(() => document.activeElement.id), 'share', 'focus back on Share');
});

let sctx, spage;
const sharedErrors = [];
const shareHeaders = [];
test('the share link opens in a fresh signed-out browser: the same numbers, a read-only banner, no way out', async () => {
	sctx = await browser.newContext({ viewport: { width: 1280, height: 860 } });
	spage = await sctx.newPage();
	watchErrors(spage, sharedErrors);
	spage.on('request', r => { if (r.url().includes('/api/')) shareHeaders.push([r.url(), r.headers()['x-calor-share'] || null]); });
	await spage.goto(shareUrl);
	await overlayReady(spage);
	const hash = await spage.evaluate(() => location.hash);
	assert(hash.startsWith(`#/share/${shareToken}?`), `a share hash (${hash})`);
	const q = new URLSearchParams(hash.split('?')[1]);
	assertEq([q.get('device'), q.get('type'), q.get('radius')], ['desktop', 'click', '40'], 'the shared view restored');
	assertEq(await spage.locator('#radius').inputValue(), '40', 'its settings');
	const j = await api('/api/v1/heatmap', { site: key, page: PRICING, cell: '1000', device: 'desktop' });
	assertEq(await text(spage, '#stat-clicks'), String(j.body.clicks), 'clicks');
	assertEq(await text(spage, '#stat-pageviews'), String(j.body.pageviews), 'page views');
	assertEq(await text(spage, '#stat-sessions'), String(j.body.sessions), 'sessions');
	const banner = await text(spage, '#share-banner');
	assert(/Shared view/.test(banner) && /Read-only/.test(banner) && /Expires/.test(banner) && banner.includes(PRICING), `banner: ${banner}`);
	assertEq(await spage.evaluate(() => document.body.dataset.access), 'share', 'access state');
	assert(!(await spage.locator('.sidebar').isVisible()), 'no sidebar');
	assertEq(await spage.locator('#share').count(), 0, 'no Share button');
	assertEq(await spage.locator('.crumbs').count(), 0, 'no breadcrumbs to the site');
	assertEq(await spage.locator('#view a[href^="#/site"]').count(), 0, 'no link to another view');
	assertEq((await sctx.cookies()).length, 0, 'no session');
	assert(shareHeaders.length > 3 && shareHeaders.every(([, t]) => t === shareToken), `every API request sends X-Calor-Share (${JSON.stringify(shareHeaders.filter(([, t]) => t !== shareToken))})`);
	await shot(spage, 'shared');
	// another tab of the same page: still the share link
	await spage.click('#tab-confetti');
	await overlayReady(spage, 'confetti');
	assert((await spage.evaluate(() => location.hash)).startsWith(`#/share/${shareToken}?`), 'tabs keep the share hash');
	assertEq(await spage.locator('#share-banner').isVisible(), true, 'banner stays');
	// the frustration report of this page only: no "Every page" switch
	await spage.click('#tab-frustration');
	await spage.locator('#frustration-report[data-state="ready"]').waitFor({ timeout: 10000 });
	assert(!(await spage.locator('#fscope').isVisible()), 'no whole-site report');
});

test('the share link cannot read another page or site, nor change anything', async () => {
	const as = (p, init = {}) => status(spage, p, { ...init, headers: { 'X-Calor-Share': shareToken, ...(init.headers || {}) } });
	assertEq(await as(`/api/v1/heatmap?site=${key}&page=${encodeURIComponent(PRICING)}`), 200, 'its page');
	assertEq(await as(`/api/v1/heatmap?site=${key}&page=${encodeURIComponent(PRODUCT)}`), 403, 'another page');
	assertEq(await as(`/api/v1/heatmap?site=${otherKey}&page=${encodeURIComponent(PRICING)}`), 403, 'another site');
	assertEq(await as('/api/v1/sites'), 403, 'the list of sites');
	assertEq(await as(`/api/v1/pages?site=${key}`), 403, 'the pages table');
	assertEq(await as(`/api/v1/frustration?site=${key}`), 403, 'the whole site\'s frustration');
	assertEq(await as('/api/v1/share', { method: 'POST', body: JSON.stringify({ site: key, page: PRODUCT }) }), 403, 'a new share link');
	// the visitor edits the hash to another page: the sign-in screen, no data
	await spage.evaluate(h => { location.hash = h; }, `#/site/${encodeURIComponent(key)}/page/${encodeURIComponent(PRODUCT)}?device=desktop&type=click`);
	await spage.locator('#signin-form').waitFor({ timeout: 10000 });
	assertEq(await spage.locator('#heatmap-overlay').count(), 0, 'nothing of the other page');
	// and back to the link: the shared view again
	await spage.goto(shareUrl);
	await overlayReady(spage);
});

// A token signed with the server's own key (as auth.c does), with its
// expiry in the past: the server must call it expired, not forged.
function expiredToken() {
	const hex = execFileSync('sqlite3', ['-readonly', join(dataDir, 'calor.db'),
		"SELECT value FROM auth_kv WHERE kind = 'secret' AND key = 'share'"], { encoding: 'utf8' }).trim();
	assert(/^[0-9a-f]{64}$/.test(hex), 'the share key is in the store');
	const payload = Buffer.from(JSON.stringify({ s: key, p: PRICING, v: VIEW.slice(1), e: Date.now() - 60000 })).toString('base64url');
	return `${payload}.${createHmac('sha256', Buffer.from(hex, 'hex')).update(payload).digest('base64url')}`;
}

test('an expired link and a tampered one are explained', async () => {
	const expired = expiredToken();
	const info = await fetch(`${server.url}/auth/share?token=${expired}`);
	assertEq([info.status, (await info.json()).detail], [401, 'this share link has expired'], 'the server agrees it is expired');
	const ectx = await browser.newContext({ viewport: { width: 1280, height: 860 } });
	const epage = await ectx.newPage();
	watchErrors(epage, sharedErrors);
	await epage.goto(`${server.url}/#/share/${expired}`);
	await epage.locator('#share-problem[data-reason="expired"]').waitFor({ timeout: 10000 });
	assertEq(await text(epage, '#share-problem h1'), 'This share link has expired', 'expired title');
	assert(/Ask the person who sent it for a new link/.test(await text(epage, '#share-problem-text')), 'what to do');
	assertEq(await epage.locator('#heatmap-overlay').count(), 0, 'no heatmap');
	await shot(epage, 'share-expired');

	// one character changed: the signature no longer matches
	const i = Math.floor(shareToken.indexOf('.') / 2);
	const tampered = shareToken.slice(0, i) + (shareToken[i] === 'A' ? 'B' : 'A') + shareToken.slice(i + 1);
	await epage.goto(`${server.url}/#/share/${tampered}`);
	await epage.locator('#share-problem[data-reason="invalid"]').waitFor({ timeout: 10000 });
	assertEq(await text(epage, '#share-problem h1'), 'This share link is not valid', 'tampered title');
	await shot(epage, 'share-invalid');
	await ectx.close();

	// a link that runs out while it is open: the next request says so
	await spage.route('**/api/v1/**', r => r.continue({ headers: { ...r.request().headers(), 'x-calor-share': expired } }));
	await spage.click('#tab-move');
	await spage.locator('#share-problem[data-reason="expired"]').waitFor({ timeout: 10000 });
	assert(!(await spage.locator('#share-banner').isVisible()), 'the banner goes with the view');
	await spage.unroute('**/api/v1/**');
	await sctx.close();
});

test('sign out returns to the sign-in screen and the API refuses the old session', async () => {
	if (await page.locator('#share-dialog[open]').count()) await page.keyboard.press('Escape'); // after a failure above
	const old = (await ctx.cookies()).find(x => x.name === 'calor_session').value;
	const logout = page.waitForRequest(r => r.url().endsWith('/auth/logout'), { timeout: 10000 });
	logout.catch(() => {});
	await page.click('#sign-out', { timeout: 10000 });
	assertEq((await logout).headers()['x-csrf-token'], csrf, 'sign-out carries the CSRF token');
	await page.locator('#signin-form').waitFor({ timeout: 10000 });
	assert(!(await page.locator('#user-box').isVisible()), 'no user shown');
	assertEq(await text(page, '#signin-why'), 'You are signed out.', 'says why');
	assertEq(await page.evaluate(() => location.hash), VIEW, 'the view stays in the hash');
	assertEq(await status(page, '/api/v1/sites'), 401, 'the API is refused again');
	assertEq((await fetch(`${server.url}/api/v1/sites`, { headers: { Cookie: `calor_session=${old}` } })).status, 401, 'the old session is gone on the server');
	await shot(page, 'signed-out');
});

test('a session that ends in the middle of a view goes to sign-in, and back to the view after', async () => {
	await page.fill('#signin-user', USER);
	await page.fill('#signin-password', PASSWORD);
	await page.click('#signin-submit');
	await overlayReady(page);
	// the session disappears (expired, or signed out elsewhere)
	await ctx.clearCookies();
	await page.click('#tab-move');
	await page.locator('#signin-form').waitFor({ timeout: 10000 });
	const hash = await page.evaluate(() => location.hash);
	assert(hash.includes('type=move'), `the view asked for is kept (${hash})`);
	assertEq(await text(page, '#signin-why'), 'Your session has ended.', 'says why');
	await page.fill('#signin-user', USER);
	await page.fill('#signin-password', PASSWORD);
	await page.click('#signin-submit');
	await page.locator('img#heatmap-overlay[data-type="move"]').waitFor({ state: 'attached', timeout: 15000 });
	assertEq(await page.locator('#tab-move').getAttribute('aria-selected'), 'true', 'the move tab');
	assertEq(await text(page, '#user-name'), USER, 'the user shown again');
});

test('too many wrong passwords: the sign-in screen says when to try again', async () => {
	cli(['user', 'add', 'carl', '--data', dataDir], { input: 'carls-password-1\n' });
	for (let i = 0; i < 5; i++) {
		const r = await fetch(`${server.url}/auth/login`, { method: 'POST', body: JSON.stringify({ user: 'carl', password: `guess-${i}-xxxx` }) });
		assertEq(r.status, 401, `guess ${i}`);
	}
	await page.click('#sign-out');
	await page.locator('#signin-form').waitFor({ timeout: 10000 });
	await page.fill('#signin-user', 'carl');
	await page.fill('#signin-password', 'carls-password-1');
	await page.click('#signin-submit');
	await page.locator('#signin-error').waitFor({ state: 'visible', timeout: 10000 });
	const msg = await text(page, '#signin-error');
	assert(/^Too many wrong passwords for this user\. Try again in \d+ (seconds|minutes)\.$/.test(msg), `the message: ${msg}`);
	await shot(page, 'signin-locked');
});

test('no script errors in the dashboard (a 401 or 403 asked for is not one)', async () => {
	await ctx.close();
	const unexpected = [...errors, ...sharedErrors].filter(e => !/status of (401|403|429)/.test(e));
	assertEq(unexpected, [], 'errors');
});

await run({ after: async () => { await browser.close(); await server.stop(); cleanup(dataDir); } });
