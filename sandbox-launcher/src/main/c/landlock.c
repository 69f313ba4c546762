/*
 * Layer: Landlock. File access by path, checked by the kernel at open time (no TOCTOU, unlike anything seccomp
 * could do with a path), from an unprivileged process. Applied in the child as late as possible: after the uid
 * drop and just before the seccomp filter, which then refuses every landlock_* call of the plugin.
 *
 * Raw syscalls and our own copies of the UAPI constants: the build machine's headers may predate the ABI the
 * running kernel offers, and the launcher must not need libseccomp or new headers. The ABI is asked at run time
 * (landlock_create_ruleset(NULL, 0, VERSION)) and every right the kernel does not know is stripped, so one binary
 * works on every kernel from 5.13 on, enforcing what that kernel can.
 *
 *   --ro PATH  read and execute (files: read, execute; directories: also list)
 *   --rw PATH  everything (create, remove, rename within, truncate, write)
 *   everything else: no access at all. TCP bind/connect (ABI >= 4): denied, no rule. Abstract Unix sockets and
 *   signals to processes outside the sandbox (ABI >= 6): denied. ptrace of outside processes: always denied.
 * A path that does not exist or that the (dropped) uid cannot reach is skipped and counted in the report: a rule
 * for it could only grant, never take away, access.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "launcher.h"

#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#define __NR_landlock_add_rule 445
#define __NR_landlock_restrict_self 446
#endif

#define LL_CREATE_RULESET_VERSION (1U << 0)
#define LL_RULE_PATH_BENEATH 1
#define LL_RULE_NET_PORT 2

/* Filesystem rights, with the ABI that introduced them. */
#define LL_FS_EXECUTE (1ULL << 0)
#define LL_FS_WRITE_FILE (1ULL << 1)
#define LL_FS_READ_FILE (1ULL << 2)
#define LL_FS_READ_DIR (1ULL << 3)
#define LL_FS_ABI1 ((1ULL << 13) - 1) /* EXECUTE .. MAKE_SYM */
#define LL_FS_REFER (1ULL << 13)      /* ABI 2: link/rename across directories */
#define LL_FS_TRUNCATE (1ULL << 14)   /* ABI 3 */
#define LL_FS_IOCTL_DEV (1ULL << 15)  /* ABI 5: ioctl on device files */
#define LL_NET_BIND_TCP (1ULL << 0)   /* ABI 4 */
#define LL_NET_CONNECT_TCP (1ULL << 1)
#define LL_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0) /* ABI 6 */
#define LL_SCOPE_SIGNAL (1ULL << 1)

/* Rights that make sense on a file (not a directory): the kernel refuses the others for a file rule. */
#define LL_FS_FILE_RIGHTS (LL_FS_EXECUTE | LL_FS_WRITE_FILE | LL_FS_READ_FILE | LL_FS_TRUNCATE | LL_FS_IOCTL_DEV)

struct ll_ruleset_attr {
    uint64_t handled_access_fs;
    uint64_t handled_access_net;
    uint64_t scoped;
};

struct ll_path_beneath_attr {
    uint64_t allowed_access;
    int32_t parent_fd;
} __attribute__((packed));

struct ll_net_port_attr {
    uint64_t allowed_access;
    uint64_t port;
} __attribute__((packed));

/* The one TCP port the program may connect to (a debugger in the host's dev mode); every other stays denied. */
static void allow_tcp_connect(int ruleset, int port)
{
    struct ll_net_port_attr rule = { .allowed_access = LL_NET_CONNECT_TCP, .port = (uint64_t)port };
    if (syscall(__NR_landlock_add_rule, ruleset, LL_RULE_NET_PORT, &rule, 0) < 0)
        child_fail("landlock_add_rule tcp-connect");
}

int landlock_abi(void)
{
    long abi = syscall(__NR_landlock_create_ruleset, NULL, 0, LL_CREATE_RULESET_VERSION);
    return abi < 0 ? -errno : (int)abi;
}

static uint64_t handled_fs(int abi)
{
    uint64_t fs = LL_FS_ABI1;
    if (abi >= 2)
        fs |= LL_FS_REFER;
    if (abi >= 3)
        fs |= LL_FS_TRUNCATE;
    if (abi >= 5)
        fs |= LL_FS_IOCTL_DEV;
    return fs;
}

/* Adds one rule; returns 1 if added, 0 if the path was skipped (missing or unreachable). */
static int add_path(int ruleset, const char *path, uint64_t access, uint64_t handled)
{
    int fd = open(path, O_PATH | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT || errno == EACCES || errno == ENOTDIR)
            return 0;
        child_fail(path);
    }
    struct stat st;
    if (fstat(fd, &st) < 0)
        child_fail(path);
    struct ll_path_beneath_attr rule = { .allowed_access = access & handled, .parent_fd = fd };
    if (!S_ISDIR(st.st_mode))
        rule.allowed_access &= LL_FS_FILE_RIGHTS;
    if (syscall(__NR_landlock_add_rule, ruleset, LL_RULE_PATH_BENEATH, &rule, 0) < 0) {
        char step[600];
        snprintf(step, sizeof(step), "landlock_add_rule %s", path);
        child_fail(step);
    }
    close(fd);
    return 1;
}

/*
 * /proc without a pid namespace is the host's: every process of the machine is listed, and /proc/<pid>/cmdline
 * is world-readable by design. There, read access to "/proc" becomes read access to the program's own
 * /proc/<pid> (what /proc/self resolves to now; execve keeps the pid) plus the machine-wide files a JVM reads
 * (memory, CPUs, kernel settings), and nothing of any other process. With a pid namespace the fresh /proc holds
 * only the program, and "/proc" stays as asked.
 */
static const char *const PROC_SHARED[] = {
    "/proc/meminfo", "/proc/cpuinfo", "/proc/stat", "/proc/loadavg", "/proc/uptime", "/proc/version",
    "/proc/filesystems", "/proc/sys",
};

/* The program's own /proc/<pid>, pinned: procfs makes a new inode for /proc/<pid> whenever its cached dentry is
 * dropped (memory pressure, drop_caches), and a rule on the old inode would then lock the JVM out of /proc/self.
 * The descriptor the rule is made from stays open in the program (O_PATH, inherited through execve): it holds the
 * dentry, so every lookup finds the same inode. It reaches only what /proc/self reaches anyway. */
static int add_own_pid_dir(int ruleset, uint64_t access, uint64_t handled)
{
    int fd = open("/proc/self", O_PATH | O_DIRECTORY); /* no O_CLOEXEC, on purpose */
    if (fd < 0)
        child_fail("/proc/self");
    struct ll_path_beneath_attr rule = { .allowed_access = access & handled, .parent_fd = fd };
    if (syscall(__NR_landlock_add_rule, ruleset, LL_RULE_PATH_BENEATH, &rule, 0) < 0)
        child_fail("landlock_add_rule /proc/self");
    return 1;
}

static int add_own_proc(int ruleset, uint64_t access, uint64_t handled, int *skipped)
{
    int added = add_own_pid_dir(ruleset, access, handled);
    for (size_t i = 0; i < sizeof(PROC_SHARED) / sizeof(PROC_SHARED[0]); i++) {
        int r = add_path(ruleset, PROC_SHARED[i], access, handled);
        added += r;
        *skipped += 1 - r;
    }
    return added;
}

void landlock_restrict(const struct config *cfg)
{
    if (cfg->landlock == LAYER_OFF) {
        child_report_layer("landlock", false, "not requested (--landlock auto|required, --ro, --rw)");
        return;
    }
    char reason[300];
    int abi = landlock_abi();
    if (abi < 0) {
        /* ENOSYS: kernel without Landlock; EOPNOTSUPP: built in but disabled (lsm= boot parameter). */
        snprintf(reason, sizeof(reason), "kernel offers no Landlock: %s%s", strerror(-abi),
                 -abi == EOPNOTSUPP ? " (not in the lsm= boot parameter)" : "");
        if (cfg->landlock == LAYER_REQUIRED) {
            errno = -abi;
            child_fail("landlock");
        }
        child_report_layer("landlock", false, reason);
        return;
    }

    uint64_t fs = handled_fs(abi);
    struct ll_ruleset_attr attr = { .handled_access_fs = fs };
    if (abi >= 4)
        attr.handled_access_net = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP; /* no rule: no TCP at all */
    if (abi >= 6)
        attr.scoped = LL_SCOPE_ABSTRACT_UNIX_SOCKET | LL_SCOPE_SIGNAL;
    int ruleset = (int)syscall(__NR_landlock_create_ruleset, &attr, sizeof(attr), 0);
    if (ruleset < 0)
        child_fail("landlock_create_ruleset");

    if (abi >= 4 && cfg->tcp_connect_port > 0)
        allow_tcp_connect(ruleset, cfg->tcp_connect_port);

    const uint64_t read_exec = LL_FS_EXECUTE | LL_FS_READ_FILE | LL_FS_READ_DIR;
    int added = 0, skipped = 0;
    bool own_proc = false;
    for (size_t i = 0; i < cfg->ro_count; i++) {
        if (strcmp(cfg->ro_paths[i], "/proc") == 0 && !namespaces_active(NS_PID)) {
            added += add_own_proc(ruleset, read_exec, fs, &skipped);
            own_proc = true;
            continue;
        }
        int r = add_path(ruleset, cfg->ro_paths[i], read_exec, fs);
        added += r;
        skipped += 1 - r;
    }
    for (size_t i = 0; i < cfg->rw_count; i++) {
        int r = add_path(ruleset, cfg->rw_paths[i], fs, fs);
        added += r;
        skipped += 1 - r;
    }
    /* Landlock wants no_new_privs (or CAP_SYS_ADMIN) to restrict; filter_install sets it again, harmlessly. */
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        child_fail("prctl(PR_SET_NO_NEW_PRIVS)");
    if (syscall(__NR_landlock_restrict_self, ruleset, 0) < 0)
        child_fail("landlock_restrict_self");
    close(ruleset);

    snprintf(reason, sizeof(reason), "ABI %d: %d path rules (%zu read-only, %zu read-write requested, %d missing or "
             "unreachable, skipped)%s%s%s", abi, added, cfg->ro_count, cfg->rw_count, skipped,
             abi < 4 ? ", TCP not covered (ABI < 4)"
                     : cfg->tcp_connect_port > 0 ? ", TCP bind denied, connect only to the --tcp-connect port"
                                                 : ", TCP bind/connect denied",
             abi >= 6 ? ", abstract Unix sockets and signals scoped" : ", signals and abstract sockets not scoped (ABI < 6)",
             own_proc ? ", /proc: its own entries only (no pid namespace)" : "");
    child_report_layer("landlock", true, reason);
}
