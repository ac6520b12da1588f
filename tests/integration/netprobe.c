// SPDX-License-Identifier: LGPL-2.1-or-later
/* netprobe: joins a cgroup and a network namespace, then performs one socket
 * operation and reports the outcome as a person would read it. The
 * integration tests and the demo drive traffic through it. Exit status: 0 on
 * success, the errno of the failed call otherwise. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include <linux/if_ether.h>
#include <linux/netlink.h>

#ifndef IPV6_FREEBIND
#define IPV6_FREEBIND 78 /* linux/in6.h; glibc's headers lack it */
#endif

/* Closes FD (a failed call's socket) and reports ERROR. */
static int close_and_fail(int fd, const char *what, int error)
{
	close(fd);
	printf("%s: %s (%s)\n", what, strerrorname_np(error), strerror(error));
	fflush(stdout);
	return error > 0 && error < 256 ? error : 255;
}

static int fail(const char *what, int error)
{
	printf("%s: %s (%s)\n", what, strerrorname_np(error), strerror(error));
	fflush(stdout);
	return error > 0 && error < 256 ? error : 255;
}

static int join_cgroup(const char *directory)
{
	char path[4096];
	FILE *procs;

	snprintf(path, sizeof(path), "%s/cgroup.procs", directory);
	procs = fopen(path, "we");
	if (!procs || fprintf(procs, "%d\n", getpid()) < 0 || fclose(procs))
		return -errno;
	return 0;
}

static int join_netns(const char *name)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET))
		return -errno;
	close(fd);
	return 0;
}

static int parse_address(const char *text, int port, struct sockaddr_storage *address,
			 socklen_t *length)
{
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)address;
	struct sockaddr_in *v4 = (struct sockaddr_in *)address;

	memset(address, 0, sizeof(*address));
	/* Unix names as ss(8) writes them: @NAME is abstract, /PATH a path;
	 * the port is ignored. An abstract name's length is exactly its own. */
	if (text[0] == '@' || text[0] == '/') {
		struct sockaddr_un *unix_address = (struct sockaddr_un *)address;
		size_t name_length = strlen(text);

		if (name_length >= sizeof(unix_address->sun_path))
			return -1;
		unix_address->sun_family = AF_UNIX;
		memcpy(unix_address->sun_path, text, name_length);
		if (text[0] == '@')
			unix_address->sun_path[0] = '\0';
		*length = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + name_length +
				      (text[0] == '/'));
		return AF_UNIX;
	}
	if (inet_pton(AF_INET, text, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
		*length = sizeof(*v4);
		return AF_INET;
	}
	/* ADDR%DEV: a link-local or multicast address in DEV's scope. */
	char bare[INET6_ADDRSTRLEN + IF_NAMESIZE + 1];
	char *scope;

	snprintf(bare, sizeof(bare), "%s", text);
	scope = strchr(bare, '%');
	if (scope)
		*scope++ = '\0';
	if (inet_pton(AF_INET6, bare, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		if (scope && !(v6->sin6_scope_id = if_nametoindex(scope)))
			return -1;
		*length = sizeof(*v6);
		return AF_INET6;
	}
	return -1;
}

/* tcp and unix are streams; udp, udplite and unixgram datagrams. */
static int socket_type(const char *protocol)
{
	return !strcmp(protocol, "udp") || !strcmp(protocol, "udplite") ||
			       !strcmp(protocol, "unixgram") ?
		       SOCK_DGRAM :
		       SOCK_STREAM;
}

static int socket_protocol(const char *protocol)
{
	return !strcmp(protocol, "udplite") ? IPPROTO_UDPLITE : 0;
}

/* --device DEV and --reuseport yes, applied to every socket made. */
static const char *bound_device;
static bool reuse_port;
static int local_port; /* --local-port N: connects from this port */
static const char *send_when; /* --send-when PATH: after connect, waits for PATH */
static long send_first; /* --send-first N: sends N bytes before that wait */
/* --pace-us N: at least N microseconds between two datagrams, so that a
 * send never goes faster than the rate that makes, however fast the
 * machine; a slower one only sends slower. */
static long pace_us;
/* --interface DEV: where multicast is sent from, and groups joined on;
 * --join GROUP: the group a listener joins. */
static const char *multicast_interface;
static const char *join_group;
/* --source ADDR: the socket binds to ADDR first, with IP_FREEBIND or
 * IPV6_FREEBIND, which need no privilege: whatever the address is. */
static const char *source_address;

static int set_multicast_interface(int fd, int family)
{
	unsigned int index;

	if (!multicast_interface)
		return 0;
	index = if_nametoindex(multicast_interface);
	if (!index)
		return -1;
	if (family == AF_INET) {
		struct ip_mreqn request = { .imr_ifindex = (int)index };

		return setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &request, sizeof(request));
	}
	return setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &index, sizeof(index));
}

/* --join GROUP, on --interface DEV. */
static int join(int fd)
{
	unsigned int index = multicast_interface ? if_nametoindex(multicast_interface) : 0;
	struct ipv6_mreq request6 = { .ipv6mr_interface = index };
	struct ip_mreqn request = { .imr_ifindex = (int)index };

	if (!join_group)
		return 0;
	if (inet_pton(AF_INET, join_group, &request.imr_multiaddr) == 1)
		return setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &request, sizeof(request));
	if (inet_pton(AF_INET6, join_group, &request6.ipv6mr_multiaddr) == 1)
		return setsockopt(fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &request6, sizeof(request6));
	errno = EINVAL;
	return -1;
}

static int bind_source(int fd, int family)
{
	struct sockaddr_storage source;
	socklen_t length;

	if (parse_address(source_address, 0, &source, &length) != family) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	if (family == AF_INET6 ?
		    setsockopt(fd, IPPROTO_IPV6, IPV6_FREEBIND, &(int){ 1 }, sizeof(int)) :
		    setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &(int){ 1 }, sizeof(int)))
		return -1;
	return bind(fd, (struct sockaddr *)&source, length);
}

/* A socket of PROTOCOL's type for the family of ADDRESS:PORT, which it
 * fills in; prints the failure and returns a negative exit status. */
static int socket_for(const char *protocol, const char *text, int port,
		      struct sockaddr_storage *address, socklen_t *length)
{
	int family = parse_address(text, port, address, length), fd;

	if (family < 0)
		return -fail("address", EINVAL);
	fd = socket(family, socket_type(protocol), socket_protocol(protocol));
	if (fd < 0)
		return -fail("socket", errno);
	if (socket_type(protocol) == SOCK_DGRAM && family != AF_UNIX &&
	    (setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &(int){ 1 }, sizeof(int)) ||
	     set_multicast_interface(fd, family)))
		return -close_and_fail(fd, "multicast or broadcast", errno);
	if (bound_device && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, bound_device,
				       (socklen_t)strlen(bound_device)))
		return -close_and_fail(fd, "SO_BINDTODEVICE", errno);
	if (reuse_port && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &(int){ 1 }, sizeof(int)))
		return -close_and_fail(fd, "SO_REUSEPORT", errno);
	if (source_address && bind_source(fd, family))
		return -close_and_fail(fd, "bind --source", errno);
	return fd;
}

/* listen PROTO ADDR PORT: prints "ready", then receives and discards
 * everything until killed. */
static int serve(const char *protocol, const char *text, int port)
{
	struct sockaddr_storage address;
	socklen_t length;
	char buffer[65536];
	int fd = socket_for(protocol, text, port, &address, &length), one = 1;

	if (fd < 0)
		return -fd;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&address, length))
		return fail("bind", errno);
	if (join(fd))
		return fail("join", errno);
	if (socket_type(protocol) == SOCK_STREAM && listen(fd, 128))
		return fail("listen", errno);
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		int connection;

		if (socket_type(protocol) == SOCK_DGRAM) {
			recv(fd, buffer, sizeof(buffer), 0);
			continue;
		}
		connection = accept(fd, NULL, NULL);
		if (connection < 0)
			continue;
		while (recv(connection, buffer, sizeof(buffer), 0) > 0)
			;
		close(connection);
	}
}

/* bind PROTO ADDR PORT: binds as a listener would (SO_REUSEADDR, and
 * --reuseport), listens for TCP, and exits: 0 or the errno of bind(). */
static int bind_once(const char *protocol, const char *text, int port)
{
	struct sockaddr_storage address;
	socklen_t length;
	int fd = socket_for(protocol, text, port, &address, &length);

	if (fd < 0)
		return -fd;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &(int){ 1 }, sizeof(int));
	if (bind(fd, (struct sockaddr *)&address, length))
		return close_and_fail(fd, "bind", errno);
	if (socket_type(protocol) == SOCK_STREAM && listen(fd, 1))
		return close_and_fail(fd, "listen", errno);
	close(fd);
	printf("ok\n");
	return 0;
}

/* echo udp ADDR PORT: prints "ready", then answers every datagram with
 * itself, to its sender, until killed. */
static int serve_echo(const char *text, int port)
{
	struct sockaddr_storage address, sender;
	socklen_t length, sender_length;
	char buffer[65536];
	int fd = socket_for("udp", text, port, &address, &length);

	if (fd < 0)
		return -fd;
	if (bind(fd, (struct sockaddr *)&address, length))
		return fail("bind", errno);
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		ssize_t received;

		sender_length = sizeof(sender);
		received = recvfrom(fd, buffer, sizeof(buffer), 0, (struct sockaddr *)&sender,
				    &sender_length);
		if (received >= 0)
			sendto(fd, buffer, (size_t)received, 0, (struct sockaddr *)&sender,
			       sender_length);
	}
}

/* ask ADDR PORT: sends one datagram (unconnected) and waits up to 2 s for
 * the answer; ETIMEDOUT when none comes. */
static int ask(const char *text, int port)
{
	struct sockaddr_storage address;
	struct timeval patience = { .tv_sec = 2 };
	socklen_t length;
	char buffer[64] = "query";
	int fd = socket_for("udp", text, port, &address, &length);

	if (fd < 0)
		return -fd;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &patience, sizeof(patience));
	if (sendto(fd, buffer, 5, 0, (struct sockaddr *)&address, length) < 0)
		return close_and_fail(fd, "sendto", errno);
	if (recv(fd, buffer, sizeof(buffer), 0) < 0)
		return close_and_fail(fd, "recv", errno == EAGAIN ? ETIMEDOUT : errno);
	close(fd);
	printf("ok\n");
	return 0;
}

/* Sends BYTES from BUFFER of SIZE, over and over; -1 with errno on failure. */
static int send_all(int fd, const char *buffer, size_t size, long bytes)
{
	while (bytes > 0) {
		ssize_t sent = send(fd, buffer, bytes > (long)size ? size : (size_t)bytes, 0);

		if (sent < 0)
			return -1;
		bytes -= sent;
	}
	return 0;
}

/* connect PROTO ADDR PORT [BYTES]: connects, sends BYTES, and for TCP waits
 * for the peer to have read them all. */
static int connect_and_send(const char *protocol, const char *text, int port, long bytes)
{
	struct sockaddr_storage address;
	socklen_t length;
	char buffer[65536] = { 0 };
	int fd = socket_for(protocol, text, port, &address, &length);

	struct timeval patience = { .tv_sec = 3 }, forever = { 0 };

	if (fd < 0)
		return -fd;
	/* A connection whose first packet is dropped would retry for minutes:
	 * it fails here after 3 s (EINPROGRESS) instead. */
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &patience, sizeof(patience));
	if (local_port) {
		struct sockaddr_storage local = { .ss_family = address.ss_family };

		/* Same family, any address, the port asked for. */
		((struct sockaddr_in *)&local)->sin_port = htons((uint16_t)local_port);
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &(int){ 1 }, sizeof(int));
		if (bind(fd, (struct sockaddr *)&local, length))
			return close_and_fail(fd, "bind", errno);
	}
	if (connect(fd, (struct sockaddr *)&address, length))
		return close_and_fail(fd, "connect", errno);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &forever, sizeof(forever));
	if (send_when) {
		long first = send_first < bytes ? send_first : bytes;

		if (send_all(fd, buffer, sizeof(buffer), first))
			return close_and_fail(fd, "send", errno);
		bytes -= first;
		printf("connected\n");
		fflush(stdout);
		for (int i = 0; i < 6000 && access(send_when, F_OK); i++)
			usleep(10000);
	}
	if (send_all(fd, buffer, sizeof(buffer), bytes))
		return close_and_fail(fd, "send", errno);
	if (socket_type(protocol) == SOCK_STREAM) {
		shutdown(fd, SHUT_WR);
		while (recv(fd, buffer, sizeof(buffer), 0) > 0)
			;
	}
	close(fd);
	printf("ok\n");
	return 0;
}

/* connect-after-move CGROUP PROTO ADDR PORT: creates the socket here, moves
 * to CGROUP, then connects: the socket must keep its creator's tenant. */
static int connect_after_move(const char *cgroup, const char *protocol, const char *text,
			      int port)
{
	struct sockaddr_storage address;
	socklen_t length;
	int fd = socket_for(protocol, text, port, &address, &length);

	if (fd < 0)
		return -fd;
	if (join_cgroup(cgroup))
		return close_and_fail(fd, "join cgroup", errno);
	if (connect(fd, (struct sockaddr *)&address, length))
		return close_and_fail(fd, "connect", errno);
	close(fd);
	printf("ok\n");
	return 0;
}

/* sendto ADDR PORT BYTES [COUNT]: unconnected UDP datagrams, or Unix ones
 * to @NAME or /PATH. */
static int send_datagrams(const char *text, int port, long bytes, long count)
{
	struct sockaddr_storage address;
	socklen_t length;
	static char buffer[65536];
	int fd;

	if (bytes < 0 || bytes > (long)sizeof(buffer))
		return fail("arguments", EINVAL);
	fd = socket_for(text[0] == '@' || text[0] == '/' ? "unixgram" : "udp", text, port,
			&address, &length);
	if (fd < 0)
		return -fd;
	for (long i = 0; i < count; i++) {
		if (i > 0 && pace_us > 0)
			usleep((useconds_t)pace_us);
		if (sendto(fd, buffer, (size_t)bytes, 0, (struct sockaddr *)&address, length) < 0)
			return close_and_fail(fd, "sendto", errno);
	}
	close(fd);
	printf("ok\n");
	return 0;
}

/* ping ADDR: one ICMP echo request from an unprivileged ICMP socket (the
 * kind ping(8) uses), not waiting for the answer. */
static int ping(const char *text)
{
	struct sockaddr_storage address;
	socklen_t length;
	/* type 8 (IPv4) or 128 (IPv6), code 0; the kernel fills id and sum. */
	unsigned char request[16] = { 8 };
	int fd, family;

	family = parse_address(text, 0, &address, &length);
	if (family < 0)
		return fail("address", EINVAL);
	if (family == AF_INET6)
		request[0] = 128;
	fd = socket(family, SOCK_DGRAM, family == AF_INET6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
	if (fd < 0)
		return fail("socket", errno);
	if (sendto(fd, request, sizeof(request), 0, (struct sockaddr *)&address, length) < 0)
		return close_and_fail(fd, "sendto", errno);
	close(fd);
	printf("ok\n");
	return 0;
}

static int open_socket(int family, int type, int protocol, const char *what)
{
	int fd = socket(family, type, protocol);

	if (fd < 0)
		return fail(what, errno);
	close(fd);
	printf("ok\n");
	return 0;
}

/* --capabilities NAMES: keeps only these, permitted and effective
 * (comma-separated, e.g. net_raw,sys_ptrace; "none" for none). */
static int keep_capabilities(const char *names)
{
	static const struct {
		const char *name;
		int number;
	} known[] = {
		{ "net_raw", CAP_NET_RAW }, { "net_admin", CAP_NET_ADMIN },
		{ "sys_admin", CAP_SYS_ADMIN }, { "sys_ptrace", CAP_SYS_PTRACE },
		{ "setuid", CAP_SETUID }, { "kill", CAP_KILL },
	};
	struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = { 0 };
	char list[256], *save = NULL;

	snprintf(list, sizeof(list), "%s", names);
	for (char *name = strtok_r(list, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		size_t i;

		if (!strcmp(name, "none"))
			continue;
		for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			if (!strcmp(name, known[i].name))
				break;
		if (i == sizeof(known) / sizeof(known[0])) {
			errno = EINVAL;
			return -1;
		}
		data[known[i].number / 32].permitted |= 1U << (known[i].number % 32);
		data[known[i].number / 32].effective |= 1U << (known[i].number % 32);
	}
	return (int)syscall(SYS_capset, &header, data);
}

/* pause and hold-packet-socket: print "ready", then wait to be killed. */
static int wait_for_end(void)
{
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
	return 0;
}

/* hold-netlink-socket: a NETLINK_USERSOCK socket, by which unprivileged
 * processes message each other. */
static int hold_netlink_socket(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);

	if (fd < 0)
		return fail("socket(AF_NETLINK)", errno);
	return wait_for_end();
}

static int hold_packet_socket(void)
{
	int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));

	if (fd < 0)
		return fail("socket(AF_PACKET)", errno);
	return wait_for_end();
}

static int usage(void)
{
	fprintf(stderr,
		"usage: netprobe [--cgroup DIR] [--netns NAME] [--capabilities LIST]\n"
		"                [--user-namespace yes] [--network-namespace yes]\n"
		"                [--device DEV] [--reuseport yes]\n"
		"                [--local-port N] [--send-when PATH [--send-first N]]\n"
		"                [--pace-us N] [--interface DEV] [--join GROUP]\n"
		"                [--source ADDR] COMMAND\n"
		"  listen tcp|udp|udplite|unix|unixgram ADDR PORT   (unix: ADDR @NAME or /PATH, PORT -)\n"
		"  bind tcp|udp ADDR PORT   (binds, listens for tcp, exits)\n"
		"  echo udp ADDR PORT\n"
		"  ask ADDR PORT\n"
		"  connect tcp|udp|udplite|unix|unixgram ADDR PORT [BYTES]\n"
		"  (ADDR%%DEV: an IPv6 address in DEV's scope)\n"
		"  connect-after-move CGROUP tcp|udp ADDR PORT\n"
		"  sendto ADDR PORT BYTES [COUNT]\n"
		"  ping ADDR\n"
		"  raw | raw6 | packet\n"
		"  pause | hold-packet-socket | hold-netlink-socket   (print ready, wait to be killed)\n"
		"  repeat N COMMAND...\n");
	return 2;
}

static int run_command(int argc, char **argv);

int main(int argc, char **argv)
{
	bool capabilities_chosen = false;
	int i = 1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while (i + 1 < argc && argv[i][0] == '-') {
		capabilities_chosen |= !strcmp(argv[i], "--capabilities");
		if (!strcmp(argv[i], "--cgroup") && join_cgroup(argv[i + 1]))
			return fail("join cgroup", errno);
		if (!strcmp(argv[i], "--netns") && join_netns(argv[i + 1]))
			return fail("join netns", errno);
		if (!strcmp(argv[i], "--device"))
			bound_device = argv[i + 1];
		if (!strcmp(argv[i], "--reuseport"))
			reuse_port = !strcmp(argv[i + 1], "yes");
		if (!strcmp(argv[i], "--local-port"))
			local_port = atoi(argv[i + 1]);
		if (!strcmp(argv[i], "--send-when"))
			send_when = argv[i + 1];
		if (!strcmp(argv[i], "--send-first"))
			send_first = atol(argv[i + 1]);
		if (!strcmp(argv[i], "--pace-us"))
			pace_us = atol(argv[i + 1]);
		if (!strcmp(argv[i], "--interface"))
			multicast_interface = argv[i + 1];
		if (!strcmp(argv[i], "--join"))
			join_group = argv[i + 1];
		if (!strcmp(argv[i], "--source"))
			source_address = argv[i + 1];
		if (!strcmp(argv[i], "--capabilities") && keep_capabilities(argv[i + 1]))
			return fail("capabilities", errno);
		/* All capabilities in a user namespace of its own, none over the host. */
		if (!strcmp(argv[i], "--user-namespace") && unshare(CLONE_NEWUSER))
			return fail("unshare(CLONE_NEWUSER)", errno);
		/* A network namespace of its own, owned by the user namespace
		 * it is in: after --user-namespace, a rootless container's. */
		if (!strcmp(argv[i], "--network-namespace") && unshare(CLONE_NEWNET))
			return fail("unshare(CLONE_NEWNET)", errno);
		i += 2;
	}
	if (i >= argc)
		return usage();
	/* A tenant workload as it should be: no capability over the host,
	 * unless told otherwise, or its command needs one (raw sockets). The
	 * cgroup and namespace are joined already. */
	if (!capabilities_chosen && strcmp(argv[i], "raw") && strcmp(argv[i], "raw6") &&
	    strcmp(argv[i], "packet") && strcmp(argv[i], "repeat") && keep_capabilities("none"))
		return fail("capabilities", errno);
	/* repeat N COMMAND...: runs COMMAND N times in this process (its
	 * output once), for floods of attempts; the last status counts. */
	if (!strcmp(argv[i], "repeat") && i + 2 < argc) {
		long times = atol(argv[i + 1]);
		int status = 0;

		for (long n = 0; n < times; n++) {
			if (n == 1)
				freopen("/dev/null", "w", stdout);
			status = run_command(argc - i - 2, argv + i + 2);
		}
		return status;
	}
	return run_command(argc - i, argv + i);
}

static int run_command(int argc, char **argv)
{
	int i = 0;

	if (!strcmp(argv[i], "listen") && argc - i == 4)
		return serve(argv[i + 1], argv[i + 2], atoi(argv[i + 3]));
	if (!strcmp(argv[i], "bind") && argc - i == 4)
		return bind_once(argv[i + 1], argv[i + 2], atoi(argv[i + 3]));
	if (!strcmp(argv[i], "echo") && argc - i == 4 && !strcmp(argv[i + 1], "udp"))
		return serve_echo(argv[i + 2], atoi(argv[i + 3]));
	if (!strcmp(argv[i], "ask") && argc - i == 3)
		return ask(argv[i + 1], atoi(argv[i + 2]));
	if (!strcmp(argv[i], "connect") && (argc - i == 4 || argc - i == 5))
		return connect_and_send(argv[i + 1], argv[i + 2], atoi(argv[i + 3]),
					argc - i == 5 ? atol(argv[i + 4]) : 0);
	if (!strcmp(argv[i], "connect-after-move") && argc - i == 5)
		return connect_after_move(argv[i + 1], argv[i + 2], argv[i + 3], atoi(argv[i + 4]));
	if (!strcmp(argv[i], "sendto") && (argc - i == 4 || argc - i == 5))
		return send_datagrams(argv[i + 1], atoi(argv[i + 2]), atol(argv[i + 3]),
				      argc - i == 5 ? atol(argv[i + 4]) : 1);
	if (!strcmp(argv[i], "ping") && argc - i == 2)
		return ping(argv[i + 1]);
	if (!strcmp(argv[i], "raw"))
		return open_socket(AF_INET, SOCK_RAW, IPPROTO_ICMP, "socket(AF_INET, SOCK_RAW)");
	if (!strcmp(argv[i], "raw6"))
		return open_socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6, "socket(AF_INET6, SOCK_RAW)");
	if (!strcmp(argv[i], "pause"))
		return wait_for_end();
	if (!strcmp(argv[i], "hold-packet-socket"))
		return hold_packet_socket();
	if (!strcmp(argv[i], "hold-netlink-socket"))
		return hold_netlink_socket();
	if (!strcmp(argv[i], "packet"))
		return open_socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL), "socket(AF_PACKET)");
	return usage();
}
