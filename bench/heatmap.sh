#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Heatmap API latency for one page with N stored clicks (default 1M, in
# Gaussian clusters over 30 days, written through the real write path), on
# SQLite: the API (which reads the pre-aggregated grid) side by side with a
# raw scan of the same clicks, the design the grid replaced.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${BENCH_CLICKS:-1000000}
REPS=${BENCH_REPS:-30}
work=$(mktemp -d /tmp/calor-hbench-XXXXXX)
. bench/lib.sh
bench_build bench/heatmap_load.c
t0=$(date +%s.%N)
key=$("$work/load" "$work/data" "$N" 30 | head -n 1)
t1=$(date +%s.%N)
bench_serve

cells=$(sqlite3 -readonly "$work/data/calor.db" "SELECT count(*) FROM grid WHERE kind = 0")
echo "heatmap API, one page, $N clicks over 30 days ($cells grid cells), $REPS requests each, 127.0.0.1, $(nproc) cores"
echo "  load through the write path: $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f s (%.0f clicks/s)", b-a, '"$N"'/(b-a)}')"
base="http://127.0.0.1:$port/api/v1/heatmap?site=$key&page=/bench&device=desktop"
echo "  calor json (grid):  $(time_url "$base&format=json")"
echo "  calor png  (grid):  $(time_url "$base&format=png")"
# a date range reads the daily cells instead of the all-time roll-up
from=$(date -u -d @$(( (1764000000 - 29 * 86400) )) +%F); to=$(date -u -d @1764000000 +%F)
echo "  calor png, 30-day range $from..$to (daily cells): $(time_url "$base&format=png&from=$from&to=$to")"
# a segment (here a width band) is counted from the stored events, not the grid
echo "  calor json, segment vw=1000-2000 (counted from events): $(time_url "$base&format=json&vw=1000-2000")"
echo "  calor elements table (per selector, Wilson intervals):    $(time_url "http://127.0.0.1:$port/api/v1/elements?site=$key&page=/bench")"
echo "  calor frustration (all signals, every page):              $(time_url "http://127.0.0.1:$port/api/v1/frustration?site=$key")"
raw() { for _ in $(seq 5); do /usr/bin/time -f '%e' sqlite3 -readonly "$work/data/calor.db" \
	"SELECT count(*), sum(x), sum(y), sum(vw), max(dh) FROM clicks WHERE page_id = 1 AND device = 0" 2>&1 >/dev/null; done | stats; }
echo "  raw scan of the clicks (sqlite3, SELECT of x, y, vw, dh only, no rendering): $(raw)"
