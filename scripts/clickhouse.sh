#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Private ClickHouse servers for calor's tests and development: one or two
# clickhouse-server processes on 127.0.0.1, each with its own config, ports
# and data directory under DIR, never the system service. Both servers know
# the cluster "calor" (one shard each) so a Distributed table over local
# MergeTree tables spans them.
#
#   scripts/clickhouse.sh install            Debian's clickhouse-server/-client
#   scripts/clickhouse.sh start DIR [N]      N = 1 (default) or 2 servers
#   scripts/clickhouse.sh stop DIR           stops the servers started in DIR
#   scripts/clickhouse.sh ports DIR          "HTTP_PORT TCP_PORT" per line
#
# Ports: server i (0, 1) listens on BASE + 10 * i + {0 HTTP, 1 TCP, 2
# interserver}; BASE is $CALOR_CH_PORT (default 18123). start prints the
# HTTP port of each server, one per line, once each answers "Ok.".
set -euo pipefail

base=${CALOR_CH_PORT:-18123}
bin=/usr/sbin/clickhouse-server

install() {
	if [ -x "$bin" ] && command -v clickhouse-client >/dev/null; then
		return 0
	fi
	echo "clickhouse.sh: installing clickhouse-server clickhouse-client" >&2
	local sudo="" policy=/usr/sbin/policy-rc.d made="" rc=0
	[ "$(id -u)" = 0 ] || sudo="sudo"
	# The package's postinst starts the system service (invoke-rc.d) and
	# fails the install when that fails; nothing here uses the service.
	# A policy-rc.d refusing every start (Debian's way, as in containers)
	# keeps it from running during the install, unless there is one.
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
		made=1
		trap "$sudo rm -f $policy" EXIT # also when interrupted
		$sudo chmod 755 "$policy"
	fi
	$sudo apt-get update -qq || rc=$?
	if [ "$rc" = 0 ]; then
		DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
			--no-install-recommends clickhouse-server \
			clickhouse-client >/dev/null || rc=$?
	fi
	[ -z "$made" ] || $sudo rm -f "$policy"
	return "$rc"
}

# remote_servers: the cluster "calor", a shard per server, n servers.
cluster_xml() { # n
	local n=$1 i
	echo "  <remote_servers><calor>"
	for ((i = 0; i < n; i++)); do
		echo "    <shard><replica><host>127.0.0.1</host><port>$((base + 10 * i + 1))</port></replica></shard>"
	done
	echo "  </calor></remote_servers>"
}

write_config() { # dir, i, n
	local d=$1/ch$2 i=$2 n=$3
	mkdir -p "$d/data" "$d/tmp" "$d/user_files" "$d/log"
	cat >"$d/config.xml" <<EOF
<?xml version="1.0"?>
<yandex>
  <logger>
    <level>warning</level>
    <log>$d/log/server.log</log>
    <errorlog>$d/log/server.err.log</errorlog>
    <size>10M</size><count>2</count>
  </logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>$((base + 10 * i))</http_port>
  <tcp_port>$((base + 10 * i + 1))</tcp_port>
  <interserver_http_port>$((base + 10 * i + 2))</interserver_http_port>
  <interserver_http_host>127.0.0.1</interserver_http_host>
  <path>$d/data/</path>
  <tmp_path>$d/tmp/</tmp_path>
  <user_files_path>$d/user_files/</user_files_path>
  <format_schema_path>$d/format_schemas/</format_schema_path>
  <users_config>$d/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mark_cache_size>268435456</mark_cache_size>
  <uncompressed_cache_size>268435456</uncompressed_cache_size>
  <max_concurrent_queries>100</max_concurrent_queries>
  <mlock_executable>false</mlock_executable>
$(cluster_xml "$n")
</yandex>
EOF
	cat >"$d/users.xml" <<EOF
<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>2000000000</max_memory_usage></default></profiles>
  <users><default>
    <password></password>
    <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
    <profile>default</profile><quota>default</quota>
  </default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries>
    <errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows>
    <execution_time>0</execution_time></interval></default></quotas>
</yandex>
EOF
}

start() { # dir, n
	local dir=$1 n=${2:-1} i port tries
	[ "$n" = 1 ] || [ "$n" = 2 ] || { echo "clickhouse.sh: N is 1 or 2" >&2; exit 2; }
	install
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	for ((i = 0; i < n; i++)); do
		write_config "$dir" "$i" "$n"
		# stdout/stderr kept: the server's own log may not open
		"$bin" --config-file="$dir/ch$i/config.xml" \
			>"$dir/ch$i/log/stdout.log" 2>&1 &
		echo $! >"$dir/ch$i/pid"
	done
	for ((i = 0; i < n; i++)); do
		port=$((base + 10 * i))
		for ((tries = 0; tries < 300; tries++)); do
			if [ "$(curl -s "http://127.0.0.1:$port/" 2>/dev/null)" = "Ok." ]; then
				break
			fi
			if ! kill -0 "$(cat "$dir/ch$i/pid")" 2>/dev/null; then
				echo "clickhouse.sh: server $i died; $dir/ch$i/log:" >&2
				tail -n 20 "$dir/ch$i/log/"*.log >&2 || true
				exit 1
			fi
			sleep 0.1
		done
		[ "$tries" -lt 300 ] || { echo "clickhouse.sh: server $i did not answer on $port" >&2; exit 1; }
		echo "$port"
	done
}

stop() { # dir
	local dir=$1 f pid tries
	for f in "$dir"/ch*/pid; do
		[ -f "$f" ] || continue
		pid=$(cat "$f")
		if kill "$pid" 2>/dev/null; then
			for ((tries = 0; tries < 100; tries++)); do
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.1
			done
			kill -9 "$pid" 2>/dev/null || true
		fi
		rm -f "$f"
	done
}

ports() { # dir
	local f i
	for f in "$1"/ch*/pid; do
		[ -f "$f" ] || continue
		i=${f%/pid}
		i=${i##*/ch}
		echo "$((base + 10 * i)) $((base + 10 * i + 1))"
	done
}

case ${1:-} in
install) install ;;
start) start "${2:?DIR}" "${3:-1}" ;;
stop) stop "${2:?DIR}" ;;
ports) ports "${2:?DIR}" ;;
*) sed -n '3,17p' "$0" >&2; exit 2 ;;
esac
