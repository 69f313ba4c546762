/*
 * A failed setup step ends the launch: the reason goes to stderr (log.c) and to the host as an "error" event
 * (events.c), and the launcher exits with EXIT_SETUP before the program ever runs. Above both, so neither of them
 * calls back here (events.c reports its own open failure to stderr only: there is no events sink yet).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "launcher.h"

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
