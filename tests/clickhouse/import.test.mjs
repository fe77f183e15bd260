// SPDX-License-Identifier: MIT
// `calor import` between SQLite and ClickHouse, with real processes: a
// site filled through /collect on SQLite is exported and imported into
// ClickHouse, whose export holds the same records; calor serve on
// ClickHouse answers the read API as the SQLite server does; a second
// import stores nothing; ClickHouse's export imported into a fresh SQLite
// store comes back line for line; a hostile file leaves ClickHouse as it
// was; the same import through the two-shard cluster. Needs the servers
// tests/clickhouse/run.sh starts: CALOR_CH_PORT0 (and CALOR_CH_PORT1).
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, run, assert, assertEq, startServer, addSite, tempDir, cleanup, cli, freePort, CALOR } from '../lib/harness.mjs';
import { fillSite, exportLines, importFile, summary, endCounts, apiSnapshot, assertSameAnswers } from '../lib/moving.mjs';

const port0 = process.env.CALOR_CH_PORT0, port1 = process.env.CALOR_CH_PORT1;
if (!port0) {
	console.log('not ok import_clickhouse: CALOR_CH_PORT0 is not set (run tests/clickhouse/run.sh)');
	process.exit(1);
}
// a database of its own per run, so a rerun starts empty
const db = `imp_${process.pid}`;
const chSpec = `clickhouse://127.0.0.1:${port0}/${db}`;

const work = tempDir('calor-chimport-');
const srcDir = tempDir();
const port = await freePort();
const key = addSite(srcDir, 'Moving <shop> "CH"', [`http://127.0.0.1:${port}`]);
cli(['site', 'set', key, 'backdate_days=3', 'rage_px=40', '--data', srcDir]);
const srcServer = await startServer({ dataDir: srcDir, port });
await fillSite(srcServer, key, { sessions: 20, seed: 5 });
const fileA = join(work, 'sqlite.ndjson');
writeFileSync(fileA, cli(['export', '--site', key, '--data', srcDir], { maxBuffer: 1 << 30 }));
const source = exportLines(srcDir, key);
const servers = [];

const sorted = lines => [lines[0], ...lines.slice(1, -1).slice().sort(), lines[lines.length - 1]];

function sameRecords(a, b, what) {
	const x = sorted(a), y = sorted(b);
	assertEq(y.length, x.length, `${what}: lines`);
	for (let i = 0; i < x.length; i++) assertEq(y[i], x[i], `${what}: record ${i + 1} (sorted)`);
}

test('SQLite -> export -> import into ClickHouse -> export: the same records', () => {
	const r = importFile(chSpec, fileA);
	assertEq(r.status, 0, r.stderr);
	assert(r.stderr.includes(`site ${key} (created)`), r.stderr);
	assertEq(summary(r.stderr).stored, endCounts(source), 'stored');
	sameRecords(source, exportLines(chSpec, key), 'SQLite -> ClickHouse');
	const list = cli(['site', 'list', '--data', chSpec]);
	assert(list.includes(`${key}\tMoving <shop> "CH"\thttp://127.0.0.1:${port}`), list);
});

test('calor serve on ClickHouse answers the read API as on SQLite', async () => {
	const ch = await startServer({ dataDir: chSpec });
	servers.push(ch);
	assertSameAnswers(await apiSnapshot(srcServer, key), await apiSnapshot(ch, key), 'SQLite -> ClickHouse');
});

test('importing the same file into ClickHouse again stores nothing', () => {
	const r = importFile(chSpec, fileA);
	assertEq(r.status, 0, r.stderr);
	const s = summary(r.stderr);
	assertEq([s.stored, s.dup], [[0, 0, 0, 0], endCounts(source)], 'all duplicates');
	sameRecords(source, exportLines(chSpec, key), 'after the second import');
});

test('ClickHouse -> export -> import into SQLite -> export: the same lines', async () => {
	const fileB = join(work, 'clickhouse.ndjson');
	writeFileSync(fileB, cli(['export', '--site', key, '--data', chSpec], { maxBuffer: 1 << 30 }));
	const fromCh = exportLines(chSpec, key);
	const dir = tempDir();
	const r = importFile(dir, fileB);
	assertEq(r.status, 0, r.stderr);
	const back = exportLines(dir, key);
	assertEq(back.length, fromCh.length, 'lines');
	for (let i = 0; i < back.length; i++) assertEq(back[i], fromCh[i], `line ${i + 1}`);
	sameRecords(source, back, 'SQLite -> ClickHouse -> SQLite');
	const sq = await startServer({ dataDir: dir });
	servers.push(sq);
	assertSameAnswers(await apiSnapshot(srcServer, key), await apiSnapshot(sq, key), 'ClickHouse -> SQLite');
});

test('a hostile file leaves ClickHouse as it was', () => {
	const before = exportLines(chSpec, key);
	const lines = cli(['export', '--site', key, '--data', srcDir], { maxBuffer: 1 << 30 }).slice(0, -1).split('\n');
	const cases = [
		['cut', lines.slice(0, lines.length - 5).join('\n'), 'no end line'],
		['format', [lines[0].replace('"format":2', '"format":9'), ...lines.slice(1)].join('\n'), 'line 1: "format": 9'],
		['orphan', [...lines.slice(0, -1), lines[lines.length - 2].replace(/"pv":"[^"]*"/, '"pv":"pv_nobody_here"'),
			lines[lines.length - 1]].join('\n'), 'page view pv_nobody_here is not on an earlier line'],
	];
	for (const [name, text, message] of cases) {
		const bad = join(work, `${name}.ndjson`);
		writeFileSync(bad, text);
		const r = importFile(chSpec, bad);
		assertEq(r.status, 1, `${name}: ${r.stderr}`);
		assert(r.stderr.includes(message), `${name}: ${r.stderr}`);
	}
	const after = exportLines(chSpec, key);
	assertEq(after.join('\n'), before.join('\n'), 'unchanged');
});

test('import through the two-shard cluster: the same records, again nothing twice', () => {
	assert(port1, 'CALOR_CH_PORT1 is set');
	const cdb = `impc_${process.pid}`;
	// the import's own opening of the cluster (shards= names both
	// servers) makes every server's tables
	const spec = `clickhouse://127.0.0.1:${port0}/${cdb}?cluster=calor&shards=127.0.0.1:${port0},127.0.0.1:${port1}`;
	const r = importFile(spec, fileA);
	assertEq(r.status, 0, r.stderr);
	const other = `clickhouse://127.0.0.1:${port1}/${cdb}?cluster=calor`;
	sameRecords(source, exportLines(other, key), 'read through the other node');
	const again = importFile(other, fileA);
	assertEq(again.status, 0, again.stderr);
	assertEq(summary(again.stderr).stored, [0, 0, 0, 0], 'nothing twice');
	sameRecords(source, exportLines(spec, key), 'after the second import');
});

await run({
	after: async () => {
		for (const s of [srcServer, ...servers]) {
			s.proc.kill('SIGTERM');
			await s.exited;
		}
		if (process.env.CALOR_KEEP) {
			console.error(`# kept ${srcDir} ${work}, ${chSpec}, site ${key}`);
			return;
		}
		cleanup(work);
		cleanup(srcDir);
	},
});
