package dev.pluginhost.bench;

import dev.pluginhost.sandbox.LaunchSpec;
import dev.pluginhost.sandbox.PluginIsolation;
import dev.pluginhost.sandbox.LayerMode;
import dev.pluginhost.sandbox.SyscallPolicy;
import dev.pluginhost.sandbox.ViolationMode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The plugin JVM command and LaunchSpec exactly as host/src/main/java/dev/pluginhost/host/sandbox/PluginJvm.java
 * builds them (host's default plugins.jvm-options and plugins.sandbox.* values). The host jar is a Spring Boot
 * repackaged jar, so its classes cannot be a dependency here: keep this copy in step with PluginJvm.
 */
final class PluginLaunch {
    private PluginLaunch() {
    }

    /** The host's default plugins.jvm-options. */
    static final List<String> HOST_JVM_OPTIONS = List.of("-Xmx128m", "-Xss512k", "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-XX:-UsePerfData");

    static final long MEMORY_LIMIT = PluginIsolation.DEFAULT_MEMORY;
    static final int PIDS_LIMIT = PluginIsolation.DEFAULT_PIDS;

    static List<String> command(Path java, List<String> jvmOptions, Path runtimeJar, Path tmpDir) {
        List<String> command = new ArrayList<>();
        command.add(java.toString());
        command.addAll(jvmOptions);
        command.add("-Djava.io.tmpdir=" + tmpDir);
        command.add("-Dio.netty.native.workdir=" + tmpDir);
        command.add("-Djna.tmpdir=" + tmpDir);
        command.add("-Djna.platform.library.path=/usr/lib/x86_64-linux-gnu:/lib/x86_64-linux-gnu:/usr/lib:/lib");
        command.add("-cp");
        command.add(runtimeJar.toString());
        command.add("dev.pluginhost.sdk.runtime.PluginMain");
        return command;
    }

    static Map<String, String> env(String id, String pluginClass, Path pluginJar, Path socket, Path dataDir) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PLUGIN_ID", id);
        env.put("PLUGIN_VERSION", "0.1.0-SNAPSHOT");
        env.put("PLUGIN_CLASS", pluginClass);
        env.put("PLUGIN_JAR", pluginJar.toString());
        env.put("PLUGIN_SOCKET", socket.toString());
        env.put("PLUGIN_LAUNCH_SECRET", "bench-secret");
        env.put("PLUGIN_DATA_DIR", dataDir.toString());
        env.put("LANG", "C.UTF-8");
        return env;
    }

    /** PluginJvm.spec's LaunchSpec; {@code extraReadOnly} is for a CDS archive. */
    static LaunchSpec spec(List<String> command, Map<String, String> env, Path runtimeJar, Path pluginJar,
                           Path dataDir, Path tmpDir, List<Path> extraReadOnly) {
        List<Path> ro = new ArrayList<>(List.of(runtimeJar, pluginJar));
        ro.addAll(extraReadOnly);
        LaunchSpec.Builder spec = PluginIsolation.builder(List.of(dataDir, tmpDir), MEMORY_LIMIT, PIDS_LIMIT)
                .command(command)
                .workingDirectory(dataDir)
                .mode(ViolationMode.DENY)
                .bootPhase(true)
                .readOnly(ro.toArray(Path[]::new))
                .readWrite(Path.of(env.get("PLUGIN_SOCKET"))); // its own socket, as the host binds it in
        env.forEach(spec::env);
        return spec.build();
    }
}
