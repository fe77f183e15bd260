// SPDX-License-Identifier: MIT
// heatmap.js and simpleheat on the shared point file in headless Chromium
// (Debian's, never downloaded), timed inside the page: from the points in a
// Float32Array to coloured pixels read back with getImageData, so lazy canvas
// work is counted. Prints one JSON object per run on stdout.
//
// usage: node browser.mjs POINTS.bin LABEL REPS [POINTS.bin LABEL REPS ...]
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(join(ROOT, 'package.json'));
const { chromium } = require('playwright-core');

const W = 1440, H = 4000, RADIUS = 25;
const ORIGIN = 'http://bench.invalid';
const libs = {
	'/heatmap.js': readFileSync(join(ROOT, 'node_modules/heatmap.js/build/heatmap.js')),
	'/simpleheat.js': readFileSync(join(ROOT, 'node_modules/simpleheat/simpleheat.js')),
};

const html = `<!doctype html><meta charset=utf-8>
<style>body{margin:0} #hm{width:${W}px;height:${H}px}</style>
<div id=hm></div><canvas id=sh width=${W} height=${H}></canvas>
<script src=/heatmap.js></script><script src=/simpleheat.js></script>`;

// Runs in the page. Returns milliseconds for each stage of one contender.
async function runInPage({ url, which, W, H, RADIUS }) {
	const xy = new Float32Array(await (await fetch(url)).arrayBuffer());
	const n = xy.length / 2;
	const t0 = performance.now();
	// Both libraries want the top value; the most points on one pixel is
	// what "normalise by max" means for them.
	const counts = new Uint32Array(W * H);
	let max = 0;
	for (let i = 0; i < n; i++) {
		const c = ++counts[(xy[2 * i + 1] | 0) * W + (xy[2 * i] | 0)];
		if (c > max) max = c;
	}
	let ctx, tInput, tDraw;
	if (which === 'heatmap.js') {
		const box = document.getElementById('hm');
		box.innerHTML = '';
		const data = new Array(n);
		for (let i = 0; i < n; i++) data[i] = { x: xy[2 * i], y: xy[2 * i + 1], value: 1 };
		tInput = performance.now();
		const hm = h337.create({ container: box, radius: RADIUS });
		hm.setData({ min: 0, max, data });
		ctx = box.querySelector('canvas').getContext('2d');
		tDraw = performance.now();
	} else {
		const canvas = document.getElementById('sh');
		const data = new Array(n);
		for (let i = 0; i < n; i++) data[i] = [xy[2 * i], xy[2 * i + 1], 1];
		tInput = performance.now();
		// 15 px disc + 10 px blur: fades out at 25 px like the others.
		const heat = simpleheat(canvas).data(data).max(max).radius(RADIUS - 10, 10);
		heat.draw(0.05);
		ctx = canvas.getContext('2d');
		tDraw = performance.now();
	}
	const img = ctx.getImageData(0, 0, W, H);
	let lit = 0;
	for (let i = 3; i < img.data.length; i += 4) if (img.data[i]) lit++;
	const t1 = performance.now();
	return { input: tInput - t0, draw: tDraw - tInput, readback: t1 - tDraw, total: t1 - t0, lit };
}

const browser = await chromium.launch({
	executablePath: '/usr/bin/chromium',
	args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
		'--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
	const args = process.argv.slice(2);
	for (let a = 0; a + 2 < args.length; a += 3) {
		const [file, label, reps] = [args[a], args[a + 1], Number(args[a + 2])];
		const points = readFileSync(file);
		for (const which of ['heatmap.js', 'simpleheat']) {
			const times = [];
			// A fresh page per contender and size; one warm-up run first.
			const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
			await page.route(`${ORIGIN}/**`, route => {
				const path = new URL(route.request().url()).pathname;
				if (path === '/') return route.fulfill({ contentType: 'text/html', body: html });
				if (libs[path]) return route.fulfill({ contentType: 'text/javascript', body: libs[path] });
				if (path === '/points.bin') return route.fulfill({ contentType: 'application/octet-stream', body: points });
				return route.fulfill({ status: 404, body: '' });
			});
			await page.goto(`${ORIGIN}/`);
			let last;
			for (let r = -1; r < reps; r++) {
				last = await page.evaluate(runInPage, { url: '/points.bin', which, W, H, RADIUS });
				if (r >= 0) times.push(last);
			}
			await page.close();
			const med = key => times.map(t => t[key]).sort((x, y) => x - y)[times.length >> 1];
			console.log(JSON.stringify({ contender: which, points: label, reps, input: med('input'), draw: med('draw'), readback: med('readback'), total: med('total'), lit: last.lit }));
		}
	}
} finally {
	await browser.close();
}
