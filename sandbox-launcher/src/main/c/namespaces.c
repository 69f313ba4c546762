/*
 * Layer: namespaces and the uid drop. They decide what the plugin can *see*: other processes (pid), network
 * interfaces and abstract Unix sockets (net), SysV IPC and POSIX queues (ipc), the host name (uts), mounts and its
 * own /proc (mount), and, with the uid drop, which host files DAC lets it touch.
 *
 * Decisions:
 * - Root launcher: no user namespace by default. The child is dropped to an unprivileged uid/gid (--uid/--gid,
 *   default 65534 = nobody) after the namespaces and mounts are set up. A real unprivileged uid holds no capability
 *   anywhere, and file permissions protect the host's files from it. A user namespace would instead give the
 *   plugin a full capability set over its own namespaces, and unprivileged-user-namespace code is where most
 *   recent kernel privilege escalations were found; it is what a non-root launcher needs, not what root needs.
 *   "user" can still be requested: it is then created after the drop, mapping the dropped uid to itself.
 * - Non-root launcher: a user namespace is the only way to create the others. The child maps the launcher's uid
 *   and gid to themselves (the only mapping an unprivileged process may write); they are read before the clone,
 *   because inside the new namespace, until the map is written, geteuid() is the overflow uid 65534, which the
 *   kernel refuses to map for anyone but uid 65534. Its capabilities in that namespace are lost at execve because
 *   its uid there is not 0. It keeps the launcher's uid: it cannot drop further.
 * - Where user namespaces can be created but their maps not written (Ubuntu 24.04's AppArmor,
 *   kernel.apparmor_restrict_unprivileged_userns=1, confines the new namespace), a non-root launcher finds out with
 *   a throwaway probe child before the real clone, and then runs without the user namespace and without the
 *   namespaces that need it, reporting each inactive with the reason: degrading beats failing a plugin that
 *   still gets seccomp, Landlock and rlimits, and the reports make the loss visible.
 * - pid namespace: the child is created directly in it (clone(CLONE_NEWPID), as bubblewrap does), so it is pid 1
 *   there and still the supervisor's own child: waitpid, kill(-pgid), PR_SET_PDEATHSIG and the exec-once rule
 *   (notification pids are translated into the supervisor's namespace by the kernel) work unchanged. The plugin
 *   JVM itself is pid 1, without an init in front: the usual pid-1 problems are orphaned zombies to reap and
 *   default-action signals being ignored; the plugin cannot create processes (seccomp refuses fork, vfork and
 *   clone without CLONE_THREAD), so there is nothing to reap, and the JVM installs handlers for the signals it
 *   uses. When it exits the kernel kills anything left in the namespace.
 * - mount namespace: all mounts are made private first (nothing propagates back to the host), then, with a pid
 *   namespace, a fresh /proc is mounted so that /proc lists only the plugin (the JVM reads its own /proc/self entries).
 * - net namespace: the plugin sees one loopback interface, down; pathname Unix sockets (the host's gRPC socket)
 *   still work, as they belong to the filesystem.
 *
 * "Required" namespaces (--unshare) abort the launch when the kernel refuses them; "auto" ones (--namespaces auto)
 * are reported inactive with the reason. Every namespace layer is reported, active or not, before the exec.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "launcher.h"

static const struct {
    const char *name;   /* on the command line */
    const char *layer;  /* in events */
    int flag;
} NS[NS_COUNT] = {
    [NS_USER] = { "user", "user-namespace", CLONE_NEWUSER },
    [NS_PID] = { "pid", "pid-namespace", CLONE_NEWPID },
    [NS_NET] = { "net", "net-namespace", CLONE_NEWNET },
    [NS_IPC] = { "ipc", "ipc-namespace", CLONE_NEWIPC },
    [NS_UTS] = { "uts", "uts-namespace", CLONE_NEWUTS },
    [NS_MOUNT] = { "mount", "mount-namespace", CLONE_NEWNS },
};

/* What happened to each namespace; filled by the supervisor (clone) and the child (unshare). The child inherits
 * the supervisor's copy at clone. */
static struct {
    bool active;
    bool replaced; /* inactive because another layer does its job (root: the uid drop instead of a user namespace) */
    char reason[256];
} state[NS_COUNT];

/* Reason of a namespace a non-root launcher cannot create without a user namespace to own it. */
#define NEEDS_USER "needs a user namespace (the launcher is not root), and there is none: see user-namespace"

/* The launcher's own ids, read before any clone or unshare: the only ids a user namespace may map them to. */
static uid_t outer_uid;
static gid_t outer_gid;

int namespaces_parse(struct config *cfg, const char *list, bool required)
{
    char copy[256];
    if (strlen(list) >= sizeof(copy))
        return -1;
    strcpy(copy, list);
    for (char *save = NULL, *name = strtok_r(copy, ",", &save); name != NULL; name = strtok_r(NULL, ",", &save)) {
        int found = -1;
        for (int i = 0; i < NS_COUNT; i++)
            if (strcmp(name, NS[i].name) == 0)
                found = i;
        if (found < 0)
            return -1;
        if (required)
            cfg->ns_required |= 1u << found;
        else
            cfg->ns_optional |= 1u << found;
    }
    return 0;
}

void namespaces_auto(struct config *cfg)
{
    /* Root: no user namespace (see above); the others where the kernel allows them. */
    unsigned all = (1u << NS_COUNT) - 1;
    cfg->ns_optional |= geteuid() == 0 ? all & ~(1u << NS_USER) : all;
}

static bool wanted(const struct config *cfg, int ns)
{
    return ((cfg->ns_required | cfg->ns_optional) >> ns) & 1u;
}

static bool required(const struct config *cfg, int ns)
{
    return (cfg->ns_required >> ns) & 1u;
}

bool namespaces_wanted(const struct config *cfg)
{
    return (cfg->ns_required | cfg->ns_optional) != 0;
}

/* The knobs distributions use to restrict user namespaces, with their values ("; name=value" each). */
static void append_knobs(char *out, size_t size)
{
    static const char *const KNOBS[] = {
        "/proc/sys/user/max_user_namespaces",
        "/proc/sys/kernel/unprivileged_userns_clone",
        "/proc/sys/kernel/apparmor_restrict_unprivileged_userns",
    };
    size_t used = strlen(out);
    for (size_t i = 0; i < sizeof(KNOBS) / sizeof(KNOBS[0]) && used < size; i++) {
        char value[32] = "";
        int fd = open(KNOBS[i], O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            continue;
        ssize_t n = read(fd, value, sizeof(value) - 1);
        close(fd);
        if (n <= 0)
            continue;
        value[n] = '\0';
        value[strcspn(value, "\n")] = '\0';
        used += (size_t)snprintf(out + used, size - used, "; %s=%s", KNOBS[i], value);
    }
}

/* Why user namespaces may be unavailable: the error, then the knobs. */
static void explain_userns(char *out, size_t size, int err)
{
    snprintf(out, size, "%s", strerror(err));
    append_knobs(out, size);
}

/* 0, or errno. */
static int write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    ssize_t n = write(fd, text, strlen(text));
    int err = n == (ssize_t)strlen(text) ? 0 : n < 0 ? errno : EIO;
    close(fd);
    return err;
}

/* Writes the maps of the calling process's fresh user namespace: uid and gid each to themselves, the one mapping an
 * unprivileged process may write. setgroups must be denied first, or the kernel refuses the gid map
 * (supplementary groups could otherwise be dropped to gain access that a negative group permission forbids).
 * Returns 0, or errno with *failed naming the file. */
static int write_maps(uid_t uid, gid_t gid, const char **failed)
{
    static const char *const FILES[] = { "/proc/self/setgroups", "/proc/self/uid_map", "/proc/self/gid_map" };
    char text[3][64];
    snprintf(text[0], sizeof(text[0]), "deny");
    snprintf(text[1], sizeof(text[1]), "%u %u 1\n", (unsigned)uid, (unsigned)uid);
    snprintf(text[2], sizeof(text[2]), "%u %u 1\n", (unsigned)gid, (unsigned)gid);
    for (int i = 0; i < 3; i++) {
        int err = write_file(FILES[i], text[i]);
        if (err != 0) {
            *failed = FILES[i];
            return err;
        }
    }
    return 0;
}

/* Child: the maps of its own new user namespace; fails closed (the probe showed they can be written). */
static void map_identity(uid_t uid, gid_t gid)
{
    const char *failed = NULL;
    int err = write_maps(uid, gid, &failed);
    if (err != 0) {
        errno = err;
        child_fail(failed);
    }
}

/* Probe child: in its own user namespace, writes the maps and exits; a failure goes back as text on out. */
static _Noreturn void probe_child(int out)
{
    const char *failed = NULL;
    int err = write_maps(outer_uid, outer_gid, &failed);
    if (err != 0)
        dprintf(out, "%s: %s", failed, strerror(err));
    _exit(err == 0 ? 0 : 1);
}

/* Supervisor, non-root, before the real clone: can a user namespace be created *and* its maps written? A
 * throwaway child answers (a clone into a user namespace cannot be undone, so the real child cannot try and fall
 * back). Returns true, or false with why filled. */
static bool probe_user_namespace(char *why, size_t size)
{
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) < 0)
        die("pipe");
    pid_t pid = (pid_t)syscall(SYS_clone, SIGCHLD | CLONE_NEWUSER, NULL, NULL, NULL, NULL);
    if (pid == 0) {
        close(pipefd[0]);
        probe_child(pipefd[1]);
    }
    int err = errno;
    close(pipefd[1]);
    if (pid < 0) {
        close(pipefd[0]);
        explain_userns(why, size, err);
        return false;
    }
    char text[200] = "";
    ssize_t n = read(pipefd[0], text, sizeof(text) - 1);
    close(pipefd[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return true;
    text[n > 0 ? n : 0] = '\0';
    snprintf(why, size, "a user namespace can be created but its maps cannot be written (%s; one cause is "
             "Ubuntu 24.04's AppArmor sysctl kernel.apparmor_restrict_unprivileged_userns=1)",
             text[0] ? text : "probe failed");
    append_knobs(why, size);
    return false;
}

pid_t namespaces_spawn(const struct config *cfg)
{
    /* The pid namespace must exist at the child's creation (unshare(CLONE_NEWPID) would only apply to the
     * child's children). A non-root launcher needs the user namespace in the same clone to own it. */
    outer_uid = geteuid();
    outer_gid = getegid();
    bool root = outer_uid == 0;
    bool want_pid = wanted(cfg, NS_PID);
    bool want_user = wanted(cfg, NS_USER) && !root;
    if (!root && namespaces_wanted(cfg) && !want_user) {
        /* Without privileges every other namespace needs a user namespace to own it. */
        if ((cfg->ns_required & ~(1u << NS_USER)) != 0)
            die_msg("namespaces", "a non-root launcher needs the user namespace for the others: add user");
    }
    if (want_user && !probe_user_namespace(state[NS_USER].reason, sizeof(state[NS_USER].reason))) {
        if (cfg->ns_required != 0)
            die_msg("user-namespace", state[NS_USER].reason);
        want_user = false;
    }
    if (!root && !want_user && want_pid) {
        want_pid = false;
        snprintf(state[NS_PID].reason, sizeof(state[NS_PID].reason), "%s", NEEDS_USER);
    }
    for (;;) {
        int flags = (want_pid ? CLONE_NEWPID : 0) | (want_user ? CLONE_NEWUSER : 0);
        state[NS_PID].active = want_pid;
        state[NS_USER].active = want_user;
        pid_t pid = flags == 0 ? fork() : (pid_t)syscall(SYS_clone, SIGCHLD | flags, NULL, NULL, NULL, NULL);
        if (pid >= 0 || flags == 0)
            return pid;
        int err = errno;
        /* Give up the optional ones, the pid namespace first (it may be what failed), and try again. */
        if (want_pid && !required(cfg, NS_PID)) {
            want_pid = false;
            snprintf(state[NS_PID].reason, sizeof(state[NS_PID].reason), "clone(CLONE_NEWPID%s): %s",
                     want_user ? "|CLONE_NEWUSER" : "", strerror(err));
            continue;
        }
        if (want_user && !required(cfg, NS_USER)) {
            want_user = false; /* and so no pid namespace either: want_pid is false by now */
            explain_userns(state[NS_USER].reason, sizeof(state[NS_USER].reason), err);
            if ((cfg->ns_required & ~(1u << NS_USER)) != 0)
                die_msg("namespaces", "user namespace unavailable, and a non-root launcher needs it for the "
                        "required ones");
            continue;
        }
        char reason[300];
        if (want_user)
            explain_userns(reason, sizeof(reason), err);
        else
            snprintf(reason, sizeof(reason), "%s", strerror(err));
        die_msg(want_user ? "clone(CLONE_NEWUSER)" : "clone(CLONE_NEWPID)", reason);
    }
}

static void unshare_one(const struct config *cfg, int ns)
{
    if (!wanted(cfg, ns))
        return;
    if (outer_uid != 0 && !state[NS_USER].active) {
        /* Not even tried: unshare would fail with EPERM, a reason that hides the real one. */
        snprintf(state[ns].reason, sizeof(state[ns].reason), "%s", NEEDS_USER);
        return;
    }
    if (unshare(NS[ns].flag) == 0) {
        state[ns].active = true;
        return;
    }
    if (required(cfg, ns))
        child_fail(NS[ns].layer);
    snprintf(state[ns].reason, sizeof(state[ns].reason), "unshare: %s", strerror(errno));
}

static void setup_mounts(const struct config *cfg)
{
    if (!state[NS_MOUNT].active)
        return;
    /* Private first: otherwise the /proc mount below would propagate into the host's mount namespace. */
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        child_fail("make mounts private");
    if (!state[NS_PID].active)
        return;
    if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) == 0)
        return;
    if (required(cfg, NS_MOUNT) || required(cfg, NS_PID))
        child_fail("mount /proc");
    snprintf(state[NS_MOUNT].reason, sizeof(state[NS_MOUNT].reason),
             "active, but mounting a fresh /proc failed (%s): /proc still lists the host's processes",
             strerror(errno));
}

/* setgroups, then gid, then uid: once the uid is not 0 the others can no longer be changed. */
static void drop_uid(const struct config *cfg)
{
    uid_t uid = cfg->uid >= 0 ? (uid_t)cfg->uid : 65534;
    gid_t gid = cfg->gid >= 0 ? (gid_t)cfg->gid : 65534;
    char reason[160];
    if (geteuid() != 0) {
        if ((cfg->uid >= 0 && (uid_t)cfg->uid != geteuid()) || (cfg->gid >= 0 && (gid_t)cfg->gid != getegid())) {
            errno = EPERM;
            child_fail("--uid/--gid: the launcher is not root and cannot change its uid");
        }
        snprintf(reason, sizeof(reason), "launcher is not root: the child keeps uid %u gid %u",
                 (unsigned)geteuid(), (unsigned)getegid());
        child_report_layer("uid-drop", false, reason);
        return;
    }
    if (cfg->uid < 0 && !namespaces_wanted(cfg)) {
        child_report_layer("uid-drop", false, "not requested: the child runs as root (use --uid or namespaces)");
        return;
    }
    if (setgroups(0, NULL) < 0)
        child_fail("setgroups");
    if (setresgid(gid, gid, gid) < 0)
        child_fail("setresgid");
    if (setresuid(uid, uid, uid) < 0)
        child_fail("setresuid");
    if (geteuid() == 0 || getuid() == 0) { /* never trust that it happened */
        errno = EPERM;
        child_fail("uid drop did not happen");
    }
    snprintf(reason, sizeof(reason), "uid %u gid %u, no supplementary groups, no capabilities", (unsigned)uid,
             (unsigned)gid);
    child_report_layer("uid-drop", true, reason);
}

void namespaces_enter(const struct config *cfg)
{
    if (state[NS_USER].active) /* created by the clone (non-root launcher) */
        map_identity(outer_uid, outer_gid);
    unshare_one(cfg, NS_NET);
    unshare_one(cfg, NS_IPC);
    unshare_one(cfg, NS_UTS);
    unshare_one(cfg, NS_MOUNT);
    setup_mounts(cfg);
}

bool namespaces_active(enum namespace_index ns)
{
    return state[ns].active;
}

void namespaces_drop(const struct config *cfg)
{
    bool root = geteuid() == 0;
    drop_uid(cfg);
    if (root && wanted(cfg, NS_USER)) {
        /* Root asked for a user namespace too: after the drop, mapping the new uid to itself. Changing uid made
         * the process non-dumpable, which makes /proc/self/ root's; dumpable again so that it may write its own
         * maps (execve recomputes it anyway). */
        if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
            child_fail("prctl(PR_SET_DUMPABLE)");
        uid_t uid = geteuid(); /* the dropped ids, read before the unshare turns them into the overflow ids */
        gid_t gid = getegid();
        if (unshare(CLONE_NEWUSER) == 0) {
            state[NS_USER].active = true;
            map_identity(uid, gid);
        } else if (required(cfg, NS_USER)) {
            child_fail("user-namespace");
        } else {
            explain_userns(state[NS_USER].reason, sizeof(state[NS_USER].reason), errno);
        }
    } else if (root && !wanted(cfg, NS_USER) && namespaces_wanted(cfg)) {
        state[NS_USER].replaced = true;
        snprintf(state[NS_USER].reason, sizeof(state[NS_USER].reason),
                 "not needed: the root launcher drops the child to an unprivileged uid instead");
    }

    for (int i = 0; i < NS_COUNT; i++) {
        char reason[300];
        if (state[i].active) {
            if (i == NS_PID)
                snprintf(reason, sizeof(reason), "%s", state[NS_MOUNT].active && state[NS_MOUNT].reason[0] == '\0'
                         ? "plugin is pid 1 and sees only itself (own /proc)"
                         : "plugin is pid 1; cannot signal outside processes, but /proc still lists the host's");
            else if (i == NS_MOUNT)
                snprintf(reason, sizeof(reason), "%s", state[i].reason[0] ? state[i].reason
                         : state[NS_PID].active ? "private mounts, own /proc" : "private mounts");
            else if (i == NS_NET)
                snprintf(reason, sizeof(reason), "only a loopback interface, down");
            else if (i == NS_USER)
                snprintf(reason, sizeof(reason), "uid %u mapped to itself", (unsigned)geteuid());
            else
                snprintf(reason, sizeof(reason), "own namespace");
        } else if (!wanted(cfg, i) && state[i].reason[0] == '\0') {
            snprintf(reason, sizeof(reason), "not requested (--unshare %s or --namespaces auto)", NS[i].name);
        } else {
            snprintf(reason, sizeof(reason), "%s", state[i].reason);
        }
        if (state[i].replaced)
            child_report_replaced(NS[i].layer, reason);
        else
            child_report_layer(NS[i].layer, state[i].active, reason);
    }
}
