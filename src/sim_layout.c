/* SPDX-License-Identifier: MIT */
/* sim_layout: web/demo/layout.json (written by scripts/demo-layout.mjs)
 * read into struct sim_layout: per page state and viewport, what a click on
 * each element the simulator uses hits, with the selector calor.js sends. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "sim_model.h"

static const char *const state_names[SIM_STATES] = {
    "home-A", "home-B", "product", "pricing", "app", "settings"};

const char *sim_page_url(enum sim_page p)
{
	static const char *const urls[SIM_PAGES] = {
	    "/demo/index.html", "/demo/product.html", "/demo/pricing.html",
	    "/demo/app.html", "/demo/app.html?view=settings"};
	return (unsigned)p < SIM_PAGES ? urls[p] : "/";
}

void sim_layout_free(struct sim_layout *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n_sels; i++)
		free(l->sels[i]);
	for (size_t i = 0; i < l->n_keys; i++)
		free(l->keys[i]);
	free(l->sels);
	free(l->keys);
	free(l);
}

/* The index of s in the table, added when new; -1 on ENOMEM. */
static int intern(char ***table, size_t *n, const char *s)
{
	char **t;
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*table)[i], s) == 0)
			return (int)i;
	t = realloc(*table, (*n + 1) * sizeof(*t));
	if (!t)
		return -1;
	*table = t;
	if (!(t[*n] = strdup(s)))
		return -1;
	return (int)(*n)++;
}

static int get_int(json_t *a, size_t i, int *ret)
{
	json_t *v = json_array_get(a, i);
	if (!json_is_integer(v))
		return -1;
	*ret = (int)json_integer_value(v);
	return 0;
}

/* [sel, x, y, w, h, flags, (missSel, mx, my, mw, mh, mflags, px, py)] */
static int parse_el(struct sim_layout *l, const char *key, json_t *a,
		    struct sim_el *e)
{
	int flags, k;
	memset(e, 0, sizeof(*e));
	if (!json_is_array(a) ||
	    (json_array_size(a) != 6 && json_array_size(a) != 14) ||
	    !json_is_string(json_array_get(a, 0)))
		return CALOR_EINVAL;
	if ((k = intern(&l->keys, &l->n_keys, key)) < 0)
		return CALOR_ENOMEM;
	e->key = l->keys[k];
	if ((e->sel = intern(&l->sels, &l->n_sels,
			     json_string_value(json_array_get(a, 0)))) < 0)
		return CALOR_ENOMEM;
	if (get_int(a, 1, &e->box.x) || get_int(a, 2, &e->box.y) ||
	    get_int(a, 3, &e->box.w) || get_int(a, 4, &e->box.h) ||
	    get_int(a, 5, &flags))
		return CALOR_EINVAL;
	e->ia = flags & 1;
	e->fx = (flags >> 1) & 1;
	if (json_array_size(a) == 6)
		return 0;
	if (!json_is_string(json_array_get(a, 6)))
		return CALOR_EINVAL;
	if ((e->miss_sel = intern(&l->sels, &l->n_sels,
				  json_string_value(json_array_get(a, 6)))) < 0)
		return CALOR_ENOMEM;
	if (get_int(a, 7, &e->miss_box.x) || get_int(a, 8, &e->miss_box.y) ||
	    get_int(a, 9, &e->miss_box.w) || get_int(a, 10, &e->miss_box.h) ||
	    get_int(a, 11, &flags) || get_int(a, 12, &e->probe_x) ||
	    get_int(a, 13, &e->probe_y))
		return CALOR_EINVAL;
	e->miss_ia = flags & 1;
	e->miss_fx = (flags >> 1) & 1;
	e->has_miss = 1;
	return 0;
}

static int parse_view(struct sim_layout *l, json_t *o, struct sim_view *v)
{
	json_t *els = json_object_get(o, "el"), *a;
	const char *key;
	int rc;

	memset(v, 0, sizeof(*v));
	v->vw = (int)json_integer_value(json_object_get(o, "vw"));
	v->vh = (int)json_integer_value(json_object_get(o, "vh"));
	v->dw = (int)json_integer_value(json_object_get(o, "dw"));
	v->dh = (int)json_integer_value(json_object_get(o, "dh"));
	if (v->vw < 1 || v->vh < 1 || v->dw < 1 || v->dh < 1 ||
	    !json_is_object(els))
		return CALOR_EINVAL;
	json_object_foreach(els, key, a)
	{
		if (v->n_el == SIM_MAX_ELS)
			return CALOR_EINVAL;
		if ((rc = parse_el(l, key, a, &v->el[v->n_el++])))
			return rc;
	}
	return 0;
}

int sim_layout_parse(const char *json, size_t len, struct sim_layout **ret,
		     char *err, size_t err_size)
{
	struct sim_layout *l = calloc(1, sizeof(*l));
	json_error_t jerr;
	json_t *root = NULL, *pages, *p;
	size_t i;
	int rc = CALOR_EINVAL;

	if (!l)
		return CALOR_ENOMEM;
	root = json_loadb(json, len, 0, &jerr);
	if (!root) {
		snprintf(err, err_size, "layout.json: %s (line %d)", jerr.text,
			 jerr.line);
		goto out;
	}
	pages = json_object_get(root, "pages");
	json_array_foreach(pages, i, p)
	{
		const char *name =
		    json_string_value(json_object_get(p, "name"));
		json_t *views = json_object_get(p, "views"), *vo;
		size_t k;
		int s;
		for (s = 0; s < SIM_STATES; s++)
			if (name && strcmp(name, state_names[s]) == 0)
				break;
		if (s == SIM_STATES)
			continue; /* a state this simulator does not use */
		json_array_foreach(views, k, vo)
		{
			if (l->states[s].n_views == SIM_MAX_VIEWS) {
				snprintf(err, err_size,
					 "layout.json: too many views");
				goto out;
			}
			rc = parse_view(
			    l, vo, &l->states[s].views[l->states[s].n_views]);
			if (rc) {
				snprintf(err, err_size,
					 "layout.json: bad view %zu of %s", k,
					 name);
				goto out;
			}
			l->states[s].n_views++;
		}
	}
	rc = CALOR_EINVAL;
	for (int s = 0; s < SIM_STATES; s++)
		if (l->states[s].n_views == 0) {
			snprintf(err, err_size, "layout.json: no views of %s",
				 state_names[s]);
			goto out;
		}
	rc = 0;
	*ret = l;
	l = NULL;
out:
	json_decref(root);
	sim_layout_free(l);
	return rc;
}

const struct sim_view *sim_layout_view(const struct sim_layout *l,
				       enum sim_state s, int vw)
{
	for (size_t i = 0; i < l->states[s].n_views; i++)
		if (l->states[s].views[i].vw == vw)
			return &l->states[s].views[i];
	return NULL;
}

const struct sim_el *sim_view_el(const struct sim_view *v, const char *key)
{
	for (size_t i = 0; i < v->n_el; i++)
		if (strcmp(v->el[i].key, key) == 0)
			return &v->el[i];
	return NULL;
}
