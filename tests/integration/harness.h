/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The integration harness: a scratch cgroup tree under the cgroup2 mount, a
 * scratch directory for config, state and socket, a unique bpffs directory,
 * a running tenantd, and netprobe to make traffic from inside any cgroup or
 * network namespace. Everything it creates is removed when the suite ends,
 * whether the tests passed, failed or crashed. */
#ifndef TENANTD_HARNESS_H
#define TENANTD_HARNESS_H

#include <stdbool.h>
#include <sys/types.h>

#include <json-c/json.h>

struct SRunner;

/* Creates the scratch tree; call once, from the unchecked fixture. */
void harness_setup(void);
/* Stops the agent and removes everything; safe to call more than once. */
void harness_cleanup(void);
/* Runs the Check suite in a child process and returns the number of failed
 * tests. Check installs its own SIGINT/SIGTERM handlers while it runs (they
 * kill the process group), so the harness stays outside it, in the process
 * that cleans up whatever ends the run. */
int harness_run(struct SRunner *runner);

/* "/tenantd-test-PID": the scratch cgroup, relative to the cgroup2 mount. */
const char *harness_root(void);
/* Creates ROOT/NAME (and parents) and returns its full path. */
const char *harness_cgroup(const char *name);
/* The full path of ROOT/NAME, without creating it. */
const char *harness_cgroup_path(const char *name);
/* Writes SCRATCH/conf/RELATIVE_PATH from a printf format. */
void harness_write_config(const char *relative_path, const char *format, ...)
	__attribute__((format(printf, 2, 3)));
void harness_remove_config(const char *relative_path);

void harness_agent_start(void);
/* Starts the agent as systemd socket activation would: listening on
 * SOCKET_PATH, passed as fd 3 with LISTEN_FDS and LISTEN_PID. */
void harness_agent_start_activated(const char *socket_path);
/* SIGTERM, and waits until the agent is gone. */
void harness_agent_stop(void);
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
int probe(const char *cgroup, const char *netns, const char *arguments);
/* Same, but returns the probe's pid through PID (for event checks). */
int probe_pid(const char *cgroup, const char *netns, const char *arguments, pid_t *pid);
/* Starts a netprobe listener and returns once it is ready. */
pid_t probe_listen(const char *cgroup, const char *netns, const char *arguments);

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
/* The agent's control socket. */
const char *harness_socket(void);
/* GET PATH on the control socket; the body is malloc'ed, NULL on failure. */
char *harness_get(const char *path, long *status);
/* The value of the series NAME{LABELS} in /metrics, 0 when absent. */
long long metric(const char *name, const char *labels);
/* NAME{tenant="TENANT"} in /metrics. */
long long harness_counter(const char *name, const char *tenant);
/* tenantd_violations_total for one (tenant, peer, reason, action). */
long long harness_violations(const char *tenant, const char *peer, const char *reason,
			     const char *action);
/* Waits up to 5 s for an event line in the agent's log whose fields
 * tenant, reason and dport match, and pid too unless PID is 0; returns it
 * parsed, or NULL. */
struct json_object *harness_wait_event(const char *tenant, const char *reason, int dport,
				       pid_t pid);

/* Creates network namespaces NAME-a and NAME-b joined by a veth pair with
 * the given addresses (CIDR), and returns the namespaces' names. */
void harness_netns_pair(const char *address_a4, const char *address_b4,
			const char *address_a6, const char *address_b6,
			const char **netns_a, const char **netns_b);

#endif /* TENANTD_HARNESS_H */
