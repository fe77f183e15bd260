#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The ClickHouse backend against SQLite and against ClickHouse's own raw
# GROUP BY, in one run on this machine (issue 7):
#  1. ingest: BASE events (the realistic mix of bench/heatmap_load.c -r:
#     clicks and move points, several widths, one page, 30 days) through
#     calor's write path (store_write_batches, groups of WRITER_MAX_GROUP
#     batches) into an empty store of each backend; then /collect end to
#     end (wrk, bench/collect.lua) against calor serving each backend.
#  2. the heatmap of one page (device desktop; json and png; all time and
#     30 days) through calor's API at each size in SIZES, on ClickHouse and
#     (up to SQLITE_MAX) on SQLite, side by side with ClickHouse's raw
#     SELECT intDiv(x*360, vw), intDiv(y, 4), count() ... GROUP BY over the
#     same events table, timed the same way (curl's time_total over HTTP).
#     ClickHouse grows to each size by copies of the BASE events calor
#     wrote (new page view and session ids, same times and positions),
#     inserted by ClickHouse; SQLite is loaded afresh through the write path.
# Every timed API request computes its answer: calor keeps no answer cache,
# and its ETag only answers 304 to a request with If-None-Match, which
# curl never sends here (the script checks the status is 200).
#
#   bench/clickhouse.sh          # SIZES "10000000 100000000", SQLITE_MAX 10M
#   bench/clickhouse.sh quick    # BASE 200k, SIZES 1M: a check in ~2 min
# Environment: BENCH_CH_BASE, BENCH_CH_SIZES, BENCH_SQLITE_MAX, BENCH_REPS,
# BENCH_DURATION (wrk seconds), CALOR_CH_PORT (ClickHouse's base port).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = quick ]; then
	: "${BENCH_CH_BASE:=200000}" "${BENCH_CH_SIZES:=1000000}" "${BENCH_SQLITE_MAX:=1000000}"
	: "${BENCH_REPS:=10}" "${BENCH_DURATION:=5}"
fi
BASE=${BENCH_CH_BASE:-1000000}
SIZES=${BENCH_CH_SIZES:-10000000 100000000}
SQLITE_MAX=${BENCH_SQLITE_MAX:-10000000}
REPS=${BENCH_REPS:-20}
DURATION=${BENCH_DURATION:-10}
CONNECTIONS=${BENCH_CONNECTIONS:-64}
THREADS=${BENCH_THREADS:-2}
DAYS=30
DB=calor_bench
export CALOR_CH_PORT=${CALOR_CH_PORT:-18123}
for s in $SIZES; do
	[ $((s % BASE)) = 0 ] && [ "$s" -ge "$BASE" ] ||
		{ echo "clickhouse.sh: each size must be a multiple of BASE ($BASE): $s" >&2; exit 2; }
done

work=$(mktemp -d /tmp/calor-chbench-XXXXXX)
. bench/lib.sh
ch_cleanup() { bench_stop; scripts/clickhouse.sh stop "$work/ch" || true; bench_cleanup; }
trap ch_cleanup EXIT

# Room: ClickHouse keeps an event in ~12 bytes (measured at 1M), SQLite in
# ~60; merges need as much again while they run.
largest=${SIZES##* }
sq_largest=$((largest < SQLITE_MAX ? largest : SQLITE_MAX))
need_mb=$(((largest * 24 + sq_largest * 120) / 1000000 + 500))
free_mb=$(df -Pm /tmp | awk 'NR==2 {print $4}')
if [ "$free_mb" -lt "$need_mb" ]; then
	echo "clickhouse.sh: $free_mb MB free in /tmp, need about $need_mb MB" >&2
	exit 1
fi

bench_build bench/heatmap_load.c
chport=$(scripts/clickhouse.sh start "$work/ch" 1)
ch() { curl -fsS "http://127.0.0.1:$chport/" --data-binary "$1"; }
# log queries (system.query_log) to show where calor's time goes; the
# server rereads users.xml within seconds once its time stamp moves
sleep 1.1
sed -i 's|<max_memory_usage>|<log_queries>1</log_queries>&|' "$work/ch/ch0/users.xml"
for i in $(seq 61); do
	[ "$(ch "SELECT value FROM system.settings WHERE name = 'log_queries'")" = 1 ] && break
	[ "$i" = 61 ] && { echo "clickhouse.sh: log_queries did not take" >&2; exit 1; }
	sleep 0.5
done
# ch_log SINCE WHERE: the logged queries since SINCE (a DateTime) matching
# WHERE, by text: how many, median and p90 duration as ClickHouse reports
# it, rows read; those run at least REPS times.
ch_log() {
	ch "SYSTEM FLUSH LOGS" >/dev/null
	ch "SELECT count() AS n, quantileExact(0.5)(query_duration_ms), quantileExact(0.9)(query_duration_ms),
	        intDiv(sum(read_rows), n), substring(replaceRegexpAll(query, '[[:space:]]+', ' '), 1, 110) AS q
	    FROM system.query_log WHERE type = 2 AND event_time >= toDateTime('$1') AND query NOT LIKE '%system.%' AND $2
	    GROUP BY q HAVING n >= $REPS ORDER BY n DESC, q FORMAT TSV" |
		awk -F'\t' '{printf "    %4d x  median %5d ms  p90 %5d ms  %11d rows  %s\n", $1, $2, $3, $4, $5}'
}
store="clickhouse://127.0.0.1:$chport/$DB"
rate() { awk -v n="$1" -v s="$2" 'BEGIN {printf "%.0f", n / s}'; }
wrote() { sed -n "s/.*\<$1=\([0-9.]*\).*/\1/p" <<<"$2"; }
med() { sed -n 's/^median \([0-9.]*\) ms.*/\1/p' <<<"$1"; }

echo "ClickHouse backend (clickhouse-server $(ch "SELECT version()")), one server on 127.0.0.1, $(nproc) cores, $(free -g | awk '/^Mem/ {print $2}') GB RAM"

# ---- 1. ingest ----
echo
echo "ingest: $BASE events (clicks + move points, realistic mix) through store_write_batches, groups of 512 batches, empty store"
printf '  %-10s %10s %10s %8s %12s %14s %14s\n' backend events batches groups events/s first_group_s last_group_s
load_line() { # name out
	printf '  %-10s %10s %10s %8s %12s %14s %14s\n' "$1" "$(wrote events "$2")" "$(wrote batches "$2")" \
		"$(wrote groups "$2")" "$(rate "$(wrote events "$2")" "$(wrote write_s "$2")")" \
		"$(wrote first_group_s "$2")" "$(wrote last_group_s "$2")"
}
out=$("$work/load" -r "$work/sqlite-base" "$BASE" "$DAYS")
sq_rate=$(rate "$(wrote events "$out")" "$(wrote write_s "$out")")
load_line sqlite "$out"
rm -rf "$work/sqlite-base"
out=$("$work/load" -r "$store" "$BASE" "$DAYS")
key=$(head -n 1 <<<"$out")
ch_rate=$(rate "$(wrote events "$out")" "$(wrote write_s "$out")")
load_line clickhouse "$out"
awk -v c="$ch_rate" -v s="$sq_rate" 'BEGIN {printf "  ratio clickhouse/sqlite (events/s): %.2f\n", c / s}'

echo
echo "ingest end to end: wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s, POST /collect, 10 clicks per batch, calor on each backend"
printf '  %-10s %10s %10s %9s %9s %7s %7s %10s\n' backend req/s events/s p50_ms p99_ms errors non2xx stored
collect_rps=()
for b in sqlite clickhouse; do
	[ "$b" = sqlite ] && st="$work/collect" || st="clickhouse://127.0.0.1:$chport/calor_collect"
	ckey=$(./calor site add collect --data "$st" | head -n 1)
	bench_serve "$st"
	res=$(run_wrk "http://127.0.0.1:$port/collect" "$ckey")
	bench_stop
	if [ "$b" = sqlite ]; then
		stored=$(sqlite3 -readonly "$st/calor.db" 'SELECT count(*) FROM clicks')
	else
		stored=$(ch "SELECT count() FROM calor_collect.events_local WHERE kind = 1")
	fi
	rps=$(rate "$(field requests "$res")" "$(field seconds "$res")")
	collect_rps+=("$rps")
	printf '  %-10s %10s %10s %9s %9s %7s %7s %10s\n' "$b" "$rps" "$((rps * 10))" "$(field p50_ms "$res")" \
		"$(field p99_ms "$res")" "$(field errors "$res")" "$(field non2xx "$res")" "$stored"
done
awk -v c="${collect_rps[1]}" -v s="${collect_rps[0]}" 'BEGIN {printf "  ratio clickhouse/sqlite (req/s): %.2f\n", c / s}'
ch "DROP DATABASE calor_collect" >/dev/null
rm -rf "$work/collect"

# ---- 2. the heatmap at each size ----
site=$(ch "SELECT id FROM $DB.sites_local WHERE key = '$key' LIMIT 1")
cols=$(ch "SELECT name FROM system.columns WHERE database = '$DB' AND table = 'events_local'" | paste -sd, -)
# the copies' columns: pv and session get a suffix "~copy"
copy_cols=$(sed -e 's/\<pv\>/concat(pv, '"'~'"', toString(copy))/' \
	-e 's/\<session\>/concat(session, '"'~'"', toString(copy))/' <<<"$cols")
have=1 # copies of the BASE events in ClickHouse, the original included
grow() { # to copies
	local to=$1 n
	while [ "$have" -lt "$to" ]; do
		n=$((to - have < 4 ? to - have : 4))
		ch "INSERT INTO $DB.events_local ($cols) SELECT $copy_cols FROM $DB.events_local
		    ARRAY JOIN arrayMap(i -> i + $have, range($n)) AS copy
		    WHERE site_id = $site AND position(pv, '~') = 0" >/dev/null
		have=$((have + n))
	done
}
# wait (at most 20 minutes) until no merge runs, as a server that has
# been up a while would be; prints the active parts
settle() {
	for _ in $(seq 1200); do
		[ "$(ch "SELECT count() FROM system.merges WHERE database = '$DB'")" = 0 ] && break
		sleep 1
	done
	ch "SELECT table, count() FROM system.parts WHERE database = '$DB' AND active
	    AND table NOT IN ('sites_local', 'site_settings_local', 'auth_kv_local', 'schema_local')
	    GROUP BY table ORDER BY table FORMAT CSV" | tr '\n' ' ' | tr -d '"'
}

from=$(date -u -d @$((1764000000 - (DAYS - 1) * 86400)) +%F)
to=$(date -u -d @1764000000 +%F)
from_ms=$(($(date -u -d "$from" +%s) * 1000))
to_ms=$((($(date -u -d "$to" +%s) + 86400) * 1000))
raw_sql() { # extra WHERE
	echo "SELECT intDiv(x * 360, vw) AS cx, intDiv(y, 4) AS cy, count() FROM $DB.events_local
	      WHERE site_id = $site AND page = '/bench' AND kind = 1 AND device = 0$1 GROUP BY cx, cy FORMAT TabSeparated"
}
raw_time() { time_curl "http://127.0.0.1:$chport/" --data-binary "$(raw_sql "$1")"; }
api_times() { # key -> four lines "what stats"
	local base="http://127.0.0.1:$port/api/v1/heatmap?site=$1&page=/bench&device=desktop" code
	code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$base&format=json")
	[ "$code" = 200 ] || { echo "clickhouse.sh: heatmap answered $code" >&2; exit 1; }
	echo "all json|$(time_url "$base&format=json")"
	echo "all png|$(time_url "$base&format=png")"
	echo "30d json|$(time_url "$base&format=json&from=$from&to=$to")"
	echo "30d png|$(time_url "$base&format=png&from=$from&to=$to")"
}

for size in $SIZES; do
	echo
	t0=$(date +%s.%N)
	grow $((size / BASE))
	t1=$(date +%s.%N)
	parts=$(settle)
	t2=$(date +%s.%N)
	rows=$(ch "SELECT count() FROM $DB.events_local WHERE site_id = $site AND kind IN (1, 2)")
	dclicks=$(ch "SELECT count() FROM $DB.events_local WHERE site_id = $site AND kind = 1 AND device = 0")
	disk=$(ch "SELECT round(sum(bytes_on_disk) / 1048576) FROM system.parts WHERE database = '$DB' AND active")
	echo "heatmap of one page, $size events stored ($rows clicks + move points in ClickHouse; $dclicks desktop clicks), device desktop, $REPS requests each, medians"
	echo "  ClickHouse: grown by copies in $(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.0f", b - a}') s, merges settled in $(awk -v a="$t1" -v b="$t2" 'BEGIN {printf "%.0f", b - a}') s; active parts: $parts; $disk MiB on disk"
	since=$(ch "SELECT now()")
	bench_serve "$store"
	mapfile -t chl < <(api_times "$key")
	bench_stop
	[ ${#chl[@]} = 4 ] || { echo "clickhouse.sh: the API on ClickHouse failed" >&2; exit 1; }
	calor_queries=$(ch_log "$since" "http_user_agent NOT LIKE 'curl/%'")
	since=$(ch "SELECT now()")
	raw_all=$(raw_time "")
	raw_30=$(raw_time " AND ts >= $from_ms AND ts < $to_ms")
	raw_queries=$(ch_log "$since" "http_user_agent LIKE 'curl/%'")
	sql=()
	if [ "$size" -le "$SQLITE_MAX" ]; then
		t0=$(date +%s.%N)
		out=$("$work/load" -r "$work/sqlite" "$size" "$DAYS")
		echo "  SQLite: loaded through the write path in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.0f", b - a}') s ($(rate "$(wrote events "$out")" "$(wrote write_s "$out")") events/s in store_write_batches), $(du -sm "$work/sqlite" | cut -f1) MiB"
		bench_serve "$work/sqlite"
		mapfile -t sql < <(api_times "$(head -n 1 <<<"$out")")
		bench_stop
		[ ${#sql[@]} = 4 ] || { echo "clickhouse.sh: the API on SQLite failed" >&2; exit 1; }
		rm -rf "$work/sqlite"
	else
		echo "  SQLite: not loaded at this size (BENCH_SQLITE_MAX=$SQLITE_MAX)"
	fi
	echo "  raw ClickHouse GROUP BY over events_local (curl over HTTP, cells returned as TSV):"
	echo "    all time:  $raw_all"
	echo "    $from..$to: $raw_30"
	printf '  %-9s %14s %14s %14s %12s %14s\n' request calor_ch_ms raw_ch_ms calor/raw raw/calor calor_sqlite_ms
	for i in 0 1 2 3; do
		what=${chl[$i]%%|*}
		c=$(med "${chl[$i]#*|}")
		[ "${what%% *}" = all ] && r=$(med "$raw_all") || r=$(med "$raw_30")
		s=-
		[ ${#sql[@]} = 4 ] && s=$(med "${sql[$i]#*|}")
		awk -v w="$what" -v c="$c" -v r="$r" -v s="$s" \
			'BEGIN {printf "  %-9s %14.1f %14.1f %14.3f %11.1fx %14s\n", w, c, r, c / r, r / c, s}'
	done
	echo "  (goal: calor's answer >= 10x faster than the raw GROUP BY, raw/calor >= 10)"
	for l in "${chl[@]}"; do echo "    calor on ClickHouse, ${l%%|*}: ${l#*|}"; done
	for l in "${sql[@]}"; do echo "    calor on SQLite,     ${l%%|*}: ${l#*|}"; done
	echo "  calor's queries to ClickHouse in the requests above (query_log: query_duration_ms as ClickHouse reports it):"
	echo "$calor_queries"
	echo "  the raw GROUP BYs as ClickHouse reports them:"
	echo "$raw_queries"
done
