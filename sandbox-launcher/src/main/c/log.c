/* Error reporting: one line per failure, naming the step, so a failed launch is diagnosable from stderr. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "launcher.h"

void log_error(const char *step, const char *reason)
{
    /* One write(2), no stdio buffer: the message must survive a following _exit(). */
    char line[1024];
    int n = snprintf(line, sizeof(line), LAUNCHER_NAME ": %s: %s\n", step, reason);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof(line))
        n = sizeof(line) - 1;
    ssize_t unused = write(STDERR_FILENO, line, (size_t)n);
    (void)unused;
}

_Noreturn void die(const char *step)
{
    die_msg(step, strerror(errno));
}

_Noreturn void die_msg(const char *step, const char *reason)
{
    log_error(step, reason);
    event_error(step, reason);
    exit(EXIT_SETUP);
}
