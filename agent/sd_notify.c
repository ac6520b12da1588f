// SPDX-License-Identifier: LGPL-2.1-or-later
/* sd_notify(3) through libsystemd. The watchdog is pinged from the event
 * loop itself, so an agent whose loop is wedged stops pinging and systemd
 * restarts it; the programs keep enforcing meanwhile, as across any
 * restart. The status line counts violations over the last minute from the
 * kernel's counters, sampled every STATUS_PERIOD_MS. */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/libbpf.h>
#include <systemd/sd-daemon.h>

#include "agent.h"
#include "cleanup.h"
#include "kernel/counters.h"
#include "log.h"
#include "sd_notify.h"
#include "tenantd.skel.h"

#define STATUS_PERIOD_MS 10000
/* Samples spanning a minute, STATUS_PERIOD_MS apart. */
#define STATUS_SAMPLES (60000 / STATUS_PERIOD_MS + 1)

struct violation_sample {
	uint64_t at_ms;
	uint64_t total;
};

static struct {
	uint64_t watchdog_ms; /* half of WatchdogSec=, 0 without a watchdog */
	uint64_t next_ping_ms;
	uint64_t next_status_ms;
	struct violation_sample samples[STATUS_SAMPLES];
	size_t sample_count, next_sample;
} service;

static uint64_t now_ms(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)now.tv_sec * 1000 + (uint64_t)now.tv_nsec / 1000000;
}

static uint64_t violations_total(const struct agent *agent)
{
	_cleanup_free_ struct violation_total *totals = NULL;
	size_t count = 0;
	uint64_t sum = 0;

	if (counters_read_violations(bpf_map__fd(agent->programs.skeleton->maps.tenantd_violations),
				     &totals, &count))
		return 0;
	for (size_t i = 0; i < count; i++)
		sum += totals[i].count;
	return sum;
}

/* Violations per minute: the newest sample against the oldest one kept,
 * which is a minute old once the agent has run that long. */
static uint64_t violations_per_minute(const struct agent *agent)
{
	struct violation_sample *newest = &service.samples[service.next_sample], *oldest;
	uint64_t elapsed;

	newest->at_ms = now_ms();
	newest->total = violations_total(agent);
	service.next_sample = (service.next_sample + 1) % STATUS_SAMPLES;
	if (service.sample_count < STATUS_SAMPLES)
		service.sample_count++;
	oldest = &service.samples[(service.next_sample + STATUS_SAMPLES - service.sample_count) %
				  STATUS_SAMPLES];
	elapsed = newest->at_ms - oldest->at_ms;
	if (!elapsed || newest->total < oldest->total)
		return 0;
	return (newest->total - oldest->total) * 60000 / (elapsed > 60000 ? elapsed : 60000);
}

static void notify_status(struct agent *agent, const char *state)
{
	(void)sd_notifyf(0, "%sSTATUS=enforcing: %zu tenant%s, %u program%s, %" PRIu64
			 " violations/min%s", state, agent->config.tenant_count,
			 agent->config.tenant_count == 1 ? "" : "s", agent->programs.attached,
			 agent->programs.attached == 1 ? "" : "s", violations_per_minute(agent),
			 agent->disabled_programs ? " (partial: see tenantd status)" : "");
	service.next_status_ms = now_ms() + STATUS_PERIOD_MS;
}

void service_ready(struct agent *agent)
{
	uint64_t usec = 0;

	if (sd_watchdog_enabled(true, &usec) > 0 && usec >= 2000) {
		service.watchdog_ms = usec / 2000;
		service.next_ping_ms = now_ms() + service.watchdog_ms;
		log_info("pinging the service manager's watchdog every %" PRIu64 " ms",
			 service.watchdog_ms);
	}
	notify_status(agent, "READY=1\n");
}

void service_reloading(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	(void)sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%" PRIu64 "\nSTATUS=reloading",
			 (uint64_t)now.tv_sec * 1000000 + (uint64_t)now.tv_nsec / 1000);
}

void service_reloaded(struct agent *agent, int result, const char *reason)
{
	if (result == 0) {
		notify_status(agent, "READY=1\n");
		return;
	}
	/* The old policy still holds: ready, and saying why the new one is not. */
	(void)sd_notifyf(0, "READY=1\nSTATUS=reload refused, the running policy is unchanged: %s",
			 reason);
	service.next_status_ms = now_ms() + STATUS_PERIOD_MS;
}

void service_stopping(void)
{
	(void)sd_notify(0, "STOPPING=1\nSTATUS=stopping; the programs stay attached and enforcing");
}

void service_failed(int error, const char *reason)
{
	(void)sd_notifyf(0, "STATUS=%s\nERRNO=%d", reason, error < 0 ? -error : error);
}

int service_timeout(const struct agent *agent)
{
	uint64_t now = now_ms(), next = service.next_status_ms;

	if (service.watchdog_ms && service.next_ping_ms < next)
		next = service.next_ping_ms;
	return next <= now ? 0 : (int)(next - now);
}

void service_tick(struct agent *agent)
{
	uint64_t now = now_ms();

	if (service.watchdog_ms && now >= service.next_ping_ms) {
		(void)sd_notify(0, "WATCHDOG=1");
		service.next_ping_ms = now + service.watchdog_ms;
	}
	if (now >= service.next_status_ms)
		notify_status(agent, "");
}
