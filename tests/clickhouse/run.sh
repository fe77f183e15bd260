#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The ClickHouse backend's tests: starts two private ClickHouse servers
# (scripts/clickhouse.sh; installs Debian's clickhouse-server if missing)
# in a temporary directory, and stops them whatever happens. Against them:
# build/asan/clickhouse_test (the store, one server alone, then both as the
# two shards of the cluster "calor"); the backend-agnostic integration
# tests with their calor on ClickHouse (CALOR_TEST_CLICKHOUSE, lines
# prefixed "clickhouse"); the parity, two-node cluster and outage tests of
# tests/clickhouse/*.test.mjs (outage last: it kills and restarts server
# 1). Prints "ok NAME" / "not ok NAME" lines; a program that dies without
# saying so is one "not ok".
set -u
cd "$(dirname "$0")/../.."
dir=$(mktemp -d /tmp/calor-ch-test-XXXXXX)
trap 'scripts/clickhouse.sh stop "$dir"; rm -rf "$dir"' EXIT
ports=$(scripts/clickhouse.sh start "$dir" 2) || { echo "not ok clickhouse_start"; exit 1; }
set -- $ports
export CALOR_CH_PORT0=$1 CALOR_CH_PORT1=$2 CALOR_CH_DIR=$dir
failed=0

# one test program; its lines prefixed with label (if any)
one() { # label, command...
	local label=$1 out rc t0=$SECONDS
	shift
	echo "# $*" >&2
	out=$("$@")
	rc=$?
	if [ -n "$label" ]; then
		out=$(printf '%s\n' "$out" | sed -e "s/^ok /ok $label: /" -e "s/^not ok /not ok $label: /")
	fi
	printf '%s\n' "$out"
	echo "# $* took $((SECONDS - t0)) s" >&2
	if [ "$rc" != 0 ]; then
		failed=1
		grep -q '^not ok ' <<<"$out" || echo "not ok ${label:-$1} (exit $rc)"
	fi
}

one "" env CALOR_CH_PID1="$(cat "$dir/ch1/pid")" build/asan/clickhouse_test
for t in heatmap segments pages sites access offline; do
	one "clickhouse $t" env CALOR_TEST_CLICKHOUSE="$CALOR_CH_PORT0" node "tests/integration/$t.test.mjs"
done
one "" node tests/clickhouse/parity.test.mjs
one "" node tests/clickhouse/import.test.mjs
one "" node tests/clickhouse/cluster.test.mjs
one "" env CALOR_CH_PID1="$(cat "$dir/ch1/pid")" node tests/clickhouse/outage.test.mjs
exit $failed
