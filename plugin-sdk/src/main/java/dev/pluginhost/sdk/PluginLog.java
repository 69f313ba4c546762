package dev.pluginhost.sdk;

/**
 * The plugin's log, written into the host's log under the plugin's id. Messages use {@code {}} placeholders; a
 * {@link Throwable} as the last argument is logged with its stack trace. Logging never blocks on the host.
 *
 * <p>SLF4J works as well, with no configuration: declare {@code org.slf4j:slf4j-api} as {@code provided}, and what the
 * plugin and its libraries log through SLF4J reaches the host's log the same way.
 */
public interface PluginLog {

    /**
     * Logs at DEBUG level: detail useful when diagnosing.
     *
     * @param message the message, with {@code {}} placeholders
     * @param args the values for the placeholders; a {@link Throwable} last is logged with its stack trace
     */
    void debug(String message, Object... args);

    /**
     * Logs at INFO level: normal events.
     *
     * @param message the message, with {@code {}} placeholders
     * @param args the values for the placeholders; a {@link Throwable} last is logged with its stack trace
     */
    void info(String message, Object... args);

    /**
     * Logs at WARN level: something unexpected the plugin recovered from.
     *
     * @param message the message, with {@code {}} placeholders
     * @param args the values for the placeholders; a {@link Throwable} last is logged with its stack trace
     */
    void warn(String message, Object... args);

    /**
     * Logs at ERROR level: a failure.
     *
     * @param message the message, with {@code {}} placeholders
     * @param args the values for the placeholders; a {@link Throwable} last is logged with its stack trace
     */
    void error(String message, Object... args);
}
