#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Pages table latency (GET /api/v1/pages) for a site with N stored clicks
# (default 1M) over P pages (default 200), written through the real write
# path by bench/pages_load.c: the default order, the priority order, a
# search, a date range (daily grid rows) and a segment (counted from the
# stored clicks).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${BENCH_CLICKS:-1000000}
P=${BENCH_PAGES:-200}
REPS=${BENCH_REPS:-20}
work=$(mktemp -d /tmp/calor-pbench-XXXXXX)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
cc -std=c17 -D_GNU_SOURCE -O2 -Isrc -Ibuild -o "$work/load" bench/pages_load.c build/libcalor.a \
	$(pkg-config --libs libmicrohttpd sqlite3 jansson spng zlib libsodium) -lm -pthread
t0=$(date +%s.%N)
key=$("$work/load" "$work/data" "$N" "$P")
t1=$(date +%s.%N)
token=$(./calor token add bench --data "$work/data" | head -n 1)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
./calor serve --listen "127.0.0.1:$port" --data "$work/data" >"$work/log" 2>&1 &
pid=$!
for _ in $(seq 100); do curl -fs -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.1; done

stats() { sort -n | awk '{a[NR]=$1} END {printf "median %.1f ms, p90 %.1f ms, min %.1f ms", a[int((NR+1)/2)]*1000, a[int(NR*0.9)]*1000, a[1]*1000}'; }
time_url() {
	curl -fs -o /dev/null -H "Authorization: Bearer $token" "$1" || { echo "request failed: $1" >&2; exit 1; }
	for _ in $(seq "$REPS"); do curl -s -o /dev/null -H "Authorization: Bearer $token" -w '%{time_total}\n' "$1"; done | stats
}
db="$work/data/calor.db"
pvs=$(sqlite3 -readonly "$db" "SELECT count(*) FROM pageviews")
pages=$(sqlite3 -readonly "$db" "SELECT count(*) FROM pages")
echo "pages API, $N clicks, $pvs page views, $pages pages, $REPS requests each, 127.0.0.1, $(nproc) cores"
echo "  load through the write path: $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f s", b-a}')"
base="http://127.0.0.1:$port/api/v1/pages?site=$key"
echo "  pages, most viewed first:              $(time_url "$base")"
echo "  pages, where to look first (priority): $(time_url "$base&sort=priority")"
echo "  pages, search q=page-1:                $(time_url "$base&q=page-1")"
from=$(date -u -d @$(( (1764000000 - 6 * 86400) )) +%F); to=$(date -u -d @1764000000 +%F)
echo "  pages, 7 days $from..$to:     $(time_url "$base&from=$from&to=$to")"
echo "  pages, segment vw=1000-2000 (counted from the clicks): $(time_url "$base&vw=1000-2000")"
