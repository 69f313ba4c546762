/*
 * Layer: cgroups. A memory limit (a memory bomb is all allowed syscalls: mmap and touching pages) and a task limit
 * (a thread bomb is all allowed syscalls: clone with CLONE_THREAD) per launch. rlimits cannot do either: RLIMIT_AS
 * breaks HotSpot, RLIMIT_NPROC counts per uid across the whole machine.
 *
 * Where: a child of the launcher's *own* cgroup (from /proc/self/cgroup), pluginhost/<launcher pid>, so the limits
 * nest under whatever already bounds the host and a delegated subtree is all that is needed:
 *   - cgroup v2 when the launcher's v2 cgroup offers the controllers (cgroup.controllers lists memory/pids) and it
 *     may enable them for pluginhost (cgroup.subtree_control; fails with EBUSY when the launcher's own cgroup holds
 *     processes and is not the root: v2's "no internal processes" rule; the host should then run in a leaf of
 *     a delegated subtree);
 *   - else cgroup v1 hierarchies mounted with the memory / pids controller;
 *   - else not available: fatal when required (--memory/--pids), reported inactive under --cgroups auto.
 * The supervisor creates the cgroups before fork, the child joins them itself (writes 0 to cgroup.procs) before it
 * drops its uid and execs, and the supervisor removes them after the child is reaped (atexit, so failed launches
 * clean up too). memory: memory.max (v2) / memory.limit_in_bytes + memory.memsw.limit_in_bytes (v1, so swap does
 * not extend it); over the limit the kernel's OOM killer ends the plugin (exit by SIGKILL). pids: pids.max.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "launcher.h"

/* Reasons are truncated at 300 bytes on purpose; a path that would not fit is refused in create_leaf. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

enum { CG_MEMORY, CG_PIDS, CG_COUNT };
static const char *const CG_NAME[CG_COUNT] = { "memory", "pids" };
static const char *const CG_LAYER[CG_COUNT] = { "cgroup-memory", "cgroup-pids" };

/* Created directories: the per-launch one (removed) and its pluginhost parent (removed if empty). */
static char created[CG_COUNT][PATH_MAX];
static char parent_dir[CG_COUNT][PATH_MAX];
static char joined[CG_COUNT][PATH_MAX]; /* cgroup.procs to join; shared by both controllers under v2 */

static int write_text(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, text, strlen(text));
    int err = errno;
    close(fd);
    errno = err;
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

static bool read_text(const char *path, char *out, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, out, size - 1);
    close(fd);
    if (n < 0)
        return false;
    out[n] = '\0';
    return true;
}

/* The mount point of a cgroup hierarchy: v2 (controller NULL) or the v1 one carrying controller. Also its root. */
static bool find_mount(const char *controller, char *mnt, size_t mnt_size, char *root, size_t root_size)
{
    FILE *f = fopen("/proc/self/mountinfo", "re");
    if (f == NULL)
        return false;
    char line[4096];
    bool found = false;
    while (!found && fgets(line, sizeof(line), f) != NULL) {
        char r[PATH_MAX], m[PATH_MAX];
        if (sscanf(line, "%*s %*s %*s %4095s %4095s", r, m) != 2)
            continue;
        char *sep = strstr(line, " - ");
        if (sep == NULL)
            continue;
        char type[64], source[256], opts[1024];
        if (sscanf(sep + 3, "%63s %255s %1023s", type, source, opts) != 3)
            continue;
        if (controller == NULL) {
            found = strcmp(type, "cgroup2") == 0;
        } else if (strcmp(type, "cgroup") == 0) {
            for (char *save = NULL, *o = strtok_r(opts, ",", &save); o != NULL; o = strtok_r(NULL, ",", &save))
                if (strcmp(o, controller) == 0)
                    found = true;
        }
        if (found) {
            snprintf(mnt, mnt_size, "%s", m);
            snprintf(root, root_size, "%s", r);
        }
    }
    fclose(f);
    return found;
}

/* The launcher's own cgroup path in a hierarchy: v2 ("0::") or the v1 line listing controller. */
static bool own_path(const char *controller, char *out, size_t size)
{
    FILE *f = fopen("/proc/self/cgroup", "re");
    if (f == NULL)
        return false;
    char line[4096];
    bool found = false;
    while (!found && fgets(line, sizeof(line), f) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        char *c1 = strchr(line, ':');
        char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (c2 == NULL)
            continue;
        *c2 = '\0';
        const char *list = c1 + 1;
        if (controller == NULL) {
            found = strcmp(line, "0") == 0 && *list == '\0';
        } else {
            char copy[256];
            snprintf(copy, sizeof(copy), "%s", list);
            for (char *save = NULL, *o = strtok_r(copy, ",", &save); o != NULL; o = strtok_r(NULL, ",", &save))
                if (strcmp(o, controller) == 0)
                    found = true;
        }
        if (found)
            snprintf(out, size, "%s", c2 + 1);
    }
    fclose(f);
    return found;
}

/* <mount>/<own path relative to the mount's root>. */
static bool base_dir(const char *controller, char *out, size_t size)
{
    char mnt[PATH_MAX], root[PATH_MAX], path[PATH_MAX];
    if (!find_mount(controller, mnt, sizeof(mnt), root, sizeof(root)) || !own_path(controller, path, sizeof(path)))
        return false;
    const char *rel = path;
    if (strcmp(root, "/") != 0 && strncmp(path, root, strlen(root)) == 0)
        rel = path + strlen(root);
    snprintf(out, size, "%s%s", mnt, strcmp(rel, "/") == 0 ? "" : rel);
    return true;
}

static bool make_dir(const char *path)
{
    return mkdir(path, 0755) == 0 || errno == EEXIST;
}

/* Creates base/pluginhost/<pid>; returns false with reason filled. */
static bool create_leaf(int cg, const char *base, char *reason, size_t size)
{
    char dir[PATH_MAX];
    if (strlen(base) > PATH_MAX - 64) {
        snprintf(reason, size, "cgroup path too long: %s", base);
        return false;
    }
    snprintf(parent_dir[cg], sizeof(parent_dir[cg]), "%s/pluginhost", base);
    snprintf(dir, sizeof(dir), "%s/%d", parent_dir[cg], (int)getpid());
    if (!make_dir(parent_dir[cg]) || !make_dir(dir)) {
        snprintf(reason, size, "mkdir under %s: %s", base, strerror(errno));
        parent_dir[cg][0] = '\0';
        return false;
    }
    snprintf(created[cg], sizeof(created[cg]), "%s", dir);
    snprintf(joined[cg], sizeof(joined[cg]), "%s/cgroup.procs", dir);
    return true;
}

static bool limit(int cg, const char *file, unsigned long long value, char *reason, size_t size)
{
    char path[PATH_MAX + 64], text[32];
    snprintf(path, sizeof(path), "%s/%s", created[cg], file);
    snprintf(text, sizeof(text), "%llu", value);
    if (write_text(path, text) == 0)
        return true;
    snprintf(reason, size, "write %s: %s", path, strerror(errno));
    return false;
}

/* v2: both controllers in one directory. */
static bool try_v2(const struct config *cfg, const bool want[CG_COUNT], char reason[CG_COUNT][300])
{
    char base[PATH_MAX], text[512], path[PATH_MAX + 64];
    if (!base_dir(NULL, base, sizeof(base))) {
        for (int cg = 0; cg < CG_COUNT; cg++)
            snprintf(reason[cg], 300, "no cgroup v2 hierarchy");
        return false;
    }
    snprintf(path, sizeof(path), "%s/cgroup.controllers", base);
    if (!read_text(path, text, sizeof(text)))
        text[0] = '\0';
    for (int cg = 0; cg < CG_COUNT; cg++) {
        if (want[cg] && strstr(text, CG_NAME[cg]) == NULL) {
            snprintf(reason[cg], 300, "cgroup v2 at %s does not offer the %s controller (it has: %s)", base,
                     CG_NAME[cg], text[0] ? strtok(text, "\n") : "none");
            return false;
        }
    }
    char enable[64] = "";
    for (int cg = 0; cg < CG_COUNT; cg++)
        if (want[cg])
            snprintf(enable + strlen(enable), sizeof(enable) - strlen(enable), "%s+%s", enable[0] ? " " : "",
                     CG_NAME[cg]);
    snprintf(path, sizeof(path), "%s/cgroup.subtree_control", base);
    if (write_text(path, enable) < 0) {
        for (int cg = 0; cg < CG_COUNT; cg++)
            snprintf(reason[cg], 300, "cgroup v2: enabling %s in %s: %s", enable, path, strerror(errno));
        return false;
    }
    if (!create_leaf(CG_MEMORY, base, reason[0], 300))
        return false;
    snprintf(path, sizeof(path), "%s/cgroup.subtree_control", parent_dir[CG_MEMORY]);
    if (write_text(path, enable) < 0) {
        snprintf(reason[0], 300, "cgroup v2: enabling %s in %s: %s", enable, path, strerror(errno));
        return false;
    }
    /* Re-create the leaf now that pluginhost passes the controllers down. */
    rmdir(created[CG_MEMORY]);
    if (!create_leaf(CG_MEMORY, base, reason[0], 300))
        return false;
    if (want[CG_MEMORY] && !limit(CG_MEMORY, "memory.max", cfg->memory_limit, reason[0], 300))
        return false;
    if (want[CG_MEMORY])
        limit(CG_MEMORY, "memory.swap.max", 0, reason[0], 300); /* best effort: absent without swap accounting */
    if (want[CG_PIDS] && !limit(CG_MEMORY, "pids.max", cfg->pids_limit, reason[1], 300))
        return false;
    return true;
}

static void cleanup(void)
{
    for (int cg = 0; cg < CG_COUNT; cg++) {
        if (created[cg][0] == '\0')
            continue;
        /* The last tasks leave the cgroup shortly after they are reaped: retry EBUSY for up to a second. */
        for (int i = 0; i < 100 && rmdir(created[cg]) < 0 && errno == EBUSY; i++) {
            struct timespec ts = { 0, 10 * 1000 * 1000 };
            nanosleep(&ts, NULL);
        }
        rmdir(parent_dir[cg]); /* only if no other launch uses it */
        created[cg][0] = '\0';
    }
}

void cgroups_prepare(const struct config *cfg)
{
    bool want[CG_COUNT] = { cfg->memory_limit > 0, cfg->pids_limit > 0 };
    if (!want[CG_MEMORY] && !want[CG_PIDS]) {
        for (int cg = 0; cg < CG_COUNT; cg++)
            event_layer(CG_LAYER[cg], false, "not requested (--memory, --pids)");
        return;
    }
    atexit(cleanup);
    char reason[CG_COUNT][300] = { "", "" };
    char v2_reason[CG_COUNT][300] = { "", "" };
    bool v2 = try_v2(cfg, want, v2_reason);
    if (v2) {
        snprintf(joined[CG_PIDS], sizeof(joined[CG_PIDS]), "%s", "");
    } else {
        cleanup();
        /* v1: one hierarchy per controller. */
        for (int cg = 0; cg < CG_COUNT; cg++) {
            if (!want[cg])
                continue;
            char base[PATH_MAX];
            if (!base_dir(CG_NAME[cg], base, sizeof(base))) {
                snprintf(reason[cg], 300, "%s; no cgroup v1 %s hierarchy either", v2_reason[cg], CG_NAME[cg]);
                continue;
            }
            if (!create_leaf(cg, base, reason[cg], 300))
                continue;
            if (cg == CG_MEMORY) {
                if (limit(cg, "memory.limit_in_bytes", cfg->memory_limit, reason[cg], 300)) {
                    char path[PATH_MAX + 64];
                    snprintf(path, sizeof(path), "%s/memory.memsw.limit_in_bytes", created[cg]);
                    if (access(path, F_OK) == 0)
                        limit(cg, "memory.memsw.limit_in_bytes", cfg->memory_limit, reason[cg], 300);
                }
            } else {
                limit(cg, "pids.max", cfg->pids_limit, reason[cg], 300);
            }
            if (reason[cg][0] != '\0') {
                rmdir(created[cg]);
                created[cg][0] = joined[cg][0] = '\0';
            }
        }
    }
    for (int cg = 0; cg < CG_COUNT; cg++) {
        if (!want[cg]) {
            event_layer(CG_LAYER[cg], false, "not requested");
            continue;
        }
        bool ok = v2 || reason[cg][0] == '\0';
        if (!ok && cfg->cgroups == LAYER_REQUIRED)
            die_msg(CG_LAYER[cg], reason[cg]);
        char text[600];
        if (ok)
            snprintf(text, sizeof(text), "cgroup %s %s, %s.max %llu", v2 ? "v2" : "v1",
                     v2 ? created[CG_MEMORY] : created[cg], CG_NAME[cg],
                     cg == CG_MEMORY ? cfg->memory_limit : cfg->pids_limit);
        event_layer(CG_LAYER[cg], ok, ok ? text : reason[cg]);
    }
}

void cgroups_join(void)
{
    /* Child, before the uid drop: "0" means the writing process itself, whatever pid namespace it is in. */
    for (int cg = 0; cg < CG_COUNT; cg++)
        if (joined[cg][0] != '\0' && write_text(joined[cg], "0") < 0)
            child_fail(joined[cg]);
}
