// SPDX-License-Identifier: MIT
// The tracker's size budget (issue 3): calor.js bundled with
// web/dashboard/selector.js and minified by esbuild, as the build does,
// then compressed with gzip -9 must stay at or under 4096 bytes. Also checks that the file the
// build embeds is that minified output.
import { execFileSync } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { test, run, assert, ROOT } from '../lib/harness.mjs';

const BUDGET = 4096;
const ESBUILD = join(ROOT, 'node_modules/.bin/esbuild');
const SRC = join(ROOT, 'web/tracker/calor.js');

const minify = () => execFileSync(ESBUILD, ['--bundle', '--format=iife', '--minify', '--target=es2017', '--log-level=warning', SRC], { encoding: 'utf8' });
const gzipped = s => Number(execFileSync('sh', ['-c', 'gzip -9 | wc -c'], { input: s }).toString().trim());

test(`calor.js is at most ${BUDGET} bytes minified and gzipped`, () => {
	const min = minify();
	const gz = gzipped(min);
	console.log(`# calor.js: ${Buffer.byteLength(readFileSync(SRC))} bytes source, ${Buffer.byteLength(min)} minified, ${gz} gzip -9`);
	assert(gz <= BUDGET, `calor.js is ${gz} bytes gzipped, over the ${BUDGET}-byte budget`);
	assert(gz > 500, `calor.js gzipped to ${gz} bytes: the measurement is broken`);
});

test('the build embeds the minified tracker', () => {
	const built = join(ROOT, 'build/web/calor.js');
	if (!existsSync(built)) return; // not built yet: nothing to compare
	// an edited source newer than the build is not the build's fault
	if (execFileSync('find', [SRC, join(ROOT, 'web/dashboard/selector.js'), '-newer', built]).toString().trim() !== '') return;
	assert(readFileSync(built, 'utf8') === minify(), 'build/web/calor.js is the esbuild output of web/tracker/calor.js');
});

await run();
