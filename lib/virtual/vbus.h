/* vbus.h — the virtual bus's own parts, shared by its files: the engine and
 * transport (vbus.c), the standard requests (vbus-std.c), the models
 * (vbus-models.c) and plugging, enumeration and the test hooks (vbus-plug.c).
 * Everything here runs with the bus lock held unless it says otherwise. */
#ifndef DEVDRV_VBUS_H
#define DEVDRV_VBUS_H

#include "vmodel.h"

#include <time.h>

#define VBUS_NUMBER 1


#define VBUS_FIRST_ADDRESS 2 /* 1 is the root hub's on a real bus */
#define VBUS_LAST_ADDRESS 127
#define VBUS_MAX_INTERFACES 256

struct vq_node {
	struct devdrv_transfer *t;
	devdrv_transfer_cb callback; /* copied at submit: the bus reads nothing of t after completion */
	struct devdrv_vdev *dev;
	struct timespec deadline;
	int has_deadline;
	struct vq_node *next;
};

struct vbus {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct devdrv_context *ctx;
	struct devdrv_vdev *devices;
	struct vq_node *done, **done_tail; /* finished transfers with callbacks, oldest first */
	struct dd_running *running;         /* transfers whose callback runs now, any thread */
};


struct devdrv_vdev {
	const struct devdrv_vmodel *model;
	struct vbus *bus;
	char port[DD_PORT_LEN];
	uint8_t address;
	int refs;
	int unplugged;
	struct devdrv_handle *owner[VBUS_MAX_INTERFACES]; /* claim per interface */
	uint8_t alt[VBUS_MAX_INTERFACES];                  /* current alternate setting */
	struct vq_node *queue;
	struct devdrv_vdev *next;
	void *state;
	struct dd_plugin *plugin; /* that brought the model, or NULL */
	struct timespec wake; /* when the model wants service() again */
	int has_wake;
	unsigned long transfers;     /* submitted so far, for fault injection */
	unsigned long disconnect_at; /* unplug when this transfer arrives; 0: never */
	struct dd_vcontrol log[DD_VCONTROL_LOG];
	size_t log_count; /* ever recorded; the ring keeps the last DD_VCONTROL_LOG */
};

extern const struct dd_transport_ops vbus_transport;

/* vbus-models.c */
const struct devdrv_vmodel *vbus_builtin_model(const char *name);
const struct devdrv_vmodel *vbus_find_model(const char *name); /* not locked */
/* Bytes of the model's configuration descriptor: a hostile model may claim a
 * wTotalLength other than what it has. */
size_t vbus_config_len(const struct devdrv_vmodel *m);

/* vbus-std.c */
int vbus_has_alt_setting(const struct devdrv_vmodel *m, unsigned iface, unsigned alt);
int vbus_standard_request(struct devdrv_vdev *d, struct devdrv_transfer *t);
void vbus_log_control(struct devdrv_vdev *d, const struct devdrv_transfer *t, int rc);
/* A control transfer: standard requests here, the rest to the model. */
int vbus_control_locked(struct devdrv_vdev *d, struct devdrv_transfer *t);
/* The interface whose current setting has @ep (-1: none), and its type. */
int vbus_interface_of_endpoint(const struct devdrv_vdev *d, uint8_t ep, uint8_t *type);

/* vbus.c: the engine */
void vbus_vdev_unref_locked(struct devdrv_vdev *d);
void vbus_complete_locked(struct vbus *bus, struct vq_node **link, int status);
void vbus_pump_locked(struct devdrv_vdev *d);

/* vbus-plug.c */
struct vbus *vbus_of_ctx(struct devdrv_context *ctx);
int vbus_plug_locked(struct devdrv_context *ctx, struct vbus *bus, const struct devdrv_vmodel *m,
                     struct dd_plugin *plugin, const char *port_path);
void vbus_unplug_locked(struct vbus *bus, struct devdrv_vdev *d);
int vbus_enumerate(struct devdrv_context *ctx, void *state, struct dd_device_vec *out);
void vbus_device_release(void *tdev);

#endif
