package dev.pluginhost.sdk;

import java.nio.file.Path;

/**
 * The plugin's view of its host, handed to {@link Plugin#start(PluginContext)}. Everything a plugin may do outside
 * its own JVM goes through here: every capability is a call to the host, checked against the plugin's grants.
 */
public interface PluginContext {

    /** @return the plugin's id, from its manifest */
    String pluginId();

    /** @return the plugin's version, from its manifest */
    String pluginVersion();

    /**
     * Registers an operation. Register all operations in {@link Plugin#start(PluginContext)}; the host learns the
     * list when the plugin reports ready.
     *
     * @param name the operation's name: letters, digits, {@code -}, {@code _} and {@code .}
     * @param operation the handler
     * @throws IllegalArgumentException for an invalid or duplicate name
     */
    void operation(String name, Operation operation);

    /** @return the plugin's log (capability {@code log}, always granted) */
    PluginLog log();

    /** @return the plugin's key-value store (capability {@code kv}) */
    KeyValueStore kv();

    /**
     * @return a directory private to this plugin that survives restarts, the only place it may write files besides
     *     the temporary directory
     */
    Path dataDirectory();
}
