/* SPDX-License-Identifier: MIT */
/* bench_render: calor's side of the render benchmark. "gen" writes the
 * shared point file (Gaussian clusters from a fixed seed) that every
 * contender reads; "run" times calor's heatmap path on it stage by stage:
 * accumulate, blur, normalise (p99), colourise, PNG encode. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"

#define CANVAS_W 1440
#define CANVAS_H 4000
#define CLUSTERS 48
#define SEED	 0x5eedULL
#define MAX_REPS 99

enum { ACCUMULATE, BLUR, NORM, COLOUR, ENCODE, TOTAL, STAGES };
static const char *const stage_names[STAGES] = {
    "accumulate", "blur", "norm", "colour", "png", "total",
};

static uint64_t next_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double uniform(uint64_t *state)
{
	return (double)(next_random(state) >> 11) * 0x1p-53;
}

static double normal(uint64_t *state)
{
	double u = uniform(state), v = uniform(state);

	return sqrt(-2 * log(1 - u)) * cos(2 * M_PI * v);
}

/* n points as float32 (x, y) pairs in CSS px, whole pixels like browser
 * click coordinates: 95% in 48 Gaussian clusters whose sizes follow Zipf's
 * law (cluster k gets a share ~ 1 / (k + 1): one hot button, a long tail)
 * with spreads of 6-48 px, and 5% spread evenly over the page. */
static int generate(long n, const char *path)
{
	double cx[CLUSTERS], cy[CLUSTERS], sd[CLUSTERS], cum[CLUSTERS];
	double total = 0, u, x, y;
	uint64_t state = SEED;
	float *xy = NULL;
	FILE *f = NULL;
	int k, rc = 1;
	long i;

	for (k = 0; k < CLUSTERS; k++) {
		cx[k] = 40 + uniform(&state) * (CANVAS_W - 80);
		cy[k] = 40 + uniform(&state) * (CANVAS_H - 80);
		sd[k] = 6 + uniform(&state) * 42;
		total += 1.0 / (k + 1);
		cum[k] = total;
	}
	xy = malloc((size_t)n * 2 * sizeof(*xy));
	if (!xy)
		goto out;
	for (i = 0; i < n; i++) {
		do {
			u = uniform(&state);
			if (u < 0.05) {
				x = uniform(&state) * CANVAS_W;
				y = uniform(&state) * CANVAS_H;
			} else {
				u = uniform(&state) * total;
				for (k = 0; k < CLUSTERS - 1 && cum[k] < u; k++)
					;
				x = cx[k] + sd[k] * normal(&state);
				y = cy[k] + sd[k] * normal(&state);
			}
		} while (!(x >= 0 && x < CANVAS_W && y >= 0 && y < CANVAS_H));
		xy[2 * i] = (float)floor(x);
		xy[2 * i + 1] = (float)floor(y);
	}
	f = fopen(path, "wb");
	if (!f || fwrite(xy, sizeof(*xy) * 2, (size_t)n, f) != (size_t)n)
		goto out;
	rc = 0;
out:
	if (f && fclose(f))
		rc = 1;
	free(xy);
	if (rc)
		fprintf(stderr, "bench_render: cannot write %s\n", path);
	return rc;
}

static float *load(const char *path, size_t *ret_n)
{
	float *xy = NULL;
	long size;
	FILE *f;

	f = fopen(path, "rb");
	if (!f || fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET))
		goto fail;
	xy = malloc((size_t)size + 1);
	if (!xy || fread(xy, 1, (size_t)size, f) != (size_t)size)
		goto fail;
	fclose(f);
	*ret_n = (size_t)size / (2 * sizeof(*xy));
	return xy;
fail:
	if (f)
		fclose(f);
	free(xy);
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double ms_since(int64_t *t)
{
	int64_t now = calor_mono_us();
	double ms = (double)(now - *t) / 1000;

	*t = now;
	return ms;
}

/* One pass of the whole path; stage times in ms into ms[]. */
static int render_once(const float *xy, size_t n, double scale, double radius,
		       double *ms, void **ret_png, size_t *ret_len)
{
	struct render_heat *heat = NULL;
	uint8_t *index = NULL;
	float norm = 0;
	int64_t t;
	int rc;

	t = calor_mono_us();
	rc = render_heat_new((int)ceil(CANVAS_W / scale),
			     (int)ceil(CANVAS_H / scale), &heat);
	if (rc)
		goto out;
	render_heat_add_points(heat, xy, n, scale);
	ms[ACCUMULATE] = ms_since(&t);
	if ((rc = render_heat_blur(heat, render_sigma(radius, scale))))
		goto out;
	ms[BLUR] = ms_since(&t);
	if ((rc = render_heat_norm(heat, RENDER_NORM_DEFAULT, &norm)))
		goto out;
	ms[NORM] = ms_since(&t);
	if ((rc = render_heat_index(heat, norm, &index)))
		goto out;
	ms[COLOUR] = ms_since(&t);
	rc = render_png_encode_indexed(
	    index, heat->w, heat->h,
	    render_palette_colours(RENDER_PALETTE_CLASSIC), 256, ret_png,
	    ret_len);
	ms[ENCODE] = ms_since(&t);
	ms[TOTAL] =
	    ms[ACCUMULATE] + ms[BLUR] + ms[NORM] + ms[COLOUR] + ms[ENCODE];
out:
	free(index);
	render_heat_free(heat);
	return rc;
}

static int run(const char *path, double scale, double radius, int reps,
	       const char *out_path)
{
	double ms[MAX_REPS][STAGES], column[MAX_REPS];
	void *png = NULL;
	size_t n = 0, len = 0;
	float *xy = NULL;
	int r, s, rc = 1;
	FILE *f;

	xy = load(path, &n);
	if (!xy) {
		fprintf(stderr, "bench_render: cannot read %s\n", path);
		goto out;
	}
	/* One warm-up pass, as every contender gets. */
	for (r = -1; r < reps; r++) {
		free(png);
		png = NULL;
		if (render_once(xy, n, scale, radius, ms[r < 0 ? 0 : r], &png,
				&len)) {
			fprintf(stderr, "bench_render: render failed\n");
			goto out;
		}
	}
	printf("calor points=%zu scale=%g radius=%g threads=%d reps=%d "
	       "png_bytes=%zu",
	       n, scale, radius, render_threads(), reps, len);
	for (s = 0; s < STAGES; s++) {
		for (r = 0; r < reps; r++)
			column[r] = ms[r][s];
		qsort(column, (size_t)reps, sizeof(column[0]), cmp_double);
		printf(" %s=%.1f", stage_names[s], column[reps / 2]);
	}
	printf("\n");
	if (out_path) {
		f = fopen(out_path, "wb");
		if (!f || fwrite(png, 1, len, f) != len) {
			fprintf(stderr, "bench_render: cannot write %s\n",
				out_path);
			if (f)
				fclose(f);
			goto out;
		}
		fclose(f);
	}
	rc = 0;
out:
	free(png);
	free(xy);
	return rc;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: bench_render gen N POINTS.bin\n"
		"       bench_render run POINTS.bin [SCALE [RADIUS [REPS "
		"[THREADS [OUT.png]]]]]\n");
}

int main(int argc, char **argv)
{
	double scale = 1, radius = 25;
	int reps = 5, threads = 1;
	char *end;
	long n;

	if (argc == 4 && strcmp(argv[1], "gen") == 0) {
		n = strtol(argv[2], &end, 10);
		if (*end || n < 1 || n > 100000000L) {
			usage();
			return 2;
		}
		return generate(n, argv[3]);
	}
	if (argc >= 3 && argc <= 8 && strcmp(argv[1], "run") == 0) {
		if (argc > 3)
			scale = strtod(argv[3], NULL);
		if (argc > 4)
			radius = strtod(argv[4], NULL);
		if (argc > 5)
			reps = (int)strtol(argv[5], NULL, 10);
		if (argc > 6)
			threads = (int)strtol(argv[6], NULL, 10);
		if (!(scale > 0) || !(radius > 0) || reps < 1 ||
		    reps > MAX_REPS || threads < 1 ||
		    threads > RENDER_MAX_THREADS) {
			usage();
			return 2;
		}
		render_set_threads(threads);
		return run(argv[2], scale, radius, reps,
			   argc > 7 ? argv[7] : NULL);
	}
	usage();
	return 2;
}
