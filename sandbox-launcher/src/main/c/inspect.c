/*
 * What the supervisor reads about a task whose call it is about to refuse, so that the violation explains itself:
 * the thread's name, its thread id inside its own pid namespace (what the plugin runtime sees as its tid), and the
 * path a path-taking call names.
 *
 * All of it is *reported*, never a decision: seccomp sees only the six integers, and the plugin can rewrite the path
 * buffer or rename the thread between the call and our read (time-of-check/time-of-use). The answer to the call does
 * not depend on anything read here.
 *
 * Steps (one function each), run while the notification is pending, so the task cannot exit and its tid cannot be
 * reused under us; the caller checks SECCOMP_IOCTL_NOTIF_ID_VALID before and after (the kernel's advice for readers of
 * /proc/<pid>/mem):
 *   comm     /proc/<tid>/comm: the thread's name (a JVM names each native thread after its Java thread, 15 bytes)
 *   ns_tid   the last NSpid in /proc/<tid>/status: the tid in the innermost pid namespace
 *   path     process_vm_readv of the path argument, page by page, at most REPORT_PATH_MAX bytes
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
#include <linux/audit.h>

#include "launcher.h"

/* Reads at most size-1 bytes of a small /proc file; returns the length, or -1. */
static ssize_t read_small(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n;
    do {
        n = read(fd, buf, size - 1);
    } while (n < 0 && errno == EINTR);
    close(fd);
    if (n < 0)
        return -1;
    buf[n] = '\0';
    return n;
}

static void inspect_comm(pid_t tid, struct task_report *out)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/comm", (int)tid);
    ssize_t n = read_small(path, out->comm, sizeof(out->comm));
    if (n <= 0) {
        out->comm[0] = '\0';
        return;
    }
    if (out->comm[n - 1] == '\n')
        out->comm[n - 1] = '\0';
}

static void inspect_ns_tid(pid_t tid, struct task_report *out)
{
    char path[64];
    char status[4096];
    snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
    out->ns_tid = 0;
    if (read_small(path, status, sizeof(status)) < 0)
        return;
    const char *line = strstr(status, "\nNSpid:");
    if (line == NULL)
        return;
    line += strlen("\nNSpid:");
    /* "NSpid:\t<outermost>\t...\t<innermost>": the last number is the tid the task itself sees. */
    char *end;
    for (;;) {
        long value = strtol(line, &end, 10);
        if (end == line)
            break;
        out->ns_tid = (int)value;
        line = end;
    }
}

/* The argument that holds a path, for the x86_64 calls that take one; -1 for any other call. */
static int path_argument(const struct seccomp_data *data)
{
    if (data->arch != AUDIT_ARCH_X86_64)
        return -1;
    switch (data->nr) {
    case __NR_open: case __NR_creat: case __NR_chmod: case __NR_chown: case __NR_lchown: case __NR_mkdir:
    case __NR_rmdir: case __NR_unlink: case __NR_rename: case __NR_link: case __NR_symlink: case __NR_truncate:
    case __NR_mknod: case __NR_access: case __NR_stat: case __NR_lstat: case __NR_readlink: case __NR_chdir:
    case __NR_chroot: case __NR_execve: case __NR_mount: case __NR_umount2: case __NR_pivot_root:
    case __NR_utimes: case __NR_setxattr: case __NR_lsetxattr: case __NR_getxattr: case __NR_lgetxattr:
    case __NR_listxattr: case __NR_llistxattr: case __NR_removexattr: case __NR_lremovexattr: case __NR_acct:
    case __NR_swapon: case __NR_swapoff: case __NR_uselib: case __NR_statfs:
        return 0;
    case __NR_openat: case __NR_openat2: case __NR_fchmodat: case __NR_fchownat: case __NR_mkdirat:
    case __NR_unlinkat: case __NR_renameat: case __NR_renameat2: case __NR_linkat: case __NR_mknodat:
    case __NR_faccessat: case __NR_faccessat2: case __NR_newfstatat: case __NR_statx: case __NR_readlinkat:
    case __NR_execveat: case __NR_utimensat: case __NR_futimesat: case __NR_name_to_handle_at:
    case __NR_inotify_add_watch:
        return 1;
    case __NR_symlinkat:
        return 2; /* symlinkat(target, newdirfd, linkpath): the link being created */
    case __NR_fanotify_mark:
        return 4;
    default:
        return -1;
    }
}

/* Reads a NUL-terminated string at addr in tid's memory, a page at a time (the next page may be unmapped). */
static void inspect_path(pid_t tid, unsigned long long addr, struct task_report *out)
{
    size_t used = 0;
    long page = sysconf(_SC_PAGESIZE);
    if (page <= 0)
        page = 4096;
    while (used < sizeof(out->path) - 1) {
        unsigned long long at = addr + used;
        size_t chunk = (size_t)page - (size_t)(at % (unsigned long long)page);
        if (chunk > sizeof(out->path) - 1 - used)
            chunk = sizeof(out->path) - 1 - used;
        struct iovec local = { .iov_base = out->path + used, .iov_len = chunk };
        struct iovec remote = { .iov_base = (void *)(uintptr_t)at, .iov_len = chunk };
        ssize_t n = process_vm_readv(tid, &local, 1, &remote, 1, 0);
        if (n <= 0) {
            if (used == 0) {
                snprintf(out->path_error, sizeof(out->path_error), "%s", strerror(n < 0 ? errno : EFAULT));
                return;
            }
            break;
        }
        char *nul = memchr(out->path + used, '\0', (size_t)n);
        if (nul != NULL) {
            out->has_path = true;
            return;
        }
        used += (size_t)n;
    }
    out->path[used] = '\0';
    out->has_path = true;
    out->path_truncated = true;
}

void inspect_task(const struct seccomp_notif *req, struct task_report *out)
{
    memset(out, 0, sizeof(*out));
    pid_t tid = (pid_t)req->pid;
    inspect_comm(tid, out);
    inspect_ns_tid(tid, out);
    out->path_index = path_argument(&req->data);
    if (out->path_index >= 0 && req->data.args[out->path_index] != 0)
        inspect_path(tid, req->data.args[out->path_index], out);
}
