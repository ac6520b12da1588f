// SPDX-License-Identifier: LGPL-2.1-or-later
/* The BPF object's life cycle: bpffs set-up, skeleton load with pinned maps,
 * cgroup links created or adopted, and removal for uninstall. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cleanup.h"
#include "kernel/kernel_features.h"
#include "kernel/programs.h"
#include "log.h"
#include "tenantd.skel.h"
#include "tenantd_abi.h"

#define BPFFS_DEFAULT_MOUNT "/sys/fs/bpf"
/* BPF_CGROUP_UNIX_CONNECT and BPF_CGROUP_UNIX_SENDMSG (Linux 6.7), newer
 * than the uapi headers and the libbpf this builds with. */
#define ATTACH_CGROUP_UNIX_CONNECT 49
#define ATTACH_CGROUP_UNIX_SENDMSG 50
/* A one-entry array pinned beside the maps, holding the layout version of
 * everything pinned there (TENANTD_ABI_VERSION of the tenantd that made it). */
#define LAYOUT_PIN "layout"

static bool is_bpffs(const char *path)
{
	struct statfs filesystem;

	return statfs(path, &filesystem) == 0 && filesystem.f_type == BPF_FS_MAGIC;
}

/* The pin directory must live on bpffs. Hosts without systemd do not mount
 * it; mount it at its usual place, as systemd would at boot. The unit gives
 * the agent its own directory of the host's bpffs bound on a private view
 * of /sys/fs/bpf: that directory is a bpffs whatever its parent is. */
static int bpffs_prepare(const char *pin_directory)
{
	char parent[PATH_MAX];
	char *slash;

	if (is_bpffs(pin_directory))
		return 0;
	snprintf(parent, sizeof(parent), "%s", pin_directory);
	slash = strrchr(parent, '/');
	if (!slash || slash == parent) {
		log_error("%s: the bpffs directory must be below a bpffs mount, e.g. %s/tenantd",
			  pin_directory, BPFFS_DEFAULT_MOUNT);
		return -EINVAL;
	}
	*slash = '\0';
	if (!is_bpffs(parent)) {
		if (strcmp(parent, BPFFS_DEFAULT_MOUNT) ||
		    mount("bpf", BPFFS_DEFAULT_MOUNT, "bpf", 0, "mode=0700")) {
			log_error("%s is not on a bpffs; mount one first: "
				  "mount -t bpf bpf %s", parent, parent);
			return -ENOTDIR;
		}
		log_info("mounted bpffs at %s", BPFFS_DEFAULT_MOUNT);
	}
	if (mkdir(pin_directory, 0700) && errno != EEXIST)
		return log_error_errno(errno, "%s: cannot create: %m", pin_directory);
	return 0;
}

static int pin_maps(struct tenantd_bpf *skeleton, const char *pin_directory)
{
	struct bpf_map *map;
	char path[PATH_MAX];
	int r;

	bpf_object__for_each_map(map, skeleton->obj) {
		snprintf(path, sizeof(path), "%s/%s", pin_directory, bpf_map__name(map));
		r = bpf_map__set_pin_path(map, path);
		if (r)
			return r;
	}
	return 0;
}

static int cgroup_id_of_fd(int cgroup_fd, __u64 *id)
{
	struct stat status;

	if (fstat(cgroup_fd, &status))
		return -errno;
	*id = status.st_ino;
	return 0;
}

/* Adopts a pinned link by swapping its program in place; the cgroup never
 * runs without a program. Returns 1 when adopted, 0 when there is nothing
 * to adopt (no pin, or a pin on another cgroup, which is then replaced). */
static int adopt_link(const char *pin, struct bpf_program *program, __u64 cgroup_id)
{
	_cleanup_close_ int link_fd = bpf_obj_get(pin);
	struct bpf_link_info info = {};
	__u32 info_length = sizeof(info);

	if (link_fd < 0)
		return 0;
	if (bpf_obj_get_info_by_fd(link_fd, &info, &info_length) ||
	    info.type != BPF_LINK_TYPE_CGROUP || info.cgroup.cgroup_id != cgroup_id)
		return 0;
	if (bpf_link_update(link_fd, bpf_program__fd(program), NULL))
		return log_error_errno(errno, "%s: cannot replace the pinned program: %m", pin);
	return 1;
}

static int attach_programs(struct programs *programs, int cgroup_fd)
{
	struct bpf_program *program;
	char pin[PATH_MAX];
	__u64 cgroup_id = 0;
	int r;

	r = cgroup_id_of_fd(cgroup_fd, &cgroup_id);
	if (r)
		return r;
	bpf_object__for_each_program(program, programs->skeleton->obj) {
		struct bpf_link *link;
		bool stale_pin;

		if (bpf_program__fd(program) < 0)
			continue; /* left out: --allow-partial */
		if (bpf_program__type(program) == BPF_PROG_TYPE_TRACING)
			continue; /* an iterator: the agent runs it, nothing attaches it */
		snprintf(pin, sizeof(pin), "%s/link-%s", programs->pin_directory,
			 bpf_program__name(program));
		r = adopt_link(pin, program, cgroup_id);
		if (r < 0)
			return r;
		if (r == 1) {
			programs->attached++;
			programs->adopted++;
			continue;
		}
		stale_pin = access(pin, F_OK) == 0;
		link = bpf_program__attach_cgroup(program, cgroup_fd);
		if (!link)
			return log_error_errno(errno, "cannot attach %s: %m",
					       bpf_program__name(program));
		/* The new link is attached before the old one is unpinned. */
		if (stale_pin)
			unlink(pin);
		r = bpf_link__pin(link, pin);
		if (r) {
			(void)bpf_link__destroy(link);
			return log_error_errno(r, "%s: cannot pin link: %m", pin);
		}
		bpf_link__disconnect(link);
		bpf_link__destroy(link);
		programs->attached++;
	}
	return 0;
}

/* Refuses pinned objects of another layout before libbpf would try to reuse
 * them: the old programs stay attached and keep enforcing, and the operator
 * is told the two ways forward. */
static int check_layout(const char *pin_directory)
{
	char path[PATH_MAX];
	_cleanup_close_ int fd = -1;
	__u32 key = 0, version = 0;

	snprintf(path, sizeof(path), "%s/" LAYOUT_PIN, pin_directory);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (bpf_map_lookup_elem(fd, &key, &version))
		return -errno;
	if (version == TENANTD_ABI_VERSION)
		return 0;
	log_error("%s holds maps of layout version %u; this tenantd uses version %u and "
		  "cannot adopt them. The pinned programs stay attached and keep enforcing. "
		  "Either run the tenantd version that pinned them, or run "
		  "'tenantd --detach --bpffs-dir %s' and start this one (counters restart "
		  "from zero)", pin_directory, version, TENANTD_ABI_VERSION, pin_directory);
	return -EPROTO;
}

static int pin_layout(const char *pin_directory)
{
	char path[PATH_MAX];
	_cleanup_close_ int fd = -1;
	__u32 key = 0, version = TENANTD_ABI_VERSION;

	snprintf(path, sizeof(path), "%s/" LAYOUT_PIN, pin_directory);
	if (access(path, F_OK) == 0)
		return 0;
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "tenantd_layout", sizeof(key), sizeof(version),
			    1, NULL);
	if (fd < 0 || bpf_map_update_elem(fd, &key, &version, BPF_ANY) || bpf_obj_pin(fd, path))
		return log_error_errno(errno, "%s: cannot pin the layout version: %m", path);
	return 0;
}

/* Gives MAP its SIZE from SETTING, or refuses a map pinned at another
 * size: the kernel cannot resize a map, and the pinned one is what the
 * attached programs use. */
static int size_map(struct bpf_map *map, unsigned int size, const char *setting,
		    const char *pin_directory)
{
	struct bpf_map_info info = {};
	__u32 info_length = sizeof(info);
	_cleanup_close_ int fd = -EBADF;
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", pin_directory, bpf_map__name(map));
	fd = bpf_obj_get(path);
	if (fd >= 0 && bpf_obj_get_info_by_fd(fd, &info, &info_length) == 0 &&
	    info.max_entries != size) {
		log_error("%s=%u, but the map pinned at %s holds %u entries, and a map keeps its "
			  "size. The pinned programs stay attached and keep enforcing. Either set "
			  "%s=%u, or run 'tenantd --detach --bpffs-dir %s' and start again to make "
			  "the maps anew (counters restart from zero)",
			  setting, size, path, info.max_entries, setting, info.max_entries,
			  pin_directory);
		return -EBUSY;
	}
	return bpf_map__set_max_entries(map, size);
}

static bool bpf_map_pinned(struct bpf_map *map, const char *pin_directory)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", pin_directory, bpf_map__name(map));
	return access(path, F_OK) == 0;
}

static int libbpf_print(enum libbpf_print_level level, const char *format, va_list args)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	fprintf(stderr, "tenantd: libbpf: ");
	return vfprintf(stderr, format, args);
}

DEFINE_POINTER_CLEANUP(struct tenantd_bpf *, tenantd_bpf__destroy);

int programs_load(struct programs *programs, const char *pin_directory,
		  unsigned int disabled_programs, const struct map_sizes *sizes)
{
	_cleanup_(tenantd_bpf__destroyp) struct tenantd_bpf *skeleton = NULL;
	struct bpf_program *program;
	int r;

	memset(programs, 0, sizeof(*programs));
	snprintf(programs->pin_directory, sizeof(programs->pin_directory), "%s", pin_directory);
	libbpf_set_print(libbpf_print);

	r = bpffs_prepare(pin_directory);
	if (r == 0)
		r = check_layout(pin_directory);
	if (r)
		return r;
	skeleton = tenantd_bpf__open();
	if (!skeleton)
		return log_error_errno(errno, "cannot open the BPF object: %m");
	bpf_object__for_each_program(program, skeleton->obj)
		if (kernel_features_program_bits(bpf_program__name(program)) & disabled_programs)
			(void)bpf_program__set_autoload(program, false);
	(void)bpf_program__set_expected_attach_type(skeleton->progs.tenantd_unix_connect,
						    ATTACH_CGROUP_UNIX_CONNECT);
	(void)bpf_program__set_expected_attach_type(skeleton->progs.tenantd_unix_sendmsg,
						    ATTACH_CGROUP_UNIX_SENDMSG);
	r = size_map(skeleton->maps.tenantd_cgroup_tenant, sizes->cgroups, "MaxCgroups",
		     pin_directory);
	if (r == 0)
		r = size_map(skeleton->maps.tenantd_network_owner_ipv4, sizes->networks,
			     "MaxNetworks", pin_directory);
	if (r == 0)
		r = size_map(skeleton->maps.tenantd_network_owner_ipv6, sizes->networks,
			     "MaxNetworks", pin_directory);
	if (r)
		return r;
	programs->maps_reused =
		bpf_map_pinned(skeleton->maps.tenantd_network_owner_ipv4, pin_directory);
	r = pin_maps(skeleton, pin_directory);
	if (r == 0)
		r = tenantd_bpf__load(skeleton);
	if (r)
		return log_error_errno(r, "cannot load the BPF programs: %m; if maps pinned under %s "
				       "come from another tenantd version, run 'tenantd --detach' "
				       "first", pin_directory);
	r = pin_layout(pin_directory);
	if (r)
		return r;
	programs->skeleton = TAKE_PTR(skeleton);
	return 0;
}

int programs_attach(struct programs *programs, const char *cgroup_path)
{
	_cleanup_close_ int cgroup_fd = open(cgroup_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (cgroup_fd < 0)
		return log_error_errno(errno, "%s: cannot open the cgroup to attach to: %m",
				       cgroup_path);
	return attach_programs(programs, cgroup_fd);
}

void programs_close(struct programs *programs)
{
	tenantd_bpf__destroy(programs->skeleton);
	programs->skeleton = NULL;
}

int programs_detach(const char *pin_directory)
{
	_cleanup_closedir_ DIR *directory = opendir(pin_directory);
	struct dirent *entry;
	int r = 0;

	if (!directory)
		return errno == ENOENT ? 0 : -errno;
	while ((entry = readdir(directory))) {
		if (entry->d_name[0] == '.')
			continue;
		if (unlinkat(dirfd(directory), entry->d_name, 0))
			r = log_error_errno(errno, "%s/%s: cannot remove: %m", pin_directory,
					    entry->d_name);
	}
	if (r == 0 && rmdir(pin_directory))
		return log_error_errno(errno, "%s: cannot remove: %m", pin_directory);
	return r;
}
