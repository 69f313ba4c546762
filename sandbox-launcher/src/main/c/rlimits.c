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
 *   nproc  useless here: it counts per real uid across the whole system (and root ignores it), so it neither
 *          isolates one plugin nor binds a root launcher's child; the pids cgroup bounds threads instead.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

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

void rlimits_apply(const struct config *cfg)
{
    char summary[256] = "";
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
    child_report_layer("rlimits", true, summary);
}
