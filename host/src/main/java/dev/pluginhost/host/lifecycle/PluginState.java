package dev.pluginhost.host.lifecycle;

/** Where a plugin is in its life. */
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
    QUARANTINED
}
