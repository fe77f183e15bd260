#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs every test suite (or the ones named: lint, unit, fuzz, integration,
# clickhouse, browser; fuzz replays the committed fuzz corpus, tests/fuzz;
# clickhouse installs Debian's clickhouse-server when it is missing and
# starts two private servers, tests/clickhouse/run.sh) and
# ends with one line: "N passed, N failed". Each test program prints
# "ok NAME" or "not ok NAME" per test; a program that dies without saying
# so counts as one more failure.
set -u
cd "$(dirname "$0")/.."
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(lint unit fuzz integration clickhouse browser)
mkdir -p tests/out
passed=0 failed=0

run_one() { # name, command...
	local name=$1 log out rc p f
	shift
	log="tests/out/$(basename "$name").log"
	echo "== $name"
	"$@" >"$log.stdout" 2>"$log"
	rc=$?
	out=$(cat "$log.stdout")
	[ -n "$out" ] && printf '%s\n' "$out"
	p=$(grep -c '^ok ' "$log.stdout")
	f=$(grep -c '^not ok ' "$log.stdout")
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		echo "not ok $name (exit $rc)"
		f=1
	fi
	if [ "$f" != 0 ] || [ "$rc" != 0 ]; then
		echo "--- stderr of $name (tests/out/$(basename "$log")):"
		tail -n 40 "$log"
	fi
	passed=$((passed + p))
	failed=$((failed + f))
}

for s in "${suites[@]}"; do
	case $s in
	lint)
		run_one tools/check.sh tools/check.sh ;;
	unit)
		for t in build/asan/test_*; do
			[ -x "$t" ] && run_one "$t" "$t"
		done ;;
	fuzz)
		for t in build/asan/fuzz_*; do
			[ -x "$t" ] && run_one "$t" "$t" "tests/fuzz/corpus/${t##*/fuzz_}"
		done ;;
	clickhouse)
		run_one tests/clickhouse/run.sh tests/clickhouse/run.sh ;;
	integration|browser)
		for t in tests/$s/*.test.mjs; do
			[ -f "$t" ] && run_one "$t" node "$t"
		done ;;
	*) echo "unknown suite $s" >&2; exit 2 ;;
	esac
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
