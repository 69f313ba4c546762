package dev.pluginhost.sandbox;

import java.util.List;
import java.util.Objects;

/**
 * One isolation layer of a launch as the launcher reported it before the program ran: active, or not and why. A
 * layer that was required and could not be applied aborts the launch instead (an error, exit 125); one requested
 * "if available" is reported inactive with the reason, so a weaker sandbox is never silent.
 *
 * @param name {@code seccomp}, {@code rlimits}, {@code user-namespace}, {@code pid-namespace}, {@code net-namespace},
 *     {@code ipc-namespace}, {@code uts-namespace}, {@code mount-namespace}, {@code uid-drop}, {@code minimal-root}, {@code landlock},
 *     {@code cgroup-memory}, {@code cgroup-pids}
 * @param active whether the layer is in force for the program
 * @param reason what it does when active (its settings), why not otherwise
 * @param replaced inactive because another layer does its job (a root launcher drops to an unprivileged uid instead
 *     of creating a user namespace): nothing is missing. The launcher says so in its event ({@code "replaced":true})
 */
public record Layer(String name, boolean active, String reason, boolean replaced) {
    public Layer {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(reason, "reason");
        if (active && replaced) {
            throw new IllegalArgumentException("layer " + name + " cannot be both active and replaced");
        }
    }

    /** A layer that is active, or missing. */
    public Layer(String name, boolean active, String reason) {
        this(name, active, reason, false);
    }

    /** Every layer the launcher reports, in the order it applies them: the names of {@code plugins.sandbox.require}. */
    public static final List<String> NAMES = List.of("rlimits", "cgroup-memory", "cgroup-pids", "user-namespace",
            "pid-namespace", "net-namespace", "ipc-namespace", "uts-namespace", "mount-namespace", "minimal-root",
            "uid-drop", "landlock", "seccomp");

    /** @return whether the program lacks this layer: inactive, and not replaced by another layer */
    public boolean missing() {
        return !active && !replaced;
    }
}
