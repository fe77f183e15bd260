#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Bytes on disk per stored event, SQLite and ClickHouse side by side, for
# sizing (docs/deploy.md). The same `calor simulate --sessions N --seed 1`
# visitors are sent to a release calor on a fresh SQLite directory and to
# one on a private ClickHouse server (scripts/clickhouse.sh, port
# $CALOR_CH_PORT or 18123); then calor stops, ClickHouse merges its parts
# (OPTIMIZE ... FINAL) and both are measured:
#   SQLite: the size of calor.db after serve closed it (WAL checkpointed);
#   ClickHouse: sum(bytes_on_disk) and rows of the active parts of every
#   calor table (system.parts), before and after the merge.
# Events are calor_events_accepted_total and batches
# calor_batches_accepted_total{duplicate="false"} from /metrics.
#
#   bench/storage.sh [SESSIONS]     default 5000
set -euo pipefail
cd "$(dirname "$0")/.."
sessions=${1:-5000}
make -s calor
tmp=$(mktemp -d /tmp/calor-storage-XXXXXX)
chdir=$tmp/ch
pids=()
finish() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	scripts/clickhouse.sh stop "$chdir" 2>/dev/null || true
	rm -rf "$tmp"
}
trap finish EXIT

chport=$(scripts/clickhouse.sh start "$chdir" 1)
ch() { curl -sS --fail-with-body "http://127.0.0.1:$chport/" --data-binary "$1"; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

run_one() { # name, store; writes "events batches" to $tmp/name.counts
	local name=$1 store=$2 port key
	port=$(free_port)
	key=$(./calor site add storage --origin "http://127.0.0.1:$port" --store "$store" | head -n 1)
	./calor site set "$key" backdate_days=30 --store "$store" >/dev/null
	./calor serve --listen "127.0.0.1:$port" --store "$store" \
		--collect-site-rate 0 >"$tmp/$name.log" 2>&1 &
	pids+=($!)
	local pid=$!
	for _ in $(seq 100); do
		curl -s "http://127.0.0.1:$port/healthz" >/dev/null && break
		sleep 0.1
	done
	./calor simulate --target "http://127.0.0.1:$port" --site "$key" \
		--sessions "$sessions" --seed 1 --days 7 --concurrency 32 >"$tmp/$name.sim"
	curl -s "http://127.0.0.1:$port/metrics" >"$tmp/$name.metrics"
	kill "$pid"
	wait "$pid" || true
	echo "$(awk '$1 == "calor_events_accepted_total" {print $2}' "$tmp/$name.metrics")" \
		"$(awk '$1 == "calor_batches_accepted_total{duplicate=\"false\"}" {print $2}' "$tmp/$name.metrics")" \
		>"$tmp/$name.counts"
}

parts() {
	ch "SELECT table, sum(rows), sum(bytes_on_disk), sum(data_uncompressed_bytes), count()
	    FROM system.parts WHERE active AND database = 'calor' GROUP BY table ORDER BY table
	    FORMAT TSV"
}

run_one sqlite "$tmp/sqlite"
read -r sq_events sq_batches <"$tmp/sqlite.counts"
sq_bytes=$(stat -c %s "$tmp/sqlite/calor.db")
run_one clickhouse "clickhouse://127.0.0.1:$chport/calor"
read -r ch_events ch_batches <"$tmp/clickhouse.counts"
echo "sessions $sessions (calor simulate --seed 1 --days 7)"
echo "sqlite:     events $sq_events, batches $sq_batches, calor.db $sq_bytes bytes," \
	"$((sq_bytes / sq_events)) bytes/event, $((sq_bytes / sq_batches)) bytes/batch"
echo "clickhouse: events $ch_events, batches $ch_batches"
echo "table	rows	bytes_on_disk	uncompressed	parts   (as written)"
parts
for t in $(ch "SELECT name FROM system.tables WHERE database = 'calor' AND engine LIKE '%MergeTree' FORMAT TSV"); do
	ch "OPTIMIZE TABLE calor.$t FINAL"
done
echo "table	rows	bytes_on_disk	uncompressed	parts   (after OPTIMIZE FINAL)"
parts
ev=$(ch "SELECT sum(bytes_on_disk), sum(rows) FROM system.parts WHERE active AND database = 'calor' AND table = 'events_local' FORMAT TSV")
all=$(ch "SELECT sum(bytes_on_disk) FROM system.parts WHERE active AND database = 'calor' FORMAT TSV")
read -r evb evr <<<"$ev"
echo "clickhouse: events_local $evb bytes for $evr rows ($((evb / evr)) bytes/row)," \
	"every table $all bytes: $((all / ch_events)) bytes/event, $((all / ch_batches)) bytes/batch"
