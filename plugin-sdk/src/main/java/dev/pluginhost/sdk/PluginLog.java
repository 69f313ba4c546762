package dev.pluginhost.sdk;

/**
 * The plugin's log, written into the host's log under the plugin's id. Messages use {@code {}} placeholders; a
 * {@link Throwable} as the last argument is logged with its stack trace. Logging never blocks on the host.
 */
public interface PluginLog {

    /** @param message the message, with {@code {}} placeholders @param args the values for the placeholders */
    void debug(String message, Object... args);

    /** @param message the message, with {@code {}} placeholders @param args the values for the placeholders */
    void info(String message, Object... args);

    /** @param message the message, with {@code {}} placeholders @param args the values for the placeholders */
    void warn(String message, Object... args);

    /** @param message the message, with {@code {}} placeholders @param args the values for the placeholders */
    void error(String message, Object... args);
}
