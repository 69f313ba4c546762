/*
 * Part of the rlimits layer's nice fallback (rlimits.c), done by the supervisor: the plugin's session group gets
 * the plugin's nice. Where the kernel groups tasks by session (autogroup, CONFIG_SCHED_AUTOGROUP, on by default in
 * Debian's and others' kernels), the child's setsid() makes the plugin a scheduling group of its own, which the
 * scheduler weighs against the host's group as an equal whatever its threads' nice: two booting plugins had two
 * thirds of the CPU. /proc/<pid>/autogroup takes the group's nice.
 *
 * Why here and not in the child: without CAP_SYS_ADMIN (a non-root host; a child in a user namespace) the kernel
 * accepts one such change per 100 ms across the whole machine and answers EAGAIN otherwise. Waiting for that in the
 * child delayed every start of a burst (8 non-root launches at once: half waited 300 ms, then went without). The
 * supervisor tries when the child reports its rlimits (after its setsid and its own nice), and on EAGAIN retries
 * from its poll loop while the program already runs, then reports the rlimits layer again with the outcome. It is
 * a share of the CPU like the nice it completes, not a boundary: not done is reported, never fatal.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "launcher.h"

#define RETRY_MS 20
#define GIVE_UP_MS 10000

static struct {
    pid_t child;
    int nice;
    long long next_ms, give_up_ms; /* next_ms 0: nothing pending */
    char base[768];                /* the child's rlimits reason, reported again with the outcome */
} pending;

static bool autogroup_enabled(void)
{
    char enabled = '0';
    int fd = open("/proc/sys/kernel/sched_autogroup_enabled", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false; /* a kernel without autogroup: the threads' nice is all there is */
    ssize_t n = read(fd, &enabled, 1);
    close(fd);
    return n == 1 && enabled != '0';
}

/* One write of the group's nice; 0, or the errno. */
static int write_nice(pid_t child, int nice)
{
    char path[64], text[8];
    snprintf(path, sizeof(path), "/proc/%d/autogroup", (int)child);
    int len = snprintf(text, sizeof(text), "%d", nice);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    int err = write(fd, text, (size_t)len) < 0 ? errno : 0;
    close(fd);
    return err;
}

/* Whether the child has exited, without reaping it (the supervisor's SIGCHLD handling does that). */
static bool has_exited(pid_t child)
{
    siginfo_t info = { 0 };
    return waitid(P_PID, (id_t)child, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == child;
}

static void report(const char *outcome)
{
    char reason[1024];
    snprintf(reason, sizeof(reason), "%s %s", pending.base, outcome);
    event_layer("rlimits", true, reason);
}

/* Reports a write's outcome: set, retrying (EAGAIN while pending.next_ms is set), given up, or failed. */
static void report_write(int err)
{
    char outcome[96];
    if (err == EAGAIN && pending.next_ms != 0)
        snprintf(outcome, sizeof(outcome), "autogroup=%d pending (EAGAIN: retried while the program runs)",
                 pending.nice);
    else if (err == EAGAIN)
        snprintf(outcome, sizeof(outcome), "autogroup=not set (EAGAIN for %d s)", GIVE_UP_MS / 1000);
    else if (err != 0)
        snprintf(outcome, sizeof(outcome), "autogroup=not set (%s)", strerror(err));
    else
        snprintf(outcome, sizeof(outcome), "autogroup=%d", pending.nice);
    report(outcome);
}

/* The child's rlimits report, forwarded with the group's nice (or why not) appended. */
void autogroup_on_rlimits(pid_t child, const char *reason)
{
    errno = 0;
    int nice = getpriority(PRIO_PROCESS, (id_t)child); /* the child set its own before reporting */
    if (cgroups_cpu_weighted() || !autogroup_enabled() || nice <= 0 || errno != 0) {
        event_layer("rlimits", true, reason);
        return;
    }
    snprintf(pending.base, sizeof(pending.base), "%s", reason);
    /* Only the child's own session: it called setsid() before reporting; were it still in ours, the write
     * would lower the host's group. */
    if (getsid(child) != child) {
        report("autogroup=not set (the child leads no session)");
        return;
    }
    pending.child = child;
    pending.nice = nice;
    pending.give_up_ms = clock_ms(CLOCK_MONOTONIC) + GIVE_UP_MS;
    int err = write_nice(child, nice);
    pending.next_ms = err == EAGAIN ? clock_ms(CLOCK_MONOTONIC) + RETRY_MS : 0;
    report_write(err);
}

/* poll()'s timeout for the next retry: -1 when none is pending. */
int autogroup_timeout_ms(void)
{
    if (pending.next_ms == 0)
        return -1;
    long long left = pending.next_ms - clock_ms(CLOCK_MONOTONIC);
    return left < 0 ? 0 : (int)left;
}

/* From the poll loop, while the child is not reaped (so its pid is still its own): one retry when due. */
void autogroup_retry(void)
{
    long long now = clock_ms(CLOCK_MONOTONIC);
    if (pending.next_ms == 0 || now < pending.next_ms)
        return;
    int err = write_nice(pending.child, pending.nice);
    if (err == EAGAIN && now < pending.give_up_ms) {
        pending.next_ms = now + RETRY_MS;
        return;
    }
    pending.next_ms = 0;
    if (err != 0 && has_exited(pending.child))
        return; /* the program ended first (an exited task's /proc files are root's): nothing left to set */
    report_write(err);
}
