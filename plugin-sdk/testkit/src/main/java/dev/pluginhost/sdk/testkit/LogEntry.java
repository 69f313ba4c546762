package dev.pluginhost.sdk.testkit;

/**
 * One record the plugin logged, through {@code PluginLog} or SLF4J.
 *
 * @param level {@code TRACE}, {@code DEBUG}, {@code INFO}, {@code WARN} or {@code ERROR}
 * @param logger the logger name: the plugin id for {@code PluginLog}, the logger's name for SLF4J
 * @param message the formatted message
 * @param throwable the rendered stack trace; empty when none
 */
public record LogEntry(String level, String logger, String message, String throwable) {

    @Override
    public String toString() {
        return level + " " + logger + " - " + message + (throwable.isEmpty() ? "" : "\n" + throwable);
    }
}
