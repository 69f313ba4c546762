package dev.pluginhost.host.lifecycle;

import java.util.EnumSet;
import java.util.Set;

/**
 * Where a plugin is in its life, and the moves between states the host makes ({@link #canMoveTo}; any other move is
 * refused by {@link PluginInstance}).
 *
 * <table>
 * <caption>Legal moves</caption>
 * <tr><th>from</th><th>to</th><th>when</th></tr>
 * <tr><td>INSTALLED</td><td>STARTING</td><td>its first launch begins</td></tr>
 * <tr><td>STARTING, STOPPED, FAILED, QUARANTINED</td><td>STARTING</td><td>a launch begins: a restart, an
 *     operator's start, or a new version of a plugin that is not serving (it starts over the current launch); never
 *     over a serving launch (a new version runs beside it, see RUNNING → RUNNING)</td></tr>
 * <tr><td>STARTING</td><td>RUNNING</td><td>its launch is ready</td></tr>
 * <tr><td>RUNNING, FAILED, QUARANTINED</td><td>RUNNING</td><td>a new version started beside the current launch is
 *     ready and takes over (the current one may have crashed meanwhile)</td></tr>
 * <tr><td>INSTALLED, STARTING, STOPPED, FAILED, QUARANTINED</td><td>FAILED</td><td>a launch failed or the sandbox
 *     is not available here</td></tr>
 * <tr><td>STARTING, RUNNING, STOPPING</td><td>FAILED, QUARANTINED</td><td>its launch crashed (quarantined after
 *     too many crashes in the window); from STOPPING when the crash came before the stop reached the launch</td></tr>
 * <tr><td>any state</td><td>STOPPING</td><td>an operator's stop, an uninstall, or the host shutting down</td></tr>
 * <tr><td>STOPPING, and FAILED or QUARANTINED</td><td>STOPPED</td><td>the stop is done (from FAILED or
 *     QUARANTINED when its launch failed while being stopped)</td></tr>
 * </table>
 */
public enum PluginState {
    /** Found and valid, not started yet. */
    INSTALLED,
    /** Its JVM is being launched; not ready for invocations yet. */
    STARTING,
    /** Handshake done, operations registered: invocations are served. */
    RUNNING,
    /** Asked to stop; finishing in-flight work. */
    STOPPING,
    /** Stopped on request. */
    STOPPED,
    /** Failed to start, or died; {@code lastError} says why and when it will be restarted. */
    FAILED,
    /** Crashed too often within the window; not restarted until an operator starts it. */
    QUARANTINED;

    /** @return whether the host may move a plugin from this state to {@code next} (the table above) */
    public boolean canMoveTo(PluginState next) {
        return next == STOPPING || moves(this).contains(next);
    }

    private static Set<PluginState> moves(PluginState from) {
        return switch (from) {
            case INSTALLED -> EnumSet.of(STARTING, FAILED);
            case STARTING -> EnumSet.of(STARTING, RUNNING, FAILED, QUARANTINED);
            case RUNNING -> EnumSet.of(RUNNING, FAILED, QUARANTINED);
            case STOPPING -> EnumSet.of(STOPPED, FAILED, QUARANTINED);
            case STOPPED -> EnumSet.of(STARTING, FAILED);
            case FAILED, QUARANTINED -> EnumSet.of(STARTING, RUNNING, FAILED, STOPPED);
        };
    }
}
