// SPDX-License-Identifier: MIT
// `calor import` between SQLite stores, with real processes: a site filled
// through /collect is exported, imported into a fresh data directory and
// exported again — the same lines in the same order —; both servers answer
// the read API alike; a second import stores nothing; `--site` adds to an
// existing site; hostile files (cut short, a wrong format, garbage, a huge
// line, events without their page view) are refused with their line and
// leave the store as it was, or are skipped with --skip-bad.
import { readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, run, assert, assertEq, startServer, addSite, tempDir, cleanup, cli, freePort } from '../lib/harness.mjs';
import { fillSite, exportLines, importFile, summary, endCounts, apiSnapshot, assertSameAnswers } from '../lib/moving.mjs';

const work = tempDir('calor-import-');
const srcDir = tempDir();
const dstDir = tempDir();
const port = await freePort();
const key = addSite(srcDir, 'Moving <shop> "A"', [`http://127.0.0.1:${port}`, 'https://shop.example']);
cli(['site', 'set', key, 'backdate_days=3', 'rage_px=40', 'retention_days=400', '--data', srcDir]);
const srcServer = await startServer({ dataDir: srcDir, port });
await fillSite(srcServer, key);
const file = join(work, 'site.ndjson');
writeFileSync(file, cli(['export', '--site', key, '--data', srcDir], { maxBuffer: 1 << 30 }));
const source = exportLines(srcDir, key);
let dstServer = null;

// every line but the site line's `exported`
function sameLines(a, b, what) {
	assertEq(b.length, a.length, `${what}: lines`);
	for (let i = 0; i < a.length; i++) assertEq(b[i], a[i], `${what}: line ${i + 1}`);
}

test('the source site has every kind of record', () => {
	const [pv, clicks, moves, goals] = endCounts(source);
	assert(pv > 50 && clicks > 100 && moves > 100 && goals > 2, `counts ${[pv, clicks, moves, goals]}`);
	assert(source.some(l => l.includes('"rage":true')), 'a rage click');
	assert(source.some(l => l.includes('"k11":"y"')), 'twelve tags');
	const site = JSON.parse(source[0]);
	assertEq([site.format, site.settings.rage_px, site.settings.backdate_days], [2, 40, 3], 'settings exported');
});

test('SQLite -> export -> import into a fresh store -> export: the same lines', () => {
	const r = importFile(dstDir, file);
	assertEq(r.status, 0, r.stderr);
	assert(r.stderr.includes(`site ${key} (created)`), r.stderr);
	const s = summary(r.stderr);
	assertEq(s.stored, endCounts(source), 'stored');
	assertEq(s.dup, [0, 0, 0, 0], 'no duplicates');
	sameLines(source, exportLines(dstDir, key), 'round trip');
	const list = cli(['site', 'list', '--data', dstDir]);
	assert(list.includes(`${key}\tMoving <shop> "A"\t${srcServer.url},https://shop.example`), list);
	const shown = cli(['site', 'show', key, '--data', dstDir]);
	assert(/rage_px\s*=?\s*40/.test(shown) && /retention_days\s*=?\s*400/.test(shown), shown);
});

test('the read API answers the same from both stores', async () => {
	dstServer = await startServer({ dataDir: dstDir });
	assertSameAnswers(await apiSnapshot(srcServer, key), await apiSnapshot(dstServer, key), 'SQLite -> SQLite');
});

test('importing the same file again stores nothing', () => {
	const r = importFile(dstDir, file);
	assertEq(r.status, 0, r.stderr);
	assert(r.stderr.includes(`site ${key} (existing)`), r.stderr);
	const s = summary(r.stderr);
	assertEq(s.stored, [0, 0, 0, 0], 'nothing stored');
	assertEq(s.dup, endCounts(source), 'all duplicates');
	sameLines(source, exportLines(dstDir, key), 'after the second import');
});

test('--site KEY adds the events to an existing site (its settings kept)', () => {
	const dir = tempDir();
	const other = addSite(dir, 'Other', []);
	const r = importFile(dir, file, ['--site', other]);
	assertEq(r.status, 0, r.stderr);
	assert(r.stderr.includes(`site ${other} (existing)`), r.stderr);
	assertEq(summary(r.stderr).stored, endCounts(source), 'stored');
	const lines = exportLines(dir, other);
	const site = JSON.parse(lines[0]);
	assertEq([site.name, site.settings.rage_px], ['Other', 30], 'the site as it was');
	assertEq(lines.length, source.length, 'every record');
	// rage derived again with this site's rule (30 px, not 40)
	const rage = ls => ls.filter(l => l.includes('"rage":true')).length;
	assert(rage(lines) <= rage(source), 'rage by the site\'s own rule');
	assertEq(lines.slice(1).join('\n').replaceAll('"rage":true', '"rage":false'),
		source.slice(1).join('\n').replaceAll('"rage":true', '"rage":false'), 'the same records');
	const bad = importFile(dir, file, ['--site', 'nosuchkey']);
	assertEq(bad.status, 1, 'unknown --site');
	assert(bad.stderr.includes('no site has the key nosuchkey'), bad.stderr);
	cleanup(dir);
});

// Import `text` into a fresh store and into the imported one; both refuse
// it with `message` and neither changes.
function refused(name, text, message, extra = []) {
	const bad = join(work, `${name}.ndjson`);
	writeFileSync(bad, text);
	const fresh = tempDir();
	const r = importFile(fresh, bad, extra);
	assertEq(r.status, 1, `${name}: exit status (${r.stderr})`);
	assert(r.stderr.includes(message), `${name}: ${r.stderr}`);
	assertEq(cli(['site', 'list', '--data', fresh]), '', `${name}: no site created`);
	cleanup(fresh);
	const before = exportLines(dstDir, key);
	const r2 = importFile(dstDir, bad, extra);
	assertEq(r2.status, 1, `${name}: exit status into the imported store`);
	sameLines(before, exportLines(dstDir, key), `${name}: the store unchanged`);
	return bad;
}

test('hostile files are refused with their line and store nothing', () => {
	const text = readFileSync(file, 'utf8');
	const lines = text.slice(0, -1).split('\n');
	const n = lines.length;
	// a fresh key so that a wrongly accepted file would create a site
	const rekey = ls => [ls[0].replace(`"key":"${key}"`, '"key":"fresh_key_1"'), ...ls.slice(1)];
	refused('truncated', rekey(lines.slice(0, n - 20)).join('\n') + '\n', 'no end line: the file was cut short');
	refused('cut-mid-line', text.slice(0, Math.floor(text.length / 2)).replace(`"key":"${key}"`, '"key":"fresh_key_1"'),
		'line');
	refused('format-3', [lines[0].replace('"format":2', '"format":3'), ...lines.slice(1)].join('\n'),
		'line 1: "format": 3 is not a format this calor reads (1..2)');
	refused('garbage', 'GIF89a\x00\x01\x02\n', 'line 1: not UTF-8 (or contains a NUL byte)');
	refused('not-json', 'hello, world\n{"type":"end"}\n', "line 1: not JSON: expected '{' at byte 1");
	refused('no-header', lines.slice(1).join('\n'), 'line 1: the first line must be a site line');
	refused('empty', '', 'the file is empty');
	const huge = rekey(lines);
	huge.splice(5, 0, `{"type":"click","selector":"${'x'.repeat(70000)}"}`);
	refused('huge-line', huge.join('\n'), 'line 6: line longer than 65536 bytes');
	const orphan = rekey(lines);
	const click = orphan.findIndex(l => l.startsWith('{"type":"click"'));
	orphan[click] = orphan[click].replace(/"pv":"[^"]*"/, '"pv":"pv_nobody_here"');
	refused('orphan', orphan.join('\n'), `line ${click + 1}: page view pv_nobody_here is not on an earlier line`);
	const twice = rekey(lines);
	twice.splice(2, 0, twice[1]);
	refused('pageview-twice', twice.join('\n'), 'line 3: page view');
	const counts = rekey(lines);
	counts[n - 1] = counts[n - 1].replace(/"clicks":\d+/, '"clicks":1');
	refused('end-counts', counts.join('\n'), `line ${n}: the end line counts`);
	const wrongPage = rekey(lines);
	wrongPage[click] = wrongPage[click].replace(/"page":"[^"]*"/, '"page":"/elsewhere"');
	refused('wrong-page', wrongPage.join('\n'), `line ${click + 1}: "page" is not that of page view`);
	const bad = rekey(lines);
	bad[click] = bad[click].replace(/"x":\d+/, '"x":"300"');
	refused('bad-field', bad.join('\n'), `line ${click + 1}: "x": must be an integer in 0..32767`);
	refused('bad-site', [lines[0].replace(/"origins":\[[^\]]*\]/, '"origins":["ftp://nope"]').replace(`"key":"${key}"`,
		'"key":"fresh_key_1"'), ...lines.slice(1)].join('\n'), 'line 1: cannot create the site: origin');
});

test('--skip-bad leaves bad lines (and the events of a bad page view) out', () => {
	const lines = readFileSync(file, 'utf8').slice(0, -1).split('\n');
	const pvLine = lines.findIndex(l => l.includes('"id":"pv_move_corner1"'));
	const events = lines.filter(l => l.includes('"pv":"pv_move_corner1"')).length;
	lines[pvLine] = lines[pvLine].replace('"vw":1280', '"vw":0');
	lines.splice(3, 0, 'not json');
	const bad = join(work, 'skip.ndjson');
	writeFileSync(bad, lines.join('\n') + '\n');
	const dir = tempDir();
	const r = importFile(dir, bad, ['--skip-bad']);
	assertEq(r.status, 0, r.stderr);
	assert(r.stderr.includes(`skipped ${2 + events} bad lines (first: line 4: not JSON`), r.stderr);
	assert(r.stderr.includes('the end line\'s counts differ'), r.stderr);
	const got = exportLines(dir, key);
	assertEq(got.length, source.length - 1 - events, 'the rest imported');
	assert(!got.some(l => l.includes('pv_move_corner1')), 'nothing of the bad page view');
	// a file cut short imports what it holds
	const cut = join(work, 'cut.ndjson');
	writeFileSync(cut, readFileSync(file, 'utf8').split('\n').slice(0, 40).join('\n') + '\n');
	const dir2 = tempDir();
	const r2 = importFile(dir2, cut, ['--skip-bad']);
	assertEq(r2.status, 0, r2.stderr);
	assert(r2.stderr.includes('no end line'), r2.stderr);
	assertEq(exportLines(dir2, key).length, 40 + 1, '39 records and the end line');
	cleanup(dir);
	cleanup(dir2);
});

test('usage: --in is required, a pipe is refused, an unknown option fails', () => {
	const noIn = importFile(dstDir, '/dev/null');
	assertEq(noIn.status, 1, '/dev/null is not a regular file');
	assert(noIn.stderr.includes('not a pipe'), noIn.stderr);
	const copy = join(work, 'copy.ndjson');
	copyFileSync(file, copy);
	let r;
	try { cli(['import', '--data', dstDir]); } catch (e) { r = e; }
	assertEq(r && r.status, 2, 'no --in');
	r = null;
	try { cli(['import', '--in', copy, '--data', dstDir, '--bogus']); } catch (e) { r = e; }
	assertEq(r && r.status, 2, 'unknown option');
});

await run({
	after: async () => {
		srcServer.proc.kill('SIGTERM');
		if (dstServer) dstServer.proc.kill('SIGTERM');
		await srcServer.exited;
		if (dstServer) await dstServer.exited;
		cleanup(work);
		cleanup(srcDir);
		cleanup(dstDir);
	},
});
