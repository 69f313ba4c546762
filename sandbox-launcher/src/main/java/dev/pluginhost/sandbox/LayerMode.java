package dev.pluginhost.sandbox;

/** Whether a launch wants an isolation layer, and how badly. */
public enum LayerMode {
    /** Not applied; still reported, as inactive "not requested". */
    OFF("off"),
    /** Applied where this machine supports it, otherwise reported inactive with the reason; the launch goes on. */
    IF_AVAILABLE("auto"),
    /** Applied, or the launch fails (exit 125) naming what this machine lacks. */
    REQUIRED("required");

    private final String cliName;

    LayerMode(String cliName) {
        this.cliName = cliName;
    }

    /** The launcher's spelling ({@code --landlock}, {@code --minimal-root}, {@code --cgroups}; names.c in C). */
    public String cliName() {
        return cliName;
    }
}
