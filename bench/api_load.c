// SPDX-License-Identifier: LGPL-2.1-or-later
/* api_load SOCKET CLIENTS REQUESTS PATH...: CLIENTS threads each send
 * REQUESTS requests over the Unix socket (one connection per request,
 * cycling through PATHs) and the latencies' median and 99th percentile are
 * printed in milliseconds. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static const char *socket_path;
static char **paths;
static int path_count, requests_per_client;
static double *latencies;
static int failures;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int one_request(const char *path)
{
	struct sockaddr_un address = { .sun_family = AF_UNIX };
	char request[512], buffer[65536];
	int fd = socket(AF_UNIX, SOCK_STREAM, 0), ok = 0;
	ssize_t got;

	snprintf(address.sun_path, sizeof(address.sun_path), "%s", socket_path);
	snprintf(request, sizeof(request), "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
		 path);
	if (fd >= 0 && !connect(fd, (struct sockaddr *)&address, sizeof(address)) &&
	    write(fd, request, strlen(request)) == (ssize_t)strlen(request)) {
		got = read(fd, buffer, sizeof(buffer) - 1);
		ok = got > 12 && !strncmp(buffer, "HTTP/1.1 200", 12);
		while (got > 0)
			got = read(fd, buffer, sizeof(buffer));
	}
	if (fd >= 0)
		close(fd);
	return ok;
}

static void *client(void *argument)
{
	long index = (long)argument;

	for (int i = 0; i < requests_per_client; i++) {
		double start = now_ms();
		int ok = one_request(paths[(index + i) % path_count]);

		latencies[index * requests_per_client + i] = now_ms() - start;
		if (!ok) {
			pthread_mutex_lock(&lock);
			failures++;
			pthread_mutex_unlock(&lock);
		}
	}
	return NULL;
}

static int compare(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	pthread_t *threads;
	int clients, total;

	if (argc < 5) {
		fprintf(stderr, "usage: api_load SOCKET CLIENTS REQUESTS PATH...\n");
		return 2;
	}
	socket_path = argv[1];
	clients = atoi(argv[2]);
	requests_per_client = atoi(argv[3]);
	paths = argv + 4;
	path_count = argc - 4;
	total = clients * requests_per_client;
	latencies = calloc((size_t)total, sizeof(*latencies));
	threads = calloc((size_t)clients, sizeof(*threads));
	for (long i = 0; i < clients; i++)
		pthread_create(&threads[i], NULL, client, (void *)i);
	for (int i = 0; i < clients; i++)
		pthread_join(threads[i], NULL);
	qsort(latencies, (size_t)total, sizeof(*latencies), compare);
	printf("%d requests from %d clients: p50 %.2f ms, p99 %.2f ms, max %.2f ms, %d failed\n",
	       total, clients, latencies[total / 2], latencies[total * 99 / 100],
	       latencies[total - 1], failures);
	return failures ? 1 : 0;
}
