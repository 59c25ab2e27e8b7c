/* fuzz.h — what every harness shares: the libFuzzer entry point and an
 * invariant check that names the broken invariant before aborting, so a
 * crash found by libFuzzer or by the corpus replay explains itself. */
#ifndef DEVDRV_FUZZ_H
#define DEVDRV_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                   \
	do {                                                                          \
		if (!(cond)) {                                                        \
			fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                      \
		}                                                                     \
	} while (0)

/* A NUL-terminated heap copy of @data, sized exactly so that AddressSanitizer
 * catches a parser reading past the terminator. NULL only when out of memory. */
static inline char *fuzz_strdup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s) {
		for (size_t i = 0; i < size; i++)
			s[i] = (char)data[i];
		s[size] = 0;
	}
	return s;
}

#endif
