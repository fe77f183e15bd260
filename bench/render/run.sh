#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Render benchmark (issue 4), side by side in one run on the same points and
# canvas: 1440x4000 CSS px, radius 25, 100k and 1M points in Gaussian
# clusters from a fixed seed, written once and read by every contender.
#   calor        C, -O2: accumulate, blur, p99 norm, colourise, PNG encode
#   heatmap.js   headless Chromium, draw + getImageData readback
#   simpleheat   headless Chromium, draw + getImageData readback
#   numpy+scipy  bincount, gaussian_filter, max norm, colour lookup
# Prints a table: contender, points, ms (median), and the ratio to calor as
# the API renders this canvas (scale 2: one raster px per 2x2 CSS px) and to
# calor at full resolution on one thread. Takes about 40 s.
set -euo pipefail
cd "$(dirname "$0")/../.."
REPS=${BENCH_RENDER_REPS:-7}

# numpy and scipy from Debian (the python3 on PATH may be another one).
missing=()
for pkg in python3-numpy python3-scipy; do
	dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "bench: installing ${missing[*]}" >&2
	if [ "$(id -u)" = 0 ]; then apt-get install -y "${missing[@]}" >/dev/null
	else sudo apt-get install -y "${missing[@]}" >/dev/null; fi
fi
[ -x /usr/bin/chromium ] || { echo "bench: /usr/bin/chromium missing (apt-get install chromium)" >&2; exit 1; }
[ -d node_modules/playwright-core ] || { echo "bench: node_modules missing (scripts/setup.sh)" >&2; exit 1; }

work=$(mktemp -d /tmp/calor-bench-render-XXXXXX)
trap 'rm -rf "$work"' EXIT
# shellcheck disable=SC2046
cc -std=c17 -D_GNU_SOURCE -Isrc -O2 -o "$work/bench_render" bench/render/bench_render.c \
	src/render*.c src/core.c $(pkg-config --cflags --libs spng zlib) -lm -pthread
"$work/bench_render" gen 100000 "$work/100k.bin"
"$work/bench_render" gen 1000000 "$work/1M.bin"

threads=$(nproc)
echo "render: 1440x4000 CSS px, radius 25, median of $REPS (calor), 3 (numpy), 3/1 (browsers at 100k/1M) after a warm-up; $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'))"
{
	for n in 100k 1M; do
		# Same canvas, one thread: the reference row.
		"$work/bench_render" run "$work/$n.bin" 1 25 "$REPS" 1 | sed "s/^calor/calor label=$n/"
		[ "$threads" -gt 1 ] && "$work/bench_render" run "$work/$n.bin" 1 25 "$REPS" "$threads" | sed "s/^calor/calor label=$n/"
		# What the API serves: scale 2 (one raster px per 2x2 CSS px).
		"$work/bench_render" run "$work/$n.bin" 2 25 "$REPS" 1 | sed "s/^calor/calor label=$n/"
	done
} >"$work/calor.txt"
/usr/bin/python3 bench/render/numpy_bench.py 3 "$work/100k.bin" 100k "$work/1M.bin" 1M >"$work/numpy.json"
node bench/render/browser.mjs "$work/100k.bin" 100k 3 "$work/1M.bin" 1M 1 >"$work/browser.json"

/usr/bin/python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
rows, api, full, stages = [], {}, {}, []
for line in open(f'{work}/calor.txt'):
    kv = dict(f.split('=', 1) for f in line.split()[1:])
    ms, scale, threads, label = float(kv['total']), kv['scale'], int(kv['threads']), kv['label']
    name = f"calor scale {scale}, {threads} thread{'s' if threads > 1 else ''}"
    if scale == '2':
        name += ' (API)'
        api[label] = ms
    elif threads == 1:
        full[label] = ms
        # numpy and the browsers stop at pixels: the same path without PNG.
        rows.append((name + ', no PNG', label, ms - float(kv['png'])))
    rows.append((name, label, ms))
    stages.append(f"  {name:30} {label:>4}: " + ', '.join(
        f"{k} {kv[k]}" for k in ('accumulate', 'blur', 'norm', 'colour', 'png')) + f"; PNG {int(kv['png_bytes']) // 1024} KB")
for f in ('numpy.json', 'browser.json'):
    for line in open(f'{work}/{f}'):
        j = json.loads(line)
        rows.append((j['contender'], j['points'], j['total']))
rows.sort(key=lambda r: (r[1] != '100k', r[2]))
print(f"{'contender':38} {'points':>6} {'ms':>9} {'vs calor':>9} {'vs calor full-res':>18}")
for name, label, ms in rows:
    print(f"{name:38} {label:>6} {ms:9.1f} {ms / api[label]:8.1f}x {ms / full[label]:17.1f}x")
print("vs calor: against calor's own resolution choice for this canvas and radius (scale 2,")
print("  what the API serves); vs calor full-res: against calor at every CSS px, 1 thread, with PNG.")
print('calor stages (median ms):')
print('\n'.join(stages))
by = {(n, l): ms for n, l, ms in rows}
for ref_name, ref in (('calor (API, scale 2)', api), ('calor full-res, 1 thread', full)):
    for other, target in (('heatmap.js', 50), ('numpy+scipy', 5)):
        r = by[(other, '1M')] / ref['1M']
        print(f"target at 1M: {other} / {ref_name} = {r:.1f}x (want >= {target}x): {'met' if r >= target else 'missed'}")
PY
