/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The standard tenants the enforcement, accounting, API, tenantctl and
 * configuration suites run against, with their listeners:
 *   acme     tenant, enforce; owns 10.201.1.0/24 and fd00:201:1::/48;
 *            AllowTo globex:9102/tcp and globex:9103/udp; listens on 9301
 *   globex   tenant, enforce; owns 10.201.2.0/24 and fd00:201:2::/48;
 *            listens on 9101-9108 (9107 and 9108 opened before tenantd)
 *   initech  tenant, audit
 *   dns      shared; listens on 9201 tcp and udp
 *   ops      platform; listens on 9601
 *   umbrella tenant, enforce; AllowTo globex:unix; listens on 9501
 *   hooli    tenant, enforce
 * "host", a cgroup in no tenant, listens on 9401 and 9153, and "newco" is a
 * cgroup for tenants the tests create. HostPolicy=deny with
 * HostAllowPorts=9153/tcp 9153/udp. */
#ifndef TENANTD_TEST_TENANTS_H
#define TENANTD_TEST_TENANTS_H

#include <stdbool.h>
#include <sys/types.h>

/* Creates the cgroups, writes the configuration, starts the agent and the
 * listeners; with NETWORKS, also network namespaces a (acme's side,
 * 10.201.1.1, fd00:201:1::1, listening on udp 9702 in acme; and 10.201.8.1,
 * fd00:201:8::1, addresses of no tenant's, where acme listens on tcp 9703
 * as on a host's) and b (globex's network, 10.201.2.1, fd00:201:2::1,
 * listening on tcp 9701). */
void tenants_setup(bool networks);
/* A checked fixture: puts the configuration back as tenants_setup wrote it
 * and purges every tenant a test created, so each test starts alike. */
void tenants_reset(void);
/* Each true when it changed a file. */
bool tenants_write_config(const char *host_policy);
bool tenants_write_agent_config(const char *host_policy, int event_rate);
/* The TCP port of MetricsListen=, one per test run. */
int tenants_metrics_port(void);
const char *tenants_netns_a(void);
const char *tenants_netns_b(void);
/* Starts COMMAND, a follower of the event stream writing to PATH, then
 * makes hooli connect to globex at ARGUMENTS ("tcp ::1 9101"), refused,
 * until PATH holds NEEDLE: the first refusals may come before the follower
 * is connected. Returns the follower's pid (stop it with SIGTERM), with
 * *SEEN telling whether NEEDLE came within HARNESS_PATIENCE_MS. */
pid_t tenants_follow_refusals(const char *command, const char *arguments, const char *path,
			      const char *needle, bool *seen);
/* How many violation events of TENANT the agent has logged. */
int tenants_count_events(const char *tenant);
/* Waits for an event, for its existence only. */
bool tenants_event_seen(const char *tenant, const char *reason, int dport);

#endif /* TENANTD_TEST_TENANTS_H */
