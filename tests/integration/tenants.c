// SPDX-License-Identifier: LGPL-2.1-or-later
/* The standard tenants of the integration suites (tenants.h), and the
 * fixture that puts them back before each test, so that no test depends
 * on what another did. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "harness.h"
#include "tenants.h"

static const char *const standard_tenants[] = {
	"acme", "globex", "initech", "dns", "ops", "umbrella", "hooli",
};

static const char *netns_a, *netns_b;

/* MetricsListen='s default port: nothing else listens in the suite's own
 * network namespace, so a fixed port is always free. */
int tenants_metrics_port(void)
{
	return 9810;
}

const char *tenants_netns_a(void)
{
	return netns_a;
}

const char *tenants_netns_b(void)
{
	return netns_b;
}

bool tenants_write_agent_config(const char *host_policy, int event_rate)
{
	return harness_write_config("tenantd.conf",
			     "[Agent]\nHostPolicy=%s\nHostAllowPorts=9153/tcp 9153/udp\n"
			     "EventRate=%d\nMetricsListen=127.0.0.1:%d\nPostureScanInterval=1\n",
			     host_policy, event_rate,
			     tenants_metrics_port());
}

bool tenants_write_config(const char *host_policy)
{
	const char *root = harness_root();
	bool changed = tenants_write_agent_config(host_policy, 1000);

	changed |= harness_write_config("tenants.d/acme.conf",
			     "[Tenant]\nCgroup=%s/acme\nNetwork=10.201.1.0/24\n"
			     "Network=fd00:201:1::/48\nAllowTo=globex:9102/tcp\n"
			     "AllowTo=globex:9103/udp\n", root);
	changed |= harness_write_config("tenants.d/globex.conf",
			     "[Tenant]\nCgroup=%s/globex\nNetwork=10.201.2.0/24\n"
			     "Network=fd00:201:2::/48\n", root);
	changed |= harness_write_config("tenants.d/initech.conf", "[Tenant]\nMode=audit\nCgroup=%s/initech\n",
			     root);
	changed |= harness_write_config("tenants.d/dns.conf", "[Tenant]\nKind=shared\nCgroup=%s/dns\n", root);
	changed |= harness_write_config("tenants.d/ops.conf", "[Tenant]\nKind=platform\nCgroup=%s/ops\n",
			     root);
	changed |= harness_write_config("tenants.d/umbrella.conf",
					"[Tenant]\nCgroup=%s/umbrella\nAllowTo=globex:unix\n", root);
	changed |= harness_write_config("tenants.d/hooli.conf", "[Tenant]\nCgroup=%s/hooli\n",
					root);
	return changed;
}

void tenants_setup(bool networks)
{
	char command[1024];
	static const char *const cgroups[] = {
		"acme", "acme/web/worker", "globex", "initech", "dns", "ops", "umbrella", "hooli",
		"newco", "host",
	};

	for (size_t i = 0; i < sizeof(cgroups) / sizeof(cgroups[0]); i++)
		harness_cgroup(cgroups[i]);
	tenants_write_config("deny");
	/* Listening before tenantd starts: its sockets must be judged too. */
	harness_probe_listen("globex", NULL, "listen tcp :: 9107");
	harness_probe_listen("globex", NULL, "listen udp :: 9108");
	harness_agent_start();

	harness_probe_listen("globex", NULL, "listen tcp :: 9101");
	harness_probe_listen("globex", NULL, "listen tcp :: 9102");
	/* Answers what it receives: AllowTo=globex:9103/udp is a service. */
	harness_probe_listen("globex", NULL, "echo udp :: 9103");
	harness_probe_listen("globex", NULL, "listen tcp 127.0.0.1 9104");
	harness_probe_listen("globex", NULL, "listen udp :: 9105");
	harness_probe_listen("globex", NULL, "listen udp 127.0.0.1 9106");
	harness_probe_listen("dns", NULL, "listen tcp :: 9201");
	harness_probe_listen("dns", NULL, "listen udp :: 9201");
	harness_probe_listen("acme", NULL, "listen tcp :: 9301");
	harness_probe_listen("ops", NULL, "listen tcp :: 9601");
	harness_probe_listen("host", NULL, "listen tcp :: 9401");
	harness_probe_listen("host", NULL, "listen tcp :: 9153");
	harness_probe_listen("umbrella", NULL, "listen tcp :: 9501");
	if (!networks)
		return;
	harness_netns_pair("10.201.1.1/16", "10.201.2.1/16", "fd00:201:1::1/32",
			   "fd00:201:2::1/32", &netns_a, &netns_b);
	harness_probe_listen("", netns_b, "listen tcp :: 9701");
	harness_probe_listen("acme", netns_a, "listen udp :: 9702");
	/* A remote host of no tenant's (netns b's second addresses, never its
	 * source: secondary, and deprecated), and a globex listener on the
	 * same port bound to any address in netns a. */
	snprintf(command, sizeof(command),
		 "dev=$(ip -n '%s' -o link show type veth | awk -F': ' '{ print $2 }' | cut -d@ -f1)"
		 " && ip -n '%s' addr add 10.201.9.1/16 dev \"$dev\""
		 " && ip -n '%s' addr add fd00:201:9::1/32 dev \"$dev\" nodad preferred_lft 0"
		 /* And netns a's, where acme listens on the host's addresses. */
		 " && dev=$(ip -n '%s' -o link show type veth | awk -F': ' '{ print $2 }' | cut -d@ -f1)"
		 " && ip -n '%s' addr add 10.201.8.1/16 dev \"$dev\""
		 " && ip -n '%s' addr add fd00:201:8::1/32 dev \"$dev\" nodad preferred_lft 0"
		 /* ICMP echo sockets for everyone in netns a, as ping(8) has them. */
		 " && ip netns exec '%s' sysctl -qw net.ipv4.ping_group_range='0 2147483647'",
		 netns_b, netns_b, netns_b, netns_a, netns_a, netns_a, netns_a);
	if (system(command) != 0)
		ck_abort_msg("cannot add netns b's second addresses");
	harness_probe_listen("", netns_b, "listen tcp :: 9711");
	harness_probe_listen("globex", netns_a, "listen tcp :: 9711");
	harness_probe_listen("globex", netns_a, "listen udp :: 9712");
	harness_probe_listen("acme", netns_a, "listen tcp :: 9703");
}

static bool is_standard(const char *name)
{
	for (size_t i = 0; i < sizeof(standard_tenants) / sizeof(standard_tenants[0]); i++)
		if (!strcmp(name, standard_tenants[i]))
			return true;
	return false;
}

/* Purges every tenant the agent knows that is not a standard one. */
static void purge_test_tenants(struct json_object *tenants)
{
	struct json_object *field;
	long status = 0;

	for (size_t i = 0; i < json_object_array_length(tenants); i++) {
		char path[128];
		const char *name;

		if (!json_object_object_get_ex(json_object_array_get_idx(tenants, i), "name", &field))
			continue;
		name = json_object_get_string(field);
		if (is_standard(name))
			continue;
		snprintf(path, sizeof(path), "/v1/tenants/%s?purge=1", name);
		free(harness_request("DELETE", path, NULL, &status));
		ck_assert_msg(status == 200, "cannot purge %s: %ld", name, status);
	}
}

/* Removes the drop-ins a test added beside the standard ones; true when
 * there were any. */
static bool remove_test_dropins(void)
{
	bool removed = false;
	char directory[4200];
	struct dirent *entry;
	DIR *listing;

	snprintf(directory, sizeof(directory), "%s/conf/tenants.d", harness_scratch());
	listing = opendir(directory);
	ck_assert_ptr_nonnull(listing);
	while ((entry = readdir(listing))) {
		char stem[256], relative[300];
		size_t length = strlen(entry->d_name);

		if (length < 6 || strcmp(entry->d_name + length - 5, ".conf"))
			continue;
		snprintf(stem, sizeof(stem), "%.*s", (int)length - 5, entry->d_name);
		if (is_standard(stem))
			continue;
		snprintf(relative, sizeof(relative), "tenants.d/%s", entry->d_name);
		removed |= harness_remove_config(relative);
	}
	closedir(listing);
	return removed;
}

void tenants_reset(void)
{
	struct json_object *tenants;
	long status = 0;
	char *body;
	bool changed = remove_test_dropins();

	/* Only a changed configuration is reloaded: most tests change none. */
	changed |= tenants_write_config("deny");
	if (changed)
		ck_assert_msg(harness_agent_reload(), "the standard configuration was refused");
	body = harness_get("/v1/tenants", &status);
	ck_assert_msg(status == 200, "the agent does not answer: %ld", status);
	tenants = json_tokener_parse(body);
	free(body);
	purge_test_tenants(tenants);
	json_object_put(tenants);
}

pid_t tenants_follow_refusals(const char *command, const char *arguments, const char *path,
			      const char *needle, bool *seen)
{
	char connect[128];
	pid_t follower;

	/* What an earlier follower left there must not pass for the news. */
	unlink(path);
	follower = fork();

	if (follower == 0) {
		execl("/bin/sh", "sh", "-c", command, (char *)NULL);
		_exit(127);
	}
	ck_assert_int_gt(follower, 0);
	snprintf(connect, sizeof(connect), "connect %s", arguments);
	*seen = harness_wait_until(harness_probe("hooli", NULL, connect) == EPERM &&
					   harness_file_contains(path, needle),
				   HARNESS_PATIENCE_MS);
	return follower;
}

/* Violation events: the posture scans' findings about the suites' own
 * processes (root, in tenant cgroups) are not counted. */
int tenants_count_events(const char *tenant)
{
	char needle[128], privileged[192], packet_socket[192];

	snprintf(needle, sizeof(needle), "\"tenant\":\"%s\",", tenant);
	snprintf(privileged, sizeof(privileged), "%s\"peer\":\"host\",\"reason\":\"privileged_process\"",
		 needle);
	snprintf(packet_socket, sizeof(packet_socket), "%s\"peer\":\"host\",\"reason\":\"packet_socket\"",
		 needle);
	return harness_log_lines(needle) - harness_log_lines(privileged) -
	       harness_log_lines(packet_socket);
}

bool tenants_event_seen(const char *tenant, const char *reason, int dport)
{
	struct json_object *event = harness_wait_event(tenant, reason, dport, 0);

	json_object_put(event);
	return event != NULL;
}
