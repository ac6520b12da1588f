// SPDX-License-Identifier: LGPL-2.1-or-later
/* libFuzzer target for the configuration parser. The input is a tenant
 * drop-in; when it holds a NUL byte, what comes before is tenantd.conf and
 * what follows the drop-in. Loading must either succeed or fail with a
 * "file:line: ..." error, never crash, leak or read out of bounds. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"

static char directory[64];

static void write_file(const char *name, const uint8_t *data, size_t size)
{
	char path[128];
	FILE *file;

	snprintf(path, sizeof(path), "%s/%s", directory, name);
	file = fopen(path, "w");
	if (!file)
		abort();
	fwrite(data, 1, size, file);
	fclose(file);
}

static void remove_directory(void)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/tenants.d/fuzz.conf", directory);
	unlink(path);
	snprintf(path, sizeof(path), "%s/tenants.d", directory);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/tenantd.conf", directory);
	unlink(path);
	rmdir(directory);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *separator = memchr(data, '\0', size);
	char error[CONFIG_ERROR_MAX];
	char path[128];
	struct config config;

	if (!directory[0]) {
		snprintf(directory, sizeof(directory), "/tmp/tenantd-fuzz-%d", getpid());
		snprintf(path, sizeof(path), "%s/tenants.d", directory);
		mkdir(directory, 0700);
		mkdir(path, 0700);
		atexit(remove_directory);
	}
	if (separator) {
		write_file("tenantd.conf", data, (size_t)(separator - data));
		write_file("tenants.d/fuzz.conf", separator + 1, size - (size_t)(separator - data) - 1);
	} else {
		snprintf(path, sizeof(path), "%s/tenantd.conf", directory);
		unlink(path);
		write_file("tenants.d/fuzz.conf", data, size);
	}
	if (config_load(directory, NULL, &config, error) == 0) {
		config_free(&config);
	} else if (!strstr(error, ":")) {
		/* Every refusal names where. */
		abort();
	}
	return 0;
}
