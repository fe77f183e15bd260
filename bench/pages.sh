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
. bench/lib.sh
bench_build bench/pages_load.c
t0=$(date +%s.%N)
key=$("$work/load" "$work/data" "$N" "$P")
t1=$(date +%s.%N)
bench_serve

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
