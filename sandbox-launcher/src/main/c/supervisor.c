/*
 * The supervisor: the launcher after fork. It owns the seccomp listener and answers every notification, watches
 * the host's liveness fd, and forwards the child's exit. Single-threaded on purpose: one poll loop, no locks, and
 * PR_SET_PDEATHSIG in the child stays reliable (it fires when the parent *thread* exits).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/audit.h>

#include "launcher.h"

static int signal_fd = -1;

/* A refused call whose answer waits until the host has asked the plugin runtime about the thread (--hold-ms). */
struct held {
    struct seccomp_notif_resp resp;
    long long deadline_ms;     /* CLOCK_MONOTONIC */
};

struct supervisor {
    const struct config *cfg;
    struct held held[MAX_HELD];
    size_t held_count;
    pid_t child;
    int listener;
    bool exec_passed;          /* the child's own execve of the program has been let through */
    bool booting;              /* --boot-phase and the host has not yet written its byte */
    bool reaped;
    int wait_status;
    struct seccomp_notif *req;
    struct seccomp_notif_resp *resp;
    size_t req_size, resp_size;
};

void supervisor_block_signals(void)
{
    /* Signals arrive through a signalfd in the poll loop instead of handlers: no async-signal-safety concerns,
     * no EINTR races. They must be blocked before fork so none is lost; the child unblocks them again. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGQUIT);
    if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
        die("sigprocmask");
    signal_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (signal_fd < 0)
        die("signalfd");
    /* A vanished events reader must produce EPIPE, not kill the supervisor (and with it enforcement). */
    if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
        die("ignore SIGPIPE");
}

void kill_child_group(pid_t child)
{
    /* The child leads its own process group (setsid). Kill the pid too, in case it had not got that far. */
    kill(-child, SIGKILL);
    kill(child, SIGKILL);
}

static void reap(struct supervisor *s, bool block)
{
    while (!s->reaped) {
        int status;
        pid_t pid = waitpid(s->child, &status, block ? 0 : WNOHANG);
        if (pid < 0 && errno == EINTR)
            continue;
        if (pid == s->child) {
            s->reaped = true;
            s->wait_status = status;
        } else if (pid < 0) {
            /* ECHILD cannot happen for our own unreaped child; treat it as gone rather than spin. */
            log_error("waitpid", strerror(errno));
            s->reaped = true;
            s->wait_status = EXIT_SETUP << 8;
        }
        return;
    }
}

/* Fail closed: whatever went wrong, the plugin does not outlive the supervisor's ability to supervise it. */
static void terminate(struct supervisor *s, const char *step, const char *reason)
{
    if (reason != NULL) {
        log_error(step, reason);
        event_error(step, reason);
    }
    kill_child_group(s->child);
    reap(s, true);
}

static void send_answer(struct supervisor *s, struct seccomp_notif_resp *resp)
{
    if (ioctl(s->listener, SECCOMP_IOCTL_NOTIF_SEND, resp) < 0 && errno != ENOENT && errno != EINTR)
        terminate(s, "seccomp notification send", strerror(errno));
}

/*
 * --hold-ms: a run-phase violation's answer (EPERM, or CONTINUE in audit mode) waits until the host writes a byte
 * (it has asked the plugin runtime for the thread's Java stack, which is exact while the thread waits in its call)
 * or the hold time has passed. Bounded: at most MAX_HELD wait at once, the rest are answered at once, and the
 * supervisor serves everything else meanwhile. Returns false when the answer must go now.
 */
static bool hold(struct supervisor *s)
{
    if (s->cfg->hold_ms <= 0 || s->held_count == MAX_HELD || s->cfg->mode == MODE_KILL)
        return false;
    struct held *h = &s->held[s->held_count++];
    memcpy(&h->resp, s->resp, sizeof(h->resp));
    h->deadline_ms = clock_ms(CLOCK_MONOTONIC) + s->cfg->hold_ms;
    return true;
}

/* Answers the held calls: all of them (the host's byte), or those whose time is up (all = false). */
static void release_held(struct supervisor *s, bool all)
{
    long long now = clock_ms(CLOCK_MONOTONIC);
    size_t kept = 0;
    for (size_t i = 0; i < s->held_count; i++) {
        if (all || s->held[i].deadline_ms <= now)
            send_answer(s, &s->held[i].resp);
        else
            s->held[kept++] = s->held[i];
    }
    s->held_count = kept;
}

/* poll()'s timeout: until the first held call's deadline or the next autogroup retry, forever when neither. */
static int poll_timeout(const struct supervisor *s)
{
    int retry = autogroup_timeout_ms();
    if (s->held_count == 0)
        return retry;
    long long first = s->held[0].deadline_ms; /* held in arrival order with one hold time: the first is earliest */
    long long left = first - clock_ms(CLOCK_MONOTONIC);
    int held = left < 0 ? 0 : (int)left;
    return retry >= 0 && retry < held ? retry : held;
}

static bool is_exec(const struct seccomp_data *data)
{
    return data->arch == AUDIT_ARCH_X86_64 && (data->nr == __NR_execve || data->nr == __NR_execveat);
}

/*
 * Reads what explains a violation (inspect.c) while the call is pending, then checks the notification is still valid:
 * if the task died and its tid was reused during the reads, they describe another task and are dropped. Returns
 * false when the notification is gone.
 */
static bool explain(struct supervisor *s, struct task_report *task)
{
    inspect_task(s->req, task);
    return ioctl(s->listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &s->req->id) == 0;
}

static void handle_notification(struct supervisor *s)
{
    /* The kernel rejects RECV into a buffer that is not zeroed. */
    memset(s->req, 0, s->req_size);
    if (ioctl(s->listener, SECCOMP_IOCTL_NOTIF_RECV, s->req) < 0) {
        if (errno == EINTR || errno == ENOENT) /* ENOENT: the task died before we read its notification */
            return;
        terminate(s, "seccomp notification receive", strerror(errno));
        return;
    }
    /* pid and arguments mean something only while the notification is pending: the task may have died and its
     * pid been reused since. */
    if (ioctl(s->listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &s->req->id) < 0)
        return;

    struct task_report task;
    memset(s->resp, 0, s->resp_size);
    s->resp->id = s->req->id;
    if (!s->exec_passed && (pid_t)s->req->pid == s->child && is_exec(&s->req->data)) {
        /* Our own execve of the program: the filter is installed before it, so it sees it. Exactly one passes;
         * every later exec is a violation. CONTINUE is no security decision for pointer arguments (TOCTOU),
         * but here the caller is our own code, before the program runs. */
        s->exec_passed = true;
        s->resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
    } else if (!explain(s, &task)) {
        return; /* the task died while we read it: there is nothing to answer */
    } else if (s->booting) {
        /* Boot phase: only the JDK and our runtime run (the plugin's jar is loaded after the host's answer), so
         * a refused call here is a trusted probe (libnet, ExtendedSocketOptions, Netty NetUtil asking for
         * AF_INET/AF_INET6). Never kill for it, never let it through: EPERM, which those callers treat as "not
         * supported" and fall back from. Still reported, marked "boot", so nothing goes unseen. */
        event_violation(s->req, &task, MODE_DENY, EPERM, true);
        s->resp->error = -EPERM;
    } else {
        enum violation_mode mode = s->cfg->mode;
        event_violation(s->req, &task, mode, mode == MODE_AUDIT ? 0 : EPERM, false);
        switch (mode) {
        case MODE_KILL:
            kill_child_group(s->child);
            s->resp->error = -EPERM;
            break;
        case MODE_AUDIT:
            s->resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
            break;
        case MODE_DENY:
        default:
            s->resp->error = -EPERM;
            break;
        }
        if (hold(s))
            return;
    }
    send_answer(s, s->resp);
}

static void handle_setup_socket(struct supervisor *s, int *sock)
{
    /* The child's end closes at execve (O_CLOEXEC): EOF means the program is running. Text means execve
     * failed; the child exits with 126/127 by itself. */
    char text[768];
    ssize_t n;
    do {
        n = recv(*sock, text, sizeof(text) - 1, MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n < 0 && errno == EAGAIN)
        return;
    if (n > 0) {
        text[n] = '\0';
        event_error("child", text);
        (void)s;
    }
    close(*sock);
    *sock = -1;
}

static void handle_host(struct supervisor *s, int *host_fd, short revents)
{
    if (revents & POLLIN) {
        /* Bytes from the host: the first one ends the boot phase, later ones answer the held calls. EOF means the
         * host is gone. */
        char buf[256];
        ssize_t n = read(*host_fd, buf, sizeof(buf));
        if (n > 0 && s->booting) {
            s->booting = false;
            event_booted();
        } else if (n > 0) {
            release_held(s, true); /* after boot, a byte means "the host has what it wanted to know" */
        }
        if (n > 0 || (n < 0 && (errno == EINTR || errno == EAGAIN)))
            return;
    }
    /* EOF, POLLHUP or POLLERR: the host process is gone (even if it was SIGKILLed, its pipe end closed). */
    *host_fd = -1;
    terminate(s, "host fd", "host is gone, killing the plugin");
}

static void handle_signals(struct supervisor *s)
{
    for (;;) {
        struct signalfd_siginfo info;
        ssize_t n = read(signal_fd, &info, sizeof(info));
        if (n < 0 && errno == EINTR)
            continue;
        if (n != (ssize_t)sizeof(info))
            return; /* EAGAIN: drained */
        if (info.ssi_signo == SIGCHLD) {
            reap(s, false);
        } else {
            char reason[64];
            snprintf(reason, sizeof(reason), "received signal %u, killing the plugin", info.ssi_signo);
            terminate(s, "signal", reason);
        }
        if (s->reaped)
            return;
    }
}

static void alloc_notif_buffers(struct supervisor *s)
{
    /* The kernel's structs may be larger than this header's: ask it. */
    struct seccomp_notif_sizes sizes;
    if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0) {
        terminate(s, "seccomp(SECCOMP_GET_NOTIF_SIZES)", strerror(errno));
        return;
    }
    s->req_size = sizes.seccomp_notif > sizeof(struct seccomp_notif) ? sizes.seccomp_notif
                                                                     : sizeof(struct seccomp_notif);
    s->resp_size = sizes.seccomp_notif_resp > sizeof(struct seccomp_notif_resp) ? sizes.seccomp_notif_resp
                                                                                : sizeof(struct seccomp_notif_resp);
    s->req = calloc(1, s->req_size);
    s->resp = calloc(1, s->resp_size);
    if (s->req == NULL || s->resp == NULL)
        terminate(s, "allocate notification buffers", strerror(ENOMEM));
}

int supervise(const struct config *cfg, pid_t child, int listener, int setup_sock)
{
    struct supervisor s = { .cfg = cfg, .child = child, .listener = listener, .booting = cfg->boot_phase };
    alloc_notif_buffers(&s);

    enum { LISTENER, SIGNALS, HOST, SETUP, NFDS };
    struct pollfd fds[NFDS] = {
        [LISTENER] = { .fd = listener, .events = POLLIN },
        [SIGNALS] = { .fd = signal_fd, .events = POLLIN },
        [HOST] = { .fd = cfg->host_fd, .events = POLLIN },
        [SETUP] = { .fd = setup_sock, .events = POLLIN },
    };

    while (!s.reaped) {
        int ready = poll(fds, NFDS, poll_timeout(&s));
        if (ready < 0) {
            if (errno == EINTR)
                continue;
            terminate(&s, "poll", strerror(errno));
            break;
        }
        /* The host fd goes first: the host writes its end-of-boot byte *before* it lets the plugin's code run
         * (it answers the runtime's handshake after), so that byte must be seen before any notification that
         * code causes. poll() samples the fds one after another, so the host fd may have been sampled empty
         * just before the byte arrived while the listener was sampled ready: look again, without waiting,
         * whenever a notification is about to be judged in the boot phase. */
        if (s.booting && fds[HOST].fd >= 0 && (fds[LISTENER].revents & POLLIN) && !fds[HOST].revents) {
            struct pollfd again = { .fd = fds[HOST].fd, .events = POLLIN };
            if (poll(&again, 1, 0) > 0)
                fds[HOST].revents = again.revents;
        }
        if (s.held_count > 0)
            release_held(&s, false);
        autogroup_retry();
        if (fds[HOST].revents)
            handle_host(&s, &fds[HOST].fd, fds[HOST].revents);
        if (!s.reaped && (fds[LISTENER].revents & POLLIN))
            handle_notification(&s);
        else if (!s.reaped && (fds[LISTENER].revents & (POLLHUP | POLLERR | POLLNVAL)))
            fds[LISTENER].fd = -1; /* no filtered task left; the exit arrives as SIGCHLD */
        if (!s.reaped && fds[SETUP].revents)
            handle_setup_socket(&s, &fds[SETUP].fd);
        if (!s.reaped && fds[SIGNALS].revents)
            handle_signals(&s);
    }

    /* Whatever the plugin left in its process group dies with it. */
    kill(-child, SIGKILL);
    event_exited(child, s.wait_status);
    if (WIFSIGNALED(s.wait_status))
        return 128 + WTERMSIG(s.wait_status);
    return WEXITSTATUS(s.wait_status);
}
