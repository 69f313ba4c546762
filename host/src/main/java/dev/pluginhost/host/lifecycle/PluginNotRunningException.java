package dev.pluginhost.host.lifecycle;

/** The plugin exists but cannot take invocations now. */
public class PluginNotRunningException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public PluginNotRunningException(String id, PluginState state, String lastError) {
        super("plugin '" + id + "' is " + state.name().toLowerCase() + ", not running"
                + (lastError == null ? "" : " (last error: " + lastError + ")"));
    }
}
