/* filters.c — `devdrv filters` and `devdrv models` (what --filter attaches
 * and --plug plugs), and what --stats prints when a handle closes. */
#include "cli.h"

#include <devdrv/filter.h>
#include <devdrv/stats.h>
#include <devdrv/virtual.h>
#include <stdlib.h>
#include <string.h>

static const char filters_usage[] =
    "usage: devdrv filters [--json]\n"
    "\n"
    "Filters that --filter NAME[:ARGS] (repeatable) or DEVDRV_FILTER=NAME[:ARGS][;NAME...]\n"
    "attach to every device opened: upper ones see read/write/ioctl, lower ones every\n"
    "USB transfer. Attached first sits on top.\n";

#define CLI_MAX_FILTERS 64

static const char *position_name(enum devdrv_filter_position p)
{
	return p == DEVDRV_FILTER_UPPER ? "upper" : "lower";
}

static void filters_json(struct cli *c, const struct devdrv_filter_ops **f, size_t n)
{
	struct json j;

	json_document(&j, c->out);
	json_array(&j, "filters");
	for (size_t i = 0; i < n; i++) {
		json_object(&j, NULL);
		json_string(&j, "name", f[i]->name);
		json_string(&j, "position", position_name(f[i]->position));
		json_string(&j, "args", f[i]->usage);
		json_string(&j, "description", f[i]->description);
		json_end_object(&j);
	}
	json_end_array(&j);
	json_end_object(&j);
	fputc('\n', c->out);
}

int cmd_filters(struct cli *c, int argc, char **argv)
{
	const struct devdrv_filter_ops *f[CLI_MAX_FILTERS];
	size_t n;
	int json, rc;

	if ((rc = cli_json_flag(c, "filters", filters_usage, argc, argv, &json)) != EXIT_OK)
		return rc == CLI_HELP_SHOWN ? EXIT_OK : rc;
	n = devdrv_filters(f, CLI_MAX_FILTERS);
	if (n > CLI_MAX_FILTERS)
		n = CLI_MAX_FILTERS;
	if (json) {
		filters_json(c, f, n);
		return EXIT_OK;
	}
	for (size_t i = 0; i < n; i++) {
		fprintf(c->out, "%-10s %-6s %s\n", f[i]->name, position_name(f[i]->position),
		        f[i]->description ? f[i]->description : "");
		if (f[i]->usage)
			fprintf(c->out, "    --filter %s:%s\n", f[i]->name, f[i]->usage);
	}
	return EXIT_OK;
}

static const char *type_name(uint8_t type)
{
	switch (type) {
	case DEVDRV_TRANSFER_CONTROL: return "control";
	case DEVDRV_TRANSFER_BULK: return "bulk";
	case DEVDRV_TRANSFER_INTERRUPT: return "interrupt";
	default: return "?";
	}
}

static void stats_text(struct cli *c, const struct devdrv_stats *s)
{
	fprintf(c->err, "stats: %-4s %-9s %9s %12s %6s %8s %6s  %s\n", "ep", "type", "transfers", "bytes",
	        "errors", "timeouts", "stalls", "latency min/mean/max us");
	for (unsigned i = 0; i < s->num_endpoints; i++) {
		const struct devdrv_stats_endpoint *e = &s->endpoints[i];
		unsigned long long mean = e->transfers ? e->latency_total_ns / e->transfers : 0;

		fprintf(c->err, "stats: 0x%02x %-9s %9llu %12llu %6llu %8llu %6llu  %llu/%llu/%llu\n", e->endpoint,
		        type_name(e->type), (unsigned long long)e->transfers, (unsigned long long)e->bytes,
		        (unsigned long long)e->errors, (unsigned long long)e->timeouts,
		        (unsigned long long)e->stalls, (unsigned long long)e->latency_min_ns / 1000, mean / 1000,
		        (unsigned long long)e->latency_max_ns / 1000);
	}
}

static void stats_json_endpoint(struct json *j, const struct devdrv_stats_endpoint *e)
{
	json_object(j, NULL);
	json_int(j, "endpoint", e->endpoint);
	json_string(j, "type", type_name(e->type));
	json_int(j, "transfers", (long long)e->transfers);
	json_int(j, "bytes", (long long)e->bytes);
	json_int(j, "errors", (long long)e->errors);
	json_int(j, "timeouts", (long long)e->timeouts);
	json_int(j, "stalls", (long long)e->stalls);
	json_int(j, "cancelled", (long long)e->cancelled);
	json_int(j, "latency_min_ns", (long long)e->latency_min_ns);
	json_int(j, "latency_max_ns", (long long)e->latency_max_ns);
	json_int(j, "latency_total_ns", (long long)e->latency_total_ns);
	json_array(j, "histogram");
	for (unsigned b = 0; b < DEVDRV_STATS_BUCKETS; b++) {
		if (!e->latency_hist[b])
			continue;
		json_object(j, NULL);
		json_int(j, "from_us", (long long)devdrv_stats_bucket_floor_us(b));
		json_int(j, "count", (long long)e->latency_hist[b]);
		json_end_object(j);
	}
	json_end_array(j);
	json_end_object(j);
}

static void stats_json(struct cli *c, const struct devdrv_stats *s)
{
	struct json j;

	json_document(&j, c->err);
	json_array(&j, "stats");
	for (unsigned i = 0; i < s->num_endpoints; i++)
		stats_json_endpoint(&j, &s->endpoints[i]);
	json_end_array(&j);
	json_end_object(&j);
	fputc('\n', c->err);
}

void cli_close(struct cli *c, struct devdrv_handle *h)
{
	struct devdrv_stats s;

	if (h && c->stats && devdrv_stats_get(h, &s) == 0) {
		if (c->stats == 2)
			stats_json(c, &s);
		else
			stats_text(c, &s);
	}
	devdrv_close(h);
}

/* ---- devdrv models ------------------------------------------------------------ */

static const char models_usage[] =
    "usage: devdrv models [--json]\n"
    "  The device models --virtual --plug MODEL@PORT can plug, one per line, sorted:\n"
    "  the library's own, and those of plugins (DEVDRV_DRIVER_PATH).\n";

#define CLI_MAX_MODELS 256

struct model_names {
	const char *name[CLI_MAX_MODELS];
	size_t n;
};

static void add_model_name(const char *name, void *user)
{
	struct model_names *m = user;

	if (m->n < CLI_MAX_MODELS)
		m->name[m->n++] = name;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A plugin's model may share a built-in's name (the built-in wins): once. */
static size_t unique_names(const char **name, size_t n)
{
	size_t out = 0;

	for (size_t i = 0; i < n; i++)
		if (!out || strcmp(name[out - 1], name[i]))
			name[out++] = name[i];
	return out;
}

int cmd_models(struct cli *c, int argc, char **argv)
{
	struct model_names m = { .n = 0 };
	int json, rc;

	if ((rc = cli_json_flag(c, "models", models_usage, argc, argv, &json)) != EXIT_OK)
		return rc == CLI_HELP_SHOWN ? EXIT_OK : rc;
	devdrv_virtual_models(c->ctx, add_model_name, &m);
	qsort(m.name, m.n, sizeof(m.name[0]), by_name);
	m.n = unique_names(m.name, m.n);
	if (json) {
		struct json j;

		json_document(&j, c->out);
		json_array(&j, "models");
		for (size_t i = 0; i < m.n; i++)
			json_string(&j, NULL, m.name[i]);
		json_end_array(&j);
		json_end_object(&j);
		return EXIT_OK;
	}
	for (size_t i = 0; i < m.n; i++)
		fprintf(c->out, "%s\n", m.name[i]);
	return EXIT_OK;
}
