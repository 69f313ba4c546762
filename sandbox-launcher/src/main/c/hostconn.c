/*
 * The program's connection to its host, made by the launcher rather than by the program: --connect NAME=PATH
 * connects a Unix stream socket to PATH in the supervisor, before the fork and before any namespace or Landlock
 * rule, and the program inherits the connected descriptor with NAME=<fd> in its environment.
 *
 * Why: a program that is handed its one connection never needs socket(2), connect(2), bind(2), listen(2) or
 * accept(2), so its policy can refuse them outright. Without a mount or net namespace (a non-root host without
 * user namespaces, a container that forbids them) that is what keeps every other pathname and abstract Unix socket
 * on the machine out of its reach; with them it is one more layer. The path is not in the program's root either.
 *
 * The descriptor is non-blocking (the plugin runtime's epoll transport expects that) and close-on-exec until the
 * child clears the flag on its kept descriptors (child_close_fds), like --keep-fd and --secret.
 * Steps: resolve (args.c, per option) -> prepare (supervisor, before fork) -> close (supervisor, after fork).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "launcher.h"

static int connected_fds[MAX_CONNECTS];
static size_t connected_count;

bool hostconn_valid(const char *entry)
{
    /* NAME=PATH: a non-empty NAME, an absolute PATH that fits sockaddr_un.sun_path with its NUL. */
    const char *eq = strchr(entry, '=');
    if (eq == NULL || eq == entry || eq[1] != '/')
        return false;
    return strlen(eq + 1) < sizeof(((struct sockaddr_un *)0)->sun_path);
}

/* One NAME=PATH: connect, make non-blocking, keep for the child, NAME=<fd> into its environment. */
static void connect_one(struct config *cfg, const char *entry)
{
    const char *eq = strchr(entry, '=');
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    strcpy(addr.sun_path, eq + 1); /* length checked by hostconn_valid */
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        die("--connect: socket");
    int rc;
    do {
        rc = connect(fd, (struct sockaddr *)&addr, sizeof(addr));
    } while (rc < 0 && errno == EINTR);
    if (rc < 0) {
        char reason[300];
        snprintf(reason, sizeof(reason), "%s: %s", eq + 1, strerror(errno));
        die_msg("--connect", reason); /* fail closed: a program without its host connection is useless */
    }
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
        die("--connect: O_NONBLOCK");
    if (cfg->keep_fd_count == MAX_KEEP_FDS || cfg->env_count == MAX_ENV)
        die_msg("--connect", "too many kept descriptors or environment variables");
    char *var = malloc((size_t)(eq - entry) + 16);
    if (var == NULL)
        die("--connect");
    sprintf(var, "%.*s=%d", (int)(eq - entry), entry, fd);
    cfg->keep_fds[cfg->keep_fd_count++] = fd;
    cfg->env[cfg->env_count++] = var;
    cfg->env[cfg->env_count] = NULL;
    connected_fds[connected_count++] = fd;
}

void hostconn_prepare(struct config *cfg)
{
    for (size_t i = 0; i < cfg->connect_count; i++)
        connect_one(cfg, cfg->connects[i]);
}

void hostconn_close(void)
{
    /* The supervisor's copies: the program alone holds the connection, so its end closes when it exits. */
    for (size_t i = 0; i < connected_count; i++)
        close(connected_fds[i]);
}
