/*
 * Values that must never be on a command line: /proc/<pid>/cmdline is readable by every user on the machine, so an
 * --env NAME=VALUE there shows a plugin's launch secret (and its socket path) to anyone running ps, and lets a
 * process outside the sandbox race the plugin to the host's handshake.
 *
 * The host therefore puts values into the launcher's own environment (/proc/<pid>/environ is readable only by the
 * launcher's uid), each under a neutral name of its own (PLUGIN_LAUNCHER_ENV_<n>, PLUGIN_LAUNCHER_SECRET_<n>,
 * holding "NAME=VALUE"), so that no variable the dynamic loader or libc interprets (LD_PRELOAD, GLIBC_TUNABLES)
 * can reach the launcher itself that way. The command line names only those carrier variables:
 *   --env-from VAR   the program's environment gets VAR's NAME=VALUE
 *   --secret VAR     the program gets VAR's VALUE on a pipe, and NAME_FD=<descriptor> in its environment: not the
 *                    value itself, because a process of the same uid outside the sandbox (the non-root case) could
 *                    read the program's /proc/<pid>/environ. The program reads the pipe once at boot; reading
 *                    empties it, the write end is closed, so nothing is left to read afterwards.
 * Steps: resolve (args.c calls it per option) -> prepare (supervisor, before fork: pipes written, descriptors
 * added to the kept ones) -> close (supervisor, after fork: its copies of the read ends).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "launcher.h"

/* One pipe buffer holds it whole, so that writing before the program reads never blocks. */
#define MAX_SECRET 4096

static int secret_fds[MAX_SECRETS];
static size_t secret_fd_count;

const char *secrets_resolve(const char *carrier)
{
    /* The carrier must exist and hold NAME=VALUE with a non-empty NAME: anything else is the host's mistake. */
    const char *entry = getenv(carrier);
    if (entry == NULL || entry[0] == '=' || strchr(entry, '=') == NULL)
        return NULL;
    return entry;
}

/* NAME=VALUE -> a pipe holding VALUE, returned as its read end; NAME_FD=<fd> added to the program's environment. */
static void prepare_one(struct config *cfg, const char *entry)
{
    const char *eq = strchr(entry, '=');
    const char *value = eq + 1;
    size_t len = strlen(value);
    if (len > MAX_SECRET)
        die_msg("--secret", "value longer than 4096 bytes");
    int fds[2];
    /* O_CLOEXEC on both: the child clears it on the read end only (child_close_fds, as for --keep-fd). */
    if (pipe2(fds, O_CLOEXEC) < 0)
        die("--secret: pipe");
    if (write(fds[1], value, len) != (ssize_t)len)
        die("--secret: write");
    close(fds[1]); /* the program sees EOF after the value */
    /* The pipe is root's (the supervisor's) with mode 0600, and the program, dropped to another uid, reads it by
     * reopening /proc/self/fd/N (the only way Java reads a raw descriptor): make it readable. This exposes nothing:
     * opening another process's /proc/<pid>/fd/N needs ptrace access to that process, which could read it anyway. */
    if (fchmod(fds[0], 0444) < 0)
        die("--secret: fchmod");
    if (cfg->keep_fd_count == MAX_KEEP_FDS || cfg->env_count == MAX_ENV)
        die_msg("--secret", "too many kept descriptors or environment variables");
    char *var = malloc((size_t)(eq - entry) + 32);
    if (var == NULL)
        die("--secret");
    sprintf(var, "%.*s_FD=%d", (int)(eq - entry), entry, fds[0]);
    cfg->keep_fds[cfg->keep_fd_count++] = fds[0];
    cfg->env[cfg->env_count++] = var;
    cfg->env[cfg->env_count] = NULL;
    secret_fds[secret_fd_count++] = fds[0];
}

void secrets_prepare(struct config *cfg)
{
    for (size_t i = 0; i < cfg->secret_count; i++)
        prepare_one(cfg, cfg->secrets[i]);
}

void secrets_close(void)
{
    /* The supervisor's copies: only the program holds a read end now. */
    for (size_t i = 0; i < secret_fd_count; i++)
        close(secret_fds[i]);
}
