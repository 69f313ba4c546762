/*
 * Layer: resource limits (setrlimit), applied in the child before it execs. Soft and hard limit are set to the
 * same value so the plugin cannot raise them again (raising a hard limit needs CAP_SYS_RESOURCE, which the plugin
 * never has: it runs unprivileged or under seccomp, which refuses setrlimit and prlimit64 on other pids).
 *
 * Always applied, whatever the command line says unless overridden:
 *   core   0        a crash dump would copy the plugin's memory (secrets it was given) to disk
 *   nofile 4096     bounds descriptors (and so kernel memory pinned by sockets, epoll sets, pipes)
 *   fsize  1 GiB    one runaway file cannot fill the disk; the JVM ignores SIGXFSZ, so the write fails with EFBIG
 * Not by default:
 *   as     HotSpot reserves large virtual ranges (heap reservation, code cache, compressed class space) far above
 *          what it uses; an address-space limit breaks start-up in ways unrelated to real memory use. -Xmx and the
 *          memory cgroup bound real memory. Available with --rlimit as=BYTES (or --rlimit-as) for other programs.
 *   cpu    seconds of CPU time; a long-running plugin legitimately uses unbounded CPU time.
 *   nproc  counts per real uid across the whole machine (per uid *and* user namespace since Linux 5.14), and root
 *          ignores it: the pids cgroup bounds threads instead.
 *
 * In place of a cgroup limit that is not in force (a non-root host without delegation, a container without
 * cgroup access; cgroups.c reports that layer inactive and the host says DEGRADED), the limits that still bind an
 * unprivileged process:
 *   data   = --memory: since Linux 4.7 RLIMIT_DATA counts private writable mappings, i.e. memory a program commits
 *            (heap, malloc arenas, thread stacks, mmap(MAP_PRIVATE|MAP_ANONYMOUS)); HotSpot's reservations are
 *            PROT_NONE and do not count, so unlike RLIMIT_AS it lets the JVM start. A bomb fails with ENOMEM (the
 *            JVM ends with "Native memory allocation failed") instead of growing until the machine or the host's
 *            container is OOM-killed. Not counted: shared anonymous memory and tmpfs files, which only the memory
 *            cgroup bounds.
 *   nproc  = --pids + the tasks its uid runs at launch: a thread bomb stops at its budget. Without a user namespace
 *            the budget is shared with every other process of that uid started later (other plugins; the host itself
 *            is not limited: it has no such rlimit); in its own user namespace the count is the plugin's alone.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <dirent.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "launcher.h"

static const struct {
    const char *name;
    int resource;
} NAMES[RLIM_COUNT] = {
    [RLIM_CORE] = { "core", RLIMIT_CORE },
    [RLIM_NOFILE] = { "nofile", RLIMIT_NOFILE },
    [RLIM_FSIZE] = { "fsize", RLIMIT_FSIZE },
    [RLIM_AS] = { "as", RLIMIT_AS },
    [RLIM_CPU] = { "cpu", RLIMIT_CPU },
};

void rlimits_defaults(struct config *cfg)
{
    cfg->rlimits[RLIM_CORE] = (struct rlimit_setting){ .set = true, .value = 0 };
    cfg->rlimits[RLIM_NOFILE] = (struct rlimit_setting){ .set = true, .value = 4096 };
    cfg->rlimits[RLIM_FSIZE] = (struct rlimit_setting){ .set = true, .value = 1ULL << 30 };
}

int rlimits_parse(struct config *cfg, const char *name, size_t name_len, const char *value)
{
    for (int i = 0; i < RLIM_COUNT; i++) {
        if (strlen(NAMES[i].name) != name_len || strncmp(NAMES[i].name, name, name_len) != 0)
            continue;
        unsigned long long v;
        if (strcmp(value, "unlimited") == 0) {
            v = RLIM_INFINITY;
        } else {
            char *end;
            errno = 0;
            v = strtoull(value, &end, 10);
            if (errno != 0 || end == value || *end != '\0' || value[0] == '-')
                return -1;
        }
        cfg->rlimits[i] = (struct rlimit_setting){ .set = true, .value = v };
        return 0;
    }
    return -1;
}

/* Tasks (threads) whose real uid is uid, from /proc/<pid>/status; what RLIMIT_NPROC compares with. */
static unsigned long long tasks_of(uid_t uid)
{
    DIR *proc = opendir("/proc");
    if (proc == NULL)
        child_fail("read /proc for the nproc fallback");
    unsigned long long tasks = 0;
    for (struct dirent *e; (e = readdir(proc)) != NULL;) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9')
            continue;
        char path[64], line[256];
        snprintf(path, sizeof(path), "/proc/%.20s/status", e->d_name);
        FILE *f = fopen(path, "re");
        if (f == NULL)
            continue; /* exited meanwhile */
        unsigned long real = (unsigned long)-1, threads = 0;
        while (fgets(line, sizeof(line), f) != NULL) {
            if (strncmp(line, "Uid:", 4) == 0)
                real = strtoul(line + 4, NULL, 10);
            else if (strncmp(line, "Threads:", 8) == 0)
                threads = strtoul(line + 8, NULL, 10);
        }
        fclose(f);
        if (real == (unsigned long)uid)
            tasks += threads;
    }
    closedir(proc);
    return tasks;
}

/* The uid the program will run as: the drop target of a root launcher, else the launcher's own. */
static uid_t program_uid(const struct config *cfg)
{
    if (geteuid() != 0)
        return geteuid();
    return cfg->uid >= 0 ? (uid_t)cfg->uid : 65534;
}

static void set_both(int resource, unsigned long long value, const char *step)
{
    struct rlimit limit = { .rlim_cur = value, .rlim_max = value };
    if (setrlimit(resource, &limit) < 0)
        child_fail(step);
}

/* The fallback in the header comment; appends what it set to the summary. */
static size_t apply_fallback(const struct config *cfg, char *summary, size_t size, size_t used)
{
    if (cfg->memory_limit > 0 && !cgroups_limit_memory() && !cfg->rlimits[RLIM_AS].set) {
        set_both(RLIMIT_DATA, cfg->memory_limit, "setrlimit data");
        used += (size_t)snprintf(summary + used, size - used, "%sdata=%llu (no memory cgroup)", used ? " " : "",
                                 cfg->memory_limit);
    }
    bool runs_as_root = geteuid() == 0 && cfg->uid < 0 && !namespaces_wanted(cfg);
    if (used < size && cfg->pids_limit > 0 && !cgroups_limit_pids() && !runs_as_root) {
        /* In its own user namespace the kernel counts the uid's tasks there: the plugin's alone. */
        bool own_count = namespaces_active(NS_USER);
        unsigned long long nproc = (own_count ? 0 : tasks_of(program_uid(cfg))) + cfg->pids_limit;
        set_both(RLIMIT_NPROC, nproc, "setrlimit nproc");
        used += (size_t)snprintf(summary + used, size - used, "%snproc=%llu (no pids cgroup: %llu threads%s)",
                                 used ? " " : "", nproc, cfg->pids_limit,
                                 own_count ? " in its user namespace" : " plus the uid's running tasks");
    }
    return used < size ? used : size - 1;
}

void rlimits_apply(const struct config *cfg)
{
    char summary[512] = "";
    size_t used = 0;
    for (int i = 0; i < RLIM_COUNT; i++) {
        if (!cfg->rlimits[i].set)
            continue;
        struct rlimit limit = { .rlim_cur = cfg->rlimits[i].value, .rlim_max = cfg->rlimits[i].value };
        if (setrlimit(NAMES[i].resource, &limit) < 0) {
            char step[64];
            snprintf(step, sizeof(step), "setrlimit %s", NAMES[i].name);
            child_fail(step); /* fail closed: e.g. raising a hard limit without CAP_SYS_RESOURCE */
        }
        if (cfg->rlimits[i].value == RLIM_INFINITY)
            used += (size_t)snprintf(summary + used, sizeof(summary) - used, "%s%s=unlimited", used ? " " : "",
                                     NAMES[i].name);
        else
            used += (size_t)snprintf(summary + used, sizeof(summary) - used, "%s%s=%llu", used ? " " : "",
                                     NAMES[i].name, (unsigned long long)cfg->rlimits[i].value);
        if (used >= sizeof(summary))
            used = sizeof(summary) - 1;
    }
    apply_fallback(cfg, summary, sizeof(summary), used);
    child_report_layer("rlimits", true, summary);
}
