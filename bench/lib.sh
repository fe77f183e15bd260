# SPDX-License-Identifier: MIT
# Shared by the API benches (sourced): build a loader against libcalor,
# start calor on a free port with an API token, and time GET requests.
# The caller sets `work` (a temporary directory) and REPS.

pid=""
bench_cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap bench_cleanup EXIT

# bench_build SRC: compile a loader program to $work/load.
bench_build() {
	cc -std=c17 -D_GNU_SOURCE -O2 -Isrc -Ibuild -o "$work/load" "$1" build/libcalor.a \
		$(pkg-config --libs libmicrohttpd sqlite3 jansson spng zlib libsodium) -lm -pthread
}

# bench_serve: a token for the data in $work/data, then calor serve on a
# free port ($port, $pid, $token), waiting for /healthz.
bench_serve() {
	token=$(./calor token add bench --data "$work/data" | head -n 1)
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	./calor serve --listen "127.0.0.1:$port" --data "$work/data" >"$work/log" 2>&1 &
	pid=$!
	for _ in $(seq 100); do curl -fs -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.1; done
}

stats() { sort -n | awk '{a[NR]=$1} END {printf "median %.1f ms, p90 %.1f ms, min %.1f ms", a[int((NR+1)/2)]*1000, a[int(NR*0.9)]*1000, a[1]*1000}'; }

# time_url URL: REPS timed requests with the token; a request that fails
# (401, 400, ...) stops the bench instead of being timed.
time_url() {
	curl -fs -o /dev/null -H "Authorization: Bearer $token" "$1" || { echo "request failed: $1" >&2; exit 1; }
	for _ in $(seq "$REPS"); do curl -s -o /dev/null -H "Authorization: Bearer $token" -w '%{time_total}\n' "$1"; done | stats
}
