/* replay.c — runs a libFuzzer harness over its committed corpus without
 * libFuzzer, so the ordinary test suite (gcc or clang, with or without
 * sanitizers) keeps trying every input that once found a bug.
 *
 *   replay DIR...   each regular file in each DIR (not recursive, dot files
 *                   skipped), after a few synthetic inputs; fails if a DIR is
 *                   missing or holds no input. */
#include "fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

/* Exactly sized heap copy, as libFuzzer passes: ASan then sees any read
 * past the end of the input. */
static void run(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size);

	if (!copy && size) {
		fprintf(stderr, "replay: out of memory\n");
		exit(1);
	}
	if (size)
		memcpy(copy, data, size);
	LLVMFuzzerTestOneInput(copy ? copy : (const uint8_t *)"", size);
	free(copy);
}

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t size = 0, cap = 0, n;

	if (!f)
		return -1;
	do {
		if (size == cap) {
			uint8_t *bigger = realloc(buf, cap = cap ? 2 * cap : 4096);

			if (!bigger) {
				free(buf);
				fclose(f);
				return -1;
			}
			buf = bigger;
		}
		n = fread(buf + size, 1, cap - size, f);
		size += n;
	} while (n);
	fclose(f);
	/* name it first: if the harness aborts, this is the last line */
	printf("Running: %s (%zu bytes)\n", path, size);
	fflush(stdout);
	run(buf, size);
	free(buf);
	return 0;
}

static int visible(const struct dirent *e)
{
	return e->d_name[0] != '.';
}

/* Returns the number of inputs run, or -1 (reported) when @dir is unusable. */
static long run_dir(const char *dir)
{
	struct dirent **names;
	int n = scandir(dir, &names, visible, alphasort); /* sorted: the same order every run */
	long done = 0;

	if (n < 0) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char path[4096];
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			if (run_file(path) < 0) {
				fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
				done = -1;
			} else if (done >= 0) {
				done++;
			}
		}
		free(names[i]);
	}
	free(names);
	if (done == 0)
		fprintf(stderr, "replay: %s: no inputs (the corpus is missing?)\n", dir);
	return done > 0 ? done : -1;
}

int main(int argc, char **argv)
{
	long total = 0;
	int failed = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR...\n", argv[0]);
		return 2;
	}
	/* synthetic inputs, so a harness is exercised before its corpus grows:
	 * the empty input and every one-byte input */
	run((const uint8_t *)"", 0);
	for (unsigned b = 0; b < 256; b++)
		run(&(uint8_t){ (uint8_t)b }, 1);
	total += 257;
	for (int i = 1; i < argc; i++) {
		long n = run_dir(argv[i]);

		if (n < 0)
			failed = 1;
		else
			total += n;
	}
	printf("%ld inputs replayed%s\n", total, failed ? ", but a corpus directory is unusable" : "");
	return failed;
}
