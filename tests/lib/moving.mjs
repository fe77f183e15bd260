// SPDX-License-Identifier: MIT
// Moving a site between stores (`calor export` / `calor import`): a site
// filled with simulated visitors plus batches that reach the corners of the
// format (a rage run across batches, more tags than one batch holds, moves
// at two widths, attention, goals), exports read back as lines, and a
// snapshot of the read API's answers to compare two servers by.
import { execFileSync, spawnSync } from 'node:child_process';
import { CALOR, cli, assert, assertEq } from './harness.mjs';

const UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15';

// Fill site `key` on `server` (its origin allowed): `calor simulate` with a
// fixed seed, one sender so batches arrive in one order, then the corner
// batches. Times are within the last two days (backdate_days >= 3).
export async function fillSite(server, key, { sessions = 25, seed = 11 } = {}) {
	const r = spawnSync(CALOR, ['simulate', '--target', server.url, '--site', key, '--sessions', String(sessions),
		'--seed', String(seed), '--days', '2', '--concurrency', '1'], { encoding: 'utf8' });
	assertEq(r.status, 0, `simulate: ${r.stderr}`);
	const t0 = Date.now() - 3600 * 1000;
	const post = async body => {
		const res = await fetch(`${server.url}/collect`, {
			method: 'POST', body: JSON.stringify(body),
			headers: { 'Content-Type': 'text/plain', Origin: server.url, 'User-Agent': UA },
		});
		assertEq(res.status, 204, `collect ${await res.text()}`);
	};
	const click = (dt, x, y, extra = {}) => ({ t: 'click', ts: t0 + dt, x, y, vw: 1280, vh: 800, dw: 1280, dh: 3000,
		sel: 'main > button.buy', ex: 1000, ey: 2000, ew: 120, eh: 40, pt: 'mouse', ...extra });
	const tags = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, `v${i} <"&>`]));
	const pv = { id: 'pv_move_corner1', sid: 'sess_move_corner', url: '/corner?a=1', ref: 'search.example', ts: t0,
		vw: 1280, vh: 800, dpr: 1.25, new: false, utm: { source: 'mail', campaign: 'spring "25"' }, tags };
	await post({ v: 1, site: key, now: t0 + 100, pv: { ...pv, seq: 0 }, ev: [
		click(0, 500, 600), click(300, 505, 602),
		{ t: 'scroll', ts: t0 + 400, y: 1600, dh: 3000, fold: 800, rev: 3, dwell: Array.from({ length: 100 }, (_, i) => i) },
		{ t: 'move', ts: t0 + 500, p: [10, 20, 0, 30, 40, 120, 50, 60, 90], vw: 1280, dh: 3000 },
	] });
	// the rage run completes in the next batch; two more tags (12 in all)
	await post({ v: 1, site: key, now: t0 + 900, pv: { ...pv, seq: 1, tags: { k10: 'x', k11: 'y' } }, ev: [
		click(600, 503, 601), click(800, 504, 599, { dead: 1, fx: 1, pt: 'touch', sel: 'div.a \\ "b"' }),
		{ t: 'scroll', ts: t0 + 900, y: 2400, dh: 3100, rev: 2, dwell: Array.from({ length: 100 }, () => 7) },
		{ t: 'move', ts: t0 + 950, p: [70, 80, 0], vw: 1000, dh: 3100 },
		{ t: 'goal', ts: t0 + 990, name: 'buy' },
	] });
	// a second page view of the session, tablet, with an error click
	await post({ v: 1, site: key, now: t0 + 5000, pv: { id: 'pv_move_corner2', seq: 0, sid: 'sess_move_corner',
		url: '/corner?a=1', ref: '', ts: t0 + 4000, vw: 900, vh: 1200 }, ev: [
		click(4100, 100, 200, { vw: 900, dw: 900, err: 1 }), { t: 'goal', ts: t0 + 4200, name: 'buy' },
	] });
}

// `calor export` of key from spec, as lines (the site line's `exported`,
// the time of the export, taken out).
export function exportLines(spec, key) {
	const out = cli(['export', '--site', key, '--data', spec], { maxBuffer: 1 << 30 });
	assert(out.endsWith('\n'), 'export ends with a newline');
	const lines = out.slice(0, -1).split('\n');
	const site = JSON.parse(lines[0]);
	assertEq(site.type, 'site', 'first line');
	delete site.exported;
	lines[0] = JSON.stringify(site);
	return lines;
}

// Run `calor import`; returns { status, stderr }.
export function importFile(spec, file, extra = []) {
	const r = spawnSync(CALOR, ['import', '--in', file, '--data', spec, ...extra], { encoding: 'utf8' });
	return { status: r.status, stderr: r.stderr };
}

// The import summary's numbers: { stored: [pv, clicks, moves, goals], dup: [...] }.
export function summary(stderr) {
	const m = /stored (\d+) page views, (\d+) clicks, (\d+) moves, (\d+) goals; already there \(duplicates\) (\d+), (\d+), (\d+), (\d+)/.exec(stderr);
	assert(m, `summary in: ${stderr}`);
	const n = m.slice(1).map(Number);
	return { stored: n.slice(0, 4), dup: n.slice(4) };
}

// The counts of an export's end line.
export function endCounts(lines) {
	const end = JSON.parse(lines[lines.length - 1]);
	return [end.pageviews, end.clicks, end.moves, end.goals];
}

async function getJson(server, path) {
	const r = await server.api(path);
	const text = await r.text();
	assertEq(r.status, 200, `${path}: ${text}`);
	return JSON.parse(text);
}

// What the read API answers about site key: the pages table, and for each
// page the heatmaps of every type and device, a segmented one, scroll and
// the element table.
export async function apiSnapshot(server, key) {
	const snap = {};
	const q = `site=${key}`;
	const pages = await getJson(server, `/api/v1/pages?${q}&limit=1000`);
	snap.pages = pages;
	for (const p of pages.pages.map(x => x.path)) {
		const page = `${q}&page=${encodeURIComponent(p)}`;
		for (const device of ['desktop', 'tablet', 'mobile']) {
			for (const type of ['click', 'move', 'rage', 'dead', 'error', 'scroll', 'attention'])
				snap[`${p} ${device} ${type}`] = await getJson(server, `/api/v1/heatmap?${page}&device=${device}&type=${type}`);
			snap[`${p} ${device} click new`] = await getJson(server, `/api/v1/heatmap?${page}&device=${device}&visitor=new`);
		}
		snap[`${p} elements`] = await getJson(server, `/api/v1/elements?${page}&limit=1000`);
		snap[`${p} frustration`] = await getJson(server, `/api/v1/frustration?${page}`);
	}
	return snap;
}

// Equal snapshots, naming the first answer that differs.
export function assertSameAnswers(a, b, what) {
	const keys = Object.keys(a);
	assertEq(Object.keys(b).sort().join('\n'), keys.slice().sort().join('\n'), `${what}: the same questions`);
	for (const k of keys) assertEq(JSON.stringify(b[k]), JSON.stringify(a[k]), `${what}: ${k}`);
}

export { execFileSync };
