package dev.pluginhost.sandbox;

/** Whether a launch wants an isolation layer, and how badly. */
public enum LayerMode {
    /** Not applied; still reported, as inactive "not requested". */
    OFF,
    /** Applied where this machine supports it, otherwise reported inactive with the reason; the launch goes on. */
    IF_AVAILABLE,
    /** Applied, or the launch fails (exit 125) naming what this machine lacks. */
    REQUIRED
}
