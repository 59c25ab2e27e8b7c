/* hid-dump.c — a HID device's report descriptor, parsed, then its input
 * reports decoded into (usage, value) pairs. Keys pressed on a keyboard are
 * also collected as text.
 *
 *   hid-dump SELECTOR [-n COUNT]  COUNT input reports (default 24), e.g.
 *                                 hid-dump 046d:c31c -n 40  (press some keys)
 *   hid-dump --virtual [-n COUNT] the virtual keyboard plugged at 1-3: it
 *                                 types "hello world" and Enter by itself,
 *                                 which the program checks it read
 */
#include <devdrv/devdrv.h>
#include <devdrv/hid.h>
#include <devdrv/virtual.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void print_field(const struct devdrv_hid_field *f)
{
	static const char *const types[] = { "", "Input", "Output", "Feature" };
	char a[64], b[64];

	printf("  %-7s report %u  %u x %u bit%s  %s", types[f->type], f->report_id, f->count, f->bit_size,
	       f->bit_size == 1 ? "" : "s", f->flags & DEVDRV_HID_CONSTANT ? "Const" : "Data");
	if (f->flags & DEVDRV_HID_CONSTANT) {
		putchar('\n'); /* padding: nothing more to say */
		return;
	}
	printf(",%s,%s  logical %lld..%lld", f->flags & DEVDRV_HID_VARIABLE ? "Var" : "Array",
	       f->flags & DEVDRV_HID_RELATIVE ? "Rel" : "Abs", (long long)f->logical_min, (long long)f->logical_max);
	if (f->num_usages) /* the first and last usage it names */
		printf("  %s..%s", devdrv_hid_usage_name(f->usages[0].min, a, sizeof(a)),
		       devdrv_hid_usage_name(f->usages[f->num_usages - 1].max, b, sizeof(b)));
	putchar('\n');
}

/* A key of the Keyboard/Keypad page as the character it types, or 0. */
static char key_char(uint32_t usage)
{
	uint16_t id = DEVDRV_HID_USAGE_ID(usage);

	if (DEVDRV_HID_USAGE_PAGE(usage) != 0x07)
		return 0;
	if (id >= 0x04 && id <= 0x1d)
		return (char)('a' + id - 0x04);
	if (id >= 0x1e && id <= 0x27)
		return id == 0x27 ? '0' : (char)('1' + id - 0x1e);
	return id == 0x2c ? ' ' : id == 0x28 ? '\n' : 0;
}

int main(int argc, char **argv)
{
	struct devdrv_context_options o = DEVDRV_CONTEXT_OPTIONS_INIT;
	int virt = argc > 1 && !strcmp(argv[1], "--virtual"), count = 24, rc = 1, check;
	const char *sel = NULL;
	const struct devdrv_hid_descriptor *desc;
	struct devdrv_context *ctx = NULL;
	struct devdrv_handle *h = NULL;
	char typed[256] = { 0 }; /* a key pressed at most every other report */
	size_t ntyped = 0;

	for (int i = 1 + virt; i < argc; i++) {
		if (!strcmp(argv[i], "-n") && i + 1 < argc)
			count = atoi(argv[++i]);
		else if (argv[i][0] != '-' && !sel)
			sel = argv[i];
		else
			count = 0; /* not understood */
	}
	if ((!sel && !virt) || count < 1 || count > 500) {
		fprintf(stderr, "usage: hid-dump [--virtual] SELECTOR [-n COUNT (1-500)]\n");
		return 2;
	}
	/* --virtual alone: the keyboard it plugs, whose typing it can check */
	check = virt && !sel;
	if (!sel)
		sel = "1-3";
	o.transports = virt ? DEVDRV_TRANSPORT_VIRTUAL : DEVDRV_TRANSPORT_DEFAULT;
	/* devdrv_hid_open() refuses a device that is not HID before touching it,
	 * and has the report descriptor fetched and parsed once it returns. */
	if (devdrv_context_new(&o, &ctx) < 0 || (virt && devdrv_virtual_plug(ctx, "keyboard", "1-3") < 0) ||
	    devdrv_hid_open(ctx, sel, &h) < 0) {
		fprintf(stderr, "hid-dump: %s\n", devdrv_context_errmsg(ctx));
		devdrv_context_free(ctx);
		return 1;
	}
	if (devdrv_hid_get_descriptor(h, &desc) < 0)
		goto fail;
	for (size_t i = 0, c = 0; i < desc->num_fields; i++) {
		char name[64];

		for (; c < desc->num_collections && desc->collections[c].first_field <= i; c++)
			printf("Collection %s (%s)\n", devdrv_hid_collection_name(desc->collections[c].type),
			       devdrv_hid_usage_name(desc->collections[c].usage, name, sizeof(name)));
		print_field(&desc->fields[i]);
	}
	for (int r = 0; r < count; r++) {
		uint8_t report[64];
		struct devdrv_hid_value v[32];
		/* A keyboard sends nothing until a key moves: wait for it (0: no
		 * limit); the virtual one types without pause. */
		ssize_t len = devdrv_read(h, report, sizeof(report), virt ? 2000 : 0), nv;

		if (len < 0)
			goto fail;
		if ((nv = devdrv_hid_decode(desc, DEVDRV_HID_INPUT, report, (size_t)len, v, 32)) < 0) {
			fprintf(stderr, "hid-dump: report %d does not decode: %s\n", r, devdrv_strerror((int)nv));
			goto done;
		}
		for (ssize_t i = 0; i < len; i++)
			printf(i ? " %02x" : "%02x", report[i]);
		for (ssize_t i = 0; i < nv && i < 32; i++) {
			char name[64], c = key_char(v[i].usage);

			/* Variable fields give every value, zeros too: show what is set. */
			if (v[i].value == 0)
				continue;
			/* An Array field's value is the usage it names: a key down. */
			printf("  %s", devdrv_hid_usage_name(v[i].usage, name, sizeof(name)));
			if (v[i].field->flags & DEVDRV_HID_VARIABLE)
				printf("=%lld", (long long)v[i].value);
			if (c && ntyped < sizeof(typed) - 1)
				typed[ntyped++] = c;
		}
		putchar('\n');
	}
	printf("typed: \"");
	for (size_t i = 0; i < ntyped; i++)
		if (typed[i] == '\n')
			fputs("\\n", stdout);
		else
			putchar(typed[i]);
	printf("\"\n");
	/* The virtual keyboard presses a key of its line in every other report
	 * (the next one releases it), from the first report on. */
	rc = check && ntyped != (size_t)count / 2;
	for (size_t i = 0; check && i < ntyped; i++)
		if (typed[i] != "hello world\n"[i % 12])
			rc = 1;
	if (rc)
		fprintf(stderr, "hid-dump: the virtual keyboard should have typed \"hello world\\n\" over and over\n");
	goto done;
fail:
	fprintf(stderr, "hid-dump: %s\n", devdrv_errmsg(h));
done:
	devdrv_close(h);
	devdrv_context_free(ctx);
	return rc;
}
