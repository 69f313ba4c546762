/*
 * Layer: minimal root. The mount namespace alone still shows the host's whole tree, and Landlock (ABI <= 7) does
 * not mediate connect() on a pathname Unix socket: a database or Docker socket that uid 65534 may open stays
 * reachable. Like bubblewrap and nsjail, the child builds a fresh root on a tmpfs holding exactly the paths the
 * plugin may use, pivots into it and detaches the host's tree: what is not bound does not exist.
 *
 * Steps (one function each), inside the child's own mount namespace, after namespaces.c made every mount private
 * and before the uid drop, Landlock and seccomp:
 *   plan     resolve every --ro/--rw path on the host: the symlinks along it (recreated as symlinks, so that
 *            /lib -> usr/lib or /etc/localtime -> zoneinfo read the same inside) and the real path to bind;
 *            a missing path is skipped and named in the report
 *   base     a tmpfs on /tmp, pivot_root into it with the host's root at /oldroot (bubblewrap's trick: every host
 *            path, /tmp included, stays reachable as /oldroot/PATH while the new root is filled)
 *   newroot  a second tmpfs on /newroot: the plugin's root
 *   binds    each path at the same absolute path: --ro read-only, nosuid, nodev; --rw nosuid, nodev; a file or
 *            socket is bound onto an empty file. Parents first (sorted), so a --rw directory inside a --ro one
 *            stays writable
 *   proc     a fresh proc (the pid namespace's)
 *   dev      null, zero, random, urandom bound from the host's nodes; fd/stdin/stdout/stderr symlinks
 *   cwd      the working directory, created empty unless bound (only what is bound below it shows)
 *   pivot    detach the host's tree, pivot_root into /newroot, detach the base, make / read-only, chdir
 * --minimal-root auto: reported inactive (and nothing changed) when there is no mount namespace or the first
 * tmpfs cannot be mounted; once the host's root has moved every failure aborts the launch (fail closed).
 * A bind of a single file keeps the inode it saw: a socket the host recreates after the launch is not seen.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "launcher.h"

#define BASE "/tmp"        /* where the base tmpfs goes; any existing directory would do */
#define NEWROOT "/newroot" /* in the base */
#define OLDROOT "/oldroot" /* in the base: the host's tree until the end */
#define MAX_LINKS 16       /* symlinks followed along one path */

enum op_kind { OP_SYMLINK, OP_BIND };

struct op {
    char *path;     /* absolute, in the new root (= on the host) */
    char *target;   /* OP_SYMLINK: the link's text */
    enum op_kind kind;
    bool rw;        /* OP_BIND */
    bool dir;       /* OP_BIND: a directory (else a file, socket, device: bound onto an empty file) */
};

static struct op *ops;
static size_t op_count, op_cap;
static char missing[400]; /* names of skipped paths, for the report */
static int missing_count;
static int ro_binds, rw_binds, links;

static const char *const DEVICES[] = { "/dev/null", "/dev/zero", "/dev/random", "/dev/urandom" };

static void add_op(const char *path, const char *target, enum op_kind kind, bool rw, bool dir)
{
    if (op_count == op_cap) {
        op_cap = op_cap ? op_cap * 2 : 64;
        ops = realloc(ops, op_cap * sizeof(*ops));
        if (ops == NULL)
            child_fail("minimal-root: plan");
    }
    ops[op_count++] = (struct op){ strdup(path), target ? strdup(target) : NULL, kind, rw, dir };
    if (ops[op_count - 1].path == NULL || (target && ops[op_count - 1].target == NULL))
        child_fail("minimal-root: plan");
}

static void note_missing(const char *path)
{
    size_t used = strlen(missing);
    missing_count++;
    if (used < sizeof(missing) - 1)
        snprintf(missing + used, sizeof(missing) - used, "%s%s", used ? ", " : "", path);
}

/* Paths that get their own step: the fresh /proc and the four device nodes. */
static bool own_step(const char *path)
{
    if (strcmp(path, "/proc") == 0 || strncmp(path, "/proc/", 6) == 0)
        return true;
    for (size_t i = 0; i < sizeof(DEVICES) / sizeof(DEVICES[0]); i++)
        if (strcmp(path, DEVICES[i]) == 0)
            return true;
    return false;
}

static bool normalized(const char *path)
{
    return path[0] == '/' && path[1] != '\0' && strstr(path, "//") == NULL && strstr(path, "/./") == NULL
           && strstr(path, "/../") == NULL && strcmp(path + strlen(path) - 2, "/.") != 0
           && strcmp(path + strlen(path) - 3, "/..") != 0 && path[strlen(path) - 1] != '/';
}

/* Plans one path: every symlink along it, then a bind of its real path. Runs on the host's tree. */
static void plan_path(const char *path, bool rw, int depth)
{
    if (depth > MAX_LINKS || !normalized(path)) {
        note_missing(path);
        return;
    }
    char prefix[PATH_MAX];
    size_t len = strlen(path);
    if (len >= sizeof(prefix)) {
        note_missing(path);
        return;
    }
    for (size_t end = 1; end <= len; end++) {
        if (end < len && path[end] != '/')
            continue;
        memcpy(prefix, path, end);
        prefix[end] = '\0';
        struct stat st;
        if (lstat(prefix, &st) < 0) {
            note_missing(path);
            return;
        }
        if (S_ISLNK(st.st_mode)) {
            char target[PATH_MAX], real[PATH_MAX], next[PATH_MAX * 2];
            ssize_t n = readlink(prefix, target, sizeof(target) - 1);
            if (n < 0 || realpath(prefix, real) == NULL) {
                note_missing(path);
                return;
            }
            target[n] = '\0';
            add_op(prefix, target, OP_SYMLINK, false, false);
            snprintf(next, sizeof(next), "%s%s", real, path + end);
            plan_path(next, rw, depth + 1);
            return;
        }
        if (end == len)
            add_op(path, NULL, OP_BIND, rw, S_ISDIR(st.st_mode));
    }
}

static int cmp_op(const void *a, const void *b)
{
    const struct op *x = a, *y = b;
    return strcmp(x->path, y->path); /* a parent sorts before its children: '/' comes after every other byte used */
}

/* Sorted, duplicates merged (a path both --ro and --rw is read-write, as under Landlock). */
static void plan(const struct config *cfg)
{
    for (size_t i = 0; i < cfg->ro_count; i++)
        if (!own_step(cfg->ro_paths[i]))
            plan_path(cfg->ro_paths[i], false, 0);
    for (size_t i = 0; i < cfg->rw_count; i++)
        if (!own_step(cfg->rw_paths[i]))
            plan_path(cfg->rw_paths[i], true, 0);
    qsort(ops, op_count, sizeof(*ops), cmp_op);
    size_t out = 0;
    for (size_t i = 0; i < op_count; i++) {
        if (out > 0 && strcmp(ops[out - 1].path, ops[i].path) == 0) {
            ops[out - 1].rw |= ops[i].rw;
            continue;
        }
        ops[out++] = ops[i];
    }
    op_count = out;
}

/* mkdir -p of a path's parents inside the base (everything under NEWROOT is ours). */
static void make_parents(const char *path)
{
    char buf[PATH_MAX * 2];
    snprintf(buf, sizeof(buf), "%s", path);
    for (char *p = buf + strlen(NEWROOT) + 1; (p = strchr(p, '/')) != NULL; p++) {
        *p = '\0';
        if (mkdir(buf, 0755) < 0 && errno != EEXIST)
            child_fail(buf);
        *p = '/';
    }
}

/* An empty directory or file to mount onto, unless the path already exists (inside a tree bound earlier). */
static void make_mount_point(const char *dst, bool dir)
{
    struct stat st;
    if (lstat(dst, &st) == 0)
        return;
    make_parents(dst);
    if (dir) {
        if (mkdir(dst, 0755) < 0)
            child_fail(dst);
        return;
    }
    int fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        child_fail(dst);
    close(fd);
}

static void set_attrs(const char *dst, uint64_t attrs, bool recursive)
{
    struct mount_attr attr = { .attr_set = attrs };
    if (mount_setattr(AT_FDCWD, dst, (recursive ? AT_RECURSIVE : 0) | AT_SYMLINK_NOFOLLOW, &attr, sizeof(attr)) < 0)
        child_fail(dst);
}

/* Step base: a tmpfs on /tmp, the host's root moved under it. Returns false (nothing changed) if unavailable. */
static bool enter_base(char *why, size_t size)
{
    /* The tmpfs only holds two empty directories; nosuid, nodev: nothing on it is a program or a device. */
    if (mount("tmpfs", BASE, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=64k") < 0) {
        snprintf(why, size, "mount tmpfs on " BASE ": %s", strerror(errno));
        return false;
    }
    if (chdir(BASE) < 0)
        child_fail("minimal-root: chdir " BASE);
    if (mkdir("." NEWROOT, 0755) < 0 || mkdir("." OLDROOT, 0755) < 0)
        child_fail("minimal-root: mkdir in the base");
    /* The host's root goes to /oldroot, whole: the tmpfs on /tmp no longer hides the host's /tmp there. */
    if (syscall(SYS_pivot_root, ".", "." OLDROOT) < 0)
        child_fail("minimal-root: pivot_root into the base");
    if (chdir("/") < 0)
        child_fail("minimal-root: chdir /");
    return true;
}

/* Step newroot: the plugin's root, its own tmpfs (so that pivot_root can move it). */
static void mount_newroot(void)
{
    /* Read-only at the end; nosuid, nodev: it only holds mount points and symlinks. */
    if (mount("tmpfs", NEWROOT, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m") < 0)
        child_fail("minimal-root: mount tmpfs on " NEWROOT);
}

/* Step binds: each planned path, at its own path. */
static void bind_paths(void)
{
    char dst[PATH_MAX * 2], src[PATH_MAX * 2];
    for (size_t i = 0; i < op_count; i++) {
        const struct op *op = &ops[i];
        snprintf(dst, sizeof(dst), NEWROOT "%s", op->path);
        if (op->kind == OP_SYMLINK) {
            struct stat st;
            if (lstat(dst, &st) == 0)
                continue; /* inside a directory bound earlier, where the host's own link already is */
            make_parents(dst);
            /* The same link as on the host: paths through it resolve as they do outside. */
            if (symlink(op->target, dst) < 0)
                child_fail(dst);
            links++;
            continue;
        }
        snprintf(src, sizeof(src), OLDROOT "%s", op->path);
        make_mount_point(dst, op->dir);
        /* MS_REC: mounts below the path come along (and in a user namespace a non-recursive bind of a tree with
         * locked mounts is refused). */
        if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) < 0)
            child_fail(dst);
        /* --ro: read-only; both: no set-uid programs, no device nodes. Recursive, for the mounts below. */
        set_attrs(dst, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | (op->rw ? 0 : MOUNT_ATTR_RDONLY), true);
        if (op->rw)
            rw_binds++;
        else
            ro_binds++;
    }
}

/* Step proc: the pid namespace's own proc. */
static void mount_proc(void)
{
    make_mount_point(NEWROOT "/proc", true);
    /* The JVM reads /proc/self (maps, cgroup, mountinfo, status); nothing there is a program or a device. */
    if (mount("proc", NEWROOT "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
        child_fail("minimal-root: mount proc");
}

/* Step dev: the four device nodes every program expects, and the fd symlinks. */
static void make_dev(void)
{
    char dst[64], src[64];
    for (size_t i = 0; i < sizeof(DEVICES) / sizeof(DEVICES[0]); i++) {
        snprintf(dst, sizeof(dst), NEWROOT "%s", DEVICES[i]);
        snprintf(src, sizeof(src), OLDROOT "%s", DEVICES[i]);
        make_mount_point(dst, false);
        /* The host's node itself (creating one would need mknod); a device, so not nodev; nothing to execute. */
        if (mount(src, dst, NULL, MS_BIND, NULL) < 0)
            child_fail(dst);
        set_attrs(dst, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, false);
    }
    static const char *const FD_LINKS[][2] = {
        { "/proc/self/fd", NEWROOT "/dev/fd" }, { "/proc/self/fd/0", NEWROOT "/dev/stdin" },
        { "/proc/self/fd/1", NEWROOT "/dev/stdout" }, { "/proc/self/fd/2", NEWROOT "/dev/stderr" },
    };
    for (size_t i = 0; i < sizeof(FD_LINKS) / sizeof(FD_LINKS[0]); i++)
        if (symlink(FD_LINKS[i][0], FD_LINKS[i][1]) < 0 && errno != EEXIST)
            child_fail(FD_LINKS[i][1]);
}

/* Step cwd: the working directory (a real path, taken before the base step) exists in the new root, empty unless
 * it is bound or holds bound paths: relative paths under it (a relative class path) resolve as they did. */
static void make_cwd(const char *cwd)
{
    char dst[PATH_MAX * 2];
    snprintf(dst, sizeof(dst), NEWROOT "%s", cwd);
    if (strcmp(cwd, "/") != 0)
        make_mount_point(dst, true);
}

/* Step pivot: the host's tree goes away for good, the new root becomes / and read-only. */
static void pivot(const char *cwd)
{
    /* Detach, not unmount: busy mounts below it would refuse a plain umount; detached, nothing can reach them. */
    if (umount2(OLDROOT, MNT_DETACH) < 0)
        child_fail("minimal-root: detach the host's root");
    if (chdir(NEWROOT) < 0)
        child_fail("minimal-root: chdir " NEWROOT);
    /* pivot_root(".", "."): the base ends up stacked under the new root, and is detached next. */
    if (syscall(SYS_pivot_root, ".", ".") < 0)
        child_fail("minimal-root: pivot_root");
    if (umount2(".", MNT_DETACH) < 0)
        child_fail("minimal-root: detach the base");
    if (chdir("/") < 0)
        child_fail("minimal-root: chdir /");
    /* Nothing may be created in the root itself; the bind mounts keep their own flags. */
    set_attrs("/", MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, false);
    /* The working directory again: the old one pointed into the host's tree. */
    if (chdir(cwd) < 0)
        child_fail("minimal-root: chdir to the working directory");
}

void rootfs_build(const struct config *cfg)
{
    if (cfg->minimal_root == LAYER_OFF) {
        child_report_layer("minimal-root", false, "not requested (--minimal-root auto|required)");
        return;
    }
    char why[300];
    if (!namespaces_active(NS_MOUNT)) {
        if (cfg->minimal_root == LAYER_REQUIRED) {
            errno = EINVAL;
            child_fail("minimal-root: needs a mount namespace (--unshare mount or --namespaces auto)");
        }
        child_report_layer("minimal-root", false, "no mount namespace: the host's whole tree stays visible");
        return;
    }
    char cwd[PATH_MAX]; /* after child_chdir: --chdir's real path, or the launcher's */
    if (getcwd(cwd, sizeof(cwd)) == NULL)
        child_fail("minimal-root: getcwd");
    plan(cfg);
    if (!enter_base(why, sizeof(why))) {
        if (cfg->minimal_root == LAYER_REQUIRED) {
            errno = EPERM;
            child_fail(why);
        }
        child_report_layer("minimal-root", false, why);
        return;
    }
    mount_newroot();
    bind_paths();
    mount_proc();
    make_dev();
    make_cwd(cwd);
    pivot(cwd);

    char reason[700];
    snprintf(reason, sizeof(reason), "read-only tmpfs root: %d read-only and %d read-write bind mounts, %d symlinks, "
             "own /proc, /dev with null zero random urandom; %d missing, skipped%s%s", ro_binds, rw_binds, links,
             missing_count, missing_count ? ": " : "", missing);
    child_report_layer("minimal-root", true, reason);
}
