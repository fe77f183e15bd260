#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make loadtest: bench/collect_load against a fresh release-build calor on
# 127.0.0.1 (its own data directory, the per-site rate limit off: the
# server's capacity is measured, not its limits), then the database's
# integrity_check after a clean stop.
#   bench/loadtest.sh [collect_load ramp options]     the ramp (default)
#   bench/loadtest.sh soak SECONDS [RATE]               hold RATE batches/s;
#       without RATE, a ramp on another fresh server first, then 80 % of
#       its highest rate held
set -euo pipefail
cd "$(dirname "$0")/.."
LOAD=build/collect_load
[ -x "$LOAD" ] && [ -x ./calor ] || { echo "loadtest: run make loadtest (builds ./calor and $LOAD)" >&2; exit 2; }
work=$(mktemp -d /tmp/calor-load-XXXXXX)
pid=""
stop_server() {
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	pid=""
}
trap 'stop_server; rm -rf "$work"' EXIT

# start_server DIR: calor serve on a free port ($port, $pid, $key).
start_server() {
	key=$(./calor site add load --data "$1" | head -n 1)
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	./calor serve --listen "127.0.0.1:$port" --data "$1" --collect-site-rate 0 >"$1.log" 2>&1 &
	pid=$!
	for _ in $(seq 100); do curl -fs -o /dev/null "http://127.0.0.1:$port/healthz" && return 0; sleep 0.1; done
	echo "loadtest: calor did not come up:" >&2
	cat "$1.log" >&2
	exit 1
}

# load DIR ARGS...: collect_load against the server on DIR, then a clean
# stop and the integrity check. Its exit status is collect_load's.
load() {
	local dir=$1 rc=0 check
	shift
	start_server "$dir"
	"$LOAD" --url "http://127.0.0.1:$port" --site "$key" --db "$dir/calor.db" --pid "$pid" "$@" || rc=$?
	stop_server
	check=$(sqlite3 "$dir/calor.db" 'PRAGMA integrity_check')
	echo "integrity_check: $check"
	[ "$check" = ok ] || rc=1
	return $rc
}

echo "calor $(./calor version 2>/dev/null | head -n 1), $(nproc) cores, load generator on the same machine"
if [ "${1:-}" = soak ]; then
	seconds=${2:?usage: bench/loadtest.sh soak SECONDS [RATE]}
	rate=${3:-}
	if [ -z "$rate" ]; then
		load "$work/ramp" | tee "$work/ramp.out"
		held=$(sed -n 's/^highest rate held: \([0-9]*\) .*/\1/p' "$work/ramp.out")
		[ -n "$held" ] || { echo "loadtest: the ramp held no rate" >&2; exit 1; }
		rate=$((held * 8 / 10))
		echo
	fi
	load "$work/soak" --soak "$seconds" --rate "$rate"
else
	load "$work/ramp" "$@"
fi
