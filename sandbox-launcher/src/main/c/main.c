/*
 * plugin-launcher: start one untrusted program (a plugin JVM) under a seccomp-BPF filter and supervise it.
 *
 * The flow, top to bottom (main() below):
 *   parse arguments -> check the host fd -> load the filter -> open the events sink -> block signals
 *           -> cgroups (created and limited by the supervisor before fork, removed after the child exits)
 *           -> socketpair -> secrets (pipes holding --secret values)
 *           -> host connection (--connect: connected here, inherited by the child)
 *           -> fork (clone into new pid/user namespaces when asked)
 *   child:  new session -> die with parent -> stdin -> close fds -> chdir -> rlimits -> join cgroups
 *           -> namespaces -> minimal root -> uid drop
 *           -> landlock -> die with parent (again: the uid drop cleared it) -> reset signals
 *           -> own pid into the filter (kill/tgkill) -> no_new_privs + seccomp with listener -> send listener
 *           -> execve
 *   parent: receive listener (forwarding the child's layer reports as events; with its rlimits, the session
 *           group's nice, autogroup.c) -> "seccomp" layer -> "started"
 *           -> supervise (retrying that nice, if the kernel said EAGAIN) until the child exits -> exit with its status
 *
 * Every setup step fails closed: the program never runs, the launcher exits 125 (EXIT_SETUP) and stderr and the
 * events name the step. A new isolation layer comes as one more file and one more call in run_child(), before the
 * seccomp filter (which would otherwise have to allow its syscalls), reporting itself with child_report_layer().
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "launcher.h"

/* How long the child may take from fork to handing over its listener. */
#define SETUP_TIMEOUT_MS 10000

static void check_host_fd(const struct config *cfg)
{
    /* Fail closed on a bad liveness fd: without it a dead host would leave the plugin running. */
    if (cfg->host_fd >= 0 && fcntl(cfg->host_fd, F_GETFD) < 0)
        die("--host-fd");
}

static void make_setup_socket(int sv[2])
{
    /* O_CLOEXEC on both ends: the child's end closing at execve tells the supervisor the exec happened. */
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        die("socketpair");
}

static _Noreturn void run_child(const struct config *cfg, struct sock_fprog *prog, int sock)
{
    child_begin(sock);
    child_new_session();
    child_die_with_parent(sock);
    child_stdin(cfg);
    child_close_fds(cfg, sock);
    child_chdir(cfg);
    rlimits_apply(cfg);           /* before the uid drop: lowering is always allowed, raising needs root */
    cgroups_join();               /* before the uid drop: cgroup.procs belongs to root */
    namespaces_enter(cfg);        /* net, ipc, uts, mount + /proc */
    rootfs_build(cfg);            /* in the mount namespace, while still privileged: pivot into a minimal root */
    namespaces_drop(cfg);         /* the uid drop (root launcher), namespace reports */
    landlock_restrict(cfg);       /* last before seccomp: the plugin cannot loosen it, seccomp refuses landlock_* */
    child_die_with_parent(sock);  /* again, after the last credential change: setresuid/setresgid cleared it */
    child_reset_signals();
    filter_bind_self(prog);       /* kill/tgkill: its own pid only, known now (1 in a pid namespace) */
    int listener = filter_install(prog);
    if (listener < 0)
        child_fail("seccomp(SECCOMP_SET_MODE_FILTER)");
    /* From here on every syscall is filtered: only sendmsg, close and execve remain before the program. */
    child_send_listener(sock, listener);
    child_exec(cfg);
}

/* A layer report from the child: "layer\t<name>\t<0|1>\t<reason>". */
static bool forward_layer(pid_t child, const char *text)
{
    size_t prefix = strlen(LAYER_PREFIX);
    if (strncmp(text, LAYER_PREFIX, prefix) != 0)
        return false;
    char copy[1024];
    snprintf(copy, sizeof(copy), "%s", text + prefix);
    char *name = copy;
    char *active = strchr(name, '\t');
    if (active == NULL)
        return false;
    *active++ = '\0';
    char *reason = strchr(active, '\t');
    if (reason == NULL)
        return false;
    *reason++ = '\0';
    if (active[0] == '2')
        event_layer_replaced(name, reason);
    else if (strcmp(name, "rlimits") == 0)
        autogroup_on_rlimits(child, reason);
    else
        event_layer(name, active[0] == '1', reason);
    return true;
}

static int receive_listener(pid_t child, int sock)
{
    char reason[1024];
    int listener;
    do {
        listener = fd_receive(sock, SETUP_TIMEOUT_MS, reason, sizeof(reason));
    } while (listener < 0 && forward_layer(child, reason));
    if (listener >= 0)
        return listener;
    log_error("child setup", reason);
    event_error("child setup", reason);
    kill_child_group(child);
    while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
        ;
    exit(EXIT_SETUP);
}

int main(int argc, char **argv)
{
    struct config cfg;
    parse_args(argc, argv, &cfg);
    check_host_fd(&cfg);
    struct sock_fprog prog = filter_load(cfg.filter_path);
    events_open(cfg.events_path, cfg.host_fd);
    supervisor_block_signals();

    cgroups_prepare(&cfg);

    int sv[2];
    make_setup_socket(sv);
    secrets_prepare(&cfg);               /* pipes for --secret, before fork: the child keeps their read ends */
    hostconn_prepare(&cfg);              /* --connect, before fork and before any layer: the child keeps it */
    pid_t child = namespaces_spawn(&cfg); /* fork, or clone into new pid/user namespaces */
    if (child < 0)
        die("fork");
    if (child == 0) {
        close(sv[0]);
        run_child(&cfg, &prog, sv[1]);
    }
    close(sv[1]);
    secrets_close();
    hostconn_close();
    unsigned short insns = prog.len;
    free(prog.filter);

    int listener = receive_listener(child, sv[0]);
    char seccomp_summary[160];
    snprintf(seccomp_summary, sizeof(seccomp_summary), "%u BPF instructions, user-notification supervisor, mode %s%s",
             insns, mode_name(cfg.mode), cfg.boot_phase ? " after the boot phase" : "");
    event_layer("seccomp", true, seccomp_summary);
    event_started(child);
    return supervise(&cfg, child, listener, sv[0]);
}
