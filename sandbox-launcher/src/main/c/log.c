/*
 * Error reporting: one line per failure, naming the step, so a failed launch is diagnosable from stderr.
 * The lowest layer: it calls nothing of the launcher's, so events.c and everything else may use it.
 */
#include <stdio.h>
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
