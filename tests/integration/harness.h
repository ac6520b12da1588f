/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The integration harness: a scratch cgroup tree under the cgroup2 mount, a
 * scratch directory for config, state and socket, a unique bpffs directory,
 * a network namespace of the suite's own (so every port is free), a running
 * tenantd, and netprobe to make traffic from inside any cgroup or network
 * namespace. Everything it creates is removed when the suite ends, whether
 * the tests passed, failed or crashed. */
#ifndef TENANTD_HARNESS_H
#define TENANTD_HARNESS_H

#include <stdbool.h>
#include <sys/types.h>

#include <json-c/json.h>

#include "test_suite.h"

/* Each integration test file defines test_suite() and test_setup(); the
 * harness's main() creates the scratch tree, calls test_setup() (cgroups,
 * config, the agent, listeners), runs the suite in a child process (Check
 * installs SIGINT/SIGTERM handlers that kill the process group, so the
 * harness stays outside it) and removes everything, whatever ended the run.
 * A sanitizer report in the agent's log fails the run. */
void test_setup(void);

/* Stops the agent and removes everything; safe to call more than once. */
void harness_cleanup(void);

/* How long a test waits for an event before it calls it missing: long
 * enough for a machine loaded by other work, and no cost when the event
 * comes, since waits end on the event. */
#define HARNESS_PATIENCE_MS 30000

/* Polls CONDITION until it holds or TIMEOUT_MS pass; true if it held. The
 * one way tests wait: for the thing they need, never for a fixed time. */
#define harness_wait_until(condition, timeout_ms)                                  \
	({                                                                         \
		struct harness_deadline _deadline = harness_deadline_in(timeout_ms); \
		bool _held;                                                        \
		while (!(_held = (condition)) && harness_deadline_wait(&_deadline)) \
			;                                                          \
		_held;                                                             \
	})

struct harness_deadline {
	long long end_ms; /* CLOCK_MONOTONIC */
	unsigned int poll_ms;
};

struct harness_deadline harness_deadline_in(int timeout_ms);
/* Sleeps one poll interval (growing from 5 to 50 ms); false once the
 * deadline has passed. */
bool harness_deadline_wait(struct harness_deadline *deadline);

/* "/tenantd-test-PID": the scratch cgroup, relative to the cgroup2 mount. */
const char *harness_root(void);
/* Creates ROOT/NAME (and parents) and returns its full path. */
const char *harness_cgroup(const char *name);
/* The full path of ROOT/NAME, without creating it. */
const char *harness_cgroup_path(const char *name);
/* Writes SCRATCH/conf/RELATIVE_PATH from a printf format; true when that
 * changed the file. */
bool harness_write_config(const char *relative_path, const char *format, ...)
	__attribute__((format(printf, 2, 3)));
/* True when there was a file to remove. */
bool harness_remove_config(const char *relative_path);

void harness_agent_start(void);
/* Starts the agent as systemd socket activation would: listening on
 * SOCKET_PATH, passed as fd 3 with LISTEN_FDS and LISTEN_PID. */
void harness_agent_start_activated(const char *socket_path);
/* The pid of the agent the harness started, 0 when none. */
pid_t harness_agent_pid(void);
/* Whether the agent the harness started is running. */
bool harness_agent_running(void);
/* SIGTERM, and waits until the agent is gone. */
void harness_agent_stop(void);
/* SIGTERM to an agent this process started, and waits for it to exit; its
 * wait status (0: exited with 0), or -1 when it is not this process's child
 * or did not exit within HARNESS_PATIENCE_MS. */
int harness_agent_stop_status(void);
/* Stops the agent and removes its pins (tenantd --detach): the next start
 * is a first start. Returns --detach's exit status. */
int harness_agent_detach(void);
/* Sends SIGNAL; for SIGTERM and SIGKILL, waits until the agent is gone. */
void harness_agent_signal(int signal_number);
/* Sends SIGHUP and waits until the agent logged the outcome; returns true
 * when the reload was applied. */
bool harness_agent_reload(void);
/* Stops the agent and counts the sanitizer reports in its log (for a
 * sanitized build: a leak or a memory error fails the suite). */
int harness_agent_sanitizer_reports(void);

/* Runs netprobe inside cgroup NAME ("" for the harness's own cgroup), and
 * network namespace NETNS (NULL for the current one); waits for it and
 * returns its exit status (0, or the errno it failed with). */
int harness_probe(const char *cgroup, const char *netns, const char *arguments);
/* Same, but returns the probe's pid through PID (for event checks). */
int harness_probe_pid(const char *cgroup, const char *netns, const char *arguments, pid_t *pid);
/* Same, in a child of this process; harness_probe_status() waits for it
 * and returns the probe's exit status (-1 when it did not exit). */
pid_t harness_probe_in_background(const char *cgroup, const char *netns, const char *arguments);
int harness_probe_status(pid_t child);
/* Whether a UDP socket in the suite's namespace is connected to PORT. */
bool harness_udp_connected_to(int port);
/* Starts a netprobe listener and returns once it is ready. */
pid_t harness_probe_listen(const char *cgroup, const char *netns, const char *arguments);

/* NAME ("tenantd", "tenantctl", "tests/netprobe") in the build under test:
 * $TENANTD_BUILD, or build/. */
const char *harness_binary(const char *name);
/* The scratch directory: conf/, state/, run/, agent.log. */
const char *harness_scratch(void);
/* The agent's unique bpffs directory. */
const char *harness_bpffs(void);
/* The agent's stderr, where its messages and events go. */
const char *harness_log(void);
/* The whole content of PATH, malloc'ed; NULL when it cannot be read. */
char *harness_read_file(const char *path);
/* Whether the file at PATH exists and contains NEEDLE. */
bool harness_file_contains(const char *path, const char *needle);
/* The agent's control socket. */
const char *harness_socket(void);
/* A client connection to the agent's control socket. */
int harness_connect_control_socket(void);
/* A client connection to 127.0.0.1:PORT. */
int harness_connect_loopback(int port);
/* GET PATH on the control socket; the body is malloc'ed, NULL on failure. */
char *harness_get(const char *path, long *status);
/* METHOD PATH on the control socket as root, with BODY (NULL: none); the
 * answer is malloc'ed ("" when empty), NULL when the agent did not answer. */
char *harness_request(const char *method, const char *path, const char *body, long *status);
/* METHOD PATH on the control socket as user nobody from cgroup CGROUP ("":
 * the harness's own): a tenant's view. The body; *STATUS its HTTP code. */
char *harness_request_as_nobody(const char *cgroup, const char *method, const char *path,
				long *status);
/* Runs COMMAND with sh; its standard output, malloc'ed, and its exit status. */
char *harness_command_output(const char *command, int *exit_status);
/* How many lines of the agent's log contain NEEDLE. */
int harness_log_lines(const char *needle);
/* The value of the series NAME{LABELS} in /metrics, 0 when absent. */
long long harness_metric(const char *name, const char *labels);
/* The value of the series NAME, which has no labels, 0 when absent. */
double harness_gauge(const char *name);
/* NAME{tenant="TENANT"} in /metrics. */
long long harness_counter(const char *name, const char *tenant);
/* tenantd_violations_total for one (tenant, peer, reason, action). */
long long harness_violations(const char *tenant, const char *peer, const char *reason,
			     const char *action);
/* Whether a violation event of TENANT for REASON and DPORT has been logged. */
bool harness_event_logged(const char *tenant, const char *reason, int dport);
/* Waits up to HARNESS_PATIENCE_MS for an event line in the agent's log whose fields
 * tenant, reason and dport match, and pid too unless PID is 0; returns it
 * parsed, or NULL. */
struct json_object *harness_wait_event(const char *tenant, const char *reason, int dport,
				       pid_t pid);

/* The same for events without a port, matched on their destination "dst"
 * (a Unix socket's name, as "@name"), or on none when DESTINATION is "". */
struct json_object *harness_wait_event_to(const char *tenant, const char *reason,
					  const char *destination, pid_t pid);

/* Creates network namespaces NAME-a and NAME-b joined by a veth pair with
 * the given addresses (CIDR), and returns the namespaces' names. */
void harness_netns_pair(const char *address_a4, const char *address_b4,
			const char *address_a6, const char *address_b6,
			const char **netns_a, const char **netns_b);

/* Creates network namespace "tenantd-test-PID-SUFFIX" with lo up, removed
 * at cleanup; returns its name. */
const char *harness_netns(const char *suffix);
/* Runs a shell command made from FORMAT; true when it succeeded. */
bool harness_shell(const char *format, ...) __attribute__((format(printf, 1, 2)));

#endif /* TENANTD_HARNESS_H */
