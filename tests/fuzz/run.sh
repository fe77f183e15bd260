#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `make fuzz`: runs each named harness (build/fuzz/fuzz_NAME) for
# FUZZ_SECONDS, niced, seeded with tests/fuzz/corpus/NAME; new inputs go to
# the scratch corpus build/fuzz/corpus/NAME (never committed), crashes to
# build/fuzz/crashes/. Ends with one line per harness: runs, cov, ft.
set -u
cd "$(dirname "$0")/../.."
seconds=${FUZZ_SECONDS:-60}
[ $# -gt 0 ] || set -- collect query normalise ndjson
mkdir -p build/fuzz/crashes
summary=() failed=0

# The longest input worth trying for each: past every cap it tests.
max_len() {
	case $1 in
	collect) echo 16384 ;;   # the caps a batch can reach in 16 KiB
	ndjson) echo 16384 ;;    # 0xff stands for 4 KiB: lines past 64 KiB
	normalise) echo 2200 ;;  # a URL is at most 2048 bytes
	*) echo 4096 ;;
	esac
}

for name in "$@"; do
	bin=build/fuzz/fuzz_$name scratch=build/fuzz/corpus/$name
	log=build/fuzz/$name.log
	dict=tests/fuzz/$name.dict
	mkdir -p "$scratch"
	args=(-max_total_time="$seconds" -print_final_stats=1
	      -max_len="$(max_len "$name")" -timeout=10 -rss_limit_mb=2048
	      -artifact_prefix="build/fuzz/crashes/$name-")
	[ -f "$dict" ] && args+=(-dict="$dict")
	echo "== fuzz_$name for $seconds s (log: $log)"
	nice -n 10 "$bin" "${args[@]}" "$scratch" "tests/fuzz/corpus/$name" >"$log" 2>&1
	rc=$?
	last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
	runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$')
	cov=$(echo "$last" | grep -oE 'cov: [0-9]+' | grep -oE '[0-9]+')
	ft=$(echo "$last" | grep -oE 'ft: [0-9]+' | grep -oE '[0-9]+')
	if [ "$rc" = 0 ]; then
		summary+=("ok fuzz_$name: ${seconds} s, ${runs:-?} runs, cov ${cov:-?}, ft ${ft:-?}")
	else
		summary+=("not ok fuzz_$name: exit $rc after ${runs:-?} runs; see $log and build/fuzz/crashes/")
		grep -E 'ERROR|invariant broken|runtime error|Test unit written' "$log" | head -n 5
		failed=1
	fi
done
printf '%s\n' "${summary[@]}"
exit $failed
