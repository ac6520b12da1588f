// SPDX-License-Identifier: LGPL-2.1-or-later
/* A stop, whatever the clients hold: on SIGTERM the agent ends every event
 * follower's stream cleanly, closes idle, half-sent and slow connections,
 * and exits with status 0, as systemd's stop, restart and a package's
 * upgrade expect. Each test starts an agent of its own, so that it can
 * read that agent's exit status. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>

#include "harness.h"
#include "tenants.h"

#define HALF_SENT_REQUEST "GET /v1/status HTTP/1.1\r\nHost: x\r\n"
#define FOLLOW_REQUEST "GET /v1/events?follow=1 HTTP/1.1\r\nHost: x\r\n\r\n"
#define REFUSED_BY_GLOBEX "tcp ::1 9101"

/* An agent started by this test process, which alone may wait for it. */
static void start_own_agent(void)
{
	pid_t pid = harness_agent_pid();

	if (pid > 0 && waitpid(pid, NULL, WNOHANG) == 0)
		return;
	harness_agent_stop();
	harness_agent_start();
}

/* The exit status of child PID once it exits; -1 if it does not in time. */
static int exit_status_of(pid_t pid)
{
	struct harness_deadline deadline = harness_deadline_in(HARNESS_PATIENCE_MS);
	pid_t waited;
	int status = -1;

	while ((waited = waitpid(pid, &status, WNOHANG)) == 0 && harness_deadline_wait(&deadline))
		;
	if (waited != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* A follower run by the shell COMMAND, writing to OUTPUT; returns once
 * hooli's refusals stream in. */
static pid_t follow(const char *command, const char *output)
{
	pid_t follower;
	bool seen;

	follower = tenants_follow_refusals(command, REFUSED_BY_GLOBEX, output,
					   "\"tenant\":\"hooli\"", &seen);
	ck_assert_msg(seen, "the follower saw no event");
	return follower;
}

/* An operator following every tenant's events with curl. */
static pid_t operator_follower(const char *output)
{
	char command[8400];

	snprintf(command, sizeof(command),
		 "exec curl -sSN --unix-socket %s 'http://localhost/v1/events?follow=1' > %s",
		 harness_socket(), output);
	return follow(command, output);
}

/* hooli's own process, as user nobody, following its own events. */
static pid_t tenant_follower(const char *output)
{
	char command[12800];

	snprintf(command, sizeof(command),
		 "echo $$ > %s/cgroup.procs && exec setpriv --reuid=65534 --regid=65534 "
		 "--clear-groups curl -sSN --unix-socket %s 'http://localhost/v1/events?follow=1' "
		 "> %s",
		 harness_cgroup_path("hooli"), harness_socket(), output);
	return follow(command, output);
}

static const char *scratch_file(const char *name)
{
	static char path[4][4200];
	static int next;
	char *chosen = path[next++ % 4];

	snprintf(chosen, sizeof(path[0]), "%s/%s", harness_scratch(), name);
	return chosen;
}

/* A stream ended cleanly: curl took the last chunk and exited 0, and the
 * stream holds whole lines only. */
static void assert_stream_ended_cleanly(pid_t follower, const char *output)
{
	char *text;
	size_t length;

	ck_assert_int_eq(exit_status_of(follower), 0);
	text = harness_read_file(output);
	ck_assert_ptr_nonnull(text);
	length = strlen(text);
	ck_assert_msg(length > 0 && text[length - 1] == '\n', "a cut line: %s", text);
	free(text);
}

static void assert_agent_exits_0_on_sigterm(void)
{
	int status = harness_agent_stop_status();

	ck_assert_msg(status == 0, "the agent's wait status: %d (%s)", status,
		      harness_log_lines("Fatal error") ? "libmicrohttpd aborted" : "see its log");
}

/* Whether FD's peer has closed the connection: end of file, or a reset. */
static bool closed_by_peer(int fd)
{
	char buffer[4096];
	ssize_t got;

	while ((got = recv(fd, buffer, sizeof(buffer), MSG_DONTWAIT)) > 0)
		;
	return got == 0 || (got < 0 && errno == ECONNRESET);
}

static bool has_data(int fd)
{
	char byte;

	return recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT) == 1;
}

/* The follower START_FOLLOWER starts, writing to scratch file NAME, sees
 * its stream end cleanly when the agent stops, and the agent exits 0. */
static void stream_ends_on_stop(pid_t (*start_follower)(const char *output), const char *name)
{
	const char *output = scratch_file(name);
	pid_t follower;

	start_own_agent();
	follower = start_follower(output);
	assert_agent_exits_0_on_sigterm();
	assert_stream_ended_cleanly(follower, output);
}

START_TEST(an_operators_event_follower_sees_its_stream_end_and_the_agent_exits_0)
{
	stream_ends_on_stop(operator_follower, "operator.out");
}
END_TEST

START_TEST(a_tenants_own_event_follower_sees_its_stream_end_and_the_agent_exits_0)
{
	stream_ends_on_stop(tenant_follower, "tenant.out");
}
END_TEST

START_TEST(half_sent_requests_do_not_keep_the_agent_from_exiting_0)
{
	int control, metrics;

	start_own_agent();
	control = harness_connect_control_socket();
	metrics = harness_connect_loopback(tenants_metrics_port());
	ck_assert_int_gt(write(control, HALF_SENT_REQUEST, strlen(HALF_SENT_REQUEST)), 0);
	ck_assert_int_gt(write(metrics, HALF_SENT_REQUEST, strlen(HALF_SENT_REQUEST)), 0);
	assert_agent_exits_0_on_sigterm();
	ck_assert(closed_by_peer(control));
	ck_assert(closed_by_peer(metrics));
	close(control);
	close(metrics);
}
END_TEST

START_TEST(idle_clients_do_not_keep_the_agent_from_exiting_0)
{
	int control[10], metrics[10];

	start_own_agent();
	for (int i = 0; i < 10; i++) {
		control[i] = harness_connect_control_socket();
		metrics[i] = harness_connect_loopback(tenants_metrics_port());
	}
	assert_agent_exits_0_on_sigterm();
	for (int i = 0; i < 10; i++) {
		ck_assert(closed_by_peer(control[i]));
		ck_assert(closed_by_peer(metrics[i]));
		close(control[i]);
		close(metrics[i]);
	}
}
END_TEST

/* A follower that reads no byte while thousands of events stream to it:
 * its connection is stuck writing, never suspended, when the stop comes. */
START_TEST(a_follower_that_reads_nothing_does_not_keep_the_agent_from_exiting_0)
{
	int stuck;

	start_own_agent();
	stuck = harness_connect_control_socket();
	ck_assert_int_gt(write(stuck, FOLLOW_REQUEST, strlen(FOLLOW_REQUEST)), 0);
	ck_assert(harness_wait_until(has_data(stuck), HARNESS_PATIENCE_MS));
	tenants_write_agent_config("deny", 100000);
	ck_assert(harness_agent_reload());
	ck_assert_int_eq(harness_probe("hooli", NULL, "repeat 3000 connect " REFUSED_BY_GLOBEX),
			 EPERM);
	assert_agent_exits_0_on_sigterm();
	ck_assert(closed_by_peer(stuck));
	close(stuck);
}
END_TEST

START_TEST(every_kind_of_client_at_once_does_not_keep_the_agent_from_exiting_0)
{
	const char *operator_output = scratch_file("operator.out");
	const char *tenant_output = scratch_file("tenant.out");
	pid_t operator, tenant;
	int idle, half_sent, stuck;

	start_own_agent();
	operator = operator_follower(operator_output);
	tenant = tenant_follower(tenant_output);
	idle = harness_connect_control_socket();
	half_sent = harness_connect_loopback(tenants_metrics_port());
	ck_assert_int_gt(write(half_sent, HALF_SENT_REQUEST, strlen(HALF_SENT_REQUEST)), 0);
	stuck = harness_connect_control_socket();
	ck_assert_int_gt(write(stuck, FOLLOW_REQUEST, strlen(FOLLOW_REQUEST)), 0);
	ck_assert(harness_wait_until(has_data(stuck), HARNESS_PATIENCE_MS));
	assert_agent_exits_0_on_sigterm();
	assert_stream_ended_cleanly(operator, operator_output);
	assert_stream_ended_cleanly(tenant, tenant_output);
	ck_assert(closed_by_peer(idle));
	ck_assert(closed_by_peer(half_sent));
	close(idle);
	close(half_sent);
	close(stuck);
}
END_TEST

/* Every test leaves the agent stopped; the next starts its own. */
static void restore_configuration(void)
{
	if (!harness_agent_running())
		harness_agent_start();
	tenants_reset();
}

void test_setup(void)
{
	tenants_setup(false);
}

Suite *test_suite(void)
{
	Suite *suite = suite_create("stop");
	TCase *clients = tcase_create("clients");

	tcase_add_checked_fixture(clients, restore_configuration, NULL);
	tcase_set_timeout(clients, 120);
	tcase_add_test(clients, an_operators_event_follower_sees_its_stream_end_and_the_agent_exits_0);
	tcase_add_test(clients,
		       a_tenants_own_event_follower_sees_its_stream_end_and_the_agent_exits_0);
	tcase_add_test(clients, half_sent_requests_do_not_keep_the_agent_from_exiting_0);
	tcase_add_test(clients, idle_clients_do_not_keep_the_agent_from_exiting_0);
	tcase_add_test(clients, a_follower_that_reads_nothing_does_not_keep_the_agent_from_exiting_0);
	tcase_add_test(clients,
		       every_kind_of_client_at_once_does_not_keep_the_agent_from_exiting_0);
	suite_add_tcase(suite, clients);
	return suite;
}
