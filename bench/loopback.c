// SPDX-License-Identifier: LGPL-2.1-or-later
/* loopback: a client and a server in the calling process's cgroup, over
 * loopback TCP. "connections SECONDS" prints connections per second (each
 * one connect, accept and close); "throughput SECONDS" prints bytes per
 * second received by the server; "datagrams SECONDS" prints 512-byte UDP
 * datagrams per second received by the server. "connections SECONDS ADDR
 * PORT" connects to a server elsewhere, such as "serve ADDR PORT" in another
 * network namespace; "refused SECONDS ADDR PORT" prints connect attempts
 * per second to a port that policy refuses (each must fail with EPERM).
 * bench/loopback.sh runs it with and without the
 * agent attached and reports the ratios. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

#define DATAGRAM_BYTES 512

static int listen_any_port(struct sockaddr_in *address, int type)
{
	socklen_t length = sizeof(*address);
	int fd = socket(AF_INET, type, 0), one = 1;

	memset(address, 0, sizeof(*address));
	address->sin_family = AF_INET;
	address->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)address, sizeof(*address)) ||
	    (type == SOCK_STREAM && listen(fd, 4096)) || getsockname(fd, (struct sockaddr *)address, &length)) {
		perror("listen");
		exit(EXIT_FAILURE);
	}
	return fd;
}

static void serve_connections(int listener)
{
	for (;;) {
		int fd = accept(listener, NULL, NULL);

		if (fd >= 0)
			close(fd);
	}
}

static void serve_throughput(int listener, int report_fd, double seconds)
{
	static char buffer[1 << 17];
	int fd = accept(listener, NULL, NULL);
	unsigned long long bytes = 0;
	double start = 0, end;
	ssize_t got;

	while ((got = recv(fd, buffer, sizeof(buffer), 0)) > 0) {
		if (!start)
			start = now();
		bytes += (unsigned long long)got;
		if (now() - start >= seconds)
			break;
	}
	end = now();
	dprintf(report_fd, "%.0f\n", (double)bytes / (end - start));
	exit(EXIT_SUCCESS);
}

static void serve_datagrams(int fd, int report_fd, double seconds)
{
	char buffer[DATAGRAM_BYTES];
	unsigned long long datagrams = 0;
	double start = 0, end;

	while (recv(fd, buffer, sizeof(buffer), 0) > 0) {
		if (!start)
			start = now();
		datagrams++;
		if (now() - start >= seconds)
			break;
	}
	end = now();
	dprintf(report_fd, "%.0f\n", (double)datagrams / (end - start));
	exit(EXIT_SUCCESS);
}

static double run_connections(const struct sockaddr_in *address, double seconds)
{
	struct linger abort_on_close = { .l_onoff = 1, .l_linger = 0 };
	unsigned long count = 0;
	double start = now(), elapsed;

	do {
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		/* RST on close: no TIME_WAIT, so ports never run out. */
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof(abort_on_close));
		if (connect(fd, (const struct sockaddr *)address, sizeof(*address))) {
			fprintf(stderr, "connect: %s\n", strerror(errno));
			exit(EXIT_FAILURE);
		}
		close(fd);
		count++;
	} while ((elapsed = now() - start) < seconds);
	return (double)count / elapsed;
}

static void run_throughput(const struct sockaddr_in *address)
{
	static char buffer[1 << 17];
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (connect(fd, (const struct sockaddr *)address, sizeof(*address))) {
		perror("connect");
		exit(EXIT_FAILURE);
	}
	while (send(fd, buffer, sizeof(buffer), MSG_NOSIGNAL) > 0)
		;
	close(fd);
}

/* Sends datagrams until the server has reported, then stops. */
static void run_datagrams(const struct sockaddr_in *address, int report_fd)
{
	char buffer[DATAGRAM_BYTES] = "";
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (connect(fd, (const struct sockaddr *)address, sizeof(*address))) {
		perror("connect");
		exit(EXIT_FAILURE);
	}
	fcntl(report_fd, F_SETFL, O_NONBLOCK);
	for (;;) {
		char line[64] = "";

		for (int i = 0; i < 1000; i++)
			send(fd, buffer, sizeof(buffer), 0);
		if (read(report_fd, line, sizeof(line) - 1) > 0) {
			printf("%s", line);
			break;
		}
	}
	close(fd);
}

static double run_refused(const struct sockaddr_in *address, double seconds)
{
	unsigned long count = 0;
	double start = now(), elapsed;

	do {
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		if (connect(fd, (const struct sockaddr *)address, sizeof(*address)) == 0 ||
		    errno != EPERM) {
			fprintf(stderr, "connect was not refused: %s\n", strerror(errno));
			exit(EXIT_FAILURE);
		}
		close(fd);
		count++;
	} while ((elapsed = now() - start) < seconds);
	return (double)count / elapsed;
}

static int parse_address(const char *text, const char *port, struct sockaddr_in *address)
{
	memset(address, 0, sizeof(*address));
	address->sin_family = AF_INET;
	address->sin_port = htons((uint16_t)atoi(port));
	return inet_pton(AF_INET, text, &address->sin_addr) == 1 ? 0 : -1;
}

/* The modes that need no local server: a server elsewhere, or none. */
static int run_remote(int argc, char **argv)
{
	struct sockaddr_in address;
	int listener, one = 1;

	if (parse_address(argv[argc - 2], argv[argc - 1], &address)) {
		fprintf(stderr, "not an IPv4 address: %s\n", argv[argc - 2]);
		return 2;
	}
	if (!strcmp(argv[1], "serve")) {
		listener = socket(AF_INET, SOCK_STREAM, 0);
		setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(listener, (struct sockaddr *)&address, sizeof(address)) ||
		    listen(listener, 4096)) {
			perror("serve");
			return EXIT_FAILURE;
		}
		puts("ready");
		fflush(stdout);
		serve_connections(listener);
	}
	if (!strcmp(argv[1], "refused"))
		printf("%.0f\n", run_refused(&address, atof(argv[2])));
	else
		printf("%.0f\n", run_connections(&address, atof(argv[2])));
	return EXIT_SUCCESS;
}

int main(int argc, char **argv)
{
	struct sockaddr_in address;
	double seconds;
	int listener, report[2];
	bool datagrams;
	pid_t server;

	if ((argc == 4 && !strcmp(argv[1], "serve")) ||
	    (argc == 5 && (!strcmp(argv[1], "connections") || !strcmp(argv[1], "refused"))))
		return run_remote(argc, argv);
	if (argc != 3 || (strcmp(argv[1], "connections") && strcmp(argv[1], "throughput") &&
			  strcmp(argv[1], "datagrams"))) {
		fprintf(stderr, "usage: loopback connections|throughput|datagrams SECONDS\n"
				"       loopback connections|refused SECONDS ADDR PORT\n"
				"       loopback serve ADDR PORT\n");
		return 2;
	}
	seconds = atof(argv[2]);
	datagrams = !strcmp(argv[1], "datagrams");
	listener = listen_any_port(&address, datagrams ? SOCK_DGRAM : SOCK_STREAM);
	if (pipe(report))
		return EXIT_FAILURE;
	server = fork();
	if (server == 0) {
		if (datagrams)
			serve_datagrams(listener, report[1], seconds);
		if (!strcmp(argv[1], "connections"))
			serve_connections(listener);
		serve_throughput(listener, report[1], seconds);
	}
	close(listener);
	if (datagrams) {
		run_datagrams(&address, report[0]);
	} else if (!strcmp(argv[1], "connections")) {
		printf("%.0f\n", run_connections(&address, seconds));
	} else {
		char line[64] = "";

		run_throughput(&address);
		if (read(report[0], line, sizeof(line) - 1) <= 0)
			return EXIT_FAILURE;
		printf("%s", line);
	}
	kill(server, SIGKILL);
	waitpid(server, NULL, 0);
	return EXIT_SUCCESS;
}
