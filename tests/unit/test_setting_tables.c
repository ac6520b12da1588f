// SPDX-License-Identifier: LGPL-2.1-or-later
/* The tables that list a tenant's settings stay in step: the parser's keys
 * (common/config_parse.c), the fields of a PUT body (agent/api/dropins.c)
 * and what the digest covers (common/config_digest.c). A setting added to
 * one and not the others fails here, and so does one added to all three
 * but not to the list below, which says what each setting is everywhere. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <check.h>

#include "api/dropins.h"
#include "config.h"
#include "test_suite.h"

/* A tenant setting: its key in a drop-in, its field in a PUT body and the
 * field's value there, and two values of the key the digest must tell
 * apart. */
struct tenant_setting {
	const char *key;
	const char *field;
	const char *json;
	const char *value, *other;
};

static const struct tenant_setting tenant_settings[] = {
	{ "Name", "name", "\"acme\"", "acme", "acme-two" },
	{ "Kind", "kind", "\"shared\"", "tenant", "shared" },
	{ "Mode", "mode", "\"audit\"", "enforce", "audit" },
	{ "Cgroup", "cgroups", "[\"/t/b\"]", "/t/a", "/t/b" },
	{ "Network", "networks", "[\"10.1.0.0/16\"]", "10.0.0.0/16", "10.1.0.0/16" },
	{ "AllowTo", "allow_to", "[{\"tenant\": \"peer\", \"port\": 81, \"protocol\": \"tcp\"}]",
	  "peer:80/tcp", "peer:81/tcp" },
	{ "MaxContainerAddresses", "max_container_addresses", "9", "8", "9" },
	{ "BindPorts", "bind_ports", "[\"8443/tcp\"]", "8080/tcp", "8443/tcp" },
	{ "EgressRate", "egress_rate", "\"2M\"", "1M", "2M" },
	{ "QuotaLoopback", "quota_loopback", "true", "no", "yes" },
	{ "ConnectRate", "connect_rate", "\"6/s\"", "5/s", "6/s" },
	{ "ConnectBurst", "connect_burst", "8", "7", "8" },
	{ "QuotaMode", "quota_mode", "\"warn\"", "enforce", "warn" },
};

/* An agent setting, and whether it reaches the policy maps, which the
 * digest must then cover; two values of it. */
struct agent_setting {
	const char *key;
	bool in_maps;
	const char *value, *other;
};

static const struct agent_setting agent_settings[] = {
	{ "CgroupRoot", false, "/", "/t" },
	{ "MetricsListen", false, "127.0.0.1:9810", "127.0.0.1:9811" },
	{ "HostPolicy", true, "allow", "deny" },
	{ "HostAllowPorts", true, "53/udp", "53/tcp" },
	{ "ContainerNetworks", false, "10.0.0.0/8", "172.16.0.0/12" },
	{ "EventRate", true, "100", "101" },
	{ "TenantMarkMask", true, "0xffff0000", "0x0fff0000" },
	{ "KillPreexisting", false, "no", "yes" },
	{ "PacketSockets", false, "report", "kill" },
	{ "NetlinkSockets", false, "report", "kill" },
	{ "PostureScanInterval", false, "5", "6" },
	{ "MaxCgroups", false, "65536", "65537" },
	{ "MaxNetworks", false, "65536", "65537" },
	{ "AdminGroup", false, "tenantd", "operators" },
};

static const struct tenant_setting *tenant_setting(const char *key)
{
	for (size_t i = 0; i < sizeof(tenant_settings) / sizeof(tenant_settings[0]); i++)
		if (!strcmp(tenant_settings[i].key, key))
			return &tenant_settings[i];
	return NULL;
}

static const struct agent_setting *agent_setting(const char *key)
{
	for (size_t i = 0; i < sizeof(agent_settings) / sizeof(agent_settings[0]); i++)
		if (!strcmp(agent_settings[i].key, key))
			return &agent_settings[i];
	return NULL;
}

static bool parser_takes(bool tenant, const char *key)
{
	const char *name;

	for (size_t i = 0; (name = config_key_name(tenant, i)); i++)
		if (!strcmp(name, key))
			return true;
	return false;
}

static bool body_takes(const char *field)
{
	const char *name;

	for (size_t i = 0; (name = dropin_field_name(i)); i++)
		if (!strcmp(name, field))
			return true;
	return false;
}

START_TEST(every_key_of_the_parser_is_a_listed_setting)
{
	const char *name;

	for (size_t i = 0; (name = config_key_name(true, i)); i++)
		ck_assert_msg(tenant_setting(name), "[Tenant] %s= is not listed here", name);
	for (size_t i = 0; (name = config_key_name(false, i)); i++)
		ck_assert_msg(agent_setting(name), "[Agent] %s= is not listed here", name);
}
END_TEST

START_TEST(every_listed_setting_is_a_key_of_the_parser)
{
	for (size_t i = 0; i < sizeof(tenant_settings) / sizeof(tenant_settings[0]); i++)
		ck_assert_msg(parser_takes(true, tenant_settings[i].key),
			      "the parser takes no [Tenant] %s=", tenant_settings[i].key);
	for (size_t i = 0; i < sizeof(agent_settings) / sizeof(agent_settings[0]); i++)
		ck_assert_msg(parser_takes(false, agent_settings[i].key),
			      "the parser takes no [Agent] %s=", agent_settings[i].key);
}
END_TEST

START_TEST(every_tenant_setting_is_a_field_of_a_put_body_and_back)
{
	const char *name;

	for (size_t i = 0; i < sizeof(tenant_settings) / sizeof(tenant_settings[0]); i++)
		ck_assert_msg(body_takes(tenant_settings[i].field), "a PUT body has no '%s' for %s=",
			      tenant_settings[i].field, tenant_settings[i].key);
	for (size_t i = 0; (name = dropin_field_name(i)); i++) {
		bool listed = false;

		for (size_t j = 0; j < sizeof(tenant_settings) / sizeof(tenant_settings[0]); j++)
			listed |= !strcmp(tenant_settings[j].field, name);
		ck_assert_msg(listed, "the PUT body field '%s' is no listed setting", name);
	}
}
END_TEST

/* The field, given alone in a body, writes its key into the drop-in. */
START_TEST(every_put_body_field_writes_its_key)
{
	for (size_t i = 0; i < sizeof(tenant_settings) / sizeof(tenant_settings[0]); i++) {
		const struct tenant_setting *setting = &tenant_settings[i];
		char body[512], key[64], error[512] = "", *text = NULL;

		snprintf(body, sizeof(body), "{\"%s\": %s}", setting->field, setting->json);
		ck_assert_msg(dropin_render("acme", body, strlen(body), &text, error,
					    sizeof(error)) == 0,
			      "%s: %s", body, error);
		snprintf(key, sizeof(key), "\n%s=", setting->key);
		ck_assert_msg(strstr(text, key), "%s wrote no %s=: %s", body, setting->key, text);
		free(text);
	}
}
END_TEST

static char scratch[] = "/tmp/tenantd-unit-tables-XXXXXX";

static void write_file(const char *relative, const char *text)
{
	char path[512];
	FILE *file;

	snprintf(path, sizeof(path), "%s/%s", scratch, relative);
	file = fopen(path, "w");
	ck_assert_ptr_nonnull(file);
	fputs(text, file);
	fclose(file);
}

/* The digest of the configuration with every tenant setting at its value
 * but CHANGED_TENANT's, at its other value, and the agent's likewise. */
static uint64_t digest_with(const char *changed_tenant, const char *changed_agent)
{
	char text[2048] = "[Tenant]\n", agent[1024] = "[Agent]\n", error[CONFIG_ERROR_MAX];
	struct config config;
	uint64_t digest;

	for (size_t i = 0; i < sizeof(tenant_settings) / sizeof(tenant_settings[0]); i++) {
		const struct tenant_setting *setting = &tenant_settings[i];
		bool changed = changed_tenant && !strcmp(changed_tenant, setting->key);

		snprintf(text + strlen(text), sizeof(text) - strlen(text), "%s=%s\n", setting->key,
			 changed ? setting->other : setting->value);
	}
	for (size_t i = 0; i < sizeof(agent_settings) / sizeof(agent_settings[0]); i++) {
		const struct agent_setting *setting = &agent_settings[i];
		bool changed = changed_agent && !strcmp(changed_agent, setting->key);

		snprintf(agent + strlen(agent), sizeof(agent) - strlen(agent), "%s=%s\n",
			 setting->key, changed ? setting->other : setting->value);
	}
	write_file("tenants.d/acme.conf", text);
	write_file("tenants.d/peer.conf", "[Tenant]\n");
	write_file("tenantd.conf", agent);
	ck_assert_msg(config_load(scratch, NULL, &config, error) == 0, "%s", error);
	digest = config_digest(&config);
	config_free(&config);
	return digest;
}

static void make_scratch(void)
{
	char path[512];

	ck_assert_ptr_nonnull(mkdtemp(scratch));
	snprintf(path, sizeof(path), "%s/tenants.d", scratch);
	ck_assert_int_eq(mkdir(path, 0700), 0);
}

static void remove_scratch(void)
{
	char command[600];

	snprintf(command, sizeof(command), "rm -rf %s", scratch);
	ck_assert_int_eq(system(command), 0);
}

START_TEST(every_tenant_setting_changes_the_digest)
{
	uint64_t base;

	make_scratch();
	base = digest_with(NULL, NULL);
	for (size_t i = 0; i < sizeof(tenant_settings) / sizeof(tenant_settings[0]); i++)
		ck_assert_msg(digest_with(tenant_settings[i].key, NULL) != base,
			      "the digest does not cover %s=", tenant_settings[i].key);
	remove_scratch();
}
END_TEST

START_TEST(the_agent_settings_in_the_maps_and_only_they_change_the_digest)
{
	uint64_t base;

	make_scratch();
	base = digest_with(NULL, NULL);
	for (size_t i = 0; i < sizeof(agent_settings) / sizeof(agent_settings[0]); i++) {
		const struct agent_setting *setting = &agent_settings[i];

		ck_assert_msg((digest_with(NULL, setting->key) != base) == setting->in_maps,
			      "%s= %s the digest", setting->key,
			      setting->in_maps ? "does not change" : "changes");
	}
	remove_scratch();
}
END_TEST

Suite *test_suite(void)
{
	Suite *suite = suite_create("setting_tables");
	TCase *tables = tcase_create("tables");

	tcase_add_test(tables, every_key_of_the_parser_is_a_listed_setting);
	tcase_add_test(tables, every_listed_setting_is_a_key_of_the_parser);
	tcase_add_test(tables, every_tenant_setting_is_a_field_of_a_put_body_and_back);
	tcase_add_test(tables, every_put_body_field_writes_its_key);
	tcase_add_test(tables, every_tenant_setting_changes_the_digest);
	tcase_add_test(tables, the_agent_settings_in_the_maps_and_only_they_change_the_digest);
	suite_add_tcase(suite, tables);
	return suite;
}
