#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Tracker weight: calor.js bundled and minified the way the build does it
# (esbuild --bundle --format=iife --minify --target=es2017) next to the browser bundles of other tools as
# published on npm (already minified by their authors), each gzip -9.
# The ratio is peer / calor, gzipped. Needs `npm ci` (make setup).
#
#   clarity-js     build/clarity.min.js         what clarity.ms serves after its loader
#   posthog-js     dist/array.js                the bundle the PostHog snippet loads
#                                               (array.full.js adds replay, surveys...)
#   @rrweb/record  dist/record.umd.min.cjs      the recorder alone, no transport
set -euo pipefail
cd "$(dirname "$0")/.."
esbuild=node_modules/.bin/esbuild
[ -x "$esbuild" ] || { echo "tracker-size: $esbuild missing (make setup)" >&2; exit 1; }

min=$(mktemp /tmp/calor-size-XXXXXX.js)
trap 'rm -f "$min"' EXIT
"$esbuild" --bundle --format=iife --minify --target=es2017 --log-level=warning web/tracker/calor.js >"$min"

gz() { gzip -9 <"$1" | wc -c; }
base=$(gz "$min")

printf '%-14s %-52s %10s %10s %8s\n' tool file minified gzip-9 ratio
row() { # tool, file
	local tool=$1 f=$2
	if [ ! -f "$f" ]; then
		printf '%-14s %-52s %10s %10s %8s\n' "$tool" "$f" - missing -
		return
	fi
	local raw g
	raw=$(wc -c <"$f")
	g=$(gz "$f")
	printf '%-14s %-52s %10d %10d %7.1fx\n' "$tool" "$f" "$raw" "$g" "$(awk -v a="$g" -v b="$base" 'BEGIN { print a / b }')"
}
printf '%-14s %-52s %10d %10d %7.1fx\n' calor "web/tracker/calor.js (esbuild --bundle --minify)" "$(wc -c <"$min")" "$base" 1
row clarity-js node_modules/clarity-js/build/clarity.min.js
row posthog-js node_modules/posthog-js/dist/array.js
row posthog-js node_modules/posthog-js/dist/array.full.js
row @rrweb/record node_modules/@rrweb/record/dist/record.umd.min.cjs
printf "versions: "
for p in clarity-js posthog-js @rrweb/record; do
	v=$(node -p "require('./node_modules/$p/package.json').version" 2>/dev/null || echo '?')
	printf '%s %s  ' "$p" "$v"
done
echo
echo "calor.js budget: 4096 bytes gzipped ($base used)"
