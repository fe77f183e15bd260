// SPDX-License-Identifier: MIT
// Offline verbs against a real server: events posted to /collect come back
// from `calor export` field by field as NDJSON (docs/export.md), and
// `calor render` draws them into a PNG whose hot spot is where the clicks
// were; malformed input is refused with its line number.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync, crc32 } from 'node:zlib';
import { test, run, assert, assertEq, startServer, addSite, tempDir, newStore, cleanup, cli, CALOR } from '../lib/harness.mjs';
import { decodePng, hottestPixel } from '../lib/png.mjs';

const dataDir = newStore();
const work = tempDir('calor-offline-');
const key = addSite(dataDir, 'Offline <shop>', ['https://shop.example']);
const server = await startServer({ dataDir });
const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';

async function post(body) {
	const r = await fetch(`${server.url}/collect`, {
		method: 'POST', body: JSON.stringify(body),
		headers: { 'Content-Type': 'text/plain', 'Origin': 'https://shop.example', 'User-Agent': UA },
	});
	assertEq(r.status, 204, `collect ${await r.text()}`);
}

const t0 = Date.now();
const dwellA = Array.from({ length: 100 }, (_, i) => i * 10);
const dwellB = Array.from({ length: 100 }, (_, i) => (i % 2) * 7);
const click = (x, y, extra = {}) => ({ t: 'click', ts: t0, x, y, vw: 1440, vh: 900, dw: 1440, dh: 2600,
	sel: 'main > a.cta', ex: 32768, ey: 100, ew: 180, eh: 48, pt: 'mouse', ...extra });

// page view A on /home, desktop: two batches
const pvA = { id: 'pv_offline_a1', sid: 'sess_offline_1', url: '/home', ref: 'news.example.com', ts: t0,
	vw: 1440, vh: 900, dpr: 2.625, new: true,
	utm: { source: 'letter "spring"', medium: 'email' }, tags: { plan: 'pro', ab: 'b<&>' } };
await post({ v: 1, site: key, now: t0, pv: { ...pvA, seq: 0 }, ev: [
	...Array.from({ length: 20 }, () => click(300, 400)),
	click(1000, 1500, { fx: 1, ia: 0, dead: 1, err: 1, pt: 'touch', sel: 'div.hero \\ "img"' }),
	{ t: 'scroll', ts: t0, y: 1800, dh: 2600, fold: 900, rev: 2, dwell: dwellA },
	{ t: 'move', ts: t0, p: [10, 20, 0, 30, 40, 150], vw: 1440, dh: 2600 },
] });
await post({ v: 1, site: key, now: t0, pv: { ...pvA, seq: 1 }, ev: [
	...Array.from({ length: 4 }, () => click(1000, 1500)),
	{ t: 'scroll', ts: t0, y: 2200, dh: 2700, rev: 1, dwell: dwellB },
	{ t: 'goal', ts: t0, name: 'signup' },
] });
// page view B on /home, mobile
await post({ v: 1, site: key, now: t0, pv: { id: 'pv_offline_b1', seq: 0, sid: 'sess_offline_2', url: '/home',
	ref: '', ts: t0, vw: 390, vh: 844 }, ev: Array.from({ length: 6 }, () => ({ ...click(100, 100), vw: 390, dw: 390, dh: 1200 })) });

function exportLines() {
	const out = cli(['export', '--site', key, '--data', dataDir]);
	assert(out.endsWith('\n'), 'ends with a newline');
	return out.slice(0, -1).split('\n').map(l => JSON.parse(l));
}

// Run calor expecting failure; returns { status, stderr }.
function cliFails(args) {
	try {
		execFileSync(CALOR, args, { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
	} catch (e) {
		return { status: e.status, stderr: e.stderr };
	}
	throw new Error(`calor ${args.join(' ')} succeeded`);
}

const near = (a, b, eps, msg) => assert(Math.abs(a - b) <= eps, `${msg}: ${a} vs ${b}`);

test('export: site line first, end line last with the counts', () => {
	const lines = exportLines();
	const site = lines[0];
	assertEq([site.type, site.format, site.key, site.name, site.origins],
		['site', 2, key, 'Offline <shop>', ['https://shop.example']], 'site line');
	assertEq(site.settings.rage_clicks, 3, 'settings');
	near(site.exported, Date.now(), 60000, 'exported');
	assert(site.created <= site.exported, 'created before exported');
	const end = lines[lines.length - 1];
	assertEq(end, { type: 'end', pageviews: 2, clicks: 31, moves: 2, goals: 1 }, 'end line');
	assertEq(lines.map(l => l.type).join(' '),
		['site', 'pageview', 'pageview', ...Array(31).fill('click'), 'move', 'move', 'goal', 'end'].join(' '), 'order');
});

test('export: page view fields are what was sent (tags merged, attention and reversals summed)', () => {
	const pv = exportLines().find(l => l.type === 'pageview' && l.id === 'pv_offline_a1');
	const expected = {
		type: 'pageview', id: 'pv_offline_a1', session: 'sess_offline_1', page: '/home', referrer: 'news.example.com',
		device: 'desktop', vw: 1440, vh: 900, dpr: 2.625, is_new: true, browser: 'chrome', os: 'linux',
		utm_source: 'letter "spring"', utm_medium: 'email', utm_campaign: '', utm_term: '', utm_content: '',
		fold: 900, reversals: 3, max_depth: 2200, doc_h: 2700, tags: { ab: 'b<&>', plan: 'pro' },
		dwell: dwellA.map((v, i) => v + dwellB[i]),
	};
	for (const [k, v] of Object.entries(expected)) assertEq(pv[k], v, `pageview.${k}`);
	near(pv.ts, t0, 60000, 'ts');
	assertEq(Object.keys(pv).length, Object.keys(expected).length + 1, 'no other fields');
	const b = exportLines().find(l => l.id === 'pv_offline_b1');
	assertEq([b.device, b.vw, b.dpr, b.is_new, b.referrer, b.tags, b.dwell, b.fold], ['mobile', 390, 1, false, '', {}, null, 0], 'mobile page view');
});

test('export: click, move and goal lines field by field', () => {
	const lines = exportLines();
	const clicks = lines.filter(l => l.type === 'click');
	const plain = clicks[0];
	const expected = { type: 'click', pv: 'pv_offline_a1', page: '/home', device: 'desktop', x: 300, y: 400,
		vw: 1440, vh: 900, dw: 1440, dh: 2600, selector: 'main > a.cta', ex: 32768, ey: 100, ew: 180, eh: 48,
		pointer: 'mouse', fixed: false, interactive: false, dead: false, error: false, rage: false };
	for (const [k, v] of Object.entries(expected)) assertEq(plain[k], v, `click.${k}`);
	assertEq(Object.keys(plain).length, Object.keys(expected).length + 1, 'no other fields');
	// the third click at one spot within a second completes a rage burst
	assertEq([clicks[1].rage, clicks[2].rage], [false, true], 'rage');
	near(plain.ts, t0, 60000, 'click ts');
	const odd = clicks[20];
	assertEq([odd.x, odd.y, odd.selector, odd.pointer, odd.fixed, odd.interactive, odd.dead, odd.error],
		[1000, 1500, 'div.hero \\ "img"', 'touch', true, false, true, true], 'flagged click');
	assertEq(clicks.filter(c => c.device === 'mobile').length, 6, 'mobile clicks');
	assertEq(clicks.filter(c => c.x === 1000 && c.y === 1500).length, 5, 'second cluster');
	const moves = lines.filter(l => l.type === 'move');
	assertEq(moves.map(m => [m.pv, m.page, m.device, m.x, m.y, m.vw]),
		[['pv_offline_a1', '/home', 'desktop', 10, 20, 1440], ['pv_offline_a1', '/home', 'desktop', 30, 40, 1440]], 'moves');
	assertEq(moves[1].ts - moves[0].ts, 150, 'move point times');
	const goal = lines.find(l => l.type === 'goal');
	assertEq([goal.pv, goal.session, goal.page, goal.name], ['pv_offline_a1', 'sess_offline_1', '/home', 'signup'], 'goal');
	// every event names a page view on an earlier line
	const seen = new Set();
	for (const l of lines) {
		if (l.type === 'pageview') seen.add(l.id);
		else if (l.pv) assert(seen.has(l.pv), `${l.type} before its page view`);
	}
});

test('export --out writes the file and says what it wrote; unknown key fails', () => {
	const file = join(work, 'site.ndjson');
	const r = execFileSync(CALOR, ['export', '--site', key, '--data', dataDir, '--out', file],
		{ encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
	assertEq(r, '', 'nothing on stdout');
	const lines = readFileSync(file, 'utf8').trim().split('\n');
	assertEq(lines.length, 38, 'lines');
	const bad = cliFails(['export', '--site', 'nosuchsite', '--data', dataDir]);
	assertEq(bad.status, 1, 'exit status');
	assert(bad.stderr.includes('no site has the key nosuchsite'), bad.stderr);
	assertEq(cliFails(['export', '--data', dataDir]).status, 2, 'no --site');
});

function renderPng(args) {
	const out = join(work, 'heat.png');
	const r = spawnSync(CALOR, ['render', ...args, '--out', out], { encoding: 'utf8' });
	assertEq(r.status, 0, `render ${args.join(' ')}: ${r.stderr}`);
	return { img: decodePng(readFileSync(out)), stderr: r.stderr, out };
}

test('render: the hot spot of the exported clicks is where they were', () => {
	const file = join(work, 'site.ndjson');
	writeFileSync(file, cli(['export', '--site', key, '--data', dataDir]));
	const { img } = renderPng(['--in', file, '--type', 'click', '--width', '1440', '--page', '/home']);
	assertEq([img.width, img.height], [1440, 2600], 'size: width x tallest document');
	const hot = hottestPixel(img);
	near(hot.x, 300, 2, 'hot x');
	near(hot.y, 400, 2, 'hot y');
	assert(img.data[(1500 * img.width + 1000) * 4 + 3] > 40, 'second cluster visible');
	assertEq(img.data[(100 * img.width + 100) * 4 + 3], 0, 'no mobile click on the desktop map');
	// projected: half the width, x halves
	const half = renderPng(['--in', file, '--width', '720', '--radius', '10']).img;
	assertEq(half.width, 720, 'projected width');
	near(hottestPixel(half).x, 150, 2, 'projected hot x');
});

test('render: mobile clicks at their own width', () => {
	const file = join(work, 'site.ndjson');
	const { img, stderr } = renderPng(['--in', file, '--device', 'mobile', '--palette', 'viridis', '--scale', '2']);
	assertEq([img.width, img.height], [195, 600], 'size at scale 2');
	const hot = hottestPixel(img);
	near(hot.x * 2, 100, 3, 'hot x');
	near(hot.y * 2, 100, 3, 'hot y');
	assert(stderr.includes('6 clicks (of 31 click lines)'), stderr);
});

test('render: a malformed line is refused with its number; --skip-bad skips it', () => {
	const lines = readFileSync(join(work, 'site.ndjson'), 'utf8').split('\n');
	lines.splice(4, 0, '{"type":"click","pv":"pv_offline_a1","x":"300"}');
	const bad = join(work, 'bad.ndjson');
	writeFileSync(bad, lines.join('\n'));
	const out = join(work, 'never.png');
	const r = cliFails(['render', '--in', bad, '--out', out]);
	assertEq(r.status, 1, 'exit status');
	assert(r.stderr.includes(`${bad}: line 5: "x": must be an integer in 0..32767`), r.stderr);
	assert(!existsSync(out), 'no PNG written');
	const ok = renderPng(['--in', bad, '--skip-bad']);
	assert(ok.stderr.includes('skipped 1 bad lines (first: line 5:'), ok.stderr);
	// not JSON at all, and not an export
	writeFileSync(bad, 'hello\n');
	const r2 = cliFails(['render', '--in', bad, '--out', out]);
	assert(r2.stderr.includes('line 1: not JSON: expected \'{\' at byte 1'), r2.stderr);
	writeFileSync(bad, '');
	assert(cliFails(['render', '--in', bad, '--out', out]).stderr.includes('no click to draw'), 'empty file');
	assertEq(cliFails(['render', '--in', bad]).status, 2, 'no --out');
	assertEq(cliFails(['render', '--in', bad, '--out', out, '--type', 'scroll']).status, 2, 'type');
	assertEq(cliFails(['render', '--in', bad, '--out', out, '--width', '0']).status, 2, 'width');
});

// A w x h opaque PNG of one colour (RGBA8, filter 0).
function solidPng(w, h, [r, g, b]) {
	const chunk = (type, data) => {
		const head = Buffer.alloc(8), tail = Buffer.alloc(4);
		head.writeUInt32BE(data.length, 0);
		head.write(type, 4, 'latin1');
		tail.writeUInt32BE(crc32(Buffer.concat([Buffer.from(type, 'latin1'), data])), 0);
		return Buffer.concat([head, data, tail]);
	};
	const ihdr = Buffer.alloc(13);
	ihdr.writeUInt32BE(w, 0); ihdr.writeUInt32BE(h, 4);
	ihdr[8] = 8; ihdr[9] = 6;
	const raw = Buffer.alloc(h * (1 + w * 4));
	for (let y = 0; y < h; y++)
		for (let x = 0; x < w; x++) raw.set([r, g, b, 255], y * (1 + w * 4) + 1 + x * 4);
	return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr),
		chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

test('render --background: the heat is drawn over the page screenshot', () => {
	const bg = join(work, 'page.png');
	writeFileSync(bg, solidPng(720, 1300, [200, 210, 220]));
	const { img } = renderPng(['--in', join(work, 'site.ndjson'), '--page', '/home', '--background', bg]);
	assertEq([img.width, img.height], [1440, 2600], 'size of the heatmap');
	const px = (x, y) => [...img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 4)];
	assertEq(px(1400, 2500), [200, 210, 220, 255], 'cold: the background');
	const hot = hottestPixel(img);
	near(hot.x, 300, 2, 'hot x over the background');
	near(hot.y, 400, 2, 'hot y over the background');
	writeFileSync(bg, 'GIF89a');
	const r = cliFails(['render', '--in', join(work, 'site.ndjson'), '--out', join(work, 'x.png'), '--background', bg]);
	assertEq(r.status, 1, 'exit status');
	assert(r.stderr.includes('background: not a valid PNG'), r.stderr);
});

await run({ after: async () => { await server.stop(); await cleanup(dataDir); cleanup(work); } });
