// SPDX-License-Identifier: MIT
// Backend parity, shared by the ClickHouse API tests: one fixed set of
// /collect batches (a seeded `calor simulate` week plus hand-made page views
// for what it does not plant), sent alike to several calor servers, and a
// long list of read requests whose answers must be the same from each.
import { execFileSync } from 'node:child_process';
import { CALOR, cli, assert, assertEq } from './harness.mjs';

export const DAYS = 7;
// The simulated clock: fixed, so the batches are the same bytes every run.
// The server moves every time by its own clock minus `now` (docs/wire.md,
// "Time"), so what is stored is relative to when the test runs.
const SIM_NOW = 1790000000000;

// The batches: [{ ua, batch, late }] in sending order; batch.site and
// batch.now are set by send(). Sessions are kept whole and in order (a page view's
// later batches go through rage detection against the earlier ones).
export function makeBatches({ sessions = 40, seed = 11 } = {}) {
	const out = execFileSync(CALOR, ['simulate', '--target', 'http://127.0.0.1:9', '--site', 'SITEKEY',
		'--sessions', String(sessions), '--seed', String(seed), '--days', String(DAYS),
		'--now', String(SIM_NOW), '--dry-run', '--print', '-'], { encoding: 'utf8', maxBuffer: 256 << 20, stdio: ['ignore', 'pipe', 'ignore'] });
	const list = out.trim().split('\n').map(l => JSON.parse(l));
	return list.concat(handMade());
}

// What the simulator does not send: several tag keys, selectors with
// quotes, backslashes and non-ASCII, a rage run split over two
// batches, clicks with the tracker's reaction and error times, a page with
// a query string, pen input, a session that changes device class.
function handMade() {
	const UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0';
	const at = SIM_NOW - 3 * 3600000;
	const out = [];
	const click = (ts, x, y, sel, more = {}) => ({ t: 'click', ts, x, y, vw: 1280, vh: 720, dw: 1280, dh: 3000, sel,
		ex: 1000, ey: 2000, ew: 120, eh: 40, pt: 'mouse', ia: 1, ...more });
	const pv = (id, seq, sid, url, ts, extra = {}) => ({ id, seq, sid, url, ts, vw: 1280, vh: 720, ...extra });
	const batch = (p, ev) => out.push({ ua: UA, batch: { v: 1, site: 'SITEKEY', now: SIM_NOW, pv: p, ev } });
	const tags = { variant: 'B', plan: 'pro"x', locale: 'de\\AT' };
	// a rage run of five: three clicks in the first batch, two in the next
	batch(pv('pvhandrage00001', 0, 'sesshand0001', '/hand/form?step=2', at, { ref: 'news.example.com', new: true, tags }),
		[click(at + 1000, 500, 600, 'form > button.send "quoted"'), click(at + 1300, 505, 602, 'form > button.send "quoted"'),
			click(at + 1600, 503, 604, 'form > button.send "quoted"')]);
	batch(pv('pvhandrage00001', 1, 'sesshand0001', '/hand/form?step=2', at, { ref: 'news.example.com', new: true, tags }),
		[click(at + 1900, 506, 606, 'form > button.send "quoted"'), click(at + 2200, 504, 601, 'form > button.send "quoted"'),
			{ t: 'move', ts: at + 2300, p: [100, 100, 0, 140, 130, 120, 300, 90, 400], vw: 1280, dh: 3000 },
			{ t: 'scroll', ts: at + 2500, y: 2100, dh: 3000, fold: 720, rev: 3, dwell: Array.from({ length: 100 }, (_, i) => (i < 70 ? 1200 : 0)) },
			{ t: 'goal', ts: at + 2600, name: 'signup' }]);
	// odd selectors, reaction and error times, a pen
	batch(pv('pvhandodd000002', 0, 'sesshand0002', '/hand/form?step=2', at + 60000, { utm: { source: 'nl', medium: 'email', campaign: 'ünïcode' }, tags: { variant: 'A', plan: 'free' } }),
		[click(at + 61000, 10, 10, 'div.a\\b c', { ia: 0, rt: 2000, et: 9000 }),
			click(at + 64000, 1270, 2990, 'span[data-x="1"] > é', { ia: 0, rt: 100, et: 400, pt: 'pen' }),
			click(at + 68000, 640, 360, '#ok', { dead: 1, err: 1, rt: 50, et: 5000 })]);
	// the same session on a phone a minute later
	batch({ ...pv('pvhandphone0003', 0, 'sesshand0002', '/hand/form?step=2', at + 120000), vw: 390, vh: 800 },
		[{ ...click(at + 121000, 200, 300, '#ok'), vw: 390, vh: 800, dw: 390, dh: 4000, pt: 'touch' }]);
	// a quick back (/hand/a, /hand/b for 5 s, /hand/a again) whose last
	// page view's later batches come from a client whose clock fell 4 s
	// behind: the server stores their start 4 s later; the page view
	// starts when its first batch says
	batch(pv('pvhandqba000004', 0, 'sesshand0003', '/hand/a', at + 200000), [click(at + 201000, 50, 50, '#to-b')]);
	batch(pv('pvhandqbb000005', 0, 'sesshand0003', '/hand/b', at + 203000), [click(at + 204000, 60, 60, '#back')]);
	batch(pv('pvhandqbc000006', 0, 'sesshand0003', '/hand/a', at + 208000), [click(at + 209000, 70, 70, '#x')]);
	for (let seq = 1; seq <= 4; seq++) {
		batch(pv('pvhandqbc000006', seq, 'sesshand0003', '/hand/a', at + 208000), [click(at + 209000 + seq * 2000, 70, 70 + seq * 50, '#x')]);
		out[out.length - 1].late = 4000;
	}
	return out;
}

// Posts every batch, with each server's site key, to every server; a
// session's batches in order, `workers` sessions at once, each batch to
// all servers at the same moment (each server moves times by its own clock
// when it receives the batch: sent together, the stored times differ by the
// milliseconds between the arrivals only). targets: [{ url, key }] or a
// function (batch index) => [{ url, key }]. Every answer must be a 204.
export async function send(batches, targets, { workers = 6 } = {}) {
	const sessions = new Map();
	batches.forEach((b, i) => {
		const sid = b.batch.pv.sid;
		if (!sessions.has(sid)) sessions.set(sid, []);
		sessions.get(sid).push(i);
	});
	const queue = [...sessions.values()];
	// `now` is the client's clock when it sends, as calor.js's is: the
	// simulated clock moved on by the real time since the first send,
	// minus `late` (a client clock running behind)
	const t0 = Date.now();
	const post = async (url, key, { ua, batch, late = 0 }) => {
		const body = JSON.stringify({ ...batch, site: key, now: batch.now + (Date.now() - t0) - late });
		const r = await fetch(`${url}/collect`, { method: 'POST', headers: { 'Content-Type': 'text/plain;charset=UTF-8', 'User-Agent': ua }, body });
		if (r.status !== 204) throw new Error(`collect ${url}: ${r.status} ${await r.text()}`);
	};
	const worker = async () => {
		for (let s; (s = queue.shift());)
			for (const i of s) {
				const t = typeof targets === 'function' ? targets(i) : targets;
				await Promise.all(t.map(({ url, key }) => post(url, key, batches[i])));
			}
	};
	await Promise.all(Array.from({ length: workers }, worker));
}

// The settings a site needs for these batches (a week back).
export function siteSettings(store, key) {
	cli(['site', 'set', key, `backdate_days=${DAYS + 2}`, '--data', store]);
}

const day = (d) => new Date(Date.now() - d * 86400000).toISOString().slice(0, 10);

// Segment filters: each alone, and a few together.
export function filters() {
	return ['', `&from=${day(3)}`, `&to=${day(2)}`, `&from=${day(5)}&to=${day(1)}`, `&from=${day(0)}&to=${day(0)}`,
		'&vw=1000-1500', '&vw=-500', '&browser=chrome', '&browser=safari', '&os=ios', '&os=windows',
		'&source=search', '&source=campaign', '&source=direct', '&referrer=www.google.com', '&utm_campaign=spring_launch',
		'&visitor=new', '&visitor=returning', '&tag.variant=B', '&tag.variant=A&tag.plan=free', '&goal=signup', '&nogoal=signup',
		'&goal=trial_start&visitor=returning', '&source=social&nogoal=signup'];
}

// The read requests, as API paths without the site (added per server by
// ask()): pages, heatmaps of every type (JSON and PNG), scroll, elements,
// frustration, under every filter. pages: the site's paths, most viewed
// first; the first `main` of them get every filter. `full` false: every
// third filter only.
export function requests(pages, { full = true, main = 2 } = {}) {
	const F = full ? filters() : filters().filter((_, i) => i % 3 === 0);
	const list = [];
	const pg = (p) => `&page=${encodeURIComponent(p)}`;
	for (const f of F) {
		list.push(`/api/v1/pages?x${f}`, `/api/v1/frustration?x${f}`);
		for (const p of pages.slice(0, main))
			list.push(`/api/v1/heatmap?x${pg(p)}${f}`, `/api/v1/elements?x${pg(p)}${f}`, `/api/v1/scroll?x${pg(p)}${f}`,
				`/api/v1/heatmap?x${pg(p)}${f}${f.includes('vw=') ? '&device=desktop' : ''}&type=confetti`);
		if (!f.includes('vw='))
			for (const d of ['tablet', 'mobile'])
				list.push(`/api/v1/heatmap?x${pg(pages[0])}${f}&device=${d}`, `/api/v1/scroll?x${pg(pages[0])}${f}&device=${d}`);
	}
	pages.forEach((p, i) => {
		const types = i < 3 ? ['click', 'move', 'rage', 'dead', 'error', 'scroll', 'attention', 'confetti'] : ['click', 'confetti', 'scroll'];
		for (const d of ['desktop', 'tablet', 'mobile'])
			for (const t of types) list.push(`/api/v1/heatmap?x${pg(p)}&device=${d}&type=${t}`);
		for (const s of ['clicks', 'rage', 'dead', 'error'])
			list.push(`/api/v1/elements?x${pg(p)}&sort=${s}&limit=3`);
		list.push(`/api/v1/frustration?x${pg(p)}`);
		if (i >= 3) return;
		list.push(`/api/v1/heatmap?x${pg(p)}&device=mobile&width=1000&cell=50`, `/api/v1/heatmap?x${pg(p)}&cell=3`,
			`/api/v1/elements?x${pg(p)}&conversion=trial_start`);
		for (const by of ['new', 'source', 'browser', 'os', 'tag.variant'])
			list.push(`/api/v1/heatmap?x${pg(p)}&type=confetti&by=${by}`);
		list.push(`/api/v1/heatmap?x${pg(p)}&type=confetti&by=browser&device=mobile&visitor=new`);
		for (const vs of ['vs.device=mobile', 'vs.device=desktop&device=mobile', 'tag.variant=B&vs.tag.variant=A',
			`from=${day(2)}&vs.from=${day(6)}&vs.to=${day(3)}`, 'vs.goal=signup', 'vw=300-500&vs.vw=1200-2000'])
			list.push(`/api/v1/heatmap?x${pg(p)}&type=diff&${vs}`);
		for (const t of ['click', 'confetti', 'scroll', 'attention', 'diff&vs.device=mobile', 'rage'])
			list.push(`/api/v1/heatmap?x${pg(p)}&type=${t}&format=png`);
		list.push(`/api/v1/heatmap?x${pg(p)}&format=png&palette=viridis&norm=max&radius=10&tag.variant=B`);
	});
	for (const s of ['sessions', 'clicks', 'rage', 'dead', 'error', 'depth', 'conversion', 'path', 'priority'])
		list.push(`/api/v1/pages?x&sort=${s}`, `/api/v1/pages?x&sort=${s}&order=asc&limit=2&offset=1`);
	list.push('/api/v1/pages?x&q=PRIC', '/api/v1/pages?x&conversion=add_to_cart', '/api/v1/frustration?x&limit=1',
		'/api/v1/pages?x&device=mobile', '/api/v1/pages?x&device=tablet', '/api/v1/pages?x&device=desktop');
	if (full) list.push(...hand.map(q => `/api/v1/${q}`));
	return list;
}

// Requests on the hand-made page views.
const hand = ['heatmap?x&page=%2Fhand%2Fform%3Fstep%3D2&type=confetti&by=tag.plan', 'heatmap?x&page=%2Fhand%2Fform%3Fstep%3D2&type=rage',
	'elements?x&page=%2Fhand%2Fform%3Fstep%3D2&tag.plan=pro%22x', 'elements?x&page=%2Fhand%2Fform%3Fstep%3D2&tag.locale=de%5CAT',
	'heatmap?x&page=%2Fhand%2Fform%3Fstep%3D2&type=move', 'frustration?x&page=%2Fhand%2Fb', 'pages?x&utm_campaign=%C3%BCn%C3%AFcode',
	'heatmap?x&page=%2Fhand%2Fform%3Fstep%3D2&device=mobile'];

// Times: frustration examples carry the server time (`ts`) of the event,
// which each server took from its own clock on arrival (skew correction,
// docs/wire.md "Time"): the same batch reached the servers some
// milliseconds apart. Those fields are compared within TIME_SLACK_MS and
// then set equal; everything else must be identical.
const TIME_SLACK_MS = 5000;
const TIME_KEYS = new Set(['ts']);

function sameTimes(a, b, where) {
	if (Array.isArray(a) && Array.isArray(b)) {
		a.forEach((x, i) => sameTimes(x, b[i], `${where}[${i}]`));
	} else if (a && b && typeof a === 'object' && typeof b === 'object') {
		for (const k of Object.keys(a)) {
			if (TIME_KEYS.has(k) && typeof a[k] === 'number' && typeof b[k] === 'number') {
				assert(Math.abs(a[k] - b[k]) <= TIME_SLACK_MS, `${where}.${k}: ${a[k]} and ${b[k]} are more than ${TIME_SLACK_MS} ms apart`);
				b[k] = a[k];
			} else sameTimes(a[k], b[k], `${where}.${k}`);
		}
	}
}

// One answer, made comparable: status, the X-Calor-* headers, and the JSON
// with the site key replaced (each store made its own) or the PNG's bytes.
async function answer(server, key, path) {
	const r = await server.api(path.replace('?x', `?site=${key}`));
	const headers = {};
	for (const [k, v] of r.headers) if (k.startsWith('x-calor-')) headers[k] = v;
	const type = r.headers.get('content-type') || '';
	let body;
	if (type.includes('json')) body = JSON.parse((await r.text()).split(key).join('SITEKEY'));
	else body = Buffer.from(await r.arrayBuffer()).toString('base64');
	return { status: r.status, type, headers, body };
}

// Asks every server every request; the first server's answer is the
// reference. Returns how many answers were compared. Fails on the first
// request answered differently, naming it and the first difference, and
// when any request was not answered 200.
export async function compare(servers, list, { concurrency = 4 } = {}) {
	let next = 0, compared = 0;
	const failed = [];
	const one = async () => {
		for (let i; (i = next++) < list.length;) {
			const path = list[i];
			const got = await Promise.all(servers.map(s => answer(s.server, s.key, path)));
			// a diff whose second set is empty is refused, rightly
			const empty = got[0].status === 400 && /has no page views/.test(got[0].body?.detail);
			if (got[0].status !== 200 && !empty) failed.push(`${path}: ${got[0].status} ${JSON.stringify(got[0].body).slice(0, 100)}`);
			for (let j = 1; j < got.length; j++) {
				sameTimes(got[0].body, got[j].body, path);
				const a = JSON.stringify(got[0]), b = JSON.stringify(got[j]);
				if (a !== b) throw new Error(`${path}: ${servers[0].name} and ${servers[j].name} differ ${firstDifference(a, b)}`);
				compared++;
			}
		}
	};
	await Promise.all(Array.from({ length: concurrency }, one));
	assertEq(failed, [], 'requests answered with an error (the same on each server)');
	return compared;
}

// Where two strings part, with some context of each.
export function firstDifference(a, b) {
	let i = 0;
	while (i < a.length && a[i] === b[i]) i++;
	return `at ${i}:\n  ${a.slice(Math.max(0, i - 100), i + 100)}\n  ${b.slice(Math.max(0, i - 100), i + 100)}`;
}
