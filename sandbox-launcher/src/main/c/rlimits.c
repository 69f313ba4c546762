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
 *   nproc  = --pids, only where the program has a user namespace of its own: the kernel then counts the tasks of
 *            its uid in that namespace, which are the plugin's alone. Without one the count is the uid's across the
 *            machine, shared by every plugin of that uid: measured in DeploymentsIT, a limit of "running tasks +
 *            budget" let the hostile sample's thread bomb use up the budget of every other plugin of the uid, whose
 *            next pthread_create failed (EAGAIN). Not set there, and reported: a thread bomb is then bounded only by
 *            what bounds the host (its container's or its service's pids limit).
 *   nice   = 10 where no cgroup v2 cpu.weight puts plugins below the host: a plugin's threads, and so 32 plugins
 *            starting at once, yield the CPU to the host's request threads. Lowering one's own priority needs no
 *            privilege; the plugin cannot raise it again (setpriority is not in its policy, and raising needs
 *            CAP_SYS_NICE). Every thread the JVM creates inherits it.
 *            Where the kernel groups tasks by session (autogroup, CONFIG_SCHED_AUTOGROUP, on by default in Debian's
 *            and others' kernels), the launcher's setsid() made the plugin a scheduling group of its own, weighed
 *            against the host's group as an equal whatever its threads' nice: two booting plugins then had two
 *            thirds of the CPU. The group's own nice is set to the same value by the supervisor (autogroup.c), which
 *            appends it to this layer's report.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
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

#define PLUGIN_NICE 10

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
    if (used < size && cfg->pids_limit > 0 && !cgroups_limit_pids()) {
        if (namespaces_active(NS_USER)) {
            set_both(RLIMIT_NPROC, cfg->pids_limit, "setrlimit nproc");
            used += (size_t)snprintf(summary + used, size - used, "%snproc=%llu (no pids cgroup: counted in its user "
                                     "namespace)", used ? " " : "", cfg->pids_limit);
        } else {
            used += (size_t)snprintf(summary + used, size - used, "%sthreads unbounded (no pids cgroup, no user "
                                     "namespace: RLIMIT_NPROC would count the uid's tasks across the machine)",
                                     used ? " " : "");
        }
    }
    if (used < size && !cgroups_cpu_weighted()) {
        /* Never raise it: a host already started with a higher nice passes its own on (raising would need
         * CAP_SYS_NICE and fail the launch). */
        errno = 0;
        int now = getpriority(PRIO_PROCESS, 0);
        int nice = errno == 0 && now > PLUGIN_NICE ? now : PLUGIN_NICE;
        if (nice != now && setpriority(PRIO_PROCESS, 0, nice) < 0)
            child_fail("setpriority");
        used += (size_t)snprintf(summary + used, size - used, "%snice=%d (no cpu.weight)", used ? " " : "", nice);
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
