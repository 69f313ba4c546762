/*
 * Fuzz driver for the launcher's parsers, built with AddressSanitizer and UndefinedBehaviorSanitizer (Makefile):
 * the command line (args.c, with rlimits.c, namespaces.c and secrets.c behind it) and the event lines built from
 * text the supervisor read out of a violating task (events.c: the thread name, a path, an error).
 *
 * gcc has no libFuzzer, so this is a small one: coverage-guided through gcc's -fsanitize-coverage=trace-pc (every
 * edge the parsers reach marks a bitmap; an input that marks a new entry joins the corpus), mutations in the style
 * of libFuzzer (bit flips, byte changes, inserts, deletions, dictionary words, splices). It replays every file of
 * the seed folder first, then mutates for the given time.
 *
 *   fuzz_launcher SEEDS_DIR SECONDS FINDINGS_DIR
 *
 * A finding (a sanitizer report, a crash, an input running longer than 1 s, or a broken property) ends the driver
 * with a non-zero status; the input is FINDINGS_DIR/current-input (the driver also saves it as crash-<hash> when it
 * still can) and the sanitizer's report ends FINDINGS_DIR/stderr.log. Copied into SEEDS_DIR, the input is replayed
 * on every run.
 *
 * An input is one of two kinds, chosen by its first byte:
 *   even: NUL-separated command-line arguments for parse_args (argv[0] is added). usage() exits, so exit() is
 *         wrapped (-Wl,--wrap=exit) and jumps back here: a refusal is an exit with status 2, nothing else.
 *   odd:  comm, path and path_error (NUL-separated) for event_violation, then the name and reason of event_layer and
 *         event_error; each line written must be one line of valid JSON, whatever the bytes.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "launcher.h"

#define INPUT_MAX 4096
#define MAX_CORPUS 4096
#define MAP_SIZE (1 << 16)

/* ------------------------------------------------------------------------------------------------ coverage */

static unsigned char coverage[MAP_SIZE];
static unsigned char seen[MAP_SIZE];

/* Called by gcc at every basic block of the code built with -fsanitize-coverage=trace-pc. */
void __sanitizer_cov_trace_pc(void);
void __sanitizer_cov_trace_pc(void)
{
    uintptr_t pc = (uintptr_t)__builtin_return_address(0);
    coverage[(pc ^ (pc >> 16)) & (MAP_SIZE - 1)] = 1;
}

/* Whether the last run reached a block no earlier run reached; clears the map for the next run. */
static int new_coverage(void)
{
    int found = 0;
    for (size_t i = 0; i < MAP_SIZE; i++) {
        if (coverage[i] && !seen[i]) {
            seen[i] = 1;
            found = 1;
        }
        coverage[i] = 0;
    }
    return found;
}

/* ------------------------------------------------------------------------------------------------ findings */

static const char *findings_dir;
static int report_fd = STDOUT_FILENO;
static unsigned char current[INPUT_MAX + 1];
static size_t current_len;

static uint64_t hash(const unsigned char *data, size_t len)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ data[i]) * 1099511628211ULL;
    return h;
}

/* Saves the input being run; async-signal-safe (called from the sanitizers' death callback and signal handlers). */
static void save_current(const char *why)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/crash-%016llx", findings_dir, (unsigned long long)hash(current, current_len));
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
        ssize_t unused = write(fd, current, current_len);
        (void)unused;
        close(fd);
    }
    char line[4300];
    int n = snprintf(line, sizeof(line), "fuzz_launcher: finding (%s), input saved as %s\n", why, path);
    ssize_t unused = write(report_fd, line, (size_t)n);
    (void)unused;
}

void __sanitizer_set_death_callback(void (*callback)(void));

static void on_sanitizer_death(void)
{
    save_current("sanitizer report above");
}

static void on_signal(int sig)
{
    save_current(sig == SIGALRM ? "an input ran longer than 1 s" : "signal");
    signal(sig, SIG_DFL);
    raise(sig == SIGALRM ? SIGABRT : sig);
}

static _Noreturn void property_broken(const char *what, const char *line)
{
    dprintf(report_fd, "fuzz_launcher: property broken: %s: %s\n", what, line);
    save_current(what);
    abort();
}

/* ------------------------------------------------------------------------------------------------ exit() */

static sigjmp_buf back;
static int in_parse;
static int exit_status;

void __real_exit(int status);
_Noreturn void __wrap_exit(int status);
_Noreturn void __wrap_exit(int status)
{
    if (!in_parse)
        __real_exit(status);
    exit_status = status;
    siglongjmp(back, 1);
}

/* ------------------------------------------------------------------------------------------------ JSON check */

/* A strict JSON value reader, enough to check the launcher's lines; returns the position after the value or NULL. */
static const char *json_value(const char *p, int depth);

static const char *json_string(const char *p)
{
    if (*p++ != '"')
        return NULL;
    while (*p != '"') {
        unsigned char c = (unsigned char)*p;
        if (c < 0x20 || c >= 0x7f) /* the launcher escapes everything outside printable ASCII */
            return NULL;
        if (c == '\\') {
            p++;
            if (*p == 'u') {
                for (int i = 1; i <= 4; i++)
                    if (strchr("0123456789abcdefABCDEF", p[i]) == NULL || p[i] == '\0')
                        return NULL;
                p += 4;
            } else if (strchr("\"\\/bfnrt", *p) == NULL || *p == '\0') {
                return NULL;
            }
        }
        p++;
    }
    return p + 1;
}

static const char *json_value(const char *p, int depth)
{
    if (depth > 8)
        return NULL;
    if (*p == '"')
        return json_string(p);
    if (*p == '{' || *p == '[') {
        char close = *p == '{' ? '}' : ']';
        p++;
        if (*p == close)
            return p + 1;
        for (;;) {
            if (close == '}') {
                p = json_string(p);
                if (p == NULL || *p++ != ':')
                    return NULL;
            }
            p = json_value(p, depth + 1);
            if (p == NULL)
                return NULL;
            if (*p == close)
                return p + 1;
            if (*p++ != ',')
                return NULL;
        }
    }
    if (strncmp(p, "true", 4) == 0 || strncmp(p, "null", 4) == 0)
        return p + 4;
    if (strncmp(p, "false", 5) == 0)
        return p + 5;
    const char *start = p;
    if (*p == '-')
        p++;
    while (*p >= '0' && *p <= '9')
        p++;
    return p > start ? p : NULL;
}

/* Every line in the events file is one JSON object, and the file ends with a newline. */
static void check_event_lines(int fd)
{
    static char text[16384];
    off_t size = lseek(fd, 0, SEEK_END);
    if (size <= 0 || size >= (off_t)sizeof(text))
        property_broken("event lines missing or too long", "");
    if (pread(fd, text, (size_t)size, 0) != size)
        property_broken("cannot read the events file back", strerror(errno));
    text[size] = '\0';
    if (text[size - 1] != '\n')
        property_broken("the last event line has no newline", text);
    for (char *line = text, *nl; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
        *nl = '\0';
        const char *end = json_value(line, 0);
        if (line[0] != '{' || end == NULL || *end != '\0')
            property_broken("an event line is not one JSON object", line);
    }
    if (ftruncate(fd, 0) < 0)
        property_broken("cannot empty the events file", strerror(errno));
}

/* ------------------------------------------------------------------------------------------------ one input */

static char events_path[4096];

/* Splits data at NUL bytes into at most max strings (copies in buf); returns how many. */
static int split(const unsigned char *data, size_t len, char *buf, char **parts, int max)
{
    memcpy(buf, data, len);
    buf[len] = '\0';
    int n = 0;
    size_t start = 0;
    for (size_t i = 0; i <= len && n < max; i++) {
        if (i == len || buf[i] == '\0') {
            buf[i] = '\0';
            parts[n++] = buf + start;
            start = i + 1;
        }
    }
    return n;
}

static void run_args(const unsigned char *data, size_t len)
{
    static char buf[INPUT_MAX + 2];
    static char *argv[INPUT_MAX + 2];
    static struct config cfg;
    argv[0] = LAUNCHER_NAME;
    int argc = 1 + split(data, len, buf, argv + 1, INPUT_MAX);
    argv[argc] = NULL;
    exit_status = -1;
    in_parse = 1;
    if (sigsetjmp(back, 0) == 0)
        parse_args(argc, argv, &cfg);
    in_parse = 0;
    /* parse_args returns with a program to run, or exits: 0 for --version, 2 for a usage error, nothing else. */
    if (exit_status != -1 && exit_status != 0 && exit_status != EXIT_USAGE)
        property_broken("parse_args exited with a status other than 0 and 2", (const char *)current);
    if (exit_status == -1 && (cfg.argv == NULL || cfg.argv[0][0] != '/' || cfg.filter_path == NULL))
        property_broken("parse_args accepted a command line without filter or absolute program", "");
}

static void run_events(const unsigned char *data, size_t len)
{
    static char buf[INPUT_MAX + 2];
    char *parts[5] = { "", "", "", "", "" };
    split(data, len, buf, parts, 5);
    struct seccomp_notif req;
    memset(&req, 0, sizeof(req));
    req.pid = 4242;
    req.data.nr = 41;
    req.data.arch = 0xc000003e;
    req.data.args[0] = len;
    struct task_report task;
    memset(&task, 0, sizeof(task));
    /* As inspect.c fills it: bounded, NUL-terminated copies of what the task held. */
    snprintf(task.comm, sizeof(task.comm), "%s", parts[0]);
    snprintf(task.path, sizeof(task.path), "%s", parts[1]);
    snprintf(task.path_error, sizeof(task.path_error), "%s", parts[2]);
    task.has_path = parts[1][0] != '\0';
    task.path_truncated = len > 200;
    task.path_index = 1;
    task.ns_tid = 7;
    event_violation(&req, &task, (enum violation_mode)(len % 3), EPERM, len % 2);
    event_layer(parts[3], len % 2, parts[4]);
    event_error(parts[3], parts[4]);
}

static int events_fd_for_check = -1;
static int input_fd = -1;

static void run_one(const unsigned char *data, size_t len)
{
    memcpy(current, data, len);
    current_len = len;
    current[len] = '\0';
    if (pwrite(input_fd, data, len, 0) != (ssize_t)len || ftruncate(input_fd, (off_t)len) < 0)
        property_broken("cannot record the current input", strerror(errno));
    alarm(1);
    if (len == 0 || (data[0] & 1) == 0) {
        run_args(data + (len > 0), len - (len > 0));
    } else {
        run_events(data + 1, len - 1);
        check_event_lines(events_fd_for_check);
    }
    alarm(0);
}

/* ------------------------------------------------------------------------------------------------ corpus */

static unsigned char *corpus[MAX_CORPUS];
static size_t corpus_len[MAX_CORPUS];
static size_t corpus_count;

static void keep(const unsigned char *data, size_t len)
{
    if (corpus_count == MAX_CORPUS)
        return;
    corpus[corpus_count] = malloc(len + 1);
    memcpy(corpus[corpus_count], data, len);
    corpus_len[corpus_count++] = len;
}

static size_t replay_seeds(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        fprintf(stderr, "fuzz_launcher: cannot open seed folder %s: %s\n", dir, strerror(errno));
        exit(2);
    }
    size_t replayed = 0;
    static unsigned char data[INPUT_MAX];
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        int fd = open(path, O_RDONLY);
        if (fd < 0)
            continue;
        ssize_t n = read(fd, data, sizeof(data));
        close(fd);
        if (n < 0)
            continue;
        run_one(data, (size_t)n);
        new_coverage();
        keep(data, (size_t)n);
        replayed++;
    }
    closedir(d);
    return replayed;
}

/* ------------------------------------------------------------------------------------------------ mutations */

static const char *const WORDS[] = {
    "--filter", "--events", "--mode", "--host-fd", "--keep-fd", "--env", "--env-from", "--secret", "--chdir",
    "--boot-phase", "--hold-ms", "--rlimit", "--rlimit-as", "--unshare", "--namespaces", "--uid", "--gid",
    "--landlock", "--ro", "--rw", "--minimal-root", "--tcp-connect", "--memory", "--pids", "--cgroups",
    "--cgroup-root", "--version", "--", "/usr/bin/java", "deny", "kill", "audit", "auto", "required", "off",
    "user,pid,net,ipc,uts,mount", "nofile=", "unlimited", "as=", "cpu=", "core=", "fsize=", "=", ",", "-1",
    "18446744073709551616", "2147483648", "65536", "1000", "1001", "0", "FUZZ_ENV", "FUZZ_BAD", "A=B",
    "\"", "\\", "\n", "\x7f", "\xff", "\xc3\xa9", "\xe2\x80\xa8",
};
#define WORD_COUNT (sizeof(WORDS) / sizeof(WORDS[0]))

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t next_random(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static size_t below(size_t n)
{
    return n == 0 ? 0 : (size_t)(next_random() % n);
}

static size_t mutate(unsigned char *data, size_t len)
{
    int rounds = 1 + (int)below(4);
    for (int r = 0; r < rounds; r++) {
        switch (below(7)) {
        case 0: /* flip a bit */
            if (len > 0)
                data[below(len)] ^= (unsigned char)(1u << below(8));
            break;
        case 1: /* set a byte: often a separator */
            if (len > 0)
                data[below(len)] = below(3) == 0 ? '\0' : (unsigned char)next_random();
            break;
        case 2: { /* insert a dictionary word with a separator */
            const char *w = WORDS[below(WORD_COUNT)];
            size_t wl = strlen(w) + 1;
            if (len + wl > INPUT_MAX)
                break;
            size_t at = below(len + 1);
            memmove(data + at + wl, data + at, len - at);
            memcpy(data + at, w, wl); /* with its NUL: a new argument */
            len += wl;
            break;
        }
        case 3: { /* delete a chunk */
            if (len < 2)
                break;
            size_t at = below(len), n = 1 + below(len - at);
            memmove(data + at, data + at + n, len - at - n);
            len -= n;
            break;
        }
        case 4: { /* duplicate a chunk (long values, repeated options) */
            if (len == 0)
                break;
            size_t at = below(len), n = 1 + below(len - at);
            if (len + n > INPUT_MAX)
                n = INPUT_MAX - len;
            memmove(data + at + n, data + at, len - at);
            len += n;
            break;
        }
        case 5: { /* splice with another corpus entry */
            size_t other = below(corpus_count);
            size_t at = below(len + 1), n = corpus_len[other];
            if (at + n > INPUT_MAX)
                n = INPUT_MAX - at;
            memcpy(data + at, corpus[other], n);
            if (at + n > len)
                len = at + n;
            break;
        }
        default: { /* repeat one byte many times (long names, long paths) */
            size_t n = below(600);
            if (len + n > INPUT_MAX)
                n = INPUT_MAX - len;
            memset(data + len, len > 0 ? data[below(len)] : 'a', n);
            len += n;
            break;
        }
        }
    }
    return len;
}

/* ------------------------------------------------------------------------------------------------ main */

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: fuzz_launcher SEEDS_DIR SECONDS FINDINGS_DIR\n");
        return 2;
    }
    findings_dir = argv[3];
    double seconds = atof(argv[2]);
    /* The input being run, always on disk: a finding that kills the driver (UBSan has no death callback) leaves it
     * there for LauncherParsersFuzzTest to keep. */
    char input_path[4200];
    snprintf(input_path, sizeof(input_path), "%s/current-input", findings_dir);
    input_fd = open(input_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (input_fd < 0)
        return 2;
    __sanitizer_set_death_callback(on_sanitizer_death);
    signal(SIGALRM, on_signal);
    signal(SIGSEGV, on_signal);

    /* usage() writes to stderr and --version to stdout, the parsers' ordinary output: stdout is silenced, stderr
     * goes to FINDINGS_DIR/stderr.log, emptied as the driver goes, so that a sanitizer's report (written to stderr
     * just before it ends the driver) is what it holds at the end. The driver reports on the original stdout. */
    report_fd = dup(STDOUT_FILENO);
    int devnull = open("/dev/null", O_WRONLY);
    char stderr_path[4200];
    snprintf(stderr_path, sizeof(stderr_path), "%s/stderr.log", findings_dir);
    int log_fd = open(stderr_path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    if (report_fd < 0 || devnull < 0 || log_fd < 0 || dup2(log_fd, STDERR_FILENO) < 0
        || dup2(devnull, STDOUT_FILENO) < 0)
        return 2;
    /* Carriers for --env-from/--secret (secrets.c reads the launcher's environment). */
    setenv("FUZZ_ENV", "NAME=value", 1);
    setenv("FUZZ_BAD", "=novalue", 1);

    snprintf(events_path, sizeof(events_path), "%s/events-%d.jsonl", findings_dir, (int)getpid());
    events_open(events_path, -1);
    events_fd_for_check = open(events_path, O_RDWR | O_CLOEXEC);
    if (events_fd_for_check < 0)
        return 2;

    size_t seeds = replay_seeds(argv[1]);
    if (corpus_count == 0)
        keep((const unsigned char *)"", 0);

    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    rng ^= (uint64_t)start.tv_nsec;
    unsigned long long execs = 0;
    static unsigned char data[INPUT_MAX + 1];
    for (;;) {
        if ((execs & 255) == 0) {
            if (ftruncate(STDERR_FILENO, 0) < 0)
                return 2;
            clock_gettime(CLOCK_MONOTONIC, &now);
            double elapsed = (double)(now.tv_sec - start.tv_sec) + (double)(now.tv_nsec - start.tv_nsec) / 1e9;
            if (elapsed >= seconds)
                break;
        }
        size_t pick = below(corpus_count);
        size_t len = corpus_len[pick];
        memcpy(data, corpus[pick], len);
        len = mutate(data, len);
        run_one(data, len);
        if (new_coverage())
            keep(data, len);
        execs++;
    }
    size_t edges = 0;
    for (size_t i = 0; i < MAP_SIZE; i++)
        edges += seen[i];
    unlink(events_path);
    close(input_fd);
    unlink(input_path);
    unlink(stderr_path);
    dprintf(report_fd, "fuzz_launcher: %zu seeds replayed, %llu inputs in %.0f s, %zu in corpus, %zu coverage points, "
           "no finding\n", seeds, execs, seconds, corpus_count, edges);
    return 0;
}
