/* plugins.c — loadable drivers. Plugins are found in $DEVDRV_DRIVER_PATH and
 * the installed drivers directory; what each brings is read from an index
 * (rebuilt for a plugin whose file changed, by loading that plugin once),
 * so that binding and listing never load one. The registry gets a stub per
 * plugin driver: its name, class and match table. Opening a device bound
 * to a stub loads the plugin; closing the last handle unloads it. */
#include "internal.h"

#include <devdrv/plugin.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef DEVDRV_PLUGIN_DIR
#define DEVDRV_PLUGIN_DIR "/usr/local/lib/devdrv/drivers"
#endif

#define INDEX_MAGIC "devdrv-plugin-index 1"
#define MAX_NAME 64
#define MAX_MATCHES 256

struct plugin_driver {
	struct devdrv_driver stub; /* name, description, class, match: what binding needs */
	char name[MAX_NAME];
	char description[128];
	struct devdrv_match *match;
	size_t num_match;
};

struct plugin_filter {
	char name[MAX_NAME];
	char description[128];
	enum devdrv_filter_position position;
};

struct dd_plugin {
	char *path;
	long long mtime_sec, mtime_nsec, size;
	char skip[160]; /* why it is skipped; "" when usable */
	struct plugin_driver *drivers;
	size_t num_drivers;
	struct plugin_filter *filters;
	size_t num_filters;
	char (*models)[MAX_NAME];
	size_t num_models;
	/* while loaded */
	void *dl;
	unsigned refs;
	const struct devdrv_plugin *desc;
	struct dd_plugin *next;
};

static pthread_mutex_t plugins_lock = PTHREAD_MUTEX_INITIALIZER;
static struct dd_plugin *plugins;
static int scanned;

/* ---- records ------------------------------------------------------------- */

static void plugin_free(struct dd_plugin *p)
{
	for (size_t i = 0; i < p->num_drivers; i++)
		free(p->drivers[i].match);
	free(p->drivers);
	free(p->filters);
	free(p->models);
	free(p->path);
	free(p);
}

__attribute__((destructor)) static void free_plugins(void)
{
	while (plugins) {
		struct dd_plugin *p = plugins;

		plugins = p->next;
		plugin_free(p);
	}
}

static struct dd_plugin *plugin_new(const char *path, const struct stat *st)
{
	struct dd_plugin *p = calloc(1, sizeof(*p));

	if (!p || !(p->path = strdup(path))) {
		free(p);
		return NULL;
	}
	p->mtime_sec = (long long)st->st_mtim.tv_sec;
	p->mtime_nsec = (long long)st->st_mtim.tv_nsec;
	p->size = (long long)st->st_size;
	return p;
}

static struct plugin_driver *add_driver(struct dd_plugin *p)
{
	struct plugin_driver *d = realloc(p->drivers, (p->num_drivers + 1) * sizeof(*d));

	if (!d)
		return NULL;
	p->drivers = d;
	d = &p->drivers[p->num_drivers++];
	memset(d, 0, sizeof(*d));
	return d;
}

static struct plugin_filter *add_filter(struct dd_plugin *p)
{
	struct plugin_filter *f = realloc(p->filters, (p->num_filters + 1) * sizeof(*f));

	if (!f)
		return NULL;
	p->filters = f;
	f = &p->filters[p->num_filters++];
	memset(f, 0, sizeof(*f));
	return f;
}

static int add_model(struct dd_plugin *p, const char *name)
{
	char (*m)[MAX_NAME] = realloc(p->models, (p->num_models + 1) * sizeof(*m));

	if (!m)
		return -1;
	p->models = m;
	snprintf(m[p->num_models++], MAX_NAME, "%s", name);
	return 0;
}

static int add_match(struct plugin_driver *d, const struct devdrv_match *m)
{
	struct devdrv_match *all = realloc(d->match, (d->num_match + 2) * sizeof(*all));

	if (!all)
		return -1;
	d->match = all;
	all[d->num_match++] = *m;
	memset(&all[d->num_match], 0, sizeof(*all)); /* keep it terminated */
	return 0;
}

/* ---- inspecting a plugin (loads it once) ----------------------------------- */

static const char *check_descriptor(const struct devdrv_plugin *desc)
{
	if (desc->api_version != DEVDRV_PLUGIN_API_VERSION)
		return "plugin API version differs from this libdevdrv's";
	for (const struct devdrv_driver *const *d = desc->drivers; d && *d; d++) {
		if ((*d)->api_version != DEVDRV_DRIVER_API_VERSION)
			return "a driver's api_version differs from this libdevdrv's";
		if (!(*d)->name || !*(*d)->name || strlen((*d)->name) >= MAX_NAME || strpbrk((*d)->name, ",=:#; "))
			return "a driver has no usable name";
		if (!(*d)->match || !(*d)->match->flags) /* binding must not load plugins */
			return "a plugin driver needs a match table";
		for (const struct devdrv_match *m = (*d)->match; m && m->flags; m++)
			if (m->flags & ~0x1ffu || m - (*d)->match >= MAX_MATCHES)
				return "a match table has unknown flags or no end";
	}
	for (const struct devdrv_filter_ops *const *f = desc->filters; f && *f; f++)
		if ((*f)->api_version != DEVDRV_FILTER_API_VERSION || !(*f)->name || strlen((*f)->name) >= MAX_NAME)
			return "a filter has another api_version or no usable name";
	for (const struct devdrv_vmodel *const *m = desc->models; m && *m; m++)
		if ((*m)->api_version != DEVDRV_VMODEL_API_VERSION || !(*m)->name || strlen((*m)->name) >= MAX_NAME)
			return "a model has another api_version or no usable name";
	return NULL;
}

static int record_descriptor(struct dd_plugin *p, const struct devdrv_plugin *desc)
{
	for (const struct devdrv_driver *const *d = desc->drivers; d && *d; d++) {
		struct plugin_driver *pd = add_driver(p);

		if (!pd)
			return -1;
		snprintf(pd->name, sizeof(pd->name), "%s", (*d)->name);
		snprintf(pd->description, sizeof(pd->description), "%s", (*d)->description ? (*d)->description : "");
		pd->stub.cls = (*d)->cls;
		for (const struct devdrv_match *m = (*d)->match; m && m->flags; m++)
			if (add_match(pd, m) < 0)
				return -1;
	}
	for (const struct devdrv_filter_ops *const *f = desc->filters; f && *f; f++) {
		struct plugin_filter *pf = add_filter(p);

		if (!pf)
			return -1;
		snprintf(pf->name, sizeof(pf->name), "%s", (*f)->name);
		snprintf(pf->description, sizeof(pf->description), "%s", (*f)->description ? (*f)->description : "");
		pf->position = (*f)->position;
	}
	for (const struct devdrv_vmodel *const *m = desc->models; m && *m; m++)
		if (add_model(p, (*m)->name) < 0)
			return -1;
	return 0;
}

static void inspect(struct devdrv_context *ctx, struct dd_plugin *p)
{
	void *dl = dlopen(p->path, RTLD_NOW | RTLD_LOCAL);
	const struct devdrv_plugin *desc;
	const char *problem;

	if (!dl) {
		snprintf(p->skip, sizeof(p->skip), "cannot load: %s", dlerror());
	} else if (!(desc = dlsym(dl, "devdrv_plugin"))) {
		snprintf(p->skip, sizeof(p->skip), "no DEVDRV_PLUGIN declaration (symbol devdrv_plugin)");
	} else if ((problem = check_descriptor(desc))) {
		snprintf(p->skip, sizeof(p->skip), "%s", problem);
	} else if (record_descriptor(p, desc) < 0) {
		snprintf(p->skip, sizeof(p->skip), "out of memory");
	}
	if (dl)
		dlclose(dl);
	if (!p->skip[0]) /* a skip is reported with the others, in register_stubs */
		dd_dbg(ctx, "plugin %s: %zu driver(s), %zu filter(s), %zu model(s)", p->path, p->num_drivers,
		       p->num_filters, p->num_models);
}

/* ---- the index ----------------------------------------------------------------- */

static int index_path(char *buf, size_t len)
{
	const char *env = getenv("DEVDRV_PLUGIN_INDEX"), *cache = getenv("XDG_CACHE_HOME"),
	           *home = getenv("HOME");

	if (env && *env)
		return snprintf(buf, len, "%s", env) < (int)len ? 0 : -1;
	if (cache && *cache)
		return snprintf(buf, len, "%s/devdrv/plugin-index", cache) < (int)len ? 0 : -1;
	if (home && *home)
		return snprintf(buf, len, "%s/.cache/devdrv/plugin-index", home) < (int)len ? 0 : -1;
	return -1;
}

static void write_plugin(FILE *f, const struct dd_plugin *p)
{
	fprintf(f, "plugin %lld %lld %lld %s\n", p->mtime_sec, p->mtime_nsec, p->size, p->path);
	if (p->skip[0])
		fprintf(f, "skip %s\n", p->skip);
	for (size_t i = 0; i < p->num_drivers; i++) {
		const struct plugin_driver *d = &p->drivers[i];

		fprintf(f, "driver %d %s %s\n", (int)d->stub.cls, d->name, d->description);
		for (size_t k = 0; k < d->num_match; k++) {
			const struct devdrv_match *m = &d->match[k];

			fprintf(f, "match %u %u %u %u %u %u %u %u %u %u %llu\n", m->flags, m->vid, m->pid, m->dev_class,
			        m->dev_subclass, m->dev_protocol, m->int_class, m->int_subclass, m->int_protocol,
			        m->int_number, (unsigned long long)m->driver_data);
		}
	}
	for (size_t i = 0; i < p->num_filters; i++)
		fprintf(f, "filter %d %s %s\n", (int)p->filters[i].position, p->filters[i].name,
		        p->filters[i].description);
	for (size_t i = 0; i < p->num_models; i++)
		fprintf(f, "model %s\n", p->models[i]);
}

/* Written to a temporary file and renamed: a reader never sees half of it. */
static void save_index(struct devdrv_context *ctx)
{
	char path[4096], tmp[4200], *slash;
	FILE *f;

	if (index_path(path, sizeof(path)) < 0)
		return;
	if ((slash = strrchr(path, '/')) && slash != path) {
		*slash = '\0';
		mkdir(path, 0755); /* the cache directory may not exist yet */
		*slash = '/';
	}
	snprintf(tmp, sizeof(tmp), "%s.%ld", path, (long)getpid());
	if (!(f = fopen(tmp, "w"))) {
		dd_dbg(ctx, "plugin index %s not written: %s", path, strerror(errno));
		return;
	}
	fprintf(f, "%s\n", INDEX_MAGIC);
	for (const struct dd_plugin *p = plugins; p; p = p->next)
		write_plugin(f, p);
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		dd_dbg(ctx, "plugin index %s not written: %s", path, strerror(errno));
		unlink(tmp);
	}
}

/* One line of the index into @p; 0, or -1 if it is malformed. */
static int parse_index_line(struct dd_plugin *p, char *line)
{
	unsigned v[11];
	unsigned long long data;
	int cls, pos, n = 0;

	if (!strncmp(line, "skip ", 5))
		return snprintf(p->skip, sizeof(p->skip), "%s", line + 5) > 0 ? 0 : -1;
	if (sscanf(line, "driver %d %n", &cls, &n) == 1 && n) {
		struct plugin_driver *d = add_driver(p);
		char *space = strchr(line + n, ' ');

		if (!d || p->skip[0] || cls < 0 || cls > DEVDRV_CLASS_NET || !space || space - (line + n) >= MAX_NAME)
			return -1;
		snprintf(d->name, sizeof(d->name), "%.*s", (int)(space - (line + n)), line + n);
		snprintf(d->description, sizeof(d->description), "%s", space + 1);
		d->stub.cls = (enum devdrv_class)cls;
		return 0;
	}
	if (sscanf(line, "match %u %u %u %u %u %u %u %u %u %u %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
	           &v[6], &v[7], &v[8], &v[9], &data) == 11) {
		struct devdrv_match m = { (uint16_t)v[0], (uint16_t)v[1], (uint16_t)v[2], (uint8_t)v[3], (uint8_t)v[4],
			                  (uint8_t)v[5], (uint8_t)v[6], (uint8_t)v[7], (uint8_t)v[8], (uint8_t)v[9],
			                  (uintptr_t)data };

		if (!p->num_drivers || !m.flags || (m.flags & ~0x1ffu) ||
		    p->drivers[p->num_drivers - 1].num_match >= MAX_MATCHES)
			return -1;
		return add_match(&p->drivers[p->num_drivers - 1], &m);
	}
	if (sscanf(line, "filter %d %n", &pos, &n) == 1 && n) {
		struct plugin_filter *f = add_filter(p);
		char *space = strchr(line + n, ' ');

		if (!f || (pos != DEVDRV_FILTER_LOWER && pos != DEVDRV_FILTER_UPPER) || !space ||
		    space - (line + n) >= MAX_NAME)
			return -1;
		snprintf(f->name, sizeof(f->name), "%.*s", (int)(space - (line + n)), line + n);
		snprintf(f->description, sizeof(f->description), "%s", space + 1);
		f->position = (enum devdrv_filter_position)pos;
		return 0;
	}
	if (!strncmp(line, "model ", 6) && strlen(line + 6) < MAX_NAME && line[6])
		return add_model(p, line + 6);
	return -1;
}

/* The plugins the index knows, as a list; NULL (rebuild everything) if it
 * is missing or malformed in any way. */
static struct dd_plugin *load_index(void)
{
	char path[4096], line[1024];
	struct dd_plugin *list = NULL, **tail = &list, *cur = NULL;
	FILE *f;
	int ok;

	if (index_path(path, sizeof(path)) < 0 || !(f = fopen(path, "r")))
		return NULL;
	ok = fgets(line, sizeof(line), f) && !strcmp(line, INDEX_MAGIC "\n");
	while (ok && fgets(line, sizeof(line), f)) {
		struct stat st = { 0 };
		long long sec, nsec, size;
		int n = 0;

		if (!(ok = line[0] && line[strlen(line) - 1] == '\n'))
			break;
		line[strlen(line) - 1] = '\0';
		if (sscanf(line, "plugin %lld %lld %lld %n", &sec, &nsec, &size, &n) == 3 && n) {
			if (!(ok = (cur = plugin_new(line + n, &st)) != NULL))
				break;
			cur->mtime_sec = sec, cur->mtime_nsec = nsec, cur->size = size;
			*tail = cur;
			tail = &cur->next;
		} else {
			ok = cur && parse_index_line(cur, line) == 0;
		}
	}
	fclose(f);
	while (!ok && list) {
		struct dd_plugin *p = list;

		list = p->next;
		plugin_free(p);
	}
	return list;
}

/* ---- scanning ------------------------------------------------------------------- */

static struct dd_plugin *take_from(struct dd_plugin **list, const char *path, const struct stat *st)
{
	for (struct dd_plugin **link = list; *link; link = &(*link)->next) {
		struct dd_plugin *p = *link;

		if (!strcmp(p->path, path) && p->mtime_sec == (long long)st->st_mtim.tv_sec &&
		    p->mtime_nsec == (long long)st->st_mtim.tv_nsec && p->size == (long long)st->st_size) {
			*link = p->next;
			p->next = NULL;
			return p;
		}
	}
	return NULL;
}

static int is_plugin_file(const char *name)
{
	size_t len = strlen(name);

	return len > 3 && !strcmp(name + len - 3, ".so") && name[0] != '.';
}

/* Add the plugins of @dir, from the index when it is current; returns how
 * many had to be inspected. */
static int scan_dir(struct devdrv_context *ctx, const char *dir, struct dd_plugin **known,
                    struct dd_plugin ***tail)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int inspected = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		char path[4096];
		struct stat st;
		struct dd_plugin *p;

		if (!is_plugin_file(e->d_name) || snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= (int)sizeof(path) ||
		    stat(path, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (!(p = take_from(known, path, &st))) {
			if (!(p = plugin_new(path, &st)))
				continue;
			inspect(ctx, p);
			inspected++;
		}
		**tail = p;
		*tail = &p->next;
	}
	closedir(d);
	return inspected;
}

static void register_stubs(struct devdrv_context *ctx)
{
	for (struct dd_plugin *p = plugins; p; p = p->next) {
		if (p->skip[0]) /* every process says it, not only the one that indexed it */
			dd_warn(ctx, "plugin %s skipped: %s", p->path, p->skip);
		for (size_t i = 0; !p->skip[0] && i < p->num_drivers; i++) {
			struct plugin_driver *d = &p->drivers[i];

			d->stub.api_version = DEVDRV_DRIVER_API_VERSION;
			d->stub.name = d->name;
			d->stub.description = d->description;
			d->stub.match = d->match;
			if (dd_registry_add_plugin_driver(&d->stub, p) < 0)
				dd_warn(ctx, "plugin %s: driver %s not registered: %s", p->path, d->name,
				        devdrv_context_errmsg(NULL));
		}
	}
}

void dd_plugins_scan(struct devdrv_context *ctx)
{
	const char *env = getenv("DEVDRV_DRIVER_PATH");
	struct dd_plugin *known, **tail = &plugins;
	char dirs[4096];
	int inspected = 0;

	pthread_mutex_lock(&plugins_lock);
	if (scanned) {
		pthread_mutex_unlock(&plugins_lock);
		return;
	}
	scanned = 1;
	known = load_index();
	snprintf(dirs, sizeof(dirs), "%s%s%s", env ? env : "", env && *env ? ":" : "", DEVDRV_PLUGIN_DIR);
	for (char *save = NULL, *dir = strtok_r(dirs, ":", &save); dir; dir = strtok_r(NULL, ":", &save))
		inspected += scan_dir(ctx, dir, &known, &tail);
	if (inspected || known) /* something changed or went away */
		save_index(ctx);
	while (known) {
		struct dd_plugin *p = known;

		known = p->next;
		plugin_free(p);
	}
	/* under the lock: another thread's scan returns only once the stubs
	 * are in the registry (the registry's lock is always taken second) */
	register_stubs(ctx);
	pthread_mutex_unlock(&plugins_lock);
}

/* ---- loading and unloading -------------------------------------------------------- */

static int load_locked(struct dd_plugin *p, char *err, size_t errlen)
{
	const char *problem;

	if (p->refs++)
		return 0;
	if (!(p->dl = dlopen(p->path, RTLD_NOW | RTLD_LOCAL))) {
		snprintf(err, errlen, "plugin %s: cannot load: %s", p->path, dlerror());
	} else if (!(p->desc = dlsym(p->dl, "devdrv_plugin")) || (problem = check_descriptor(p->desc))) {
		snprintf(err, errlen, "plugin %s changed since it was indexed; run again", p->path);
	} else {
		return 0;
	}
	if (p->dl)
		dlclose(p->dl);
	p->dl = NULL;
	p->desc = NULL;
	p->refs = 0;
	return DEVDRV_E_IO;
}

void dd_plugin_release(struct dd_plugin *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&plugins_lock);
	if (p->refs && --p->refs == 0) {
		dlclose(p->dl);
		p->dl = NULL;
		p->desc = NULL;
	}
	pthread_mutex_unlock(&plugins_lock);
}

int dd_plugin_acquire_driver(struct dd_plugin *p, const char *name, const struct devdrv_driver **out,
                             char *err, size_t errlen)
{
	int rc;

	pthread_mutex_lock(&plugins_lock);
	rc = load_locked(p, err, errlen);
	*out = NULL;
	for (const struct devdrv_driver *const *d = rc == 0 ? p->desc->drivers : NULL; d && *d; d++)
		if (!strcmp((*d)->name, name))
			*out = *d;
	pthread_mutex_unlock(&plugins_lock);
	if (rc == 0 && !*out) {
		snprintf(err, errlen, "plugin %s no longer has driver %s; run again", p->path, name);
		dd_plugin_release(p);
		return DEVDRV_E_IO;
	}
	return rc;
}

void dd_plugin_each_model(void (*fn)(const char *name, void *user), void *user)
{
	pthread_mutex_lock(&plugins_lock);
	for (struct dd_plugin *p = plugins; p; p = p->next)
		for (size_t i = 0; !p->skip[0] && i < p->num_models; i++)
			fn(p->models[i], user);
	pthread_mutex_unlock(&plugins_lock);
}

/* A filter or model by name, from the index only (nothing is loaded). */
static struct dd_plugin *owner_of_locked(const char *name, size_t len, int filter)
{
	for (struct dd_plugin *p = plugins; p; p = p->next) {
		for (size_t i = 0; filter && !p->skip[0] && i < p->num_filters; i++)
			if (strlen(p->filters[i].name) == len && !strncmp(p->filters[i].name, name, len))
				return p;
		for (size_t i = 0; !filter && !p->skip[0] && i < p->num_models; i++)
			if (strlen(p->models[i]) == len && !strncmp(p->models[i], name, len))
				return p;
	}
	return NULL;
}

const char *dd_plugin_filter_info(const char *name, size_t len, enum devdrv_filter_position *pos)
{
	struct dd_plugin *p;
	const char *found = NULL;

	pthread_mutex_lock(&plugins_lock);
	if ((p = owner_of_locked(name, len, 1)))
		for (size_t i = 0; i < p->num_filters; i++)
			if (strlen(p->filters[i].name) == len && !strncmp(p->filters[i].name, name, len)) {
				*pos = p->filters[i].position;
				found = p->filters[i].name; /* the index lives until exit */
			}
	pthread_mutex_unlock(&plugins_lock);
	return found;
}

/* Load the plugin that has filter (@filter) or model @name and return its
 * ops; the caller releases the plugin when done with them. */
static const void *acquire_named(const char *name, size_t len, int filter, struct dd_plugin **owner)
{
	const void *found = NULL;
	struct dd_plugin *p;
	char err[256];

	pthread_mutex_lock(&plugins_lock);
	if ((p = owner_of_locked(name, len, filter)) && load_locked(p, err, sizeof(err)) == 0) {
		if (filter) {
			for (const struct devdrv_filter_ops *const *f = p->desc->filters; f && *f && !found; f++)
				if (strlen((*f)->name) == len && !strncmp((*f)->name, name, len))
					found = *f;
		} else {
			for (const struct devdrv_vmodel *const *m = p->desc->models; m && *m && !found; m++)
				if (strlen((*m)->name) == len && !strncmp((*m)->name, name, len))
					found = *m;
		}
	}
	pthread_mutex_unlock(&plugins_lock);
	if (p && !found && p->dl)
		dd_plugin_release(p);
	*owner = found ? p : NULL;
	return found;
}

const struct devdrv_filter_ops *dd_plugin_acquire_filter(const char *name, size_t len, struct dd_plugin **owner)
{
	return acquire_named(name, len, 1, owner);
}

const struct devdrv_vmodel *dd_plugin_acquire_model(const char *name, struct dd_plugin **owner)
{
	return acquire_named(name, strlen(name), 0, owner);
}

int dd_plugin_describe(const struct dd_plugin *p, const char **path, int *loaded)
{
	pthread_mutex_lock(&plugins_lock);
	*path = p->path;
	*loaded = p->refs > 0;
	pthread_mutex_unlock(&plugins_lock);
	return 0;
}
