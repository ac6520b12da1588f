# tenantd: build, test, demo, install.
# Everything generated (vmlinux.h, BPF objects, skeletons, binaries) goes to build/.

BUILD := build
# A failed step must not leave an empty target that looks up to date.
.DELETE_ON_ERROR:
# make V=1 shows the full commands.
ifeq ($(V),1)
Q :=
msg := @true
else
Q := @
msg := @printf '  %-8s %s\n'
endif
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
SYSCONFDIR ?= /etc
DOCDIR ?= $(PREFIX)/share/doc/tenantd
MANDIR ?= $(PREFIX)/share/man
DATADIR ?= $(PREFIX)/share/tenantd
# Where bash-completion loads a command's completion on first use.
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions
# systemd looks for units, sysusers.d and tmpfiles.d under /usr/local/lib as
# well as /usr/lib, so they follow PREFIX like the binaries.
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo 0.1.0)

CC ?= cc
CLANG ?= clang
BPFTOOL ?= bpftool
ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

PKGS := libbpf libmicrohttpd json-c inih libcurl libmnl libsystemd libcap libseccomp
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARNINGS := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes \
	-Wmissing-prototypes -Wno-unused-parameter -Wno-format-truncation
CFLAGS ?= -O2 -g
# make SANITIZE=1: AddressSanitizer, LeakSanitizer and UBSan, any error fatal.
ifeq ($(SANITIZE),1)
CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
endif
CFLAGS += -std=gnu11 $(WARNINGS) -D_GNU_SOURCE -DTENANTD_VERSION='"$(VERSION)"' \
	-Iinclude -Icommon -I$(BUILD) $(PKG_CFLAGS)
# Each object's header dependencies, written by the compiler as it builds it.
DEPFLAGS = -MMD -MP
LDLIBS += $(PKG_LIBS) -lelf -lz
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
	-Iinclude -Ibpf -I$(BUILD)

# The code both programs use (common/), the daemon (agent/) and the CLI
# (tenantctl/); only the daemon's objects wait for the BPF skeleton.
# Objects live under $(BUILD)/obj/, mirroring the source tree.
OBJ = $(BUILD)/obj
COMMON_OBJS := $(patsubst %.c,$(OBJ)/%.o,$(wildcard common/*.c))
AGENT_FOLDERS := agent/kernel agent/cgroups agent/scans agent/api
AGENT_OBJS := $(patsubst %.c,$(OBJ)/%.o,$(filter-out agent/main.c,$(wildcard agent/*.c \
	$(AGENT_FOLDERS:%=%/*.c))))
TENANTCTL_OBJS := $(patsubst %.c,$(OBJ)/%.o,$(wildcard tenantctl/*.c))
BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(BUILD)/bpf/%.bpf.o,$(BPF_SRCS))

UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_*.c))
INTEGRATION_TESTS := $(patsubst tests/integration/%.c,$(BUILD)/tests/%,$(wildcard tests/integration/test_*.c))
TEST_HELPERS := $(BUILD)/tests/netprobe

.PHONY: deb all setup check check-soak test-binaries fuzz demo bench install uninstall clean
MAN_PAGES := $(BUILD)/man/tenantd.8 $(BUILD)/man/tenantctl.8 $(BUILD)/man/tenantd.conf.5

all: $(BUILD)/tenantd $(BUILD)/tenantctl $(MAN_PAGES)

# Installs the Debian packages the build, the tests and the demo need, the
# missing ones only. A make that another make started (SETUP_DONE=1) has
# them already.
setup:
ifneq ($(SETUP_DONE),1)
	@scripts/setup.sh
endif

# The programs are CO-RE: vmlinux.h only has to declare the kernel types
# they read, and libbpf relocates every field access to the running kernel
# at load time. VMLINUX_BTF names the BTF to take them from (default: the
# build host's kernel); scripts/vmlinux.sh refuses one that lacks what the
# programs need (Linux 5.15 or later).
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
$(BUILD)/vmlinux.h: $(VMLINUX_BTF) scripts/vmlinux.sh
	@mkdir -p $(@D)
	$(msg) GEN $@
	$(Q)BPFTOOL=$(BPFTOOL) scripts/vmlinux.sh $< > $@.tmp && mv $@.tmp $@

# Every object also depends on this Makefile: its flags are part of it.
$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c $(BUILD)/vmlinux.h Makefile
	@mkdir -p $(@D)
	$(msg) BPF $@
	$(Q)$(CLANG) $(BPF_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(BUILD)/tenantd.bpf.o: $(BPF_OBJS)
	$(msg) LINK $@
	$(Q)$(BPFTOOL) gen object $@ $^

# The man pages' sources are scdoc (man/*.scd), rendered to roff here.
$(BUILD)/man/%: man/%.scd
	@mkdir -p $(@D)
	$(msg) MAN $@
	$(Q)scdoc < $< > $@.tmp && mv $@.tmp $@

$(BUILD)/tenantd.skel.h: $(BUILD)/tenantd.bpf.o
	$(msg) SKEL $@
	$(Q)$(BPFTOOL) gen skeleton $< name tenantd_bpf > $@.tmp && mv $@.tmp $@

# Agent headers are included by their folder: "kernel/policy.h".
$(OBJ)/agent/%.o: CFLAGS += -Iagent
# Generated before the first compile; afterwards the recorded dependencies
# say which objects include it. (A pattern rule cannot add prerequisites.)
$(AGENT_OBJS) $(OBJ)/agent/main.o: | $(BUILD)/tenantd.skel.h

$(OBJ)/%.o: %.c Makefile
	@mkdir -p $(@D)
	$(msg) CC $@
	$(Q)$(CC) $(CFLAGS) $(DEPFLAGS) -c $< -o $@

$(BUILD)/tenantd: $(OBJ)/agent/main.o $(AGENT_OBJS) $(COMMON_OBJS)
	$(msg) LD $@
	$(Q)$(CC) $(CFLAGS) $^ -o $@ $(LDFLAGS) $(LDLIBS)

$(BUILD)/tenantctl: $(TENANTCTL_OBJS) $(COMMON_OBJS)
	$(msg) LD $@
	$(Q)$(CC) $(CFLAGS) $^ -o $@ $(LDFLAGS) $(LDLIBS)

# Test support shared by the suites: Check's main() for unit tests and the
# bad-input corpus reader.
TEST_SUPPORT_OBJS := $(OBJ)/tests/support/corpus.o
$(OBJ)/tests/support/%.o: CFLAGS += -Itests/support

# Static pattern rules: a unit test and an integration test are both
# $(BUILD)/tests/NAME, built from different sources.
$(UNIT_TESTS): $(BUILD)/tests/%: tests/unit/%.c $(OBJ)/tests/support/check_main.o \
		$(TEST_SUPPORT_OBJS) $(AGENT_OBJS) $(COMMON_OBJS)
	@mkdir -p $(@D)
	$(msg) LD $@
	$(Q)$(CC) $(CFLAGS) -Iagent -Itests/support $(DEPFLAGS) -MF $@.d \
		$(filter %.c %.o,$^) -o $@ $(LDFLAGS) $(LDLIBS) $(shell pkg-config --libs check)

$(INTEGRATION_TESTS): $(BUILD)/tests/%: tests/integration/%.c \
		$(OBJ)/tests/integration/harness.o $(OBJ)/tests/integration/tenants.o \
		$(TEST_SUPPORT_OBJS)
	@mkdir -p $(@D)
	$(msg) LD $@
	$(Q)$(CC) $(CFLAGS) -Itests/integration -Itests/support $(DEPFLAGS) -MF $@.d \
		$(filter %.c %.o,$^) -o $@ $(LDFLAGS) $(LDLIBS) $(shell pkg-config --libs check)

$(OBJ)/tests/integration/%.o: CFLAGS += -Itests/integration -Itests/support

$(BUILD)/tests/netprobe: tests/integration/netprobe.c
	@mkdir -p $(@D)
	$(msg) CC $@
	$(Q)$(CC) $(CFLAGS) $(DEPFLAGS) -MF $@.d $< -o $@

# libFuzzer targets, built with clang whatever CC is.
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-std=gnu11 -D_GNU_SOURCE -Iinclude -Icommon -Iagent \
	$(shell pkg-config --cflags json-c 2>/dev/null)
FUZZ_SECONDS ?= 60
CONFIG_SOURCES := $(wildcard common/config_*.c)

$(BUILD)/fuzz/fuzz_config: tests/fuzz/fuzz_config.c $(CONFIG_SOURCES) common/validate.c common/log.c
$(BUILD)/fuzz/fuzz_address: tests/fuzz/fuzz_address.c common/validate.c
$(BUILD)/fuzz/fuzz_api: tests/fuzz/fuzz_api.c agent/api/dropins.c $(CONFIG_SOURCES) common/validate.c \
	common/log.c
$(FUZZ_TARGETS):
	@mkdir -p $(@D)
	$(msg) FUZZ $@
	$(Q)$(CLANG) $(FUZZ_CFLAGS) $(filter-out -Wno-format-truncation,$(WARNINGS)) $^ -o $@ \
		$(shell pkg-config --libs inih json-c)

# Fuzzes each target for FUZZ_SECONDS on a scratch copy of its seed corpus
# (tests/fuzz/corpus/NAME); copy new finds worth keeping back into it.
fuzz: setup
	@$(MAKE) --no-print-directory SETUP_DONE=1 $(FUZZ_TARGETS)
	@for target in $(FUZZ_TARGETS); do \
		name=$${target##*/fuzz_}; \
		mkdir -p $(BUILD)/fuzz/corpus-$$name && \
		cp -n tests/fuzz/corpus/$$name/* $(BUILD)/fuzz/corpus-$$name/ && \
		$$target -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
			$(BUILD)/fuzz/corpus-$$name || exit 1; \
	done

test-binaries: all $(UNIT_TESTS) $(INTEGRATION_TESTS) $(TEST_HELPERS) $(FUZZ_TARGETS)

# The units, and the Debian package's life cycle, under a real systemd booted
# in a container (tests/systemd/).
SYSTEMD_TESTS := tests/systemd/test_service.sh tests/systemd/test_package.sh

# What operators get beside the agent (tests/operator/): the man pages and
# tenantctl's completion as installed, and the Prometheus rules.
OPERATOR_TESTS := tests/operator/test_manpages_and_completion.sh \
	tests/operator/test_prometheus_rules.sh

# The code's shape (tests/structure/): no cycles between modules, no
# function over 80 lines, every file opening with its role.
STRUCTURE_TESTS := tests/structure/test_code_shape.sh

# Three nodes, their agents and a federated Prometheus (tests/fleet/); run
# against the sanitized agent too.
FLEET_TESTS := tests/fleet/test_fleet.sh

# Every test twice: as built, and built with the sanitizers (the agent, its
# client and the tests alike), so a memory error or a leak fails the run.
SANITIZE_BUILD := $(BUILD)/sanitize
check: setup
	@$(MAKE) --no-print-directory test-binaries
	@$(MAKE) --no-print-directory BUILD=$(SANITIZE_BUILD) SANITIZE=1 test-binaries
	@echo "  DEB      $(BUILD)/deb/ (log in $(BUILD)/deb.log)"
	@$(MAKE) --no-print-directory SETUP_DONE=1 deb >$(BUILD)/deb.log 2>&1 || \
		{ tail -40 $(BUILD)/deb.log; exit 1; }
	@tests/run.sh $(UNIT_TESTS) $(INTEGRATION_TESTS) $(FUZZ_TARGETS) $(SYSTEMD_TESTS) \
		$(OPERATOR_TESTS) $(STRUCTURE_TESTS) $(FLEET_TESTS) $(FLEET_TESTS:%=%@$(SANITIZE_BUILD)) \
		$(patsubst $(BUILD)/%,$(SANITIZE_BUILD)/%,$(UNIT_TESTS) $(INTEGRATION_TESTS))

# make check three times, each from a fresh clone of HEAD: idle, beside a
# CPU hog, and on one CPU (scripts/soak.sh). Too long for make check itself.
check-soak: setup
	@scripts/soak.sh

# The Debian package, built with dpkg-buildpackage from a copy of the
# tracked files (debian/ says how), into $(BUILD)/deb/.
deb: setup
	@rm -rf $(BUILD)/deb && mkdir -p $(BUILD)/deb/tenantd
	git ls-files -z | xargs -0 tar -cf - | tar -xf - -C $(BUILD)/deb/tenantd
	cd $(BUILD)/deb/tenantd && dpkg-buildpackage -b -uc -us
	@ls $(BUILD)/deb/*.deb

demo: setup
	@$(MAKE) --no-print-directory all $(BUILD)/tests/netprobe
	@scripts/demo.sh

# The benchmarks' own programs: a loopback client and server, and a load
# of API clients.
$(BUILD)/bench/loopback: bench/loopback.c
	@mkdir -p $(@D)
	$(msg) CC $@
	$(Q)$(CC) $(CFLAGS) $< -o $@

$(BUILD)/bench/api_load: bench/api_load.c
	@mkdir -p $(@D)
	$(msg) CC $@
	$(Q)$(CC) $(CFLAGS) $< -o $@ -lpthread

# Loopback overhead against no agent, the API with 10,000 tenants,
# start-up and reload at a fleet node's scale, and the datapath at 1 to
# 10,000 tenants beside nftables, EgressRate= as a receiver sees it;
# figures and plots in build/bench/,
# described in docs/benchmarks.md.
bench: setup
	@$(MAKE) --no-print-directory all $(BUILD)/bench/loopback $(BUILD)/bench/api_load
	@bench/loopback.sh
	@bench/api.sh
	@bench/scale.sh
	@bench/datapath.sh
	@bench/quota.sh
	@bench/plot.sh

# The units name the paths chosen here.
SUBSTITUTE = sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@BINDIR@|$(BINDIR)|g' \
	-e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' -e 's|@DOCDIR@|$(DOCDIR)|g'

# The example configuration is installed only where none exists yet.
install: all
	install -D -m 0755 $(BUILD)/tenantd $(DESTDIR)$(SBINDIR)/tenantd
	install -D -m 0755 $(BUILD)/tenantctl $(DESTDIR)$(BINDIR)/tenantctl
	install -d -m 0755 $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR)
	$(SUBSTITUTE) systemd/tenantd.service.in > $(DESTDIR)$(UNITDIR)/tenantd.service
	install -m 0644 systemd/tenantd.socket systemd/tenantd-bpffs.service $(DESTDIR)$(UNITDIR)/
	install -m 0644 systemd/tenantd.sysusers $(DESTDIR)$(SYSUSERSDIR)/tenantd.conf
	$(SUBSTITUTE) systemd/tenantd.tmpfiles.in > $(DESTDIR)$(TMPFILESDIR)/tenantd.conf
	install -d -m 0755 $(DESTDIR)$(SYSCONFDIR)/tenantd/tenants.d
	[ -e $(DESTDIR)$(SYSCONFDIR)/tenantd/tenantd.conf ] || \
		install -m 0644 systemd/examples/tenantd.conf $(DESTDIR)$(SYSCONFDIR)/tenantd/tenantd.conf
	install -d -m 0755 $(DESTDIR)$(DOCDIR)/examples/tenants.d
	install -m 0644 README.md docs/*.md $(DESTDIR)$(DOCDIR)/
	install -m 0644 systemd/examples/tenantd.conf systemd/examples/*.slice \
		$(DESTDIR)$(DOCDIR)/examples/
	install -m 0644 systemd/examples/tenants.d/*.conf $(DESTDIR)$(DOCDIR)/examples/tenants.d/
	install -D -m 0644 $(BUILD)/man/tenantd.8 $(DESTDIR)$(MANDIR)/man8/tenantd.8
	install -D -m 0644 $(BUILD)/man/tenantctl.8 $(DESTDIR)$(MANDIR)/man8/tenantctl.8
	install -D -m 0644 $(BUILD)/man/tenantd.conf.5 $(DESTDIR)$(MANDIR)/man5/tenantd.conf.5
	install -D -m 0644 contrib/completion/tenantctl.bash $(DESTDIR)$(COMPLETIONDIR)/tenantctl
	install -D -m 0644 contrib/prometheus/tenantd-rules.yml \
		$(DESTDIR)$(DATADIR)/prometheus/tenantd-rules.yml
	install -D -m 0644 contrib/grafana/tenantd-fleet.json $(DESTDIR)$(DATADIR)/grafana/tenantd-fleet.json
ifeq ($(DESTDIR),)
	@# On this host, the user tenantd runs as and the directories it owns
	@# must exist before its first start (packages do this in postinst).
	if command -v systemd-sysusers >/dev/null; then \
		systemd-sysusers $(SYSUSERSDIR)/tenantd.conf && \
		systemd-tmpfiles --create $(TMPFILESDIR)/tenantd.conf; \
	fi
endif

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/tenantd $(DESTDIR)$(BINDIR)/tenantctl
	rm -f $(DESTDIR)$(UNITDIR)/tenantd.service $(DESTDIR)$(UNITDIR)/tenantd.socket \
		$(DESTDIR)$(UNITDIR)/tenantd-bpffs.service
	rm -f $(DESTDIR)$(SYSUSERSDIR)/tenantd.conf $(DESTDIR)$(TMPFILESDIR)/tenantd.conf
	rm -rf $(DESTDIR)$(DOCDIR)
	rm -f $(DESTDIR)$(MANDIR)/man8/tenantd.8 $(DESTDIR)$(MANDIR)/man8/tenantctl.8 \
		$(DESTDIR)$(MANDIR)/man5/tenantd.conf.5 $(DESTDIR)$(COMPLETIONDIR)/tenantctl
	rm -rf $(DESTDIR)$(DATADIR)

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' -type f 2>/dev/null)
