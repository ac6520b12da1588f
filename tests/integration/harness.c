// SPDX-License-Identifier: LGPL-2.1-or-later
/* The integration harness and the main() of every integration test. Only
 * the process that set the scratch tree up ever cleans up: Check forks every
 * test, and a forked test exiting must not tear down what the suite still
 * uses. */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <curl/curl.h>

#include "harness.h"

#define MAX_LISTENERS 64

extern char **environ;

static struct {
	pid_t owner;
	char cgroup_mount[4096];
	char root[256]; /* relative to the cgroup2 mount */
	char scratch[256];
	char bpffs[256];
	char netns_a[64], netns_b[64];
	bool netns_created;
	char netns[8][64]; /* harness_netns's */
	int netns_count;
	pid_t runner; /* the child running the Check suite */
	pid_t listeners[MAX_LISTENERS];
	int listener_count;
	char cgroup_path[4096];
} H;

static void die(const char *format, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *format, ...)
{
	va_list args;

	va_start(args, format);
	fprintf(stderr, "harness: ");
	vfprintf(stderr, format, args);
	fprintf(stderr, "\n");
	va_end(args);
	harness_cleanup();
	exit(EXIT_FAILURE);
}

static int run_command(const char *format, ...) __attribute__((format(printf, 1, 2)));

static int run_command(const char *format, ...)
{
	char command[2048];
	va_list args;
	int status;

	va_start(args, format);
	vsnprintf(command, sizeof(command), format, args);
	va_end(args);
	status = system(command);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static long long monotonic_ms(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

struct harness_deadline harness_deadline_in(int timeout_ms)
{
	return (struct harness_deadline){ .end_ms = monotonic_ms() + timeout_ms, .poll_ms = 5 };
}

bool harness_deadline_wait(struct harness_deadline *deadline)
{
	long long left = deadline->end_ms - monotonic_ms();

	if (left <= 0)
		return false;
	usleep((useconds_t)(left < deadline->poll_ms ? left : deadline->poll_ms) * 1000);
	if (deadline->poll_ms < 50)
		deadline->poll_ms *= 2;
	return true;
}

static void find_cgroup2_mount(void)
{
	FILE *mountinfo = fopen("/proc/self/mountinfo", "re");
	char line[8192];

	if (!mountinfo)
		die("cannot read mountinfo");
	while (fgets(line, sizeof(line), mountinfo)) {
		char point[4096], type[64];
		const char *separator = strstr(line, " - ");

		if (separator && sscanf(line, "%*s %*s %*s %*s %4095s", point) == 1 &&
		    sscanf(separator + 3, "%63s", type) == 1 && !strcmp(type, "cgroup2")) {
			strcpy(H.cgroup_mount, point);
			fclose(mountinfo);
			return;
		}
	}
	fclose(mountinfo);
	die("no cgroup2 mount");
}

static void on_signal(int signal_number)
{
	struct sigaction ignore = { .sa_handler = SIG_IGN };

	/* Check's handler in the runner signals the whole process group;
	 * nothing may interrupt the clean-up. */
	sigaction(SIGTERM, &ignore, NULL);
	sigaction(SIGINT, &ignore, NULL);
	if (H.runner > 0)
		kill(H.runner, SIGKILL);
	harness_cleanup();
	signal(signal_number, SIG_DFL);
	raise(signal_number);
}

static int run_suite(SRunner *runner)
{
	int status;

	H.runner = fork();
	if (H.runner < 0)
		die("fork");
	if (H.runner == 0) {
		srunner_run_all(runner, CK_NORMAL);
		_exit(srunner_ntests_failed(runner) > 255 ? 255 : srunner_ntests_failed(runner));
	}
	while (waitpid(H.runner, &status, 0) < 0 && errno == EINTR)
		;
	H.runner = 0;
	if (!WIFEXITED(status))
		return 1;
	return WEXITSTATUS(status);
}

static void setup(void)
{
	H.owner = getpid();
	/* Agents started by forked tests are reparented here and reaped. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	/* The suite, its agent and every process it starts live in a network
	 * namespace of their own: no port the suite uses can be taken by
	 * anything else on the machine, and its traffic reaches nothing but
	 * its own listeners. To the agent, this namespace is the host's. */
	if (unshare(CLONE_NEWNET))
		die("cannot make the suite's network namespace: %s", strerror(errno));
	if (run_command("ip link set lo up"))
		die("cannot bring lo up in the suite's network namespace");
	find_cgroup2_mount();
	snprintf(H.root, sizeof(H.root), "/tenantd-test-%d", H.owner);
	snprintf(H.scratch, sizeof(H.scratch), "/tmp/tenantd-test-%d", H.owner);
	snprintf(H.bpffs, sizeof(H.bpffs), "/sys/fs/bpf/tenantd-test-%d", H.owner);
	atexit(harness_cleanup);
	{
		struct sigaction handler = { .sa_handler = on_signal };

		sigfillset(&handler.sa_mask);
		sigaction(SIGINT, &handler, NULL);
		sigaction(SIGTERM, &handler, NULL);
		sigaction(SIGABRT, &handler, NULL);
		sigaction(SIGHUP, &handler, NULL);
	}
	if (run_command("mkdir -p %s/conf/tenants.d %s/state %s/run", H.scratch, H.scratch,
			H.scratch))
		die("cannot create %s", H.scratch);
	harness_cgroup("");
}

const char *harness_root(void)
{
	return H.root;
}

const char *harness_cgroup_path(const char *name)
{
	snprintf(H.cgroup_path, sizeof(H.cgroup_path), "%s%s%s%s", H.cgroup_mount, H.root,
		 name[0] ? "/" : "", name);
	return H.cgroup_path;
}

const char *harness_cgroup(const char *name)
{
	harness_cgroup_path(name);
	if (run_command("mkdir -p '%s'", H.cgroup_path))
		die("cannot create cgroup %s", H.cgroup_path);
	return H.cgroup_path;
}

bool harness_write_config(const char *relative_path, const char *format, ...)
{
	char path[4096], *text = NULL, *before;
	va_list args;
	bool changed;
	FILE *file;

	snprintf(path, sizeof(path), "%s/conf/%s", H.scratch, relative_path);
	va_start(args, format);
	if (vasprintf(&text, format, args) < 0)
		die("out of memory");
	va_end(args);
	before = harness_read_file(path);
	changed = !before || strcmp(before, text);
	free(before);
	if (changed) {
		file = fopen(path, "we");
		if (!file)
			die("cannot write %s", path);
		fputs(text, file);
		fclose(file);
	}
	free(text);
	return changed;
}

bool harness_remove_config(const char *relative_path)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/conf/%s", H.scratch, relative_path);
	return unlink(path) == 0;
}

static bool socket_ready(void)
{
	long status = 0;
	char *body = harness_get("/v1/status", &status);

	free(body);
	return status == 200;
}

/* The agent may be started by a forked test and stopped by the suite's
 * owner, or the other way round, so it is tracked by a pid file, not by
 * process-local state; the owner is a child subreaper and reaps it. */
static pid_t agent_pid_read(void)
{
	char path[4096];
	FILE *file;
	int pid = 0;

	snprintf(path, sizeof(path), "%s/agent.pid", H.scratch);
	file = fopen(path, "re");
	if (!file)
		return 0;
	if (fscanf(file, "%d", &pid) != 1)
		pid = 0;
	fclose(file);
	return pid;
}

static void agent_pid_write(pid_t pid)
{
	char path[4096];
	FILE *file;

	snprintf(path, sizeof(path), "%s/agent.pid", H.scratch);
	file = fopen(path, "we");
	if (!file)
		die("cannot write %s", path);
	fprintf(file, "%d\n", pid);
	fclose(file);
}

/* Gone, or a zombie waiting for whichever process reaps it. */
static bool process_gone(pid_t pid)
{
	char path[64], line[512];
	const char *state;
	FILE *file;
	bool gone = true;

	waitpid(pid, NULL, WNOHANG);
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	file = fopen(path, "re");
	if (!file)
		return true;
	if (fgets(line, sizeof(line), file) && (state = strrchr(line, ')')))
		gone = state[2] == 'Z' || state[2] == 'X';
	fclose(file);
	return gone;
}

void harness_agent_start(void)
{
	char log_path[4096], config[4096], runtime[4096], state[4096];
	char *argv[] = {
		(char *)harness_binary("tenantd"), "--config-dir", config, "--runtime-dir", runtime,
		"--state-dir", state, "--bpffs-dir", H.bpffs, "--cgroup-root", H.root, NULL,
	};
	posix_spawn_file_actions_t actions;
	posix_spawnattr_t attributes;
	pid_t pid;

	snprintf(config, sizeof(config), "%s/conf", H.scratch);
	snprintf(runtime, sizeof(runtime), "%s/run", H.scratch);
	snprintf(state, sizeof(state), "%s/state", H.scratch);
	snprintf(log_path, sizeof(log_path), "%s/agent.log", H.scratch);
	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log_path,
					 O_WRONLY | O_CREAT | O_APPEND, 0644);
	/* A process group of its own: Check kills a finished test's group, and
	 * an agent a test restarts must outlive that test. */
	posix_spawnattr_init(&attributes);
	posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
	posix_spawnattr_setpgroup(&attributes, 0);
	if (posix_spawn(&pid, argv[0], &actions, &attributes, argv, environ))
		die("cannot start %s", argv[0]);
	posix_spawnattr_destroy(&attributes);
	posix_spawn_file_actions_destroy(&actions);
	agent_pid_write(pid);
	if (!harness_wait_until(process_gone(pid) || socket_ready(), HARNESS_PATIENCE_MS))
		die("tenantd did not answer on its control socket within %d s",
		    HARNESS_PATIENCE_MS / 1000);
	if (process_gone(pid)) {
		run_command("cat %s >&2", log_path);
		die("tenantd exited during start-up");
	}
}

/* Whether an HTTP request on the socket at ADDRESS is answered. */
static bool socket_serves(const struct sockaddr_un *address)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	char answer[12];
	bool served = fd >= 0 && connect(fd, (const struct sockaddr *)address, sizeof(*address)) == 0 &&
		      write(fd, "GET /v1/status HTTP/1.0\r\n\r\n", 28) == 28 &&
		      read(fd, answer, sizeof(answer)) > 0;

	if (fd >= 0)
		close(fd);
	return served;
}

void harness_agent_start_activated(const char *socket_path)
{
	struct sockaddr_un address = { .sun_family = AF_UNIX };
	char log_path[4096], config[4096], runtime[4096], state[4096], pid_text[32];
	int fd, log_fd;
	pid_t pid;

	snprintf(config, sizeof(config), "%s/conf", H.scratch);
	snprintf(runtime, sizeof(runtime), "%s/run", H.scratch);
	snprintf(state, sizeof(state), "%s/state", H.scratch);
	snprintf(log_path, sizeof(log_path), "%s/agent.log", H.scratch);
	snprintf(address.sun_path, sizeof(address.sun_path), "%s", socket_path);
	unlink(socket_path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&address, sizeof(address)) || listen(fd, 16) ||
	    chmod(socket_path, 0666))
		die("cannot listen on %s", socket_path);
	/* As a service manager does: the socket on fd 3, LISTEN_PID set in the
	 * child, which only then knows its pid. */
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		log_fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (log_fd < 0 || dup2(log_fd, STDERR_FILENO) < 0 || dup2(fd, 3) < 0)
			_exit(127);
		setpgid(0, 0);
		snprintf(pid_text, sizeof(pid_text), "%d", getpid());
		setenv("LISTEN_PID", pid_text, 1);
		setenv("LISTEN_FDS", "1", 1);
		execl(harness_binary("tenantd"), "tenantd", "--config-dir", config, "--runtime-dir",
		      runtime, "--state-dir", state, "--bpffs-dir", H.bpffs, "--cgroup-root", H.root,
		      (char *)NULL);
		_exit(127);
	}
	close(fd);
	agent_pid_write(pid);
	if (!harness_wait_until(process_gone(pid) || socket_serves(&address), HARNESS_PATIENCE_MS))
		die("tenantd did not answer on the inherited socket within %d s",
		    HARNESS_PATIENCE_MS / 1000);
	if (process_gone(pid))
		die("tenantd exited during start-up");
}

pid_t harness_agent_pid(void)
{
	return agent_pid_read();
}

bool harness_agent_running(void)
{
	pid_t pid = agent_pid_read();

	return pid > 0 && !process_gone(pid);
}

void harness_agent_signal(int signal_number)
{
	pid_t pid = agent_pid_read();

	if (pid <= 0)
		return;
	kill(pid, signal_number);
	if (signal_number != SIGTERM && signal_number != SIGKILL)
		return;
	if (!harness_wait_until(process_gone(pid), HARNESS_PATIENCE_MS))
		fprintf(stderr, "harness: tenantd %d still runs %d s after signal %d\n", pid,
			HARNESS_PATIENCE_MS / 1000, signal_number);
}

void harness_agent_stop(void)
{
	harness_agent_signal(SIGTERM);
}

int harness_agent_stop_status(void)
{
	struct harness_deadline deadline = harness_deadline_in(HARNESS_PATIENCE_MS);
	pid_t pid = agent_pid_read(), waited;
	int status = -1;

	if (pid <= 0)
		return -1;
	kill(pid, SIGTERM);
	while ((waited = waitpid(pid, &status, WNOHANG)) == 0 && harness_deadline_wait(&deadline))
		;
	return waited == pid ? status : -1;
}

int harness_agent_detach(void)
{
	harness_agent_stop();
	return run_command("%s --detach --bpffs-dir %s 2>/dev/null", harness_binary("tenantd"),
			   H.bpffs);
}

int harness_agent_sanitizer_reports(void)
{
	char command[4300];
	int status;

	harness_agent_stop();
	snprintf(command, sizeof(command),
		 "grep -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' %s/agent.log >&2",
		 H.scratch);
	status = system(command);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 1 : 0;
}

static long log_size(void)
{
	char path[4096];
	struct stat status;

	snprintf(path, sizeof(path), "%s/agent.log", H.scratch);
	return stat(path, &status) ? 0 : (long)status.st_size;
}

/* Reads the agent's log from OFFSET on, for lines containing NEEDLE. */
static char *log_find(long offset, const char *needle)
{
	char path[4096], line[8192];
	FILE *file;

	snprintf(path, sizeof(path), "%s/agent.log", H.scratch);
	file = fopen(path, "re");
	if (!file)
		return NULL;
	fseek(file, offset, SEEK_SET);
	while (fgets(line, sizeof(line), file)) {
		if (strstr(line, needle)) {
			fclose(file);
			return strdup(line);
		}
	}
	fclose(file);
	return NULL;
}

static bool log_has(long offset, const char *needle)
{
	char *line = log_find(offset, needle);

	free(line);
	return line != NULL;
}

bool harness_agent_reload(void)
{
	long offset = log_size();

	kill(agent_pid_read(), SIGHUP);
	if (!harness_wait_until(log_has(offset, "reloaded:") || log_has(offset, "reload refused"),
				HARNESS_PATIENCE_MS))
		die("tenantd did not log the outcome of a reload within %d s",
		    HARNESS_PATIENCE_MS / 1000);
	return log_has(offset, "reloaded:");
}

static pid_t spawn_probe(const char *cgroup, const char *netns, const char *arguments,
			 int stdout_fd)
{
	char command[4096], cgroup_directory[4096] = "";
	char *argv[32];
	int argc = 0;
	posix_spawn_file_actions_t actions;
	pid_t pid;

	if (cgroup && cgroup[0])
		snprintf(cgroup_directory, sizeof(cgroup_directory), "%s%s/%s", H.cgroup_mount,
			 H.root, cgroup);
	snprintf(command, sizeof(command), "%s", arguments);
	argv[argc++] = (char *)harness_binary("tests/netprobe");
	if (cgroup_directory[0]) {
		argv[argc++] = "--cgroup";
		argv[argc++] = cgroup_directory;
	}
	if (netns) {
		argv[argc++] = "--netns";
		argv[argc++] = (char *)netns;
	}
	for (char *save = NULL, *word = strtok_r(command, " ", &save); word && argc < 31;
	     word = strtok_r(NULL, " ", &save))
		argv[argc++] = word;
	argv[argc] = NULL;
	posix_spawn_file_actions_init(&actions);
	if (stdout_fd >= 0)
		posix_spawn_file_actions_adddup2(&actions, stdout_fd, STDOUT_FILENO);
	else if (!getenv("TENANTD_TEST_VERBOSE"))
		posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	if (posix_spawn(&pid, argv[0], &actions, NULL, argv, environ))
		die("cannot run %s", argv[0]);
	posix_spawn_file_actions_destroy(&actions);
	return pid;
}

int harness_probe_pid(const char *cgroup, const char *netns, const char *arguments, pid_t *pid)
{
	int status;

	*pid = spawn_probe(cgroup, netns, arguments, -1);
	if (waitpid(*pid, &status, 0) != *pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

int harness_probe(const char *cgroup, const char *netns, const char *arguments)
{
	pid_t pid;

	return harness_probe_pid(cgroup, netns, arguments, &pid);
}

pid_t harness_probe_in_background(const char *cgroup, const char *netns, const char *arguments)
{
	pid_t child = fork();

	if (child < 0)
		die("fork");
	if (child == 0)
		_exit(harness_probe(cgroup, netns, arguments));
	return child;
}

bool harness_udp_connected_to(int port)
{
	return harness_shell("ss -Hun '( dport = :%d )' | grep -q .", port);
}

int harness_probe_status(pid_t child)
{
	int status = 0;

	if (waitpid(child, &status, 0) != child)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

pid_t harness_probe_listen(const char *cgroup, const char *netns, const char *arguments)
{
	char line[256] = "";
	int pipe_fds[2];
	FILE *output;
	pid_t pid;

	if (pipe2(pipe_fds, O_CLOEXEC))
		die("pipe");
	pid = spawn_probe(cgroup, netns, arguments, pipe_fds[1]);
	close(pipe_fds[1]);
	output = fdopen(pipe_fds[0], "r");
	if (!output || !fgets(line, sizeof(line), output) || strncmp(line, "ready", 5))
		die("listener '%s' in '%s' did not start: %s", arguments, cgroup, line);
	fclose(output);
	if (H.listener_count < MAX_LISTENERS)
		H.listeners[H.listener_count++] = pid;
	return pid;
}

int harness_connect_control_socket(void)
{
	struct sockaddr_un address = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(address.sun_path, sizeof(address.sun_path), "%s", harness_socket());
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&address, sizeof(address)), 0);
	return fd;
}

int harness_connect_loopback(int port)
{
	struct sockaddr_in address = {
		.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&address, sizeof(address)), 0);
	return fd;
}

static size_t collect_body(char *data, size_t size, size_t count, void *user)
{
	FILE *out = user;

	return fwrite(data, size, count, out);
}

const char *harness_binary(const char *name)
{
	static char paths[4][4096];
	static int next;
	const char *build = getenv("TENANTD_BUILD");
	char *path = paths[next++ % 4];

	snprintf(path, sizeof(paths[0]), "%s/%s", build && *build ? build : "build", name);
	return path;
}

const char *harness_scratch(void)
{
	return H.scratch;
}

const char *harness_bpffs(void)
{
	return H.bpffs;
}

const char *harness_log(void)
{
	static char path[4096];

	snprintf(path, sizeof(path), "%s/agent.log", H.scratch);
	return path;
}

char *harness_read_file(const char *path)
{
	char *text = NULL;
	size_t size = 0;
	FILE *file = fopen(path, "re");

	if (!file)
		return NULL;
	if (getdelim(&text, &size, '\0', file) < 0) {
		free(text);
		text = strdup("");
	}
	fclose(file);
	return text;
}

bool harness_file_contains(const char *path, const char *needle)
{
	char *text = harness_read_file(path);
	bool found = text && strstr(text, needle);

	free(text);
	return found;
}

const char *harness_socket(void)
{
	static char path[4096];

	snprintf(path, sizeof(path), "%s/run/tenantd.sock", H.scratch);
	return path;
}

char *harness_request(const char *method, const char *path, const char *body, long *status)
{
	char socket_path[4096], url[4096];
	char *answer = NULL;
	size_t length = 0;
	FILE *out = open_memstream(&answer, &length);
	CURL *curl = curl_easy_init();
	struct curl_slist *headers = NULL;
	CURLcode result;

	snprintf(socket_path, sizeof(socket_path), "%s/run/tenantd.sock", H.scratch);
	snprintf(url, sizeof(url), "http://localhost%s", path);
	curl_easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, socket_path);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, out);
	/* Under MHD's 30 s idle timeout: an answer proves that no idle client
	 * held the agent up. */
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 20L);
	if (body) {
		headers = curl_slist_append(headers, "Content-Type: application/json");
		curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	}
	result = curl_easy_perform(curl);
	*status = 0;
	if (result == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, status);
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);
	fclose(out);
	if (result != CURLE_OK) {
		free(answer);
		return NULL;
	}
	return answer;
}

char *harness_get(const char *path, long *status)
{
	return harness_request("GET", path, NULL, status);
}

char *harness_command_output(const char *command, int *exit_status)
{
	char *output = NULL, buffer[4096];
	size_t length = 0, got;
	FILE *out = open_memstream(&output, &length), *child = popen(command, "r");

	while (child && (got = fread(buffer, 1, sizeof(buffer), child)) > 0)
		fwrite(buffer, 1, got, out);
	*exit_status = child ? WEXITSTATUS(pclose(child)) : -1;
	fclose(out);
	return output;
}

int harness_log_lines(const char *needle)
{
	char path[4096], line[8192];
	FILE *file;
	int count = 0;

	snprintf(path, sizeof(path), "%s/agent.log", H.scratch);
	file = fopen(path, "re");
	while (file && fgets(line, sizeof(line), file))
		count += strstr(line, needle) != NULL;
	if (file)
		fclose(file);
	return count;
}

/* The value of NAME{LABELS}, or of NAME alone when LABELS is NULL; 0
 * when absent, -1 when /metrics does not answer. */
static double series_value(const char *name, const char *labels)
{
	char series[1024];
	long status;
	char *body = harness_get("/metrics", &status), *line;
	double value = 0;

	if (!body)
		return -1;
	if (labels)
		snprintf(series, sizeof(series), "\n%s{%s} ", name, labels);
	else
		snprintf(series, sizeof(series), "\n%s ", name);
	line = strstr(body, series);
	if (line)
		value = strtod(line + strlen(series), NULL);
	free(body);
	return value;
}

long long harness_metric(const char *name, const char *labels)
{
	return (long long)series_value(name, labels);
}

double harness_gauge(const char *name)
{
	return series_value(name, NULL);
}

long long harness_counter(const char *name, const char *tenant)
{
	char labels[128];

	snprintf(labels, sizeof(labels), "tenant=\"%s\"", tenant);
	return harness_metric(name, labels);
}

long long harness_violations(const char *tenant, const char *peer, const char *reason,
			     const char *action)
{
	char labels[256];

	snprintf(labels, sizeof(labels), "tenant=\"%s\",peer=\"%s\",reason=\"%s\",action=\"%s\"",
		 tenant, peer, reason, action);
	return harness_metric("tenantd_violations_total", labels);
}

/* The first logged event matching, or NULL. */
char *harness_request_as_nobody(const char *cgroup, const char *method, const char *path,
				long *status)
{
	char command[8400], *output, *last_line;
	int exit_status;

	snprintf(command, sizeof(command),
		 "sh -c '%s%s%s exec setpriv --reuid=65534 --regid=65534 --clear-groups "
		 "curl -s -X %s -w \"\\n%%{http_code}\" --unix-socket %s http://localhost%s'",
		 cgroup[0] ? "echo $$ > " : "", cgroup[0] ? harness_cgroup_path(cgroup) : "",
		 cgroup[0] ? "/cgroup.procs &&" : "", method, harness_socket(), path);
	output = harness_command_output(command, &exit_status);
	last_line = strrchr(output, '\n');
	ck_assert_msg(last_line != NULL, "no HTTP status from: %s", command);
	*status = atol(last_line + 1);
	*last_line = '\0';
	return output;
}

/* DPORT is matched when DESTINATION is NULL, "dst" otherwise, and
 * neither when DESTINATION is "". */
static struct json_object *logged_event(const char *tenant, const char *reason, int dport,
					const char *destination, pid_t pid)
{
	char path[4096], line[8192];
	FILE *file;

	snprintf(path, sizeof(path), "%s/agent.log", H.scratch);
	file = fopen(path, "re");
	while (file && fgets(line, sizeof(line), file)) {
		struct json_object *event, *field;

		if (line[0] != '{' || !(event = json_tokener_parse(line)))
			continue;
		if (json_object_object_get_ex(event, "tenant", &field) &&
		    !strcmp(json_object_get_string(field), tenant) &&
		    json_object_object_get_ex(event, "reason", &field) &&
		    !strcmp(json_object_get_string(field), reason) &&
		    (destination ? !destination[0] ||
					   (json_object_object_get_ex(event, "dst", &field) &&
					    !strcmp(json_object_get_string(field), destination)) :
				   json_object_object_get_ex(event, "dport", &field) &&
					   json_object_get_int(field) == dport) &&
		    json_object_object_get_ex(event, "pid", &field) &&
		    (!pid || json_object_get_int(field) == pid)) {
			fclose(file);
			return event;
		}
		json_object_put(event);
	}
	if (file)
		fclose(file);
	return NULL;
}

struct json_object *harness_wait_event(const char *tenant, const char *reason, int dport,
				       pid_t pid)
{
	struct json_object *event = NULL;

	harness_wait_until((event = logged_event(tenant, reason, dport, NULL, pid)) != NULL,
		HARNESS_PATIENCE_MS);
	return event;
}

struct json_object *harness_wait_event_to(const char *tenant, const char *reason,
					  const char *destination, pid_t pid)
{
	struct json_object *event = NULL;

	harness_wait_until((event = logged_event(tenant, reason, 0, destination, pid)) != NULL,
			   HARNESS_PATIENCE_MS);
	return event;
}

bool harness_event_logged(const char *tenant, const char *reason, int dport)
{
	struct json_object *event = logged_event(tenant, reason, dport, NULL, 0);

	json_object_put(event);
	return event != NULL;
}

void harness_netns_pair(const char *address_a4, const char *address_b4,
			const char *address_a6, const char *address_b6,
			const char **netns_a, const char **netns_b)
{
	int pid = H.owner;

	snprintf(H.netns_a, sizeof(H.netns_a), "tenantd-test-%d-a", pid);
	snprintf(H.netns_b, sizeof(H.netns_b), "tenantd-test-%d-b", pid);
	H.netns_created = true;
	if (run_command("ip netns add %s && ip netns add %s && "
			"ip link add tdt%da type veth peer name tdt%db && "
			"ip link set tdt%da netns %s && ip link set tdt%db netns %s && "
			"ip -n %s link set lo up && ip -n %s link set lo up && "
			"ip -n %s link set tdt%da up && ip -n %s link set tdt%db up && "
			"ip -n %s addr add %s dev tdt%da && ip -n %s addr add %s dev tdt%db && "
			"ip -n %s addr add %s dev tdt%da nodad && "
			"ip -n %s addr add %s dev tdt%db nodad",
			H.netns_a, H.netns_b, pid, pid, pid, H.netns_a, pid, H.netns_b, H.netns_a,
			H.netns_b, H.netns_a, pid, H.netns_b, pid, H.netns_a, address_a4, pid,
			H.netns_b, address_b4, pid, H.netns_a, address_a6, pid, H.netns_b,
			address_b6, pid))
		die("cannot create the network namespaces");
	*netns_a = H.netns_a;
	*netns_b = H.netns_b;
}

const char *harness_netns(const char *suffix)
{
	char *name;

	if (H.netns_count == (int)(sizeof(H.netns) / sizeof(H.netns[0])))
		die("too many network namespaces");
	name = H.netns[H.netns_count++];
	snprintf(name, sizeof(H.netns[0]), "tenantd-test-%d-%s", H.owner, suffix);
	if (run_command("ip netns add %s && ip -n %s link set lo up", name, name))
		die("cannot create network namespace %s", name);
	return name;
}

bool harness_shell(const char *format, ...)
{
	char command[4096];
	va_list args;
	int length;

	va_start(args, format);
	length = vsnprintf(command, sizeof(command), format, args);
	va_end(args);
	if (length < 0 || (size_t)length >= sizeof(command))
		return false;
	return run_command("%s", command) == 0;
}

/* Removes a cgroup subtree bottom-up, killing what still runs in it. */
static void remove_cgroup_tree(const char *path)
{
	run_command("[ -d '%s' ] && { for f in $(find '%s' -name cgroup.kill); do "
		    "echo 1 > $f 2>/dev/null; done; for i in $(seq 200); do "
		    "grep -q 'populated 0' '%s/cgroup.events' && break; sleep 0.05; done; "
		    "find '%s' -depth -type d -exec rmdir {} + 2>/dev/null; }; true",
		    path, path, path, path);
}

void harness_cleanup(void)
{
	char path[4096];

	if (H.owner != getpid())
		return;
	for (int i = 0; i < H.listener_count; i++) {
		kill(H.listeners[i], SIGKILL);
		waitpid(H.listeners[i], NULL, 0);
	}
	H.listener_count = 0;
	harness_agent_stop();
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	if (H.bpffs[0])
		run_command("%s --detach --bpffs-dir %s 2>/dev/null; true", harness_binary("tenantd"),
			    H.bpffs);
	if (H.root[0]) {
		snprintf(path, sizeof(path), "%s%s", H.cgroup_mount, H.root);
		remove_cgroup_tree(path);
	}
	for (int i = 0; i < H.netns_count; i++)
		run_command("ip netns del %s 2>/dev/null; true", H.netns[i]);
	H.netns_count = 0;
	if (H.netns_created) {
		run_command("ip netns del %s 2>/dev/null; ip netns del %s 2>/dev/null; true",
			    H.netns_a, H.netns_b);
		H.netns_created = false;
	}
	if (H.scratch[0] && !getenv("TENANTD_TEST_KEEP"))
		run_command("rm -rf '%s'", H.scratch);
	H.owner = 0;
}

int main(void)
{
	SRunner *runner;
	int failed;

	/* As in the unit tests' main(): no 4 s default on a loaded machine. */
	setenv("CK_DEFAULT_TIMEOUT", "60", 0);
	runner = srunner_create(test_suite());

	setup();
	test_setup();
	failed = run_suite(runner);
	srunner_free(runner);
	failed += harness_agent_sanitizer_reports();
	harness_cleanup();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
