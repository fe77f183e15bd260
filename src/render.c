/* SPDX-License-Identifier: MIT */
/* render: the float density raster behind every heatmap — bilinear splatting
 * of points and an exact separable Gaussian blur. Normalisation and
 * differences live in render_norm.c, colours in render_palette.c, PNG in
 * render_png.c. */
#include "render.h"

#include <assert.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "render_int.h"

/* Vectors of eight floats (GCC/Clang vector extensions): two SSE registers
 * on any x86-64, one AVX2 register where the CPU has it — GCC builds both
 * clones of the hot loops and picks one at load time. */
#define VF_WIDTH 8
typedef float vf __attribute__((vector_size(VF_WIDTH * sizeof(float))));
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define VF_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define VF_CLONES
#endif

/* The 32-byte vectors only pass between these static inline helpers and
 * their callers in this file, so GCC's note that their ABI differs with and
 * without AVX does not concern us. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

static inline vf vf_load(const float *p)
{
	vf v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* A macro, not a function, so no vector is passed by value. */
#define vf_store(p, v) memcpy((p), &(v), sizeof(vf))

/* ---- threads ---- */

/* Below this much work (pixels or points) a thread costs more than it
 * saves. */
#define PARALLEL_MIN_WORK (256 * 1024)

static atomic_int thread_count = 1;

void render_set_threads(int n)
{
	n = n < 1 ? 1 : n > RENDER_MAX_THREADS ? RENDER_MAX_THREADS : n;
	atomic_store(&thread_count, n);
}

int render_threads(void)
{
	return atomic_load(&thread_count);
}

int render_parts(size_t work)
{
	return work < PARALLEL_MIN_WORK ? 1 : render_threads();
}

struct part_arg {
	void (*fn)(void *ctx, int part, int parts);
	void *ctx;
	int part, parts;
};

static void *part_main(void *p)
{
	struct part_arg *arg = p;

	arg->fn(arg->ctx, arg->part, arg->parts);
	return NULL;
}

void render_parallel(void (*fn)(void *ctx, int part, int parts), void *ctx,
		     int parts)
{
	struct part_arg arg[RENDER_MAX_THREADS];
	pthread_t tid[RENDER_MAX_THREADS];
	int started[RENDER_MAX_THREADS] = {0}, i;

	assert(parts >= 1 && parts <= RENDER_MAX_THREADS);
	for (i = 1; i < parts; i++) {
		arg[i].fn = fn;
		arg[i].ctx = ctx;
		arg[i].part = i;
		arg[i].parts = parts;
		started[i] =
		    pthread_create(&tid[i], NULL, part_main, &arg[i]) == 0;
	}
	fn(ctx, 0, parts);
	/* A part whose thread could not start runs here: same result, later. */
	for (i = 1; i < parts; i++) {
		if (started[i])
			pthread_join(tid[i], NULL);
		else
			fn(ctx, i, parts);
	}
}

/* ---- the raster ---- */

double render_sigma(double radius_css, double scale)
{
	if (!(radius_css > 0) || !(scale > 0))
		return 0;
	return radius_css / 3 / scale;
}

int render_heat_new(int w, int h, struct render_heat **ret_heat)
{
	struct render_heat *heat = NULL;
	int rc = 0;

	assert(ret_heat);
	if (w < 1 || h < 1) {
		rc = CALOR_EINVAL;
		goto out;
	}
	/* Both factors are at most RENDER_MAX_DIM here, so the 64-bit product
	 * cannot overflow; nothing is allocated before this check. */
	if (w > RENDER_MAX_DIM || h > RENDER_MAX_DIM ||
	    (int64_t)w * h > RENDER_MAX_PIXELS) {
		rc = CALOR_ETOOBIG;
		goto out;
	}
	heat = malloc(sizeof(*heat));
	if (!heat) {
		rc = CALOR_ENOMEM;
		goto out;
	}
	heat->w = w;
	heat->h = h;
	heat->v = calloc((size_t)w * (size_t)h, sizeof(*heat->v));
	if (!heat->v) {
		rc = CALOR_ENOMEM;
		goto out;
	}
	*ret_heat = heat;
	heat = NULL;
out:
	render_heat_free(heat);
	return rc;
}

void render_heat_free(struct render_heat *heat)
{
	if (!heat)
		return;
	free(heat->v);
	free(heat);
}

/* The body of render_heat_add(), writing only rows [lo, hi): a thread
 * that owns those rows sees each of its pixels get exactly the additions,
 * in the same order, that a single pass would make. */
static inline void splat_rows(struct render_heat *heat, double x, double y,
			      float weight, int lo, int hi)
{
	double fx, fy, ax, ay;
	int x0, y0, x1, y1;
	float *v;

	/* The negated comparisons also reject NaN. */
	if (!(x >= 0 && x < heat->w) || !(y >= 0 && y < heat->h) ||
	    !isfinite(weight))
		return;
	/* Distances from the pixel centre up-left of the point; a point exactly
	 * on a centre lands wholly on that pixel. x + 0.5 >= 0.5, so the
	 * truncating cast is a floor. */
	x0 = (int)(x + 0.5) - 1;
	y0 = (int)(y + 0.5) - 1;
	/* Both rows (y0 and y0 + 1, edges folded in below) outside. */
	if (y0 + 1 < lo || y0 >= hi)
		return;
	fx = x - 0.5;
	fy = y - 0.5;
	ax = fx - x0;
	ay = fy - y0;
	x1 = x0 + 1;
	y1 = y0 + 1;
	/* In the outer half pixel the far neighbour lies outside the raster:
	 * fold its share onto the edge pixel so an in-raster point keeps all of
	 * its weight. */
	if (x0 < 0)
		x0 = 0;
	if (x1 > heat->w - 1)
		x1 = heat->w - 1;
	if (y0 < 0)
		y0 = 0;
	if (y1 > heat->h - 1)
		y1 = heat->h - 1;
	v = heat->v;
	if (y0 >= lo && y0 < hi) {
		v[(size_t)y0 * heat->w + x0] +=
		    (float)((1 - ax) * (1 - ay) * weight);
		v[(size_t)y0 * heat->w + x1] += (float)(ax * (1 - ay) * weight);
	}
	if (y1 >= lo && y1 < hi) {
		v[(size_t)y1 * heat->w + x0] += (float)((1 - ax) * ay * weight);
		v[(size_t)y1 * heat->w + x1] += (float)(ax * ay * weight);
	}
}

void render_heat_add(struct render_heat *heat, double x, double y, float weight)
{
	if (heat)
		splat_rows(heat, x, y, weight, 0, heat->h);
}

/* Points are bucketed by bands of rows of about this many floats (256 KB,
 * so a band stays in a core's L2 while its points are added) and each band
 * is added on its own, in parallel. Every point touching a band is in that
 * band's list, in input order, so each pixel sees the same additions in
 * the same order as one pass over the input: the same bytes. */
#define BAND_FLOATS (64 * 1024)

struct add_points {
	struct render_heat *heat;
	const float *xy;
	size_t n;
	double inv;
	int band_rows, band_shift, nbands; /* band_rows = 1 << band_shift */
	float *sorted;	/* the points' (x, y), band by band */
	size_t *start;	/* [band]: its first point; [nbands]: the end */
	size_t *cursor; /* [part * nbands + band]: where the part puts its
			   next point of that band (first: how many) */
};

/* The bands of the rows a point touches (as splat_rows() computes them);
 * 0 when it touches none. */
static inline int point_bands(const struct add_points *a, size_t i, int *ret_b0,
			      int *ret_b1)
{
	double y = a->xy[2 * i + 1] * a->inv;
	int h = a->heat->h, y0, r0, r1;

	if (!(y >= 0 && y < h))
		return 0;
	y0 = (int)(y + 0.5) - 1;
	r0 = y0 < 0 ? 0 : y0;
	r1 = y0 + 1 > h - 1 ? h - 1 : y0 + 1;
	*ret_b0 = r0 >> a->band_shift;
	*ret_b1 = r1 >> a->band_shift;
	return 1;
}

static void count_part(void *ctx, int part, int parts)
{
	struct add_points *a = ctx;
	size_t *count = a->cursor + (size_t)part * a->nbands, i, lo, hi;
	int b0, b1;

	render_part_range(a->n, part, parts, &lo, &hi);
	for (i = lo; i < hi; i++) {
		if (!point_bands(a, i, &b0, &b1))
			continue;
		count[b0]++;
		if (b1 != b0)
			count[b1]++;
	}
}

/* Parts own consecutive runs of points and, within each band, the part
 * before them owns the places before theirs: every band's list keeps input
 * order. A point on the border of two bands goes in both. */
static void place_part(void *ctx, int part, int parts)
{
	struct add_points *a = ctx;
	size_t *cursor = a->cursor + (size_t)part * a->nbands, i, lo, hi;
	int b0, b1;

	render_part_range(a->n, part, parts, &lo, &hi);
	for (i = lo; i < hi; i++) {
		if (!point_bands(a, i, &b0, &b1))
			continue;
		memcpy(a->sorted + 2 * cursor[b0]++, a->xy + 2 * i,
		       2 * sizeof(*a->xy));
		if (b1 != b0)
			memcpy(a->sorted + 2 * cursor[b1]++, a->xy + 2 * i,
			       2 * sizeof(*a->xy));
	}
}

static void splat_part(void *ctx, int part, int parts)
{
	struct add_points *a = ctx;
	size_t first, last, k;
	const float *p;
	int band, lo, hi;

	render_part_range((size_t)a->nbands, part, parts, &first, &last);
	for (band = (int)first; band < (int)last; band++) {
		lo = band * a->band_rows;
		hi = lo + a->band_rows < a->heat->h ? lo + a->band_rows
						    : a->heat->h;
		for (k = a->start[band]; k < a->start[band + 1]; k++) {
			p = a->sorted + 2 * k;
			splat_rows(a->heat, p[0] * a->inv, p[1] * a->inv, 1, lo,
				   hi);
		}
	}
}

void render_heat_add_points(struct render_heat *heat, const float *xy, size_t n,
			    double scale)
{
	struct add_points a = {0};
	size_t i, total = 0;
	int b, p, parts;

	if (!heat || !xy || !(scale > 0))
		return;
	a.heat = heat;
	a.xy = xy;
	a.n = n;
	a.inv = 1 / scale;
	/* A power of two: the band of a row is a shift, not a division. */
	while (a.band_shift < 30 &&
	       (size_t)heat->w << (a.band_shift + 1) <= BAND_FLOATS)
		a.band_shift++;
	a.band_rows = 1 << a.band_shift;
	a.nbands = (heat->h + a.band_rows - 1) >> a.band_shift;
	/* Bucketing pays for itself only when the bands are then added on
	 * several threads: on one, the copies cost what the locality saves. */
	parts = render_parts(n);
	if (parts < 2)
		goto direct;
	a.start = malloc(((size_t)a.nbands + 1) * sizeof(*a.start));
	a.cursor = calloc((size_t)parts * a.nbands, sizeof(*a.cursor));
	if (!a.start || !a.cursor)
		goto direct;
	/* A stable counting sort of the points by band, in copies so each
	 * band then reads its points in order. */
	render_parallel(count_part, &a, parts);
	for (b = 0; b < a.nbands; b++) {
		a.start[b] = total;
		for (p = 0; p < parts; p++) {
			i = a.cursor[(size_t)p * a.nbands + b];
			a.cursor[(size_t)p * a.nbands + b] = total;
			total += i;
		}
	}
	a.start[a.nbands] = total;
	a.sorted = malloc((total ? total : 1) * 2 * sizeof(*a.sorted));
	if (!a.sorted)
		goto direct;
	render_parallel(place_part, &a, parts);
	render_parallel(splat_part, &a, parts);
	goto out;
direct:
	/* One thread, few points, or no memory for the buckets: one plain
	 * pass. */
	for (i = 0; i < n; i++)
		splat_rows(heat, xy[2 * i] * a.inv, xy[2 * i + 1] * a.inv, 1, 0,
			   heat->h);
out:
	free(a.sorted);
	free(a.start);
	free(a.cursor);
}

float render_heat_max(const struct render_heat *heat)
{
	size_t i, n;
	float max = 0;

	if (!heat)
		return 0;
	n = (size_t)heat->w * (size_t)heat->h;
	for (i = 0; i < n; i++)
		if (heat->v[i] > max)
			max = heat->v[i];
	return max;
}

/* ---- blur ----
 *
 * Each pass computes, per output pixel, k[0] c + sum_d k[d] (l_d + r_d) over
 * the taps at distance d on either side (zero outside the raster), in that
 * order, in float. The vector loops and the scalar tails do the same
 * operations in the same order on every lane, without fused multiply-add
 * (C17 mode keeps -ffp-contract=off), so the result is the same bytes on
 * every x86-64, with or without AVX2, for any number of threads, and equals
 * the plain convolution up to float rounding. */

/* A sigma wider than the largest raster gives a practically flat result;
 * clamping it keeps the kernel allocation bounded. */
#define MAX_SIGMA ((double)RENDER_MAX_DIM)
/* Output pixels per step of the vector loops: four vectors in flight. */
#define BLOCK (4 * VF_WIDTH)

/* Half of the normalised, truncated kernel: k[0] is the centre tap, k[d] the
 * weight at distance d (1 <= d <= radius). The full kernel sums to 1. */
static void make_kernel(float *k, int radius, double sigma)
{
	double sum = 0, g;
	int d;

	for (d = 0; d <= radius; d++) {
		g = exp(-(double)d * d / (2 * sigma * sigma));
		sum += d == 0 ? g : 2 * g;
		k[d] = (float)g;
	}
	for (d = 0; d <= radius; d++)
		k[d] = (float)(k[d] / sum);
}

/* One row of the horizontal pass: out[x] for x < n from p, a copy of the
 * input row with at least radius zeros on either side (p[-radius] ..
 * p[n - 1 + radius] readable). */
VF_CLONES static void conv_row(float *restrict out, const float *restrict p,
			       int n, const float *k, int radius)
{
	vf a0, a1, a2, a3;
	int x = 0, d;
	float s;

	for (; x + BLOCK <= n; x += BLOCK) {
		const float *q = p + x;

		a0 = k[0] * vf_load(q);
		a1 = k[0] * vf_load(q + VF_WIDTH);
		a2 = k[0] * vf_load(q + 2 * VF_WIDTH);
		a3 = k[0] * vf_load(q + 3 * VF_WIDTH);
		for (d = 1; d <= radius; d++) {
			a0 += k[d] * (vf_load(q - d) + vf_load(q + d));
			a1 += k[d] * (vf_load(q - d + VF_WIDTH) +
				      vf_load(q + d + VF_WIDTH));
			a2 += k[d] * (vf_load(q - d + 2 * VF_WIDTH) +
				      vf_load(q + d + 2 * VF_WIDTH));
			a3 += k[d] * (vf_load(q - d + 3 * VF_WIDTH) +
				      vf_load(q + d + 3 * VF_WIDTH));
		}
		vf_store(out + x, a0);
		vf_store(out + x + VF_WIDTH, a1);
		vf_store(out + x + 2 * VF_WIDTH, a2);
		vf_store(out + x + 3 * VF_WIDTH, a3);
	}
	/* What is left of the row a vector at a time, then a pixel. */
	for (; x + VF_WIDTH <= n; x += VF_WIDTH) {
		a0 = k[0] * vf_load(p + x);
		for (d = 1; d <= radius; d++)
			a0 += k[d] * (vf_load(p + x - d) + vf_load(p + x + d));
		vf_store(out + x, a0);
	}
	for (; x < n; x++) {
		s = k[0] * p[x];
		for (d = 1; d <= radius; d++)
			s += k[d] * (p[x - d] + p[x + d]);
		out[x] = s;
	}
}

/* One output row of the vertical pass: out[x] for x < n from rows[-radius]
 * .. rows[radius], the input rows centred on this one (a row of zeros
 * outside the raster). Whole rows at a time keep every access in order. */
VF_CLONES static void conv_column(float *restrict out, const float *const *rows,
				  int n, const float *k, int radius)
{
	vf a0, a1, a2, a3;
	int x = 0, d;
	float s;

	for (; x + BLOCK <= n; x += BLOCK) {
		const float *c = rows[0] + x;

		a0 = k[0] * vf_load(c);
		a1 = k[0] * vf_load(c + VF_WIDTH);
		a2 = k[0] * vf_load(c + 2 * VF_WIDTH);
		a3 = k[0] * vf_load(c + 3 * VF_WIDTH);
		for (d = 1; d <= radius; d++) {
			const float *u = rows[-d] + x, *l = rows[d] + x;

			a0 += k[d] * (vf_load(u) + vf_load(l));
			a1 += k[d] *
			      (vf_load(u + VF_WIDTH) + vf_load(l + VF_WIDTH));
			a2 += k[d] * (vf_load(u + 2 * VF_WIDTH) +
				      vf_load(l + 2 * VF_WIDTH));
			a3 += k[d] * (vf_load(u + 3 * VF_WIDTH) +
				      vf_load(l + 3 * VF_WIDTH));
		}
		vf_store(out + x, a0);
		vf_store(out + x + VF_WIDTH, a1);
		vf_store(out + x + 2 * VF_WIDTH, a2);
		vf_store(out + x + 3 * VF_WIDTH, a3);
	}
	/* What is left of the row a vector at a time, then a pixel. */
	for (; x + VF_WIDTH <= n; x += VF_WIDTH) {
		a0 = k[0] * vf_load(rows[0] + x);
		for (d = 1; d <= radius; d++)
			a0 += k[d] *
			      (vf_load(rows[-d] + x) + vf_load(rows[d] + x));
		vf_store(out + x, a0);
	}
	for (; x < n; x++) {
		s = k[0] * rows[0][x];
		for (d = 1; d <= radius; d++)
			s += k[d] * (rows[-d][x] + rows[d][x]);
		out[x] = s;
	}
}

static int row_is_zero(const float *row, int w)
{
	int x;

	for (x = 0; x < w; x++)
		if (row[x] != 0)
			return 0;
	return 1;
}

/* One part's band of rows and its scratch. */
struct blur_part {
	int y0, y1;
	float *pad;	    /* one input row with radius zeros either side */
	float *ring;	    /* rows < y before the vertical pass overwrote
			       them, row r in slot r % nring */
	float *below;	    /* rows y1 .. y1 + radius - 1, as they were */
	const float **taps; /* 2 radius + 1 row pointers */
};

struct blur {
	int w, h, radius, nring, nbelow;
	float *v;
	const float *kernel;
	const float *zero;   /* a row of w zeros */
	char *nonzero;	     /* [y]: input row y is not all zero */
	int *nonzero_before; /* [y]: input rows < y that are not all zero */
	struct blur_part part[RENDER_MAX_THREADS];
};

/* In place, row by row: each row is copied into the zero-padded buffer and
 * convolved back into place. Empty rows, common in click maps, stay
 * empty. */
static void blur_horizontal(void *ctx, int part, int parts)
{
	struct blur *b = ctx;
	struct blur_part *p = &b->part[part];
	/* Taps further than w - 1 always land outside the row. */
	int radius = b->radius < b->w - 1 ? b->radius : b->w - 1, y;
	size_t w = (size_t)b->w;

	(void)parts;
	for (y = p->y0; y < p->y1; y++) {
		float *row = b->v + y * w;

		b->nonzero[y] = !row_is_zero(row, b->w);
		if (!b->nonzero[y])
			continue;
		memcpy(p->pad + b->radius, row, w * sizeof(*row));
		conv_row(row, p->pad + b->radius, b->w, b->kernel, radius);
	}
}

/* In place, top to bottom through the part's band: output row y needs
 * input rows y - radius .. y + radius. Rows above y were overwritten, so
 * each is saved in the ring just before its output replaces it (the rows
 * above the band were put there before any part started); rows below the
 * band come from the copy taken then. */
static void blur_vertical(void *ctx, int part, int parts)
{
	struct blur *b = ctx;
	struct blur_part *p = &b->part[part];
	const float **taps = p->taps + b->radius;
	size_t w = (size_t)b->w;
	int y, d, lo, hi, radius;
	float *saved;

	(void)parts;
	for (y = p->y0; y < p->y1; y++) {
		saved = p->ring + (size_t)(y % b->nring) * w;
		memcpy(saved, b->v + y * w, w * sizeof(*b->v));
		lo = y - b->radius < 0 ? 0 : y - b->radius;
		hi = y + b->radius + 1 > b->h ? b->h : y + b->radius + 1;
		/* Nothing within reach: the output row is empty. */
		if (b->nonzero_before[hi] == b->nonzero_before[lo]) {
			memset(b->v + y * w, 0, w * sizeof(*b->v));
			continue;
		}
		/* Beyond both edges every tap is a zero row. */
		radius = y > b->h - 1 - y ? y : b->h - 1 - y;
		if (radius > b->radius)
			radius = b->radius;
		taps[0] = saved;
		for (d = 1; d <= radius; d++) {
			taps[-d] =
			    y - d < 0
				? b->zero
				: p->ring + (size_t)((y - d) % b->nring) * w;
			taps[d] = y + d >= b->h ? b->zero
				  : y + d >= p->y1
				      ? p->below + (y + d - p->y1) * w
				      : b->v + (y + d) * w;
		}
		conv_column(b->v + y * w, taps, b->w, b->kernel, radius);
	}
}

static void blur_done(struct blur *b)
{
	int i;

	for (i = 0; i < RENDER_MAX_THREADS; i++) {
		free(b->part[i].pad);
		free(b->part[i].ring);
		free(b->part[i].below);
		free(b->part[i].taps);
	}
	free(b->nonzero);
	free(b->nonzero_before);
}

int render_heat_blur(struct render_heat *heat, double sigma)
{
	struct blur b = {0};
	float *kernel = NULL, *zero = NULL;
	struct blur_part *p;
	int i, y, parts, rc = 0;
	size_t w;

	/* Also a no-op for NaN. */
	if (!heat || !(sigma > 0))
		goto out;
	if (sigma > MAX_SIGMA)
		sigma = MAX_SIGMA;
	b.v = heat->v;
	b.w = heat->w;
	b.h = heat->h;
	b.radius = (int)ceil(3 * sigma);
	/* Rows further away than h - 1 are never needed. */
	b.nring = b.radius + 1 < b.h ? b.radius + 1 : b.h;
	b.nbelow = b.radius < b.h ? b.radius : b.h;
	w = (size_t)heat->w;
	parts = render_parts(w * (size_t)heat->h);
	/* Each part keeps about 2 radius rows of its own: no more parts than
	 * keep that within the raster's size again. */
	if (b.nbelow > 0 && parts > heat->h / b.nbelow)
		parts = heat->h / b.nbelow > 1 ? heat->h / b.nbelow : 1;
	kernel = malloc(((size_t)b.radius + 1) * sizeof(*kernel));
	zero = calloc(w, sizeof(*zero));
	b.nonzero = malloc((size_t)heat->h);
	b.nonzero_before = malloc(((size_t)heat->h + 1) * sizeof(int));
	if (!kernel || !zero || !b.nonzero || !b.nonzero_before) {
		rc = CALOR_ENOMEM;
		goto out;
	}
	for (i = 0; i < parts; i++) {
		p = &b.part[i];
		p->y0 = (int)((int64_t)heat->h * i / parts);
		p->y1 = (int)((int64_t)heat->h * (i + 1) / parts);
		p->pad = calloc(w + 2 * (size_t)b.radius, sizeof(*p->pad));
		p->ring = malloc((size_t)b.nring * w * sizeof(*p->ring));
		p->below = malloc((size_t)b.nbelow * w * sizeof(*p->below));
		p->taps = malloc((2 * (size_t)b.radius + 1) * sizeof(*p->taps));
		if (!p->pad || !p->ring || !p->below || !p->taps) {
			rc = CALOR_ENOMEM;
			goto out;
		}
	}
	make_kernel(kernel, b.radius, sigma);
	b.kernel = kernel;
	b.zero = zero;
	render_parallel(blur_horizontal, &b, parts);
	b.nonzero_before[0] = 0;
	for (y = 0; y < heat->h; y++)
		b.nonzero_before[y + 1] = b.nonzero_before[y] + b.nonzero[y];
	/* Each part's neighbours overwrite the rows around its band as soon
	 * as they start: copy them first. */
	for (i = 0; i < parts; i++) {
		p = &b.part[i];
		for (y = p->y0 - b.radius; y < p->y0; y++)
			if (y >= 0)
				memcpy(p->ring + (size_t)(y % b.nring) * w,
				       heat->v + y * w, w * sizeof(*heat->v));
		for (y = p->y1; y < p->y1 + b.nbelow && y < heat->h; y++)
			memcpy(p->below + (size_t)(y - p->y1) * w,
			       heat->v + y * w, w * sizeof(*heat->v));
	}
	render_parallel(blur_vertical, &b, parts);
out:
	free(kernel);
	free(zero);
	blur_done(&b);
	return rc;
}
