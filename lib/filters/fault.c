/* fault.c — the "fault" lower filter: makes chosen transfers fail the way
 * devices and buses fail, so that a driver's error paths run in tests.
 *
 *   fault:RULE[/RULE...]    RULE = KIND[,ep=E][,nth=N|,prob=P][,count=C][,seed=S][,len=L]
 *
 * KIND: timeout, stall, short, babble, disconnect. ep= limits the rule to
 * one endpoint (0 or 0x80: control); nth=N hits the N-th matching transfer
 * (default 1; every rule counts every transfer it matches), prob=P each matching one with probability P (a seeded
 * generator: the same seed, the same faults), count=C stops after C hits
 * (default 1 with nth, unlimited with prob). timeout, stall, babble and
 * disconnect complete the transfer here, nothing reaches the device;
 * disconnect also fails every later transfer, as an unplugged device does.
 * short lets the transfer through and cuts its actual length to L bytes
 * (default half of it). */
#include "../internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAULT_MAX_RULES 8
#define FAULT_MAX_CUTS 64 /* short transfers in flight at once */

enum fault_kind { FAULT_TIMEOUT, FAULT_STALL, FAULT_SHORT, FAULT_BABBLE, FAULT_DISCONNECT };

struct fault_rule {
	enum fault_kind kind;
	int ep;            /* -1: any */
	unsigned long nth; /* 0: use prob */
	double prob;
	unsigned long count, hits, seen;
	long len;          /* short: bytes to keep, -1: half */
	uint64_t rng;
};

/* A transfer the short rule let through: its completion keeps @keep bytes. */
struct cut {
	const struct devdrv_transfer *t;
	size_t keep;
};

struct fault_filter {
	pthread_mutex_t lock; /* submits may come from callbacks on other threads */
	struct fault_rule rules[FAULT_MAX_RULES];
	unsigned num_rules;
	int unplugged;
	struct cut cuts[FAULT_MAX_CUTS];
};

static const char *const kind_names[] = { "timeout", "stall", "short", "babble", "disconnect" };

static int parse_kind(const char *word, size_t len, enum fault_kind *kind)
{
	for (unsigned i = 0; i < sizeof(kind_names) / sizeof(kind_names[0]); i++)
		if (strlen(kind_names[i]) == len && !strncmp(kind_names[i], word, len)) {
			*kind = (enum fault_kind)i;
			return 0;
		}
	return -1;
}

static int parse_number(const char *text, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(text, &end, 0);
	if (errno || end == text || *end || text[0] == '-' || v > max)
		return -1;
	*out = v;
	return 0;
}

static int parse_prob(const char *text, double *out)
{
	char *end;
	double v = strtod(text, &end);

	if (end == text || *end || !(v >= 0.0 && v <= 1.0))
		return -1;
	*out = v;
	return 0;
}

/* One "key=value" of a rule. */
static int parse_option(struct devdrv_filter *f, struct fault_rule *r, char *opt)
{
	char *eq = strchr(opt, '=');
	unsigned long v;

	if (!eq)
		return devdrv_filter_fail(f, DEVDRV_E_INVALID, "\"%s\": expected KEY=VALUE", opt);
	*eq++ = '\0';
	if (!strcmp(opt, "ep") && parse_number(eq, 0xff, &v) == 0 && (v & 0x70) == 0)
		r->ep = (int)v;
	else if (!strcmp(opt, "nth") && parse_number(eq, ~0UL, &v) == 0 && v > 0)
		r->nth = v;
	else if (!strcmp(opt, "prob") && parse_prob(eq, &r->prob) == 0)
		r->nth = 0;
	else if (!strcmp(opt, "count") && parse_number(eq, ~0UL, &v) == 0 && v > 0)
		r->count = v;
	else if (!strcmp(opt, "seed") && parse_number(eq, ~0UL, &v) == 0)
		r->rng = v ? v : 1;
	else if (!strcmp(opt, "len") && parse_number(eq, 0x7fffffffUL, &v) == 0)
		r->len = (long)v;
	else
		return devdrv_filter_fail(f, DEVDRV_E_INVALID,
		                          "bad option %s=%s (ep=0x81, nth=N>0, prob=0..1, count=N>0, seed=N, len=N)",
		                          opt, eq);
	return 0;
}

static int parse_rule(struct devdrv_filter *f, struct fault_rule *r, char *text)
{
	char *save = NULL, *word = strtok_r(text, ",", &save);
	int prob_given = 0, rc;

	*r = (struct fault_rule){ .ep = -1, .nth = 1, .len = -1, .rng = 0x9e3779b97f4a7c15ULL };
	if (!word || parse_kind(word, strlen(word), &r->kind) < 0)
		return devdrv_filter_fail(f, DEVDRV_E_INVALID,
		                          "\"%s\" is not a fault (timeout, stall, short, babble, disconnect)",
		                          word ? word : "");
	while ((word = strtok_r(NULL, ",", &save))) {
		prob_given |= !strncmp(word, "prob=", 5);
		if ((rc = parse_option(f, r, word)) < 0)
			return rc;
	}
	if (!r->count)
		r->count = prob_given ? ~0UL : 1;
	return 0;
}

static int fault_attach(struct devdrv_filter *f, const char *args)
{
	struct fault_filter *ff = devdrv_filter_priv(f);
	char buf[512], *save = NULL, *rule;
	int rc;

	if (!args || !*args)
		return devdrv_filter_fail(f, DEVDRV_E_INVALID, "give the faults: fault:KIND[,ep=E][,nth=N]...");
	snprintf(buf, sizeof(buf), "%s", args);
	for (rule = strtok_r(buf, "/", &save); rule; rule = strtok_r(NULL, "/", &save)) {
		if (ff->num_rules == FAULT_MAX_RULES)
			return devdrv_filter_fail(f, DEVDRV_E_INVALID, "at most %d rules", FAULT_MAX_RULES);
		if ((rc = parse_rule(f, &ff->rules[ff->num_rules], rule)) < 0)
			return rc;
		ff->num_rules++;
	}
	pthread_mutex_init(&ff->lock, NULL);
	return 0;
}

static void fault_detach(struct devdrv_filter *f)
{
	pthread_mutex_destroy(&((struct fault_filter *)devdrv_filter_priv(f))->lock);
}

/* xorshift64*: small, seedable, the same sequence on every platform. */
static double next_random(uint64_t *state)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return (double)((*state * 0x2545f4914f6cdd1dULL) >> 11) / 9007199254740992.0;
}

static int endpoint_of(const struct devdrv_transfer *t)
{
	return t->type == DEVDRV_TRANSFER_CONTROL ? (t->setup.request_type & 0x80) : t->endpoint;
}

static int rule_fires_locked(struct fault_rule *r, const struct devdrv_transfer *t)
{
	if (r->hits >= r->count || (r->ep >= 0 && r->ep != endpoint_of(t)))
		return 0;
	r->seen++;
	if (r->nth ? r->seen < r->nth : next_random(&r->rng) >= r->prob)
		return 0;
	r->hits++;
	return 1;
}

/* Every rule counts every transfer it matches, whether or not an earlier
 * rule hits it; the first that fires wins. */
static const struct fault_rule *firing_rule_locked(struct fault_filter *ff, const struct devdrv_transfer *t)
{
	const struct fault_rule *first = NULL;

	for (unsigned i = 0; i < ff->num_rules; i++)
		if (rule_fires_locked(&ff->rules[i], t) && !first)
			first = &ff->rules[i];
	return first;
}

static int status_of(enum fault_kind kind)
{
	switch (kind) {
	case FAULT_TIMEOUT: return DEVDRV_E_TIMEOUT;
	case FAULT_STALL: return DEVDRV_E_PIPE;
	case FAULT_BABBLE: return DEVDRV_E_OVERFLOW;
	default: return DEVDRV_E_DISCONNECTED;
	}
}

/* A full table drops the cut: the transfer then simply completes whole. */
static void remember_cut_locked(struct fault_filter *ff, const struct devdrv_transfer *t, size_t keep)
{
	for (unsigned i = 0; i < FAULT_MAX_CUTS; i++)
		if (!ff->cuts[i].t) {
			ff->cuts[i] = (struct cut){ t, keep };
			return;
		}
}

static int fault_submit(struct devdrv_filter *f, struct devdrv_transfer *t)
{
	struct fault_filter *ff = devdrv_filter_priv(f);
	const struct fault_rule *r;
	enum fault_kind kind;
	long len;

	pthread_mutex_lock(&ff->lock);
	r = ff->unplugged ? NULL : firing_rule_locked(ff, t);
	kind = r ? r->kind : FAULT_TIMEOUT;
	len = r ? r->len : 0;
	if (r && kind == FAULT_DISCONNECT)
		ff->unplugged = 1;
	if (ff->unplugged || (r && kind != FAULT_SHORT)) {
		pthread_mutex_unlock(&ff->lock);
		devdrv_dbg(f->handle, "fault: %s on %s 0x%02x",
		           ff->unplugged ? "disconnect" : kind_names[kind], dd_transfer_kind(t->type), endpoint_of(t));
		t->actual_length = 0;
		devdrv_filter_complete(f, t, ff->unplugged ? DEVDRV_E_DISCONNECTED : status_of(kind));
		return 0;
	}
	if (r) /* short: remembered for the completion */
		remember_cut_locked(ff, t, len < 0 ? t->length / 2 : (size_t)len);
	pthread_mutex_unlock(&ff->lock);
	return devdrv_filter_pass(f, t);
}

static void fault_complete(struct devdrv_filter *f, struct devdrv_transfer *t)
{
	struct fault_filter *ff = devdrv_filter_priv(f);

	pthread_mutex_lock(&ff->lock);
	for (unsigned i = 0; i < FAULT_MAX_CUTS; i++)
		if (ff->cuts[i].t == t) {
			if (t->actual_length > ff->cuts[i].keep)
				t->actual_length = ff->cuts[i].keep;
			ff->cuts[i].t = NULL;
			break;
		}
	pthread_mutex_unlock(&ff->lock);
}

static const struct devdrv_filter_ops fault_ops = {
	.api_version = DEVDRV_FILTER_API_VERSION,
	.name = "fault",
	.description = "inject timeouts, stalls, short transfers, babble and unplugs",
	.usage = "KIND[,ep=E][,nth=N|,prob=P][,count=C][,seed=S][,len=L][/RULE...]",
	.position = DEVDRV_FILTER_LOWER,
	.priv_size = sizeof(struct fault_filter),
	.attach = fault_attach,
	.detach = fault_detach,
	.submit = fault_submit,
	.complete = fault_complete,
};
DD_FILTER_REGISTER(fault_ops);
