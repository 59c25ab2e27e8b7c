/** @file
 * Loadable drivers: a shared object that brings drivers, filters
 * and virtual device models, loaded when a device it matches is opened (or
 * one of its filters or models is used) and unloaded when the last user is
 * gone.
 *
 * A plugin is built against the installed library (pkg-config libdevdrv)
 * with the public headers only, installed in $libdir/devdrv/drivers/ or a
 * directory of $DEVDRV_DRIVER_PATH (colon-separated, searched first), and
 * declares what it brings with one DEVDRV_PLUGIN(...):
 *
 *     static const struct devdrv_driver *const drivers[] = { &toaster_driver, NULL };
 *     DEVDRV_PLUGIN(.name = "toaster", .drivers = drivers);
 *
 * What each plugin brings (names, match tables, classes) is kept in an
 * index file, rebuilt for a plugin whose file is newer than its entry, so
 * that listing devices or drivers never loads a plugin. A plugin with the
 * wrong API version, no DEVDRV_PLUGIN, or a bad match table is skipped with
 * a logged reason. Plugins must not use DEVDRV_DRIVER_REGISTER: the loader
 * registers what DEVDRV_PLUGIN lists.
 */
#ifndef DEVDRV_PLUGIN_H
#define DEVDRV_PLUGIN_H

#include <devdrv/driver.h>
#include <devdrv/filter.h>
#include <devdrv/virtual.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

/** The plugin ABI this header describes; DEVDRV_PLUGIN() states it. */
#define DEVDRV_PLUGIN_API_VERSION 1

/** What a plugin brings: the symbol devdrv_plugin that DEVDRV_PLUGIN()
 * defines. */
struct devdrv_plugin {
	unsigned api_version; /**< DEVDRV_PLUGIN_API_VERSION */
	const char *name;     /**< the plugin's name, for people (the loader knows a plugin by its file) */
	const char *description; /**< one line, for people */
	const struct devdrv_driver *const *drivers;      /**< NULL-terminated, or NULL */
	const struct devdrv_filter_ops *const *filters;  /**< NULL-terminated, or NULL */
	const struct devdrv_vmodel *const *models;       /**< NULL-terminated, or NULL */
};

/** The plugin's one declaration; the loader looks up the symbol devdrv_plugin. */
#define DEVDRV_PLUGIN(...)                                                          \
	__attribute__((visibility("default"))) const struct devdrv_plugin devdrv_plugin = { \
		.api_version = DEVDRV_PLUGIN_API_VERSION, __VA_ARGS__                        \
	}

/** Where driver @p drv (from devdrv_drivers()) comes from: *path gets its
 * plugin file, or NULL for a driver built in or registered by the program;
 * *loaded whether that plugin is loaded now. Any thread.
 * @param drv          a driver of devdrv_drivers()
 * @param[out] path    the plugin's file, or NULL
 * @param[out] loaded  1 if that plugin is loaded now, else 0
 * @return 0, DEVDRV_E_INVALID (a NULL argument). */
int devdrv_driver_origin(const struct devdrv_driver *drv, const char **path, int *loaded);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
