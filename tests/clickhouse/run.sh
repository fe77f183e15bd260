#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The ClickHouse backend's tests: starts two private ClickHouse servers
# (scripts/clickhouse.sh; installs Debian's clickhouse-server if missing)
# in a temporary directory, runs build/asan/clickhouse_test and
# build/asan/clickhouse_purge_test against them (one server alone, then
# both as the two shards of the cluster "calor"), and stops them whatever
# happens. Prints "ok NAME" / "not ok NAME" lines.
set -u
cd "$(dirname "$0")/../.."
dir=$(mktemp -d /tmp/calor-ch-test-XXXXXX)
trap 'scripts/clickhouse.sh stop "$dir"; rm -rf "$dir"' EXIT
ports=$(scripts/clickhouse.sh start "$dir" 2) || { echo "not ok clickhouse_start"; exit 1; }
set -- $ports
rc=0
for t in build/asan/clickhouse_test build/asan/clickhouse_purge_test; do
	CALOR_CH_PORT0=$1 CALOR_CH_PORT1=$2 CALOR_CH_PID1=$(cat "$dir/ch1/pid") \
		"$t" || rc=1
done
# calor import between SQLite and ClickHouse, with real calor processes
CALOR_CH_PORT0=$1 CALOR_CH_PORT1=$2 node tests/clickhouse/import.test.mjs || rc=1
exit $rc
