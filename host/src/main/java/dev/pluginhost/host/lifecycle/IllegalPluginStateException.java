package dev.pluginhost.host.lifecycle;

/** The plugin is in a state where the requested action makes no sense. */
public class IllegalPluginStateException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public IllegalPluginStateException(String id, PluginState state, String action) {
        super("plugin '" + id + "' is " + state.name().toLowerCase() + ": cannot " + action + " it");
    }
}
