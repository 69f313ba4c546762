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

    /**
     * The JVM options that point a sandboxed JVM at its private writable temporary folder (the minimal root's /tmp is
     * read-only): java.io.tmpdir, Netty's and JNA's native-library copies, and JNA's library path (any value stops
     * JNA's static initialiser from exec'ing /sbin/ldconfig, a fork the sandbox would refuse and report). Shared by
     * the host's plugin JVMs and {@code plugin-sandbox run}, so that both run a JVM the same way.
     */
    public static List<String> temporaryFolderOptions(Path tmp) {
        return List.of("-Djava.io.tmpdir=" + tmp, "-Dio.netty.native.workdir=" + tmp, "-Djna.tmpdir=" + tmp,
                "-Djna.platform.library.path=/usr/lib/x86_64-linux-gnu:/lib/x86_64-linux-gnu:/usr/lib:/lib");
    }

    /** {@link #builder(List, long, int)} with the default limits. */
    public static LaunchSpec.Builder builder(List<Path> writable) {
        return builder(writable, DEFAULT_MEMORY, DEFAULT_PIDS);
    }
}
