# SPDX-License-Identifier: MIT
# Shared by the API benches (sourced): build a loader against libcalor,
# start calor on a free port with an API token, time GET requests, and run
# wrk against /collect. The caller sets `work` (a temporary directory) and
# REPS.

pid=""
bench_cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap bench_cleanup EXIT

# bench_build SRC: compile a loader program to $work/load.
bench_build() {
	cc -std=c17 -D_GNU_SOURCE -O2 -Isrc -Ibuild -o "$work/load" "$1" build/libcalor.a \
		$(pkg-config --libs libmicrohttpd sqlite3 jansson spng zlib libsodium libcurl) -lm -pthread
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# bench_serve [STORE]: a token for STORE (a data directory or a
# clickhouse:// spec; default $work/data), then calor serve on a free port
# ($port, $pid, $token), waiting for /healthz.
bench_serve() {
	local store=${1:-$work/data}
	token=$(./calor token add bench --data "$store" | head -n 1)
	port=$(free_port)
	./calor serve --listen "127.0.0.1:$port" --data "$store" >>"$work/log" 2>&1 &
	pid=$!
	for _ in $(seq 100); do curl -fs -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.1; done
}

# bench_stop: stop the calor bench_serve started.
bench_stop() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; pid=""; }

stats() { sort -n | awk '{a[NR]=$1} END {printf "median %.1f ms, p90 %.1f ms, min %.1f ms", a[int((NR+1)/2)]*1000, a[int(NR*0.9)]*1000, a[1]*1000}'; }

# time_curl CURL_ARGS...: REPS timed requests (curl's time_total); one that
# fails (401, 400, 500, ...) stops the bench instead of being timed.
time_curl() {
	curl -fs -o /dev/null "$@" || { echo "request failed: $*" >&2; exit 1; }
	for _ in $(seq "$REPS"); do curl -s -o /dev/null -w '%{time_total}\n' "$@"; done | stats
}

# time_url URL: time_curl with the token.
time_url() { time_curl -H "Authorization: Bearer $token" "$1"; }

# run_wrk URL SITE_KEY: POST /collect batches of 10 clicks (bench/collect.lua)
# for DURATION s over CONNECTIONS connections; prints wrk's RESULT line.
run_wrk() {
	CALOR_SITE=$2 wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s bench/collect.lua "$1" | grep '^RESULT'
}
# field NAME LINE: NAME's value in a RESULT line.
field() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<<"$2"; }
