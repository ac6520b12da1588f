// SPDX-License-Identifier: LGPL-2.1-or-later
/* libFuzzer target for the API's JSON handling: PUT /v1/tenants/{name}
 * bodies. A body is refused with a message, or rendered to a drop-in, and
 * every drop-in rendered must then load as a valid tenant file: the API can
 * never write a file the agent would refuse for its syntax. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/dropins.h"
#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char error[CONFIG_ERROR_MAX], file_error[CONFIG_ERROR_MAX], path[64];
	struct config config;
	char *text = NULL;
	FILE *file;
	int r;

	r = dropin_render("fuzzed", (const char *)data, size, &text, error, sizeof(error));
	if (r) {
		if (!error[0])
			abort();
		return 0;
	}
	snprintf(path, sizeof(path), "/tmp/tenantd-fuzz-api-%d.conf", getpid());
	file = fopen(path, "w");
	if (!file)
		abort();
	fputs(text, file);
	fclose(file);
	free(text);
	/* Only a value too long for one line may be refused when read back;
	 * anything else is a rendering bug (an injected line, say). */
	if (config_load_tenant_file(path, &config, file_error) == 0) {
		config_free(&config);
	} else if (!strstr(file_error, "line longer than")) {
		fprintf(stderr, "rendered drop-in refused: %s\n", file_error);
		abort();
	}
	unlink(path);
	return 0;
}
