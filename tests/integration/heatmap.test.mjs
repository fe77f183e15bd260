// SPDX-License-Identifier: MIT
// The read API over real HTTP: pages, heatmap JSON cells and the PNG
// density, checked with pixels, plus parameter refusals that name the
// parameter.
import { test, run, assert, assertEq, startServer, addSite, newStore, cleanup } from '../lib/harness.mjs';
import { decodePng, hottestPixel } from '../lib/png.mjs';

const dataDir = newStore();
const key = addSite(dataDir, 'maps');
const server = await startServer({ dataDir });
const api = (path, init) => server.api(path, init);

let n = 0;
async function send(url, vw, clicks) {
	const now = Date.now();
	const body = { v: 1, site: key, now, pv: { id: `pv_map_${String(++n).padStart(5, '0')}`, seq: 0,
		sid: `sess_map_${n % 3}xxxx`, url, ts: now, vw, vh: 800 },
	ev: clicks.map(([x, y]) => ({ t: 'click', ts: now, x, y, vw, vh: 800, dw: vw, dh: 2000, sel: 'a', ex: 0, ey: 0, ew: 1, eh: 1, pt: 'mouse' })) };
	const r = await fetch(`${server.url}/collect`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify(body) });
	assertEq(r.status, 204, 'collect');
}

// 20 clicks around (300, 400), 5 around (1000, 1500) on desktop; 4 on mobile
await send('/home', 1440, Array.from({ length: 20 }, (_, i) => [300 + (i % 3), 400 + (i % 4)]));
await send('/home', 1440, Array.from({ length: 5 }, () => [1000, 1500]));
await send('/home', 390, Array.from({ length: 4 }, () => [100, 100]));
await send('/other', 1440, [[5, 5]]);

test('pages lists both pages, most viewed first, with counts', async () => {
	const r = await api(`/api/v1/pages?site=${key}`);
	assertEq(r.status, 200, 'status');
	const j = await r.json();
	assertEq(j.pages.map(p => p.path), ['/home', '/other'], 'order');
	assertEq(j.pages[0].pageviews, 3, 'pageviews');
	assertEq(j.pages[0].clicks, 29, 'clicks');
	assertEq(j.pageviews, 4, 'site pageviews');
});

test('heatmap json: hottest cell on the 20 clicks, second on the 5', async () => {
	const j = await (await api(`/api/v1/heatmap?site=${key}&page=/home&device=desktop&format=json`)).json();
	assertEq([j.width, j.height, j.cell, j.clicks, j.pageviews], [1440, 2000, 10, 25, 2], 'header');
	assertEq(j.cells[0], [300, 400, 20], 'hottest');
	assertEq(j.cells[1], [1000, 1500, 5], 'second');
});

test('heatmap json per device never mixes devices', async () => {
	const j = await (await api(`/api/v1/heatmap?site=${key}&page=/home&device=mobile`)).json();
	assertEq([j.width, j.clicks, j.cells.length], [390, 4, 1], 'mobile');
	assertEq(j.cells[0], [100, 100, 4], 'cell');
});

test('heatmap png: decoded hottest pixel is on the clicked spot', async () => {
	const r = await api(`/api/v1/heatmap?site=${key}&page=/home&device=desktop&format=png`);
	assertEq(r.status, 200, 'status');
	assertEq(r.headers.get('content-type'), 'image/png', 'type');
	const scale = Number(r.headers.get('x-calor-scale'));
	assertEq([r.headers.get('x-calor-width'), r.headers.get('x-calor-height')], ['1440', '2000'], 'size headers');
	const img = decodePng(Buffer.from(await r.arrayBuffer()));
	assertEq([img.width, img.height], [1440 / scale, 2000 / scale], 'png size');
	const hot = hottestPixel(img);
	const hx = hot.x * scale, hy = hot.y * scale;
	assert(Math.abs(hx - 301) <= 4 && Math.abs(hy - 401.5) <= 4, `hottest pixel at (${hx}, ${hy})`);
	// cold corner is transparent, the second cluster is visible
	assertEq(img.data[3], 0, 'corner alpha');
	const i = ((1500 / scale) * img.width + 1000 / scale) * 4;
	assert(img.data[i + 3] > 40, `second spot visible (alpha ${img.data[i + 3]})`);
});

test('heatmap for a page with no clicks is empty, not an error', async () => {
	const j = await (await api(`/api/v1/heatmap?site=${key}&page=/nothing`)).json();
	assertEq([j.clicks, j.cells.length], [0, 0], 'empty');
	const r = await api(`/api/v1/heatmap?site=${key}&page=/nothing&format=png`);
	assertEq(r.status, 200, 'png status');
});

test('ETag: a repeated view is a 304; new events change it', async () => {
	const url = `/api/v1/heatmap?site=${key}&page=/home&device=desktop&format=png`;
	const first = await api(url);
	const etag = first.headers.get('etag');
	assert(/^"[0-9a-f]{16}"$/.test(etag || ''), `etag ${etag}`);
	assertEq(first.headers.get('cache-control'), 'no-cache', 'revalidate');
	const again = await server.api(url, { headers: { 'If-None-Match': etag } });
	assertEq(again.status, 304, 'not modified');
	const json = await api(url.replace('png', 'json'));
	assert(json.headers.get('etag') !== etag, 'another question, another etag');
	await send('/home', 1440, [[700, 700]]);
	const after = await server.api(url, { headers: { 'If-None-Match': etag } });
	assertEq(after.status, 200, 'changed after new events');
	assert(after.headers.get('etag') !== etag, 'new etag');
});

test('scroll: reach curve, depths reached by 75/50/25 %, fold, attention', async () => {
	const now = Date.now();
	const depths = [1000, 2000, 3000, 4000];
	for (let i = 0; i < 4; i++) {
		const dwell = Array.from({ length: 100 }, (_, b) => (b < 25 * (i + 1) ? 100 : 0));
		const body = { v: 1, site: key, now, pv: { id: `pv_scroll_${i}xxxx`, seq: 0, sid: `sess_scroll_${i}xx`, url: '/long', ts: now, vw: 1440, vh: 900 },
			ev: [{ t: 'scroll', ts: now, y: depths[i], dh: 4000, fold: 900, rev: i, dwell }] };
		const r = await fetch(`${server.url}/collect`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify(body) });
		assertEq(r.status, 204, 'collect');
	}
	const r = await api(`/api/v1/scroll?site=${key}&page=/long&device=desktop`);
	assertEq(r.status, 200, 'status');
	const j = await r.json();
	assertEq([j.pageviews, j.scroll_pageviews, j.doc_height], [4, 4, 4000], 'counts');
	assertEq(j.reached_by, { 75: 50, 50: 75, 25: 100 }, 'depths reached by 75/50/25 %');
	assertEq([j.reach[0], j.reach[25], j.reach[26], j.reach[51], j.reach[100]], [1, 1, 0.75, 0.5, 0.25], 'reach curve');
	assertEq(j.average_fold, { px: 900, percent: 22.5 }, 'fold');
	assertEq(j.reversals_per_pageview, 1.5, 'reversals');
	// band 0 was seen by all four page views, band 99 by one
	assertEq([j.attention_ms[0], j.attention_ms[99]], [100, 25], 'attention per page view');
	const bad = await api(`/api/v1/scroll?site=${key}&page=/long&type=click`);
	assertEq(bad.status, 400, 'unknown parameter refused');
	assert((await bad.json()).detail.startsWith('type'), 'names type');
});

async function sendPv(id, url, vw, clicks, extra = {}) {
	const now = Date.now();
	const body = { v: 1, site: key, now, pv: { id, seq: 0, sid: `sess_${id}`, url, ts: now, vw, vh: 800, ...extra },
		ev: clicks.map(([x, y]) => ({ t: 'click', ts: now, x, y, vw, vh: 800, dw: vw, dh: 2000, sel: 'a', ex: 0, ey: 0, ew: 1, eh: 1, pt: 'mouse' })) };
	const r = await fetch(`${server.url}/collect`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify(body) });
	assertEq(r.status, 204, 'collect');
}
const pixel = (img, x, y) => Array.from(img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 4));
async function png(qs) {
	const r = await api(`/api/v1/heatmap?${qs}&format=png`);
	assertEq(r.status, 200, `png status for ${qs}`);
	return { img: decodePng(Buffer.from(await r.arrayBuffer())), scale: Number(r.headers.get('x-calor-scale')) };
}

test('confetti: dots coloured by new vs returning and by tag, in JSON and pixels', async () => {
	await sendPv('pv_conf_new1', '/conf', 1440, [[100, 100], [102, 100], [100, 103]], { new: true, tags: { variant: 'b' } });
	await sendPv('pv_conf_old1', '/conf', 1440, [[500, 500], [503, 500]], { new: false, tags: { variant: 'a' } });
	const j = await (await api(`/api/v1/heatmap?site=${key}&page=/conf&type=confetti&by=new`)).json();
	assertEq(j.categories.map(c => [c.name, c.count, c.colour]), [['new', 3, '#0072b2'], ['returning', 2, '#d55e00']], 'categories');
	assertEq([j.clicks, j.sampled, j.points.length], [5, false, 5], 'all dots');
	assert(j.points.some(p => p[0] === 100 && p[1] === 100 && p[2] === 0), 'a new visitor dot');
	const t = await (await api(`/api/v1/heatmap?site=${key}&page=/conf&type=confetti&by=tag.variant`)).json();
	assertEq(t.categories.map(c => [c.name, c.count]), [['b', 3], ['a', 2]], 'tag values, most frequent first');
	const { img, scale } = await png(`site=${key}&page=/conf&type=confetti&by=new`);
	const a = pixel(img, Math.round(101 / scale), Math.round(101 / scale)), b = pixel(img, Math.round(501 / scale), Math.round(500 / scale));
	assert(a[2] > 150 && a[0] < 60 && a[3] > 150, `blue dot for new visitors at (101, 101): ${a}`);
	assert(b[0] > 180 && b[2] < 60 && b[3] > 150, `vermillion dot for returning at (501, 500): ${b}`);
	assertEq(pixel(img, Math.round(900 / scale), Math.round(900 / scale))[3], 0, 'transparent elsewhere');
	// a width band and no device: every class inside the band (api.md, vw)
	await sendPv('pv_conf_tab1', '/conf', 800, [[300, 300]], { new: true });
	await sendPv('pv_conf_mob1', '/conf', 390, [[50, 50]], { new: true });
	const band = await api(`/api/v1/heatmap?site=${key}&page=/conf&type=confetti&by=new&vw=700-1500`);
	const bj = await band.json();
	assertEq([band.status, bj.clicks], [200, 6], `a band alone: tablet and desktop clicks, not mobile (${JSON.stringify(bj).slice(0, 200)})`);
	// x as a fraction of the width, drawn at the band's commonest (1440)
	assert(bj.points.some(p => Math.round(p[0]) === 540 && p[1] === 300), `the tablet dot: ${JSON.stringify(bj.points)}`);
	assert(!bj.points.some(p => p[1] === 50), 'no mobile dot');
});

test('scroll and attention PNGs: bands by reach with fold and depth lines', async () => {
	const { img, scale } = await png(`site=${key}&page=/long&type=scroll`);
	assertEq([img.width * scale, img.height * scale], [1440, 4000], 'page-sized');
	const top = pixel(img, 10, Math.round(200 / scale)), bottom = pixel(img, 10, Math.round(3900 / scale));
	assert(top[0] > bottom[0] && top[2] < bottom[2], `reached bands are hotter: top ${top} bottom ${bottom}`);
	const fold = pixel(img, 10, Math.floor(900 / scale));
	assert(fold[0] < 40 && fold[1] < 40 && fold[2] < 40 && fold[3] > 200, `solid fold line at 900 px: ${fold}`);
	const j = await (await api(`/api/v1/heatmap?site=${key}&page=/long&type=attention&format=json`)).json();
	assertEq([j.width, j.height, j.reached_by[50]], [1440, 4000, 75], 'attention json is the scroll answer with a size');
	const att = await png(`site=${key}&page=/long&type=attention`);
	assert(pixel(att.img, 10, 10)[0] > pixel(att.img, 10, Math.round(3950 / att.scale))[0], 'more attention at the top');
});

test('diff: desktop against mobile per page view, signed cells and a diverging PNG', async () => {
	const j = await (await api(`/api/v1/heatmap?site=${key}&page=/home&type=diff&vs.device=mobile`)).json();
	assertEq([j.width, j.a.pageviews, j.b.pageviews, j.b.clicks], [1440, 3, 1, 4], 'both sides with their samples');
	const pos = j.cells.filter(c => c[2] > 0), neg = j.cells.filter(c => c[2] < 0);
	assert(pos.length && neg.length, 'cells of both signs');
	assertEq(pos[0].slice(0, 2), [300, 400], 'most more-in-A cell');
	assert(Math.abs(pos[0][2] - 20 / 3) < 1e-3, `20 clicks over 3 page views: ${pos[0][2]}`);
	const b = neg[0];
	assert(Math.abs(b[0] - 369) <= 11 && Math.abs(b[1] - 100) <= 10 && Math.abs(b[2] + 4) < 1e-6, `mobile clicks projected to 1440: ${b}`);
	const { img, scale } = await png(`site=${key}&page=/home&type=diff&vs.device=mobile`);
	const red = pixel(img, Math.round(301 / scale), Math.round(401 / scale)), blue = pixel(img, Math.round(370 / scale), Math.round(101 / scale));
	assert(red[0] > red[2] + 60 && red[3] > 100, `red where A has more: ${red}`);
	assert(blue[2] > blue[0] + 60 && blue[3] > 100, `blue where B has more: ${blue}`);
});

test('norm: p99 (default) and max give different images; bad values refused', async () => {
	const p99 = await (await api(`/api/v1/heatmap?site=${key}&page=/home&format=png`)).arrayBuffer();
	const max = await (await api(`/api/v1/heatmap?site=${key}&page=/home&format=png&norm=max`)).arrayBuffer();
	assert(Buffer.compare(Buffer.from(p99), Buffer.from(max)) !== 0, 'different normalisations');
});

const badParamsNew = [
	[`site=${key}&page=/home&norm=median`, 400, 'bad_param', 'norm'],
	[`site=${key}&page=/home&type=confetti&by=colour`, 400, 'bad_param', 'by'],
	[`site=${key}&page=/home&type=diff`, 400, 'bad_param', 'vs.from'],
	[`site=${key}&page=/home&vs.device=mobile`, 400, 'bad_param', 'vs.'],
	[`site=${key}&page=/home&type=diff&vs.device=phone`, 400, 'bad_param', 'vs.device'],
	[`site=${key}&page=/home&type=diff&vs.from=2020-01-01&vs.to=2020-01-02`, 400, 'bad_param', 'vs.from'],
];
const badParams = [...badParamsNew,
	['site=nosuch&page=/home', 404, 'unknown_site', 'site'],
	['page=/home', 400, 'bad_param', 'site'],
	[`site=${key}`, 400, 'bad_param', 'page'],
	[`site=${key}&page=/home&device=phone`, 400, 'bad_param', 'device'],
	[`site=${key}&page=/home&format=gif`, 400, 'bad_param', 'format'],
	[`site=${key}&page=/home&width=0`, 400, 'bad_param', 'width'],
	[`site=${key}&page=/home&radius=9999`, 400, 'bad_param', 'radius'],
	[`site=${key}&page=/home&from=2026-02-30`, 400, 'bad_param', 'from'],
	[`site=${key}&page=/home&colour=red`, 400, 'bad_param', 'colour'],
];
for (const [qs, status, code, param] of badParams) {
	test(`heatmap refuses ${qs} with ${status} naming ${param}`, async () => {
		const r = await api(`/api/v1/heatmap?${qs}`);
		assertEq(r.status, status, 'status');
		const j = await r.json();
		assertEq(j.error, code, 'code');
		assert(j.detail.startsWith(param), `detail names ${param}: ${j.detail}`);
	});
}

test('unknown path 404 JSON, wrong method 405', async () => {
	const r = await api('/api/v1/nope');
	assertEq(r.status, 404, '404');
	assertEq((await r.json()).error, 'not_found', 'code');
	const m = await server.api(`/api/v1/pages?site=${key}`, { method: 'POST', body: 'x' });
	assertEq(m.status, 405, '405');
});

await run({ after: async () => { await server.stop(); await cleanup(dataDir); } });
