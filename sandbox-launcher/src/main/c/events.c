/*
 * Events for the host, one JSON object per line. Each line is formatted into a stack buffer and written with a
 * single write(2): no stdio buffering to flush, no allocation, and lines shorter than PIPE_BUF reach a FIFO
 * atomically. Numbers leave the launcher, and the text inspect.c read from a violating task (escaped); the host
 * resolves syscall names with libseccomp and decodes the arguments.
 *
 * Writes block when the host reads slowly. That is deliberate back-pressure: a notifying thread waits for our
 * answer anyway, so a flood slows the flooding plugin, not the host.
 *
 * Below fail.c: nothing here calls die(); a failure to open the sink goes to stderr only (log.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "launcher.h"

static int events_fd = -1;

/* As die_msg, minus the event: without a sink there is no one to send it to (and fail.c sits above this file). */
static _Noreturn void open_failed(const char *reason)
{
    log_error("open events", reason);
    exit(EXIT_SETUP);
}

void events_open(const char *path, int host_fd)
{
    /* May be a FIFO the host created: then a blocking open would wait for its reader, forever if the host died
     * in the meantime. Open without blocking (ENXIO: no reader yet), watch the host fd while waiting, give up
     * after EVENTS_OPEN_TIMEOUT_MS. */
    int waited_ms = 0;
    int fd;
    for (;;) {
        fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NONBLOCK, 0600);
        if (fd >= 0)
            break;
        if (errno == EINTR)
            continue;
        if (errno != ENXIO)
            open_failed(strerror(errno));
        if (waited_ms >= EVENTS_OPEN_TIMEOUT_MS)
            open_failed("no reader on the events FIFO");
        struct pollfd pfd = { .fd = host_fd, .events = POLLIN };
        int ready = poll(&pfd, host_fd >= 0 ? 1 : 0, 20);
        if (ready > 0 && (pfd.revents & (POLLHUP | POLLERR | POLLNVAL)))
            open_failed("host is gone");
        waited_ms += 20;
    }
    /* Writes block again from here on: back-pressure instead of lost events. */
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0)
        open_failed(strerror(errno));
    events_fd = fd;
}

long long clock_ms(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void emit(const char *line, int len)
{
    if (events_fd < 0 || len <= 0)
        return;
    size_t left = (size_t)len;
    while (left > 0) {
        ssize_t n = write(events_fd, line + (len - (int)left), left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            /* EPIPE: the reader is gone, which means the host is gone; the host fd tells the supervisor. Stop
             * writing rather than fail: losing the report must not stop enforcement. */
            close(events_fd);
            events_fd = -1;
            return;
        }
        left -= (size_t)n;
    }
}

/* Appends "text" as a JSON string body (without quotes) to out; returns bytes used. */
static size_t json_escape(char *out, size_t cap, const char *text)
{
    size_t used = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p != '\0' && used + 7 < cap; p++) {
        if (*p == '"' || *p == '\\') {
            out[used++] = '\\';
            out[used++] = (char)*p;
        } else if (*p < 0x20 || *p >= 0x7f) { /* control bytes, DEL, and bytes of other encodings: as \\u00XX */
            used += (size_t)snprintf(out + used, cap - used, "\\u%04x", *p);
        } else {
            out[used++] = (char)*p;
        }
    }
    out[used] = '\0';
    return used;
}

void event_started(pid_t pid)
{
    char line[128];
    int n = snprintf(line, sizeof(line), "{\"event\":\"started\",\"pid\":%d,\"time_ms\":%lld}\n", (int)pid, clock_ms(CLOCK_REALTIME));
    emit(line, n);
}

void event_violation(const struct seccomp_notif *req, const struct task_report *task, enum violation_mode mode,
                     int err, bool boot)
{
    /* The flood limit is the host's (plugins.sandbox.violation-limit): it counts these lines and kills. The text
     * read from the task is escaped, so a hostile path or thread name cannot break the line or forge another. */
    char comm[sizeof(task->comm) * 6 + 1], path[REPORT_PATH_MAX * 6 + 1], path_error[sizeof(task->path_error) * 6 + 1];
    json_escape(comm, sizeof(comm), task->comm);
    json_escape(path, sizeof(path), task->path);
    json_escape(path_error, sizeof(path_error), task->path_error);
    char extra[sizeof(path) + sizeof(path_error) + 64];
    if (task->has_path)
        snprintf(extra, sizeof(extra), ",\"path_arg\":%d,\"path\":\"%s\",\"path_truncated\":%s", task->path_index,
                 path, task->path_truncated ? "true" : "false");
    else if (task->path_error[0] != '\0')
        snprintf(extra, sizeof(extra), ",\"path_arg\":%d,\"path_error\":\"%s\"", task->path_index, path_error);
    else
        extra[0] = '\0';
    char line[3072];
    const __u64 *a = req->data.args;
    int n = snprintf(line, sizeof(line),
                     "{\"event\":\"violation\",\"pid\":%u,\"ns_tid\":%d,\"comm\":\"%s\",\"nr\":%d,\"arch\":%u,"
                     "\"args\":[\"0x%llx\",\"0x%llx\",\"0x%llx\",\"0x%llx\",\"0x%llx\",\"0x%llx\"]%s,"
                     "\"action\":\"%s\",\"errno\":%d,\"phase\":\"%s\",\"time_ms\":%lld}\n",
                     req->pid, task->ns_tid, comm, req->data.nr, req->data.arch,
                     (unsigned long long)a[0], (unsigned long long)a[1], (unsigned long long)a[2],
                     (unsigned long long)a[3], (unsigned long long)a[4], (unsigned long long)a[5], extra,
                     mode_name(mode), err, boot ? "boot" : "run", clock_ms(CLOCK_REALTIME));
    if (n >= (int)sizeof(line))
        n = (int)sizeof(line) - 1; /* cannot happen with the sizes above; never emit past the buffer */
    emit(line, n);
}

void event_booted(void)
{
    char line[96];
    int n = snprintf(line, sizeof(line), "{\"event\":\"booted\",\"time_ms\":%lld}\n", clock_ms(CLOCK_REALTIME));
    emit(line, n);
}

void event_exited(pid_t pid, int wait_status)
{
    char line[160];
    int n;
    if (WIFSIGNALED(wait_status))
        n = snprintf(line, sizeof(line), "{\"event\":\"exited\",\"pid\":%d,\"signal\":%d,\"time_ms\":%lld}\n",
                     (int)pid, WTERMSIG(wait_status), clock_ms(CLOCK_REALTIME));
    else
        n = snprintf(line, sizeof(line), "{\"event\":\"exited\",\"pid\":%d,\"status\":%d,\"time_ms\":%lld}\n",
                     (int)pid, WEXITSTATUS(wait_status), clock_ms(CLOCK_REALTIME));
    emit(line, n);
}

void event_layer(const char *name, bool active, const char *reason)
{
    char n_esc[128], r_esc[1024];
    json_escape(n_esc, sizeof(n_esc), name);
    json_escape(r_esc, sizeof(r_esc), reason);
    char line[1300];
    int n = snprintf(line, sizeof(line),
                     "{\"event\":\"layer\",\"name\":\"%s\",\"active\":%s,\"reason\":\"%s\",\"time_ms\":%lld}\n",
                     n_esc, active ? "true" : "false", r_esc, clock_ms(CLOCK_REALTIME));
    emit(line, n);
}

void event_layer_replaced(const char *name, const char *reason)
{
    char n_esc[128], r_esc[1024];
    json_escape(n_esc, sizeof(n_esc), name);
    json_escape(r_esc, sizeof(r_esc), reason);
    char line[1320];
    int n = snprintf(line, sizeof(line), "{\"event\":\"layer\",\"name\":\"%s\",\"active\":false,\"replaced\":true,"
                     "\"reason\":\"%s\",\"time_ms\":%lld}\n", n_esc, r_esc, clock_ms(CLOCK_REALTIME));
    emit(line, n);
}

void event_error(const char *step, const char *reason)
{
    char message[1024];
    char escaped[2048];
    snprintf(message, sizeof(message), "%s: %s", step, reason);
    json_escape(escaped, sizeof(escaped), message);
    char line[2200];
    int n = snprintf(line, sizeof(line), "{\"event\":\"error\",\"message\":\"%s\",\"time_ms\":%lld}\n", escaped,
                     clock_ms(CLOCK_REALTIME));
    emit(line, n);
}
