package dev.pluginhost.host.lifecycle;

/**
 * A launch error no retry can fix (a folder the plugin's uid cannot reach, no java executable): the plugin goes
 * straight to {@code failed} with this message, without restarts or quarantine, until the operator fixes the cause and
 * starts it again.
 */
public class PermanentLaunchException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** @param message what is wrong and how to fix it */
    public PermanentLaunchException(String message) {
        super(message);
    }
}
