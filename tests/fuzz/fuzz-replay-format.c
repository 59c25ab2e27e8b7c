/* fuzz-replay-format.c — the recording parser of the replay transport: a
 * recording is a file anyone may hand over. Whatever is accepted must keep
 * the promises the transport relies on. */
#include "fuzz.h"
#include "replay/format.h"


static void check_transfer(const struct dd_rf_transfer *t)
{
	int in = (t->endpoint & 0x80) != 0;

	CHECK(t->actual <= t->length && t->length <= DD_RF_MAX_DATA);
	CHECK(t->type != DEVDRV_TRANSFER_CONTROL || (t->length <= 0xffff && (t->request_type & 0x80) == t->endpoint));
	CHECK(t->type == DEVDRV_TRANSFER_CONTROL || (t->endpoint & 0x0f));
	/* the data the transport copies is there, exactly */
	CHECK(in || !t->length || t->out);
	CHECK(!in || !t->actual || t->in);
	CHECK(!(in && t->out) && !(!in && t->in));
	for (size_t i = 0; t->out && i < t->length; i++)
		(void)*(volatile const uint8_t *)&t->out[i];
	for (size_t i = 0; t->in && i < t->actual; i++)
		(void)*(volatile const uint8_t *)&t->in[i];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dd_recording *r;
	char err[256];

	if (dd_rf_parse((const char *)data, size, "fuzz", &r, err, sizeof(err)) < 0)
		return 0;
	CHECK(r->dev.num_configs <= DD_RF_MAX_CONFIGS && r->dev.port[0]);
	for (unsigned i = 0; i < r->dev.num_configs; i++)
		CHECK(r->dev.config_len[i] >= 9 && r->dev.configs[i][1] == 2);
	for (size_t i = 0; i < r->num_transfers; i++)
		check_transfer(&r->transfers[i]);
	dd_rf_free(r);
	return 0;
}
