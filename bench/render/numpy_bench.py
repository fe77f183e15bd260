# SPDX-License-Identifier: MIT
# numpy + scipy on the shared point file: bincount into a 1440x4000 raster,
# scipy.ndimage.gaussian_filter (sigma = 25 / 3, truncated at 3 sigma like
# calor's), normalise by max, 256-entry colour lookup to RGBA. Prints one
# JSON object per point file on stdout.
#
# usage: /usr/bin/python3 numpy_bench.py REPS POINTS.bin LABEL [POINTS.bin LABEL ...]
import json
import sys
import time

import numpy as np
from scipy.ndimage import gaussian_filter

W, H, RADIUS = 1440, 4000, 25


def lookup_table():
    """The classic ramp (blue, cyan, green, yellow, red) with calor's
    alpha ramp, 256 entries."""
    stops = np.array([[0, 0, 255], [0, 255, 255], [0, 255, 0], [255, 255, 0], [255, 0, 0]], float)
    t = np.linspace(0, 1, 256)
    pos = t * (len(stops) - 1)
    s = np.minimum(pos.astype(int), len(stops) - 2)
    f = (pos - s)[:, None]
    rgb = stops[s] * (1 - f) + stops[s + 1] * f
    alpha = 204 * np.minimum(1, 1.6 * t) ** 0.8
    return np.rint(np.column_stack([rgb, alpha])).astype(np.uint8)


def render(xy, lut):
    times = {}
    t = time.perf_counter()
    x = xy[0::2].astype(np.intp)
    y = xy[1::2].astype(np.intp)
    raster = np.bincount(y * W + x, minlength=W * H).astype(np.float32).reshape(H, W)
    times['accumulate'] = time.perf_counter() - t
    t = time.perf_counter()
    blurred = gaussian_filter(raster, RADIUS / 3, truncate=3.0, mode='constant')
    times['blur'] = time.perf_counter() - t
    t = time.perf_counter()
    top = blurred.max()
    index = np.clip(blurred * (255 / top) + 0.5, 0, 255).astype(np.uint8)
    rgba = lut[index]
    times['colour'] = time.perf_counter() - t
    times['total'] = sum(times.values())
    return {k: v * 1000 for k, v in times.items()}, rgba


def main():
    reps = int(sys.argv[1])
    lut = lookup_table()
    args = sys.argv[2:]
    for path, label in zip(args[0::2], args[1::2]):
        xy = np.fromfile(path, dtype='<f4')
        runs = []
        for r in range(reps + 1):  # one warm-up
            times, rgba = render(xy, lut)
            if r:
                runs.append(times)
        med = {k: sorted(run[k] for run in runs)[len(runs) // 2] for k in runs[0]}
        lit = int(np.count_nonzero(rgba[:, :, 3]))
        print(json.dumps({'contender': 'numpy+scipy', 'points': label, 'reps': reps, **med,
                          'lit': lit, 'numpy': np.__version__}))


if __name__ == '__main__':
    main()
