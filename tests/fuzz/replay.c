/* SPDX-License-Identifier: MIT */
/* The corpus replay driver: feeds every file of the directories (or the
 * files) it is given to a harness's LLVMFuzzerTestOneInput, without
 * libFuzzer, so `make test` replays the committed corpus with any compiler
 * under ASan and UBSan (systemd's fuzz-main idea). A broken invariant or a
 * sanitizer report aborts with the input's name on stderr. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

/* Inputs are small; a bigger file is a mistake in the corpus. */
#define REPLAY_MAX_INPUT (4 * 1024 * 1024)

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t n = 0;
	int rc = -1;

	if (!f) {
		perror(path);
		return -1;
	}
	buf = malloc(REPLAY_MAX_INPUT);
	if (!buf)
		goto out;
	n = fread(buf, 1, REPLAY_MAX_INPUT, f);
	if (ferror(f) || !feof(f)) {
		fprintf(stderr, "%s: unreadable or over %d bytes\n", path,
			REPLAY_MAX_INPUT);
		goto out;
	}
	/* named first, so a crash report says which input it was */
	fprintf(stderr, "replay %s (%zu bytes)\n", path, n);
	/* a copy of exactly n bytes: ASan then sees any read past the end,
	 * as it would under libFuzzer */
	{
		uint8_t *copy = malloc(n ? n : 1);
		if (!copy)
			goto out;
		memcpy(copy, buf, n);
		LLVMFuzzerTestOneInput(copy, n);
		free(copy);
	}
	rc = 0;
out:
	free(buf);
	fclose(f);
	return rc;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file of dir, in name order; the count in *ret_n. */
static int replay_dir(const char *dir, size_t *ret_n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL, path[4096];
	size_t n = 0, cap = 0;
	int rc = 0;

	if (!d) {
		perror(dir);
		return -1;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **grown;
			cap = cap ? 2 * cap : 64;
			grown = realloc(names, cap * sizeof(*names));
			if (!grown) {
				rc = -1;
				goto out;
			}
			names = grown;
		}
		if (!(names[n] = strdup(e->d_name))) {
			rc = -1;
			goto out;
		}
		n++;
	}
	qsort(names, n, sizeof(*names), by_name);
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct stat st;
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			rc = replay_file(path);
			(*ret_n)++;
		}
	}
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return rc;
}

int main(int argc, char **argv)
{
	const char *name =
	    strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	int failed = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s DIR|FILE...\n", argv[0]);
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		struct stat st;
		size_t n = 0;
		int rc;

		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			rc = replay_dir(argv[i], &n);
		} else {
			rc = replay_file(argv[i]);
			n = 1;
		}
		if (rc == 0 && n == 0) /* an empty corpus tests nothing */
			rc = -1;
		printf("%s %s replays %s (%zu inputs)\n", rc ? "not ok" : "ok",
		       name, argv[i], n);
		fflush(stdout);
		failed |= rc != 0;
	}
	return failed;
}
