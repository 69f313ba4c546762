package dev.pluginhost.sandbox;

/** The sandbox cannot run on this host; the message names what is missing. Never ignore it silently. */
public class SandboxUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SandboxUnavailableException(String message) {
        super(message);
    }

    public SandboxUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
