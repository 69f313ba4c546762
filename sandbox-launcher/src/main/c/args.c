/*
 * Command line:
 *   plugin-launcher --filter FILE --events FILE [--mode deny|kill|audit] [--host-fd N] [--keep-fd N]...
 *                   [--env NAME=VALUE]... [--env-from VAR]... [--secret VAR]...
 *                   [--chdir DIR] [--boot-phase] -- /abs/path/to/program [ARGS...]
 *   --env-from VAR: the launcher's environment variable VAR holds the program's NAME=VALUE (secrets.c);
 *   --secret VAR: likewise, but the program gets VALUE on a pipe and NAME_FD=<fd>. Neither value is on any
 *                 command line, unlike --env's (/proc/<pid>/cmdline is world-readable).
 *                   [--connect NAME=PATH]...
 *   --connect: the launcher connects to the Unix socket PATH and the program inherits it, NAME=<fd> (hostconn.c).
 *                   [--rlimit NAME=VALUE]... [--rlimit-as BYTES]
 *                   [--unshare user,pid,net,ipc,uts,mount] [--namespaces auto] [--uid N] [--gid N]
 *   --unshare: these namespaces or no launch; --namespaces auto: the default set where available (namespaces.c).
 *   --uid/--gid: what a root launcher drops the child to (default 65534 when namespaces are on).
 *                   [--landlock off|auto|required] [--ro PATH]... [--rw PATH]... [--minimal-root auto|required]
 *   --landlock: path rules (landlock.c); --ro/--rw imply "required" unless --landlock is given.
 *   --minimal-root: a fresh root holding only the --ro/--rw paths (rootfs.c); needs a mount namespace.
 *   --rw PATH may name a socket (the plugin's own host socket): bound onto an empty file in the minimal root.
 *                   [--memory BYTES] [--pids N] [--cgroups auto|required] [--cgroup-root PATH]
 *   --memory/--pids: cgroup limits (cgroups.c), required unless --cgroups auto.
 *   --cgroup-root PATH: the cgroup v2 directory to create the plugins' cgroups under (a delegated one), instead of
 *                 the launcher's own; no v1 fallback. Not a cgroup2 filesystem: a dry run, reported inactive.
 *   --rlimit: NAME is core, nofile, fsize, as or cpu; VALUE a number or "unlimited" (defaults in rlimits.c).
 *   --hold-ms N:  after the boot phase, a refused call's answer waits until a byte arrives on --host-fd or N ms
 *                 (at most 1000) have passed, so the host can ask the plugin for the waiting thread's stack
 *                 (supervisor.c); at most MAX_HELD calls wait at once.
 *   --boot-phase: until one byte arrives on --host-fd, every notified call is refused with EPERM and reported with
 *                 "phase":"boot" whatever --mode says (only trusted code runs then; see supervisor.c).
 * Parsed by hand: getopt would permute arguments and accept abbreviations, and this interface is called by a
 * program, not typed by a person.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "launcher.h"

static _Noreturn void usage(const char *problem)
{
    fprintf(stderr, LAUNCHER_NAME ": arguments: %s\n"
            "usage: " LAUNCHER_NAME " --filter FILE --events FILE [--mode deny|kill|audit] [--host-fd N]\n"
            "       [--keep-fd N]... [--env NAME=VALUE]... [--env-from VAR]... [--secret VAR]...\n"
            "       [--connect NAME=PATH]...\n"
            "       [--chdir DIR] [--boot-phase] [--hold-ms N]\n"
            "       [--rlimit core|nofile|fsize|as|cpu=VALUE]... [--rlimit-as BYTES]\n"
            "       [--unshare user,pid,net,ipc,uts,mount] [--namespaces auto] [--uid N] [--gid N]\n"
            "       [--landlock off|auto|required] [--ro PATH]... [--rw PATH]... [--minimal-root auto|required]\n"
            "       [--tcp-connect PORT] [--memory BYTES] [--pids N] [--cgroups auto|required]\n"
            "       [--cgroup-root PATH]\n"
            "       -- /abs/path/to/program [ARGS...]\n",
            problem);
    exit(EXIT_USAGE);
}

static int parse_fd(const char *text)
{
    char *end;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || value < 0 || value > INT_MAX)
        usage("not a file descriptor number");
    return (int)value;
}

static enum violation_mode parse_mode(const char *text)
{
    int mode = mode_parse(text);
    if (mode < 0)
        usage("--mode must be deny, kill or audit");
    return (enum violation_mode)mode;
}

/* --landlock takes off|auto|required; --minimal-root and --cgroups only auto|required. */
static enum layer_mode parse_layer_mode(const char *text, bool off_allowed, const char *problem)
{
    int mode = layer_mode_parse(text);
    if (mode < 0 || (mode == LAYER_OFF && !off_allowed))
        usage(problem);
    return (enum layer_mode)mode;
}

void parse_args(int argc, char **argv, struct config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->mode = MODE_DENY;
    cfg->host_fd = -1;
    cfg->uid = -1;
    cfg->gid = -1;
    rlimits_defaults(cfg);

    int i = 1;
    for (; i < argc; i++) {
        const char *opt = argv[i];
        if (strcmp(opt, "--") == 0) {
            i++;
            break;
        }
        if (strcmp(opt, "--version") == 0) {
            printf(LAUNCHER_NAME " " LAUNCHER_VERSION "\n");
            exit(0);
        }
        if (strcmp(opt, "--boot-phase") == 0) { /* the only option without a value */
            cfg->boot_phase = true;
            continue;
        }
        if (i + 1 >= argc)
            usage("option without a value");
        const char *value = argv[++i];
        if (strcmp(opt, "--filter") == 0) {
            cfg->filter_path = value;
        } else if (strcmp(opt, "--events") == 0) {
            cfg->events_path = value;
        } else if (strcmp(opt, "--mode") == 0) {
            cfg->mode = parse_mode(value);
        } else if (strcmp(opt, "--host-fd") == 0) {
            cfg->host_fd = parse_fd(value);
        } else if (strcmp(opt, "--hold-ms") == 0) {
            char *end;
            errno = 0;
            long ms = strtol(value, &end, 10);
            if (errno != 0 || end == value || *end != '\0' || ms < 0 || ms > MAX_HOLD_MS)
                usage("--hold-ms wants milliseconds from 0 to 1000");
            cfg->hold_ms = (int)ms;
        } else if (strcmp(opt, "--keep-fd") == 0) {
            if (cfg->keep_fd_count == MAX_KEEP_FDS)
                usage("too many --keep-fd");
            cfg->keep_fds[cfg->keep_fd_count++] = parse_fd(value);
        } else if (strcmp(opt, "--env") == 0) {
            if (strchr(value, '=') == NULL || value[0] == '=')
                usage("--env wants NAME=VALUE");
            if (cfg->env_count == MAX_ENV)
                usage("too many --env");
            cfg->env[cfg->env_count++] = (char *)value;
        } else if (strcmp(opt, "--env-from") == 0 || strcmp(opt, "--secret") == 0) {
            /* Values from the launcher's own environment: never on a command line (secrets.c). */
            const char *entry = secrets_resolve(value);
            if (entry == NULL)
                usage("--env-from/--secret VAR: VAR must be in the launcher's environment, holding NAME=VALUE");
            if (opt[2] == 's') {
                if (cfg->secret_count == MAX_SECRETS)
                    usage("too many --secret");
                cfg->secrets[cfg->secret_count++] = entry;
            } else {
                if (cfg->env_count == MAX_ENV)
                    usage("too many --env");
                cfg->env[cfg->env_count++] = (char *)entry;
            }
        } else if (strcmp(opt, "--connect") == 0) {
            if (!hostconn_valid(value))
                usage("--connect wants NAME=/absolute/socket/path (at most 107 bytes)");
            if (cfg->connect_count == MAX_CONNECTS)
                usage("too many --connect");
            cfg->connects[cfg->connect_count++] = value;
        } else if (strcmp(opt, "--rlimit") == 0) {
            const char *eq = strchr(value, '=');
            if (eq == NULL || rlimits_parse(cfg, value, (size_t)(eq - value), eq + 1) < 0)
                usage("--rlimit wants core|nofile|fsize|as|cpu=NUMBER|unlimited");
        } else if (strcmp(opt, "--rlimit-as") == 0) {
            if (rlimits_parse(cfg, "as", 2, value) < 0)
                usage("--rlimit-as wants a number of bytes");
        } else if (strcmp(opt, "--unshare") == 0) {
            if (namespaces_parse(cfg, value, true) < 0)
                usage("--unshare wants a comma-separated list of user, pid, net, ipc, uts, mount");
        } else if (strcmp(opt, "--namespaces") == 0) {
            if (strcmp(value, "auto") != 0)
                usage("--namespaces wants auto");
            namespaces_auto(cfg);
        } else if (strcmp(opt, "--uid") == 0) {
            cfg->uid = parse_fd(value); /* same shape: a non-negative int */
        } else if (strcmp(opt, "--gid") == 0) {
            cfg->gid = parse_fd(value);
        } else if (strcmp(opt, "--landlock") == 0) {
            cfg->landlock = parse_layer_mode(value, true, "--landlock wants off, auto or required");
            cfg->landlock_set = true;
        } else if (strcmp(opt, "--minimal-root") == 0) {
            cfg->minimal_root = parse_layer_mode(value, false, "--minimal-root wants auto or required");
        } else if (strcmp(opt, "--tcp-connect") == 0) {
            /* Development only (a debugger the plugin JVM connects out to); Landlock denies every other port. */
            long port = parse_fd(value);
            if (port < 1 || port > 65535)
                usage("--tcp-connect wants a port 1-65535");
            cfg->tcp_connect_port = (int)port;
        } else if (strcmp(opt, "--ro") == 0 || strcmp(opt, "--rw") == 0) {
            bool ro = opt[3] == 'o';
            size_t *count = ro ? &cfg->ro_count : &cfg->rw_count;
            if (*count == MAX_PATHS)
                usage("too many --ro/--rw");
            if (value[0] != '/')
                usage("--ro/--rw want absolute paths");
            (ro ? cfg->ro_paths : cfg->rw_paths)[(*count)++] = value;
            if (!cfg->landlock_set)
                cfg->landlock = LAYER_REQUIRED;
        } else if (strcmp(opt, "--memory") == 0 || strcmp(opt, "--pids") == 0) {
            char *end;
            errno = 0;
            unsigned long long v = strtoull(value, &end, 10);
            if (errno != 0 || end == value || *end != '\0' || value[0] == '-' || v == 0)
                usage("--memory/--pids want a positive number");
            *(opt[2] == 'm' ? &cfg->memory_limit : &cfg->pids_limit) = v;
            if (cfg->cgroups == LAYER_OFF)
                cfg->cgroups = LAYER_REQUIRED;
        } else if (strcmp(opt, "--cgroups") == 0) {
            cfg->cgroups = parse_layer_mode(value, false, "--cgroups wants auto or required");
        } else if (strcmp(opt, "--cgroup-root") == 0) {
            if (value[0] != '/')
                usage("--cgroup-root wants an absolute path");
            cfg->cgroup_root = value;
        } else if (strcmp(opt, "--chdir") == 0) {
            cfg->chdir_path = value;
        } else {
            usage("unknown option");
        }
    }
    cfg->env[cfg->env_count] = NULL;

    if (cfg->filter_path == NULL)
        usage("--filter is required");
    if (cfg->events_path == NULL)
        usage("--events is required");
    if (cfg->hold_ms > 0 && cfg->host_fd < 0)
        usage("--hold-ms needs --host-fd: a byte on it answers the held calls");
    if (cfg->boot_phase && cfg->host_fd < 0)
        usage("--boot-phase needs --host-fd: a byte on it ends the boot phase");
    if (i >= argc)
        usage("no program after --");
    /* No PATH search: the environment is the program's, and a relative name would be resolved by whoever
     * controls the working directory. */
    if (argv[i][0] != '/')
        usage("program must be an absolute path");
    cfg->argv = &argv[i];
}
