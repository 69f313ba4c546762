package dev.pluginhost.sandbox;

import java.nio.file.Path;
import java.util.List;

/**
 * The isolation every plugin JVM gets, defined once: the host's plugin launches, {@code plugin-sandbox run} and the
 * hostile suite all start from this builder, so that what the suite proves is what a plugin gets.
 *
 * <p>The default syscall policy, every namespace the machine allows (with a uid drop under a root launcher), the
 * minimal root, Landlock, cgroup memory and pids limits, the launcher's rlimits, and a clean environment holding
 * only {@code LANG}. Layers the machine lacks are reported inactive, never silently skipped.
 */
public final class PluginIsolation {

    /** Memory of one plugin JVM unless the caller says otherwise (the host's {@code plugins.sandbox.memory}). */
    public static final long DEFAULT_MEMORY = 512L << 20;

    /** Threads of one plugin JVM unless the caller says otherwise (the host's {@code plugins.sandbox.pids}). */
    public static final int DEFAULT_PIDS = 256;

    private PluginIsolation() {
    }

    /**
     * @param writable the folders the plugin may write (its data and temporary folders)
     * @param memory the memory limit, bytes
     * @param pids the task (thread) limit
     * @return a builder to complete with the command, more paths, the mode and the environment
     */
    public static LaunchSpec.Builder builder(List<Path> writable, long memory, int pids) {
        return LaunchSpec.builder()
                .env("LANG", "C.UTF-8")
                .policy(SyscallPolicy.jvmDefault())
                .namespacesAuto(true)
                .minimalRoot(LayerMode.IF_AVAILABLE)
                .landlock(LayerMode.IF_AVAILABLE)
                .writablePaths(writable)
                .memoryLimit(memory)
                .pidsLimit(pids)
                .cgroups(LayerMode.IF_AVAILABLE);
    }

    /** {@link #builder(List, long, int)} with the default limits. */
    public static LaunchSpec.Builder builder(List<Path> writable) {
        return builder(writable, DEFAULT_MEMORY, DEFAULT_PIDS);
    }
}
