/* vbus-models.c — the device models the virtual bus knows: the library's
 * own (a linker section) and those programs and plugins register. */
#include "vbus.h"

#include <string.h>

extern const struct devdrv_vmodel *const __start_dd_section_vmodels[] __attribute__((weak));
extern const struct devdrv_vmodel *const __stop_dd_section_vmodels[] __attribute__((weak));

void *devdrv_vdev_state(struct devdrv_vdev *d)
{
	return d->state;
}

/* Models registered at run time (programs, plugins), beside the built-in
 * ones of the linker section. */
#define VBUS_MAX_MODELS 64
static pthread_mutex_t models_lock = PTHREAD_MUTEX_INITIALIZER;
static const struct devdrv_vmodel *registered_models[VBUS_MAX_MODELS];
static size_t num_registered_models;

const struct devdrv_vmodel *vbus_builtin_model(const char *name)
{
	if (!__start_dd_section_vmodels)
		return NULL;
	for (const struct devdrv_vmodel *const *m = __start_dd_section_vmodels; m < __stop_dd_section_vmodels; m++)
		if (!strcmp((*m)->name, name))
			return *m;
	return NULL;
}

static const struct devdrv_vmodel *registered_model_locked(const char *name)
{
	for (size_t i = 0; i < num_registered_models; i++)
		if (!strcmp(registered_models[i]->name, name))
			return registered_models[i];
	return NULL;
}

const struct devdrv_vmodel *vbus_find_model(const char *name)
{
	const struct devdrv_vmodel *m = vbus_builtin_model(name);

	if (m)
		return m;
	pthread_mutex_lock(&models_lock);
	m = registered_model_locked(name);
	pthread_mutex_unlock(&models_lock);
	return m;
}

struct model_count {
	void (*fn)(const char *name, void *user);
	void *user;
	int n;
};

static void count_model(const char *name, void *user)
{
	struct model_count *mc = user;

	mc->fn(name, mc->user);
	mc->n++;
}

int devdrv_virtual_models(struct devdrv_context *ctx, void (*fn)(const char *name, void *user), void *user)
{
	struct model_count mc = { fn, user, 0 };

	if (!fn)
		return DEVDRV_E_INVALID;
	for (const struct devdrv_vmodel *const *m = __start_dd_section_vmodels;
	     __start_dd_section_vmodels && m < __stop_dd_section_vmodels; m++)
		count_model((*m)->name, &mc);
	pthread_mutex_lock(&models_lock);
	for (size_t i = 0; i < num_registered_models; i++)
		count_model(registered_models[i]->name, &mc);
	pthread_mutex_unlock(&models_lock);
	dd_plugins_scan(ctx);
	dd_plugin_each_model(count_model, &mc);
	return mc.n;
}

static const char *model_problem(const struct devdrv_vmodel *m)
{
	if (m->api_version != DEVDRV_VMODEL_API_VERSION)
		return "api_version is not DEVDRV_VMODEL_API_VERSION";
	if (!m->name || !*m->name || strchr(m->name, '@'))
		return "a name without '@' is required";
	if (!m->device_desc || !m->config_desc)
		return "device and configuration descriptors are required";
	if (!m->service)
		return "a service callback is required";
	return NULL;
}

int devdrv_virtual_register_model(const struct devdrv_vmodel *m)
{
	const char *problem = m ? model_problem(m) : "NULL model";
	int rc = 0;

	if (problem)
		return dd_ctx_fail(NULL, DEVDRV_E_INVALID, "model %s: %s", m && m->name ? m->name : "(unnamed)",
		                   problem);
	pthread_mutex_lock(&models_lock);
	if (vbus_builtin_model(m->name) || registered_model_locked(m->name))
		rc = dd_ctx_fail(NULL, DEVDRV_E_INVALID, "model %s: a model of that name exists", m->name);
	else if (num_registered_models == VBUS_MAX_MODELS)
		rc = dd_ctx_fail(NULL, DEVDRV_E_NOMEM, "model %s: too many models", m->name);
	else
		registered_models[num_registered_models++] = m;
	pthread_mutex_unlock(&models_lock);
	return rc;
}

int devdrv_virtual_unregister_model(const struct devdrv_vmodel *m)
{
	int rc = DEVDRV_E_NOT_FOUND;

	pthread_mutex_lock(&models_lock);
	for (size_t i = 0; i < num_registered_models; i++)
		if (registered_models[i] == m) {
			registered_models[i] = registered_models[--num_registered_models];
			rc = 0;
			break;
		}
	pthread_mutex_unlock(&models_lock);
	return rc;
}

size_t vbus_config_len(const struct devdrv_vmodel *m)
{
	return m->config_size ? m->config_size : (size_t)(m->config_desc[2] | (m->config_desc[3] << 8));
}
