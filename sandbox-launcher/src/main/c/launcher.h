/*
 * plugin-launcher: shared declarations.
 *
 * The launcher runs one untrusted program (a plugin JVM) under a seccomp filter whose default action is
 * SECCOMP_RET_USER_NOTIF, and stays behind as its supervisor: it reports every refused call as an event and
 * answers it according to the violation mode. Each isolation layer lives in its own file; main.c reads as the
 * ordered list of steps.
 */
#ifndef PLUGIN_LAUNCHER_H
#define PLUGIN_LAUNCHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#define LAUNCHER_NAME "plugin-launcher"
#define LAUNCHER_VERSION "0.1.0"

/* Exit codes of the launcher itself. Otherwise it exits with the program's code, or 128 + signal. */
#define EXIT_SETUP 125     /* setup failed: the program never ran */
#define EXIT_USAGE 2       /* bad command line */
#define EXIT_EXEC_ENOENT 127
#define EXIT_EXEC_OTHER 126

#define MAX_KEEP_FDS 64
#define MAX_PATHS 512
#define MAX_ENV 4096
#define MAX_SECRETS 16
#define MAX_CONNECTS 4
#define EVENTS_OPEN_TIMEOUT_MS 30000 /* how long to wait for the host to open the events FIFO */
#define LAYER_PREFIX "layer\t" /* setup-socket messages that report a layer rather than an error */
#define MAX_HELD 8 /* --hold-ms: run-phase calls whose answer waits for the host at once */
#define MAX_HOLD_MS 1000
#define MAX_FILTER_INSNS 4096
#define SELF_PID_PLACEHOLDER 0x5E1F0000u /* SyscallPolicy.SELF_PID: filter.c puts the child's pid there */ /* BPF_MAXINSNS: the kernel refuses longer programs */

enum violation_mode { MODE_DENY, MODE_KILL, MODE_AUDIT };

enum rlimit_index { RLIM_CORE, RLIM_NOFILE, RLIM_FSIZE, RLIM_AS, RLIM_CPU, RLIM_COUNT };

enum layer_mode { LAYER_OFF, LAYER_AUTO, LAYER_REQUIRED }; /* AUTO: reported inactive when unavailable */

enum namespace_index { NS_USER, NS_PID, NS_NET, NS_IPC, NS_UTS, NS_MOUNT, NS_COUNT };

struct rlimit_setting {
    bool set;
    unsigned long long value;     /* RLIM_INFINITY for unlimited */
};

struct config {
    const char *filter_path;
    const char *events_path;
    enum violation_mode mode;
    int host_fd;                  /* -1: none. EOF/HUP on it means the host is gone */
    int keep_fds[MAX_KEEP_FDS];   /* passed to the program besides 0-2 */
    size_t keep_fd_count;
    char *env[MAX_ENV + 1];       /* NULL-terminated: the program's whole environment */
    size_t env_count;
    const char *secrets[MAX_SECRETS]; /* --secret: "NAME=VALUE" from the launcher's environment, sent on a pipe */
    size_t secret_count;
    const char *connects[MAX_CONNECTS]; /* --connect: "NAME=PATH", a Unix socket connected before the fork */
    size_t connect_count;
    const char *chdir_path;       /* NULL: keep the launcher's working directory */
    bool boot_phase;              /* deny-and-report everything until the host writes a byte on host_fd */
    int hold_ms;                  /* --hold-ms: how long a run-phase violation's answer may wait for the host */
    struct rlimit_setting rlimits[RLIM_COUNT];
    unsigned ns_required;         /* bit per namespace_index: --unshare, abort the launch if unavailable */
    unsigned ns_optional;         /* bit per namespace_index: --namespaces auto, reported inactive if unavailable */
    long uid, gid;                /* --uid/--gid: -1 for the default (65534 when root and namespaces are on) */
    enum layer_mode landlock;
    bool landlock_set;            /* --landlock given: --ro/--rw no longer imply "required" */
    enum layer_mode minimal_root; /* --minimal-root: a fresh root holding only the --ro/--rw paths (rootfs.c) */
    int tcp_connect_port;         /* --tcp-connect PORT: the one TCP port Landlock lets it connect to; 0: none */
    enum layer_mode cgroups;      /* REQUIRED once --memory or --pids is given, unless --cgroups auto */
    unsigned long long memory_limit; /* --memory BYTES, 0: none */
    unsigned long long pids_limit;   /* --pids N, 0: none */
    const char *cgroup_root;      /* --cgroup-root: the delegated cgroup v2 directory; NULL: the launcher's own */
    const char *ro_paths[MAX_PATHS]; /* --ro: read and execute */
    size_t ro_count;
    const char *rw_paths[MAX_PATHS]; /* --rw: read and write */
    size_t rw_count;
    char **argv;                  /* program (absolute path) and its arguments, NULL-terminated */
};

/* log.c, the lowest layer: every message is "plugin-launcher: <step>: <reason>" on stderr. */
void log_error(const char *step, const char *reason);

/* fail.c, above log.c and events.c: a failed step is logged, reported as an event, and ends the launch. */
_Noreturn void die(const char *step);                        /* reason = strerror(errno) */
_Noreturn void die_msg(const char *step, const char *reason);

/* names.c: the command-line names of the modes, written once. */
const char *mode_name(enum violation_mode mode);
int mode_parse(const char *text);                            /* enum violation_mode, or -1 */
int layer_mode_parse(const char *text);                      /* enum layer_mode, or -1 */

/* args.c */
void parse_args(int argc, char **argv, struct config *cfg);

/* inspect.c: what the supervisor reads about a notified task, reported with its violation (never a decision). */
#define REPORT_PATH_MAX 256 /* bytes of a path argument read from the task; longer ones are marked truncated */
struct task_report {
    char comm[32];              /* the thread's name, "" when unreadable */
    int ns_tid;                 /* its tid in its own pid namespace, 0 when unknown */
    int path_index;             /* the argument that holds a path, -1 when the call takes none */
    bool has_path;              /* the call takes a path and it was read */
    bool path_truncated;        /* longer than REPORT_PATH_MAX - 1 bytes */
    char path[REPORT_PATH_MAX];
    char path_error[64];        /* why a path argument could not be read, "" otherwise */
};
void inspect_task(const struct seccomp_notif *req, struct task_report *out);

/* events.c: one JSON object per line on the events file. Numbers, and the text the supervisor read from the task
 * (inspect.c); names of syscalls and argument values are resolved by the host. */
long long clock_ms(clockid_t clock);            /* milliseconds of a clock: events' time_ms, the supervisor's timers */
void events_open(const char *path, int host_fd);
void event_started(pid_t pid);
void event_violation(const struct seccomp_notif *req, const struct task_report *task, enum violation_mode mode,
                     int err, bool boot);
void event_booted(void);
void event_exited(pid_t pid, int wait_status);
void event_error(const char *step, const char *reason);
void event_layer(const char *name, bool active, const char *reason);
void event_layer_replaced(const char *name, const char *reason); /* inactive because another layer does its job */

/* secrets.c: environment values and secrets that reach the program without appearing on a command line. */
const char *secrets_resolve(const char *carrier);  /* the carrier's "NAME=VALUE", or NULL */
void secrets_prepare(struct config *cfg);          /* supervisor, before fork: pipes, kept fds, NAME_FD vars */
void secrets_close(void);                          /* supervisor, after fork */

/* hostconn.c: the program's host connection, connected by the launcher so the program needs no socket calls. */
bool hostconn_valid(const char *entry);            /* "NAME=PATH" with an absolute PATH that fits sun_path */
void hostconn_prepare(struct config *cfg);         /* supervisor, before fork: connected fds, NAME=<fd> vars */
void hostconn_close(void);                         /* supervisor, after fork */

/* filter.c: the seccomp-BPF layer. */
struct sock_fprog filter_load(const char *path);
void filter_bind_self(struct sock_fprog *prog); /* child: the self-pid placeholder becomes its own pid */
int filter_install(struct sock_fprog *prog);   /* child: returns the listener fd, or -1 with errno */

/* fdpass.c: the listener travels from child to supervisor over a socketpair. */
int fd_send(int sock, int fd);
int msg_send(int sock, const char *text);
int fd_receive(int sock, int timeout_ms, char *msg, size_t msg_size);

/* child.c: process hygiene of the child before it execs; each step fails closed through child_fail. */
void child_begin(int sock);
_Noreturn void child_fail(const char *step);
void child_new_session(void);
void child_die_with_parent(int sock);
void child_stdin(const struct config *cfg);
void child_close_fds(const struct config *cfg, int sock);
void child_chdir(const struct config *cfg);
void child_reset_signals(void);
void child_send_listener(int sock, int listener);
void child_report_layer(const char *name, bool active, const char *reason); /* to the supervisor, as an event */
void child_report_replaced(const char *name, const char *reason); /* inactive, another layer does its job */
_Noreturn void child_exec(const struct config *cfg);

/* rlimits.c: the resource-limit layer. */
void rlimits_defaults(struct config *cfg);
int rlimits_parse(struct config *cfg, const char *name, size_t name_len, const char *value); /* -1: bad */
void rlimits_apply(const struct config *cfg);

/* autogroup.c: the plugin's session group at the plugin's nice (rlimits layer), set by the supervisor. */
void autogroup_on_rlimits(pid_t child, const char *reason); /* forwards the child's rlimits report, outcome added */
int autogroup_timeout_ms(void);                    /* poll()'s timeout until the next retry, -1: none pending */
void autogroup_retry(void);                        /* poll loop, while the child is not reaped */

/* namespaces.c: the namespace layer and the uid drop. */
int namespaces_parse(struct config *cfg, const char *list, bool required); /* -1: unknown name */
void namespaces_auto(struct config *cfg);
bool namespaces_wanted(const struct config *cfg);
pid_t namespaces_spawn(const struct config *cfg);  /* fork, or clone into a new pid (and user) namespace */
void namespaces_enter(const struct config *cfg);   /* child: the other namespaces, private mounts, /proc */
bool namespaces_active(enum namespace_index ns);   /* child, after namespaces_enter */
void namespaces_drop(const struct config *cfg);    /* child: uid drop (and root's user namespace), reports */

/* rootfs.c: the minimal-root layer. */
void rootfs_build(const struct config *cfg);       /* child: after namespaces_enter, before namespaces_drop */

/* landlock.c: the path-access layer. */
int landlock_abi(void);                            /* the kernel's ABI version, or -errno */
void landlock_restrict(const struct config *cfg);  /* child: last before seccomp */

/* cgroups.c: memory and task limits. */
void cgroups_prepare(const struct config *cfg);    /* supervisor, before fork: create, limit, report */
void cgroups_join(void);                           /* child: move itself in */
bool cgroups_limit_memory(void);                /* the memory limit is in force (else rlimits.c falls back) */
bool cgroups_limit_pids(void);                  /* the pids limit is in force (else rlimits.c falls back) */
bool cgroups_cpu_weighted(void);                /* plugins' cpu.weight is below the host's (else rlimits.c: nice) */

/* supervisor.c */
void supervisor_block_signals(void);
int supervise(const struct config *cfg, pid_t child, int listener, int setup_sock);
void kill_child_group(pid_t child);

#endif
