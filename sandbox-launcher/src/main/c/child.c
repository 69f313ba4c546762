/*
 * Process hygiene of the child between fork and execve. Nothing the host process had may leak into the plugin:
 * not its session, its file descriptors, its environment, its signal state. Any failure here is reported to the
 * supervisor over the setup socket and the child exits without ever running the program (fail closed).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "launcher.h"

static int report_sock = -1;

void child_begin(int sock)
{
    report_sock = sock;
}

_Noreturn void child_fail(const char *step)
{
    char text[512];
    snprintf(text, sizeof(text), "%s: %s", step, strerror(errno));
    /* If the supervisor cannot be told, at least stderr can. */
    if (report_sock < 0 || msg_send(report_sock, text) < 0)
        log_error(step, strerror(errno));
    _exit(EXIT_SETUP);
}

void child_new_session(void)
{
    /* Own session and process group: the supervisor kills the whole group with one kill(-pid), and the plugin
     * loses the host's controlling terminal (no TIOCSTI into the host's tty). */
    if (setsid() < 0)
        child_fail("setsid");
}

void child_die_with_parent(int sock)
{
    /* The launcher is single-threaded, so "parent thread exits" is "launcher exits". The host-fd EOF is the
     * sturdier signal for the host itself; this one covers the launcher. If the launcher died before prctl ran,
     * its end of the setup socket is closed already (a process's files close before its children are told):
     * a hang-up there means the same, and unlike getppid() it also works in a new pid namespace, where the
     * parent is outside and getppid() is 0. The supervisor never writes on that socket, so readable = EOF.
     * Called twice: right after fork, and after the last credential change, because the kernel clears the
     * parent-death signal whenever the credentials change (setresuid/setresgid of the uid drop, a new user
     * namespace); without the second call a kill -9 of the launcher left the program running as uid 65534. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
        child_fail("prctl(PR_SET_PDEATHSIG)");
    struct pollfd pfd = { .fd = sock, .events = POLLIN };
    if (poll(&pfd, 1, 0) != 0) {
        errno = ESRCH;
        child_fail("launcher died during the child's setup");
    }
}

void child_stdin(const struct config *cfg)
{
    /* When stdin is the host's liveness pipe, the plugin must not hold or read it. */
    if (cfg->host_fd != STDIN_FILENO)
        return;
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        child_fail("open /dev/null");
    if (dup2(fd, STDIN_FILENO) < 0) /* dup2 clears O_CLOEXEC on the new descriptor */
        child_fail("dup2 stdin");
    close(fd);
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static void close_from_to(int first, int last)
{
    if (first > last)
        return;
    if (close_range((unsigned)first, (unsigned)last, 0) == 0)
        return;
    if (errno != ENOSYS)
        child_fail("close_range");
    /* Kernels before 5.9: close one by one up to the descriptor limit. */
    long max = sysconf(_SC_OPEN_MAX);
    if (max < 0 || max > 1 << 20)
        max = 1 << 20;
    for (long fd = first; fd <= last && fd < max; fd++)
        close((int)fd);
}

void child_close_fds(const struct config *cfg, int sock)
{
    /* Keep 0-2, the --keep-fd ones and the setup socket (O_CLOEXEC: it closes itself at execve). Everything
     * else the launcher inherited from the host goes. */
    int keep[MAX_KEEP_FDS + 1];
    size_t count = 0;
    for (size_t i = 0; i < cfg->keep_fd_count; i++) {
        int fd = cfg->keep_fds[i];
        if (fd <= STDERR_FILENO)
            continue;
        int flags = fcntl(fd, F_GETFD);
        if (flags < 0)
            child_fail("--keep-fd");
        if (fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC) < 0)
            child_fail("--keep-fd");
        keep[count++] = fd;
    }
    keep[count++] = sock;
    qsort(keep, count, sizeof(int), cmp_int);

    int next = STDERR_FILENO + 1;
    for (size_t i = 0; i < count; i++) {
        close_from_to(next, keep[i] - 1);
        next = keep[i] + 1;
    }
    close_from_to(next, ~0U >> 1);
}

void child_chdir(const struct config *cfg)
{
    if (cfg->chdir_path != NULL && chdir(cfg->chdir_path) < 0)
        child_fail("chdir");
}

void child_reset_signals(void)
{
    /* The supervisor blocks signals for its signalfd and ignores SIGPIPE; both survive execve, and a JVM with
     * SIGCHLD blocked or SIGPIPE ignored behaves differently. Give the program a clean slate. */
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP)
            continue;
        signal(sig, SIG_DFL); /* fails harmlessly for the libc-reserved real-time signals */
    }
    sigset_t none;
    sigemptyset(&none);
    if (sigprocmask(SIG_SETMASK, &none, NULL) < 0)
        child_fail("sigprocmask");
}

void child_report_layer(const char *name, bool active, const char *reason)
{
    /* "layer\t<name>\t<0|1>\t<reason>" on the setup socket; the supervisor turns it into a "layer" event. One
     * SEQPACKET message each, so they arrive whole and in order, before the listener. */
    char text[700];
    snprintf(text, sizeof(text), LAYER_PREFIX "%s\t%d\t%s", name, active ? 1 : 0, reason);
    if (report_sock < 0 || msg_send(report_sock, text) < 0)
        child_fail("report layer");
}

void child_report_replaced(const char *name, const char *reason)
{
    /* State 2: inactive, and nothing is missing (the host does not count it against the sandbox). */
    char text[700];
    snprintf(text, sizeof(text), LAYER_PREFIX "%s\t2\t%s", name, reason);
    if (report_sock < 0 || msg_send(report_sock, text) < 0)
        child_fail("report layer");
}

void child_send_listener(int sock, int listener)
{
    if (fd_send(sock, listener) < 0)
        child_fail("send listener");
    close(listener);
}

_Noreturn void child_exec(const struct config *cfg)
{
    /* The supervisor lets exactly this one execve through (SECCOMP_USER_NOTIF_FLAG_CONTINUE). */
    execve(cfg->argv[0], cfg->argv, cfg->env);
    int err = errno;
    char step[600];
    snprintf(step, sizeof(step), "execve %s", cfg->argv[0]);
    errno = err;
    log_error(step, strerror(err));
    if (report_sock >= 0) {
        char text[700];
        snprintf(text, sizeof(text), "%s: %s", step, strerror(err));
        msg_send(report_sock, text);
    }
    _exit(err == ENOENT ? EXIT_EXEC_ENOENT : EXIT_EXEC_OTHER);
}
