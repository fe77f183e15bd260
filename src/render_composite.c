/* SPDX-License-Identifier: MIT */
/* render_composite: a heatmap over a picture of the page — resizing a
 * decoded background (a triangle filter widened when shrinking), the
 * Porter-Duff "over" operator on straight-alpha RGBA8, and the whole
 * decode, resize, composite, encode step. */
#include "render.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int check_size(int w, int h)
{
	if (w < 1 || h < 1)
		return CALOR_EINVAL;
	if (w > RENDER_MAX_DIM || h > RENDER_MAX_DIM ||
	    (int64_t)w * h > RENDER_MAX_PIXELS)
		return CALOR_ETOOBIG;
	return 0;
}

/* The taps of a 1-D resampling from n source to m output samples: output i
 * reads count[i] source samples from first[i] with weights
 * weight[offset[i] ...], summing to 1. */
struct taps {
	int *first, *count, *offset;
	float *weight;
};

static void taps_done(struct taps *t)
{
	free(t->first);
	free(t->count);
	free(t->offset);
	free(t->weight);
}

/* A triangle of half-width max(1, n / m) source samples around the
 * output's centre: bilinear interpolation when enlarging, and when
 * shrinking a tent over every source sample the output covers. */
static int taps_init(struct taps *t, int n, int m)
{
	double step = (double)n / m, half = step > 1 ? step : 1;
	double centre, sum, wgt;
	int i, j, lo, hi, per, total = 0, rc = 0;

	memset(t, 0, sizeof(*t));
	per = (int)ceil(2 * half) + 2;
	t->first = malloc((size_t)m * sizeof(int));
	t->count = malloc((size_t)m * sizeof(int));
	t->offset = malloc((size_t)m * sizeof(int));
	t->weight = malloc((size_t)m * (size_t)per * sizeof(float));
	if (!t->first || !t->count || !t->offset || !t->weight) {
		rc = CALOR_ENOMEM;
		goto out;
	}
	for (i = 0; i < m; i++) {
		centre = (i + 0.5) * step;
		lo = (int)floor(centre - half);
		hi = (int)ceil(centre + half);
		lo = lo < 0 ? 0 : lo;
		hi = hi > n ? n : hi;
		t->first[i] = lo;
		t->offset[i] = total;
		sum = 0;
		for (j = lo; j < hi; j++) {
			wgt = 1 - fabs(j + 0.5 - centre) / half;
			wgt = wgt > 0 ? wgt : 0;
			t->weight[total + j - lo] = (float)wgt;
			sum += wgt;
		}
		/* At least one tap always has weight: the source sample the
		 * output's centre falls in is within half a sample of it. */
		for (j = lo; j < hi; j++)
			t->weight[total + j - lo] =
			    (float)(t->weight[total + j - lo] / sum);
		t->count[i] = hi - lo;
		total += hi - lo;
	}
out:
	if (rc)
		taps_done(t);
	return rc;
}

int render_rgba_resize(const uint8_t *src, int sw, int sh, int dw, int dh,
		       uint8_t **ret_rgba)
{
	struct taps tx = {0}, ty = {0};
	float *acc = NULL, wgt, r, g, b, a;
	uint8_t *out = NULL, *o;
	const uint8_t *p;
	int x, y, i, j, rc = 0;

	if (!src || !ret_rgba) {
		rc = CALOR_EINVAL;
		goto out;
	}
	if ((rc = check_size(sw, sh)) || (rc = check_size(dw, dh)))
		goto out;
	out = malloc((size_t)dw * (size_t)dh * 4);
	if (!out) {
		rc = CALOR_ENOMEM;
		goto out;
	}
	if (sw == dw && sh == dh) {
		memcpy(out, src, (size_t)dw * (size_t)dh * 4);
		goto done;
	}
	acc = malloc((size_t)sw * 4 * sizeof(*acc));
	if (!acc) {
		rc = CALOR_ENOMEM;
		goto out;
	}
	if ((rc = taps_init(&tx, sw, dw)) || (rc = taps_init(&ty, sh, dh)))
		goto out;
	for (y = 0; y < dh; y++) {
		/* Vertical first, one output row at a time, into a row of
		 * alpha-premultiplied floats: memory stays O(width). */
		memset(acc, 0, (size_t)sw * 4 * sizeof(*acc));
		for (j = 0; j < ty.count[y]; j++) {
			wgt = ty.weight[ty.offset[y] + j];
			p = src + (size_t)(ty.first[y] + j) * sw * 4;
			for (x = 0; x < sw; x++) {
				a = wgt * p[4 * x + 3];
				acc[4 * x] += a * p[4 * x];
				acc[4 * x + 1] += a * p[4 * x + 1];
				acc[4 * x + 2] += a * p[4 * x + 2];
				acc[4 * x + 3] += a;
			}
		}
		o = out + (size_t)y * dw * 4;
		for (x = 0; x < dw; x++) {
			r = g = b = a = 0;
			for (i = 0; i < tx.count[x]; i++) {
				const float *q = acc + 4 * (tx.first[x] + i);

				wgt = tx.weight[tx.offset[x] + i];
				r += wgt * q[0];
				g += wgt * q[1];
				b += wgt * q[2];
				a += wgt * q[3];
			}
			/* Back to straight alpha; a fully transparent
			 * result is all zeros. */
			if (a < 0.5f) {
				memset(o + 4 * x, 0, 4);
				continue;
			}
			o[4 * x] = (uint8_t)fminf(255, r / a + 0.5f);
			o[4 * x + 1] = (uint8_t)fminf(255, g / a + 0.5f);
			o[4 * x + 2] = (uint8_t)fminf(255, b / a + 0.5f);
			o[4 * x + 3] = (uint8_t)fminf(255, a + 0.5f);
		}
	}
done:
	*ret_rgba = out;
	out = NULL;
out:
	free(out);
	free(acc);
	taps_done(&tx);
	taps_done(&ty);
	return rc;
}

void render_rgba_over(uint8_t *dst, const uint8_t *src, size_t n)
{
	uint32_t sa, da, oa, num;
	size_t i;
	int c;

	for (i = 0; i < n; i++, dst += 4, src += 4) {
		sa = src[3];
		if (sa == 0)
			continue;
		if (sa == 255) {
			memcpy(dst, src, 4);
			continue;
		}
		da = dst[3];
		/* Alpha and colours times 255 * 255, in integers, so an opaque
		 * background stays exactly opaque: oa = 255 * (sa + da (255 -
		 * sa) / 255). At most 255^3 * 2: no overflow. */
		oa = sa * 255 + da * (255 - sa);
		for (c = 0; c < 3; c++) {
			num = src[c] * sa * 255 + dst[c] * da * (255 - sa);
			dst[c] = (uint8_t)((num + oa / 2) / oa);
		}
		dst[3] = (uint8_t)((oa + 127) / 255);
	}
}

int render_composite_png(const uint8_t *overlay, int w, int h,
			 const void *background_png, size_t background_len,
			 void **ret_png, size_t *ret_len)
{
	uint8_t *background = NULL, *canvas = NULL;
	int bw = 0, bh = 0, rc;

	if (!overlay || !background_png || !ret_png || !ret_len) {
		rc = CALOR_EINVAL;
		goto out;
	}
	if ((rc = check_size(w, h)))
		goto out;
	if ((rc = render_png_decode(background_png, background_len, &background,
				    &bw, &bh)))
		goto out;
	if ((rc = render_rgba_resize(background, bw, bh, w, h, &canvas)))
		goto out;
	render_rgba_over(canvas, overlay, (size_t)w * (size_t)h);
	rc = render_png_encode(canvas, w, h, ret_png, ret_len);
out:
	free(background);
	free(canvas);
	return rc;
}
