// SPDX-License-Identifier: LGPL-2.1-or-later
/* tenantctl: the operator's client for tenantd's control socket. It speaks
 * HTTP over the Unix socket through libcurl and prints tables for people or
 * the agent's JSON for scripts (--json). Errors are one line and a non-zero
 * exit status: 1 for a failed request, 2 for bad usage. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>

#define DEFAULT_SOCKET "/run/tenantd/tenantd.sock"
#define EXIT_USAGE 2

struct response {
	char *body;
	size_t length;
	long status;
};

static size_t append_body(char *data, size_t size, size_t count, void *user)
{
	struct response *response = user;
	size_t bytes = size * count;
	char *grown = realloc(response->body, response->length + bytes + 1);

	if (!grown)
		return 0;
	memcpy(grown + response->length, data, bytes);
	response->body = grown;
	response->length += bytes;
	response->body[response->length] = '\0';
	return bytes;
}

/* Returns 0 with the response filled, or prints one line and returns 1. */
static int request(const char *socket_path, const char *method, const char *path,
		   struct response *response)
{
	char url[1024], curl_error[CURL_ERROR_SIZE] = "";
	CURL *curl = curl_easy_init();
	CURLcode result;

	memset(response, 0, sizeof(*response));
	/* curl would report a refused TCP port; say what is really missing. */
	if (access(socket_path, F_OK)) {
		fprintf(stderr, "tenantctl: cannot reach tenantd: %s: %s (is tenantd running?)\n",
			socket_path, strerror(errno));
		curl_easy_cleanup(curl);
		return 1;
	}
	if (!curl) {
		fprintf(stderr, "tenantctl: cannot initialize libcurl\n");
		return 1;
	}
	snprintf(url, sizeof(url), "http://localhost%s", path);
	curl_easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, socket_path);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, response);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_error);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
	result = curl_easy_perform(curl);
	if (result == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response->status);
	curl_easy_cleanup(curl);
	if (result != CURLE_OK) {
		fprintf(stderr, "tenantctl: cannot reach tenantd at %s: %s\n", socket_path,
			curl_error[0] ? curl_error : curl_easy_strerror(result));
		free(response->body);
		return 1;
	}
	if (response->status >= 400) {
		struct json_object *document = json_tokener_parse(response->body ? response->body : "");
		struct json_object *message;

		if (document && json_object_object_get_ex(document, "error", &message))
			fprintf(stderr, "tenantctl: %s (HTTP %ld)\n", json_object_get_string(message),
				response->status);
		else
			fprintf(stderr, "tenantctl: request failed with HTTP %ld\n", response->status);
		json_object_put(document);
		free(response->body);
		return 1;
	}
	return 0;
}

static const char *string_at(struct json_object *object, const char *key, const char *inner)
{
	struct json_object *value;

	if (!json_object_object_get_ex(object, key, &value))
		return "-";
	if (inner && !json_object_object_get_ex(value, inner, &value))
		return "-";
	return json_object_get_string(value);
}

static int command_status(const char *socket_path, bool as_json)
{
	struct response response;
	struct json_object *status;

	if (request(socket_path, "GET", "/v1/status", &response))
		return 1;
	if (as_json) {
		printf("%s\n", response.body ? response.body : "");
		free(response.body);
		return 0;
	}
	status = response.body ? json_tokener_parse(response.body) : NULL;
	free(response.body);
	if (!status) {
		fprintf(stderr, "tenantctl: tenantd answered with something that is not JSON\n");
		return 1;
	}
	printf("Version:   %s\n", string_at(status, "version", NULL));
	printf("Uptime:    %s s\n", string_at(status, "uptime_seconds", NULL));
	printf("Kernel:    %s (BTF %s)\n", string_at(status, "kernel", "release"),
	       !strcmp(string_at(status, "kernel", "btf"), "true") ? "yes" : "no");
	printf("Programs:  %s attached to %s\n", string_at(status, "programs", "attached"),
	       string_at(status, "programs", "cgroup"));
	printf("Pinned in: %s\n", string_at(status, "programs", "pinned"));
	printf("Tenants:   %s\n", string_at(status, "tenants", NULL));
	json_object_put(status);
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: tenantctl [--socket PATH] [--json] COMMAND\n\n"
		"Commands:\n"
		"  status    the agent's version, uptime, kernel and attached programs\n\n"
		"Options:\n"
		"  --socket PATH  tenantd's control socket (default " DEFAULT_SOCKET ")\n"
		"  --json         print the agent's JSON instead of a table\n");
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *socket_path = DEFAULT_SOCKET;
	bool as_json = false;
	int option, r;

	while ((option = getopt_long(argc, argv, "+", options, NULL)) != -1) {
		switch (option) {
		case 's':
			socket_path = optarg;
			break;
		case 'j':
			as_json = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_SUCCESS;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "tenantctl: missing command; see tenantctl --help\n");
		return EXIT_USAGE;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (!strcmp(argv[optind], "status") && optind + 1 == argc) {
		r = command_status(socket_path, as_json);
	} else {
		fprintf(stderr, "tenantctl: unknown command '%s'; see tenantctl --help\n",
			argv[optind]);
		r = EXIT_USAGE;
	}
	curl_global_cleanup();
	return r;
}
