/*
 * The notification listener is created inside the child (only the filtered task can install its filter) and
 * must reach the supervisor: SCM_RIGHTS over a socketpair. The same socket carries a setup error as plain text
 * when the child fails before it can send a listener.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>

#include "launcher.h"

int fd_send(int sock, int fd)
{
    char byte = 'L';
    struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int))];
    } control;
    memset(&control, 0, sizeof(control));
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof(control.buf),
    };
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));

    ssize_t n;
    do {
        n = sendmsg(sock, &msg, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    return n == 1 ? 0 : -1;
}

int msg_send(int sock, const char *text)
{
    struct iovec iov = { .iov_base = (void *)text, .iov_len = strlen(text) };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
    ssize_t n;
    do {
        n = sendmsg(sock, &msg, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    return n < 0 ? -1 : 0;
}

/*
 * Returns the received fd. Returns -1 with msg holding the reason otherwise: the child's own error text, "child
 * exited during setup" (EOF), or a timeout. The timeout matters: a filter that does not allow sendmsg would leave
 * the child blocked on a notification that only the listener it is trying to send could answer.
 */
static void set_msg(char *msg, size_t msg_size, const char *text)
{
    strncpy(msg, text, msg_size - 1);
    msg[msg_size - 1] = '\0';
}

int fd_receive(int sock, int timeout_ms, char *msg, size_t msg_size)
{
    struct pollfd pfd = { .fd = sock, .events = POLLIN };
    int ready;
    do {
        ready = poll(&pfd, 1, timeout_ms);
    } while (ready < 0 && errno == EINTR);
    if (ready < 0) {
        set_msg(msg, msg_size, strerror(errno));
        return -1;
    }
    if (ready == 0) {
        set_msg(msg, msg_size, "timed out (does the filter allow sendmsg?)");
        return -1;
    }

    char data[1024];
    struct iovec iov = { .iov_base = data, .iov_len = sizeof(data) - 1 };
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int))];
    } control;
    memset(&control, 0, sizeof(control));
    struct msghdr hdr = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof(control.buf),
    };
    ssize_t n;
    do {
        n = recvmsg(sock, &hdr, MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        set_msg(msg, msg_size, strerror(errno));
        return -1;
    }

    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&hdr);
    if (cmsg != NULL && cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS &&
        cmsg->cmsg_len == CMSG_LEN(sizeof(int))) {
        int fd;
        memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
        return fd;
    }
    if (n == 0) {
        set_msg(msg, msg_size, "child exited during setup");
    } else {
        data[n] = '\0';
        set_msg(msg, msg_size, data);
    }
    return -1;
}
