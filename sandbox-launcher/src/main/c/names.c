/*
 * The command-line names of the launcher's modes, each written once: args.c parses them, events.c and main.c print
 * them. The host's side of the same names is ViolationMode.cliName() and LayerMode.cliName() in Java.
 * Depends on nothing, so every file may use it.
 */
#include <string.h>

#include "launcher.h"

static const char *const MODE_NAMES[] = { [MODE_DENY] = "deny", [MODE_KILL] = "kill", [MODE_AUDIT] = "audit" };

static const char *const LAYER_MODE_NAMES[] = {
    [LAYER_OFF] = "off", [LAYER_AUTO] = "auto", [LAYER_REQUIRED] = "required",
};

static int find(const char *const *names, size_t count, const char *text)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(names[i], text) == 0)
            return (int)i;
    return -1;
}

const char *mode_name(enum violation_mode mode)
{
    return (size_t)mode < sizeof(MODE_NAMES) / sizeof(MODE_NAMES[0]) ? MODE_NAMES[mode] : "deny";
}

int mode_parse(const char *text)
{
    return find(MODE_NAMES, sizeof(MODE_NAMES) / sizeof(MODE_NAMES[0]), text);
}

int layer_mode_parse(const char *text)
{
    return find(LAYER_MODE_NAMES, sizeof(LAYER_MODE_NAMES) / sizeof(LAYER_MODE_NAMES[0]), text);
}
