/*
 * Layer: cgroups. A memory limit (a memory bomb is all allowed syscalls: mmap and touching pages) and a task limit
 * (a thread bomb is all allowed syscalls: clone with CLONE_THREAD) per launch, and on cgroup v2 a CPU weight below the
 * host's. rlimits cannot do either: RLIMIT_AS breaks HotSpot, RLIMIT_NPROC counts per uid across the whole machine.
 *
 * Where: <root>/pluginhost/<launcher pid>. <root> is --cgroup-root, else the launcher's *own* cgroup (from
 * /proc/self/cgroup and /proc/self/mountinfo), so the limits nest under whatever already bounds the host and a
 * delegated subtree is all that is needed. cgroup v2, one step per function below:
 *   1. the root (v2_root): --cgroup-root, or the own cgroup; when that is the "host" leaf this layer made (step 4),
 *      its parent, the delegated cgroup;
 *   2. delegated (v2_check_delegated): the launcher's uid may write the root's cgroup.procs and
 *      cgroup.subtree_control (systemd's Delegate=yes chowns exactly these to the service's user); else inactive,
 *      naming the uid and the owner;
 *   3. offered (v2_offered): cgroup.controllers lists memory and pids (cpu: weighted only where offered);
 *   4. no internal processes (v2_vacate): a non-root cgroup holding processes cannot enable controllers for its
 *      children (EBUSY). The launcher moves the root's processes - the host JVM, its launchers - into <root>/host.
 *      The launcher does it, not the host: it is where the rule bites, any program using the launcher gets it, and
 *      processes that land in the root later (an ExecReload, a sidecar) are moved at the next launch. Concurrent
 *      launchers are safe: mkdir EEXIST is success, moving a pid already moved is a no-op, a pid that exited (ESRCH)
 *      is skipped, and a fork into the root between the move and the enable (EBUSY again) is retried;
 *   5. enable (v2_enable): "+memory +pids [+cpu]" in the root's and in pluginhost's cgroup.subtree_control;
 *   6. the per-launch leaf, its limits (memory.max, memory.swap.max, pids.max) and pluginhost's cpu.weight.
 * Else cgroup v1 hierarchies mounted with the memory / pids controller (not with --cgroup-root, which names a v2
 * cgroup); else not available: fatal when required (--memory/--pids), reported inactive under --cgroups auto.
 * A --cgroup-root that is not a cgroup2 filesystem (a prepared tree, for tests) is a dry run: the same writes, into
 * plain files (created, appended), and the layer reported inactive ("dry run"): fatal when required.
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
#include <sys/statfs.h>
#include <linux/magic.h>
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

/* Whether each limit is in force, for the rlimit fallback (rlimits.c); the child inherits it at fork. */
static bool limited[CG_COUNT];
static bool weighted; /* cpu.weight below the host's is in force */

/* Set when --cgroup-root is not a cgroup2 filesystem: writes create and append to plain files (a prepared tree). */
static bool dry_run;

static int write_text(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC | (dry_run ? O_CREAT | O_APPEND : 0), 0644);
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
        *c1 = *c2 = '\0'; /* "<id>:<controllers>:<path>": cut after the id and after the list */
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
    /* Another launcher's cleanup may remove the empty pluginhost between the two mkdirs (ENOENT): once more. */
    bool made = false;
    for (int i = 0; i < 3 && !made; i++)
        made = make_dir(parent_dir[cg]) && make_dir(dir);
    if (!made) {
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

/* cgroup v2 state: the root (delegated cgroup), what it enables, and whether cpu is weighted. */
#define HOST_LEAF "host"         /* where v2_vacate moves the root's processes */
#define PLUGIN_CPU_WEIGHT "50"   /* pluginhost against the host leaf's default 100: the host keeps 2/3 of a busy CPU */
#define VACATE_TRIES 5           /* a fork into the root between move and enable makes the enable fail again */
static char v2_enable_text[64];
static bool v2_cpu;

/* Step 1. --cgroup-root, or the own v2 cgroup; the "host" leaf of an earlier launch stands for its parent. */
static bool v2_root(const struct config *cfg, char *root, size_t size, char *reason)
{
    if (cfg->cgroup_root != NULL) {
        snprintf(root, size, "%s", cfg->cgroup_root);
    } else if (!base_dir(NULL, root, size)) {
        snprintf(reason, 300, "no cgroup v2 hierarchy");
        return false;
    }
    struct stat st;
    if (stat(root, &st) < 0) {
        snprintf(reason, 300, "cgroup v2 root %s: %s", root, strerror(errno));
        return false;
    }
    if (!S_ISDIR(st.st_mode)) {
        snprintf(reason, 300, "cgroup v2 root %s: not a directory", root);
        return false;
    }
    /* A launcher the host started after an earlier launch vacated the root runs in <root>/host: climb back. The
     * parent must already pass controllers down (non-empty subtree_control), i.e. be a root this layer set up. */
    char *slash = strrchr(root, '/');
    if (cfg->cgroup_root == NULL && slash != NULL && strcmp(slash + 1, HOST_LEAF) == 0) {
        char parent[PATH_MAX], path[PATH_MAX + 32], text[128];
        snprintf(parent, sizeof(parent), "%.*s", (int)(slash - root), root);
        snprintf(path, sizeof(path), "%s/cgroup.subtree_control", parent);
        if (read_text(path, text, sizeof(text)) && text[0] != '\0' && text[0] != '\n')
            snprintf(root, size, "%s", parent);
    }
    struct statfs fs;
    dry_run = cfg->cgroup_root != NULL && statfs(root, &fs) == 0 && fs.f_type != CGROUP2_SUPER_MAGIC;
    return true;
}

/* Who owns path, for a reason: "root" or "uid N". */
static void owner_name(const char *path, char *out, size_t size)
{
    struct stat st;
    if (stat(path, &st) < 0)
        snprintf(out, size, "unknown (%s)", strerror(errno));
    else if (st.st_uid == 0)
        snprintf(out, size, "root");
    else
        snprintf(out, size, "uid %u", (unsigned)st.st_uid);
}

/* Step 2. The files a delegated cgroup hands over must be writable by this uid (root: unless mounted read-only). */
static bool v2_check_delegated(const char *root, char *reason)
{
    static const char *const files[] = { "", "/cgroup.procs", "/cgroup.subtree_control" };
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char path[PATH_MAX + 32], owner[64];
        snprintf(path, sizeof(path), "%s%s", root, files[i]);
        if (faccessat(AT_FDCWD, path, W_OK, AT_EACCESS) == 0) /* the uid the writes will run as */
            continue;
        if (errno == EROFS) {
            snprintf(reason, 300, "cgroup v2 at %s is read-only (a container needs a writable cgroupfs: cgroup v2 "
                     "with --cgroupns=private)", root);
        } else if (errno == EACCES || errno == EPERM) {
            owner_name(path, owner, sizeof(owner));
            snprintf(reason, 300, "cgroup v2 not delegated to uid %u: %s is owned by %s", (unsigned)geteuid(), path,
                     owner);
        } else {
            snprintf(reason, 300, "cgroup v2 at %s: %s: %s", root, path, strerror(errno));
        }
        return false;
    }
    return true;
}

/* Whether a space-separated controller list holds name as a whole word. */
static bool lists(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = strstr(list, name); p != NULL; p = strstr(p + 1, name))
        if ((p == list || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' ' || p[n] == '\n'))
            return true;
    return false;
}

/* Step 3. The root must offer what is wanted; cpu joins the enable text where offered. */
static bool v2_offered(const char *root, const bool want[CG_COUNT], char *reason)
{
    char path[PATH_MAX + 32], text[512];
    snprintf(path, sizeof(path), "%s/cgroup.controllers", root);
    if (!read_text(path, text, sizeof(text)))
        text[0] = '\0';
    text[strcspn(text, "\n")] = '\0';
    v2_enable_text[0] = '\0';
    char missing[32] = "";
    for (int cg = 0; cg < CG_COUNT; cg++) {
        if (want[cg] && !lists(text, CG_NAME[cg]))
            snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing), "%s%s", missing[0] ? ", " : "",
                     CG_NAME[cg]);
        else if (want[cg])
            snprintf(v2_enable_text + strlen(v2_enable_text), sizeof(v2_enable_text) - strlen(v2_enable_text),
                     "%s+%s", v2_enable_text[0] ? " " : "", CG_NAME[cg]);
    }
    if (missing[0] != '\0') {
        snprintf(reason, 300, "cgroup v2 at %s does not offer the %s controller (it has: %s)", root, missing,
                 text[0] ? text : "none");
        return false;
    }
    v2_cpu = lists(text, "cpu");
    if (v2_cpu)
        strcat(v2_enable_text, " +cpu");
    return true;
}

/* Whether cgroup dir holds processes (the kernel's "internal processes"). The root cgroup has no cgroup.type and
 * is exempt from the rule. */
static bool holds_processes(const char *dir)
{
    char path[PATH_MAX + 32], text[16];
    snprintf(path, sizeof(path), "%s/cgroup.type", dir);
    if (access(path, F_OK) < 0)
        return false;
    snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
    return read_text(path, text, sizeof(text)) && text[0] != '\0';
}

/* Step 4. Moves every process of root into root/host, one pid per write (what cgroup.procs accepts). */
static bool v2_vacate(const char *root, char *reason)
{
    char leaf[PATH_MAX + 32], from[PATH_MAX + 32], to[PATH_MAX + 64];
    snprintf(leaf, sizeof(leaf), "%s/" HOST_LEAF, root);
    snprintf(from, sizeof(from), "%s/cgroup.procs", root);
    snprintf(to, sizeof(to), "%s/cgroup.procs", leaf);
    if (!make_dir(leaf)) {
        snprintf(reason, 300, "cgroup v2: mkdir %s (for the no-internal-processes rule): %s", leaf, strerror(errno));
        return false;
    }
    FILE *f = fopen(from, "re");
    if (f == NULL) {
        snprintf(reason, 300, "cgroup v2: read %s: %s", from, strerror(errno));
        return false;
    }
    char line[32];
    bool ok = true;
    while (ok && fgets(line, sizeof(line), f) != NULL) {
        if (write_text(to, line) < 0 && errno != ESRCH) { /* ESRCH: the process exited meanwhile */
            snprintf(reason, 300, "cgroup v2: moving pid %.*s into %s: %s", (int)strcspn(line, "\n"), line, to,
                     strerror(errno));
            ok = false;
        }
    }
    fclose(f);
    return ok;
}

/* Step 5. Enables the controllers for dir's children; EBUSY on root (processes arrived after the move) re-vacates. */
static bool v2_enable(const char *dir, bool may_vacate, char *reason)
{
    char path[PATH_MAX + 32];
    snprintf(path, sizeof(path), "%s/cgroup.subtree_control", dir);
    for (int i = 0; i < VACATE_TRIES; i++) {
        if (may_vacate && holds_processes(dir) && !v2_vacate(dir, reason))
            return false;
        if (write_text(path, v2_enable_text) == 0)
            return true;
        if (errno != EBUSY || !may_vacate)
            break;
    }
    snprintf(reason, 300, "cgroup v2: enabling %s in %s: %s", v2_enable_text, path, strerror(errno));
    return false;
}

/* Step 6. pluginhost and the per-launch leaf, then the controllers passed on to the leaf (enabling them gives existing
 * children their interface files) and pluginhost's cpu weight, a sibling of the host leaf. */
static bool v2_leaf(const char *root, char *reason)
{
    char path[PATH_MAX + 32];
    if (!create_leaf(CG_MEMORY, root, reason, 300) || !v2_enable(parent_dir[CG_MEMORY], false, reason))
        return false;
    snprintf(path, sizeof(path), "%s/cpu.weight", parent_dir[CG_MEMORY]);
    if (v2_cpu && write_text(path, PLUGIN_CPU_WEIGHT) < 0) {
        snprintf(reason, 300, "cgroup v2: write %s: %s", path, strerror(errno));
        return false;
    }
    return true;
}

/* v2: both controllers in one directory; reason[0] carries the reason for both. */
static bool try_v2(const struct config *cfg, const bool want[CG_COUNT], char reason[CG_COUNT][300])
{
    char root[PATH_MAX];
    bool ok = v2_root(cfg, root, sizeof(root), reason[0]) && v2_check_delegated(root, reason[0])
            && v2_offered(root, want, reason[0]) && v2_enable(root, true, reason[0]) && v2_leaf(root, reason[0])
            && (!want[CG_MEMORY] || limit(CG_MEMORY, "memory.max", cfg->memory_limit, reason[0], 300))
            && (!want[CG_PIDS] || limit(CG_MEMORY, "pids.max", cfg->pids_limit, reason[0], 300));
    /* Swap would extend the memory limit; the file is absent without swap accounting, where there is no swap to use. */
    if (ok && want[CG_MEMORY])
        limit(CG_MEMORY, "memory.swap.max", 0, reason[0], 300);
    if (ok && dry_run) {
        snprintf(reason[0], 300, "dry run: %s is not a cgroup2 filesystem (a prepared tree): files written, no limit "
                 "enforced", root);
        ok = false;
    }
    snprintf(reason[1], 300, "%s", reason[0]);
    return ok;
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
        created[cg][0] = joined[cg][0] = '\0';
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
    weighted = v2 && v2_cpu;
    if (v2) {
        snprintf(joined[CG_PIDS], sizeof(joined[CG_PIDS]), "%s", "");
    } else if (cfg->cgroup_root != NULL) {
        /* --cgroup-root names a v2 cgroup: no v1 fallback. A dry run keeps its leaf so the child's join is seen. */
        for (int cg = 0; cg < CG_COUNT; cg++)
            snprintf(reason[cg], 300, "%s", v2_reason[cg]);
        if (!dry_run)
            cleanup();
        joined[CG_PIDS][0] = '\0';
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
        char text[700];
        if (!ok && cfg->cgroup_root == NULL && strstr(reason[cg], v2_reason[cg]) == NULL)
            snprintf(text, sizeof(text), "%s; cgroup v1: %s", v2_reason[cg], reason[cg]);
        else
            snprintf(text, sizeof(text), "%s", reason[cg]);
        if (!ok && cfg->cgroups == LAYER_REQUIRED)
            die_msg(CG_LAYER[cg], text);
        if (ok)
            snprintf(text, sizeof(text), "cgroup %s %s, %s.max %llu%s", v2 ? "v2" : "v1",
                     v2 ? created[CG_MEMORY] : created[cg], CG_NAME[cg],
                     cg == CG_MEMORY ? cfg->memory_limit : cfg->pids_limit,
                     !v2 ? "" : v2_cpu ? "; cpu.weight " PLUGIN_CPU_WEIGHT " for all plugins against the host's 100"
                                       : "; cpu not weighted: no cpu controller offered");
        limited[cg] = ok;
        event_layer(CG_LAYER[cg], ok, text);
    }
}

bool cgroups_limit_memory(void)
{
    return limited[CG_MEMORY];
}

bool cgroups_limit_pids(void)
{
    return limited[CG_PIDS];
}

bool cgroups_cpu_weighted(void)
{
    return weighted;
}

void cgroups_join(void)
{
    /* Child, before the uid drop: "0" means the writing process itself, whatever pid namespace it is in. */
    for (int cg = 0; cg < CG_COUNT; cg++)
        if (joined[cg][0] != '\0' && write_text(joined[cg], "0") < 0)
            child_fail(joined[cg]);
}
