#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make bench: side-by-side measurements on this machine, in one run:
# ingest against nginx, the heatmap API at 1M clicks against a raw scan,
# the ClickHouse backend against SQLite and a raw GROUP BY (clickhouse.sh),
# rendering against heatmap.js, simpleheat and numpy+scipy, and the
# tracker's size against clarity-js, posthog-js and @rrweb/record.
# Ingest: the same wrk load (POST /collect, 10 clicks a batch) against
# calor (real SQLite, 204 only after commit) and against nginx answering 204
# without doing anything, on 127.0.0.1; reports both and the ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${BENCH_DURATION:-10}
CONNECTIONS=${BENCH_CONNECTIONS:-64}
THREADS=${BENCH_THREADS:-2}
work=$(mktemp -d /tmp/calor-bench-XXXXXX)
pids=()
. bench/lib.sh # free_port, run_wrk, field; its trap is replaced below
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

wait_up() { for _ in $(seq 100); do curl -fs -o /dev/null "$1" 2>/dev/null && return 0; curl -s -o /dev/null -w '%{http_code}' -X POST "$1" 2>/dev/null | grep -q '^2' && return 0; sleep 0.1; done; echo "bench: $1 did not come up" >&2; exit 1; }

# nginx: the floor — an HTTP server that accepts the same request and
# answers 204 doing nothing else.
nport=$(free_port)
mkdir -p "$work/nginx"
cat >"$work/nginx/nginx.conf" <<NGX
worker_processes auto;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 4096; }
http {
	access_log off;
	client_body_temp_path $work/nginx/body;
	client_body_buffer_size 128k;
	server {
		listen 127.0.0.1:$nport;
		location = /collect { return 204; }
		location = /healthz { return 200; }
	}
}
NGX
nginx -c "$work/nginx/nginx.conf" -g 'daemon off;' &
pids+=($!)
wait_up "http://127.0.0.1:$nport/healthz"

# calor: release build, fresh data directory.
cport=$(free_port)
key=$(./calor site add bench --data "$work/data" | head -n 1)
./calor serve --listen "127.0.0.1:$cport" --data "$work/data" >"$work/calor.log" 2>&1 &
pids+=($!)
wait_up "http://127.0.0.1:$cport/healthz"

echo "ingest: wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s, POST /collect, 10 clicks per batch, 127.0.0.1, $(nproc) cores"
n_res=$(run_wrk "http://127.0.0.1:$nport/collect" "$key")
c_res=$(run_wrk "http://127.0.0.1:$cport/collect" "$key")
stored=$(sqlite3 -readonly "$work/data/calor.db" 'SELECT count(*) FROM clicks')

n_rps=$(awk -v r="$(field requests "$n_res")" -v s="$(field seconds "$n_res")" 'BEGIN{printf "%.0f", r/s}')
c_rps=$(awk -v r="$(field requests "$c_res")" -v s="$(field seconds "$c_res")" 'BEGIN{printf "%.0f", r/s}')
printf '%-8s %12s %12s %10s %10s %8s %8s\n' server req/s events/s p50_ms p99_ms errors non2xx
printf '%-8s %12s %12s %10s %10s %8s %8s\n' nginx "$n_rps" "$((n_rps * 10))" "$(field p50_ms "$n_res")" "$(field p99_ms "$n_res")" "$(field errors "$n_res")" "$(field non2xx "$n_res")"
printf '%-8s %12s %12s %10s %10s %8s %8s\n' calor "$c_rps" "$((c_rps * 10))" "$(field p50_ms "$c_res")" "$(field p99_ms "$c_res")" "$(field errors "$c_res")" "$(field non2xx "$c_res")"
awk -v c="$c_rps" -v n="$n_rps" 'BEGIN{printf "ratio calor/nginx (req/s): %.3f\n", c/n}'
echo "calor stored $stored clicks; wrk counted $(field requests "$c_res") answered batches x 10 (requests in flight when wrk stopped may be committed too)"

echo
bench/heatmap.sh
echo
bench/pages.sh
echo
# BENCH_CH_SIZES=0 skips it (about 22 minutes at 10M and 100M here)
[ "${BENCH_CH_SIZES:-}" = 0 ] || bench/clickhouse.sh
echo
bench/render/run.sh
echo
bash bench/tracker-size.sh
if [ -f bench/tracker-cpu.mjs ]; then
	echo
	node bench/tracker-cpu.mjs
fi
