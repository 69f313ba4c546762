/*
 * Layer: seccomp-BPF. The filter is compiled by the host with libseccomp (architecture check, x32 rejection,
 * binary-tree dispatch) and arrives here as raw BPF; the launcher only loads and installs it, so it needs no
 * libseccomp itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "launcher.h"

struct sock_fprog filter_load(const char *path)
{
    int fd;
    do {
        fd = open(path, O_RDONLY | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0)
        die("open filter");

    struct stat st;
    if (fstat(fd, &st) < 0)
        die("stat filter");
    if (!S_ISREG(st.st_mode))
        die_msg("read filter", "not a regular file");
    if (st.st_size <= 0 || st.st_size % (off_t)sizeof(struct sock_filter) != 0)
        die_msg("read filter", "size is not a positive multiple of 8 bytes");
    if (st.st_size / (off_t)sizeof(struct sock_filter) > MAX_FILTER_INSNS)
        die_msg("read filter", "more than 4096 instructions");

    size_t size = (size_t)st.st_size;
    struct sock_filter *insns = malloc(size);
    if (insns == NULL)
        die("read filter");
    size_t got = 0;
    while (got < size) {
        ssize_t n = read(fd, (char *)insns + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            die("read filter");
        if (n == 0)
            die_msg("read filter", "file shrank while reading");
        got += (size_t)n;
    }
    close(fd);

    struct sock_fprog prog = {
        .len = (unsigned short)(size / sizeof(struct sock_filter)),
        .filter = insns,
    };
    return prog;
}

/*
 * The policy allows kill and tgkill only towards the program itself, but it is compiled before the fork, when that
 * pid is unknown: its rules compare argument 0 with a placeholder (SELF_PID_PLACEHOLDER, above any pid the kernel
 * hands out, so it cannot stand for a real one). Here, in the child just before installing the filter, every
 * "jump if equal to the placeholder" becomes "jump if equal to my pid" (1 in a pid namespace; execve keeps the
 * pid). Without this a plugin sharing the host's uid, with no pid namespace and a Landlock older than ABI 6, could
 * kill the host or any other process of that uid.
 */
void filter_bind_self(struct sock_fprog *prog)
{
    __u32 self = (__u32)getpid();
    for (unsigned short i = 0; i < prog->len; i++) {
        struct sock_filter *insn = &prog->filter[i];
        if (insn->code == (BPF_JMP | BPF_JEQ | BPF_K) && insn->k == SELF_PID_PLACEHOLDER)
            insn->k = self;
    }
}

int filter_install(struct sock_fprog *prog)
{
    /* Required for an unprivileged filter, and it keeps setuid binaries from gaining privileges the filter
     * would otherwise have to reason about. Set explicitly even when running as root. */
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return -1;
    /* NEW_LISTENER: the kernel hands back a notification fd (O_CLOEXEC) for SECCOMP_RET_USER_NOTIF. glibc has
     * no wrapper for seccomp(2). */
    long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, prog);
    return (int)fd;
}
