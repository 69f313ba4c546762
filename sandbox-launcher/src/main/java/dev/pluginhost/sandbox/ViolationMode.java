package dev.pluginhost.sandbox;

import java.util.Locale;

/** What the supervisor does with a system call the policy does not allow. Every violation is reported first. */
public enum ViolationMode {
    /** The call fails with EPERM; the plugin keeps running. */
    DENY,
    /** The plugin's whole process group is killed with SIGKILL. */
    KILL,
    /** The call proceeds as if allowed. For observing a workload only: this enforces nothing. */
    AUDIT;

    /** The launcher's spelling: {@code deny}, {@code kill}, {@code audit}. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    static ViolationMode fromCliName(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }
}
