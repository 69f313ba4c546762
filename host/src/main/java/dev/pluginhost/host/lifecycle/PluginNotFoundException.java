package dev.pluginhost.host.lifecycle;

/** No plugin with that id is installed. */
public class PluginNotFoundException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public PluginNotFoundException(String id) {
        super("no plugin '" + id + "' is installed");
    }
}
