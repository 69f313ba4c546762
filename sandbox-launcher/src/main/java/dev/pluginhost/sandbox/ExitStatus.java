package dev.pluginhost.sandbox;

/**
 * How a sandboxed program ended.
 *
 * @param exitCode the launcher's exit code: the program's own code, 128 + signal if a signal killed it, or the
 *     launcher's setup failure code 125 (the program never ran)
 * @param signal the signal that killed the program, or 0
 */
public record ExitStatus(int exitCode, int signal) {

    /** The launcher's code when its own setup failed and the program never ran. */
    public static final int SETUP_FAILED = 125;

    /** Whether a signal (SIGKILL by the supervisor, for example) ended the program. */
    public boolean signalled() {
        return signal != 0;
    }
}
