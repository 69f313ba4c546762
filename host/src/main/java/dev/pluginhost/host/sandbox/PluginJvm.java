package dev.pluginhost.host.sandbox;

import dev.pluginhost.host.PluginHostProperties;
import dev.pluginhost.host.discovery.PluginDescriptor;
import dev.pluginhost.host.lifecycle.PermanentLaunchException;
import dev.pluginhost.host.lifecycle.PluginFiles;
import dev.pluginhost.sandbox.ArgRule;
import dev.pluginhost.sandbox.LaunchSpec;
import dev.pluginhost.sandbox.PluginIsolation;
import dev.pluginhost.sandbox.PolicyAllowances;
import dev.pluginhost.sandbox.SyscallPolicy;
import dev.pluginhost.sandbox.ViolationMode;
import dev.pluginhost.sdk.runtime.RuntimeEnvironment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The command line and environment of one plugin JVM. The environment is built from nothing: the host's own
 * variables (and whatever secrets they hold) never reach a plugin.
 */
public final class PluginJvm {

    /** Address family of IPv4 sockets, for the debugger's connection in development mode. */
    static final int AF_INET = 2;

    /**
     * How long the supervisor holds a run-phase violation's answer while the host asks the runtime for the calling
     * thread's Java stack (the thread waits in its refused call, so the stack is the call's own). The host releases it
     * as soon as the answer is in, typically within a millisecond; this bounds a silent or stuck runtime.
     */
    public static final java.time.Duration VIOLATION_HOLD = java.time.Duration.ofMillis(500);

    /** The runtime's entry point inside the plugin JVM. */
    static final String MAIN = "dev.pluginhost.sdk.runtime.PluginMain";

    private PluginJvm() {
    }

    /**
     * The host's files every plugin JVM runs with.
     *
     * @param jar the plugin runtime jar
     * @param cdsArchive the runtime's class-data-sharing archive, or null
     */
    public record RuntimeFiles(Path jar, Path cdsArchive) {
    }

    /**
     * @param plugin the plugin to run
     * @param properties the host's settings (java, JVM options, sandbox mode and limits)
     * @param runtime the runtime's files
     * @param files the launch's files: its copy of the plugin's jar, the plugin's private socket, its persistent
     *     folder (also its working directory) and its private temporary folder (also Netty's and JNA's
     *     native-library folder)
     * @param secret the plugin's one-time launch secret
     */
    public static LaunchSpec spec(PluginDescriptor plugin, PluginHostProperties properties, RuntimeFiles runtime,
                                  PluginFiles files, String secret) {
        return spec(plugin, properties, runtime, files, secret, false);
    }

    /**
     * @param standby a standby launch (plugins.standby): the same spec, and the runtime told to wait for its
     *     handshake's answer, which comes when the host starts the plugin
     * @see #spec(PluginDescriptor, PluginHostProperties, RuntimeFiles, PluginFiles, String)
     */
    public static LaunchSpec spec(PluginDescriptor plugin, PluginHostProperties properties, RuntimeFiles runtime,
                                  PluginFiles files, String secret, boolean standby) {
        Path runtimeJar = runtime.jar();
        Path cdsArchive = runtime.cdsArchive();
        Path pluginJar = files.jar();
        Path dataDir = files.dataDir();
        Path tmpDir = files.tmpDir();
        List<String> command = new ArrayList<>();
        Path java = java(properties);
        if (!Files.isRegularFile(java) || !Files.isExecutable(java)) {
            throw new PermanentLaunchException("no java executable at " + java + (properties.getJava() != null
                    ? " (plugins.java)" : " (the host's java.home)"));
        }
        command.add(java.toString());
        boolean aot = cdsArchive != null && cdsArchive.getFileName().toString().endsWith(".aot");
        command.addAll(jvmOptions(properties, aot));
        command.addAll(nativeAccess(java(properties)));
        if (cdsArchive != null) {
            command.add((aot ? "-XX:AOTCache=" : "-XX:SharedArchiveFile=") + cdsArchive);
        }
        // java.io.tmpdir, Netty's and JNA's folders, and JNA's library path (no /sbin/ldconfig exec): as plugin-sandbox
        // run gives any JVM.
        command.addAll(PluginIsolation.temporaryFolderOptions(tmpDir));
        PluginHostProperties.Dev dev = properties.getDev().get(plugin.id());
        Integer debugPort = dev == null ? null : dev.getDebugPort();
        if (debugPort != null) {
            // JDWP connects out to the developer's debugger: the plugin JVM never listens on anything.
            command.add("-agentlib:jdwp=transport=dt_socket,server=n,address=127.0.0.1:" + debugPort + ",suspend="
                    + (dev.isSuspend() ? "y" : "n"));
        }
        command.add("-cp");
        command.add(runtimeJar.toString());
        command.add(MAIN);

        Map<String, String> env = new LinkedHashMap<>();
        env.put(RuntimeEnvironment.ID, plugin.id());
        env.put(RuntimeEnvironment.VERSION, plugin.version());
        env.put(RuntimeEnvironment.CLASS, plugin.pluginClass());
        env.put(RuntimeEnvironment.JAR, pluginJar.toString());
        env.put(RuntimeEnvironment.DATA_DIR, dataDir.toString());
        if (standby) {
            env.put(RuntimeEnvironment.STANDBY, "1");
        }

        LaunchSpec.Builder spec = PluginIsolation.builder(List.of(dataDir, tmpDir),
                        properties.getSandbox().getMemory().toBytes(), properties.getSandbox().getPids())
                .policy(policy(properties, plugin.id()))
                .command(command)
                .workingDirectory(dataDir)
                .mode(mode(properties, plugin.id()))
                // Until the host has authenticated the runtime, only the JDK and our runtime run: their start-up
                // probes (libnet, Netty) are refused and reported as boot probes, not as the plugin's violations.
                .bootPhase(true)
                .hold(VIOLATION_HOLD)
                .readOnly(runtimeJar, pluginJar)
                .readOnly(cdsArchive == null ? new Path[0] : new Path[] {cdsArchive})
                // Its host connection, made by the launcher before the sandbox closes: the plugin's policy refuses
                // socket and connect, and no socket file of the host (its own included) is in its root.
                .connect(RuntimeEnvironment.HOST_FD, files.socket());
        if (files.uid() >= 0 && properties.getPluginUser().uid() != null) {
            spec.user(files.uid(), files.gid()); // plugins.plugin-user: the uid the files were handed to
        }
        env.forEach(spec::env); // added to the isolation's own (LANG), never replacing it
        // Not an environment variable: the plugin JVM gets PLUGIN_LAUNCH_SECRET_FD and reads the secret from that
        // descriptor; the value is on no command line and in no /proc/<pid>/environ a plugin's uid could read.
        spec.secret(RuntimeEnvironment.SECRET, secret);
        if (debugPort != null) {
            debuggable(spec, debugPort, policy(properties, plugin.id()));
        }
        return spec.build();
    }

    /**
     * What a debugger's transport needs, and only that, in development mode: an internet socket (seccomp), the host's
     * network namespace (the debugger listens on this machine's loopback) and one TCP port (Landlock). Every other
     * layer stays on.
     */
    static void debuggable(LaunchSpec.Builder spec, int port, SyscallPolicy policy) {
        spec.policy(policy.toBuilder()
                        .allowIf("socket", ArgRule.eq(0, AF_INET))
                        .allow("connect")
                        .build())
                .namespacesAuto(false)
                .unshare("pid", "ipc", "uts", "mount")
                .tcpConnect(port);
    }

    /**
     * {@code plugins.jvm-options}; for a JVM mapping an ahead-of-time cache without its {@code -Xshare} options, which
     * the JVM refuses beside {@code -XX:AOTCache}/{@code -XX:AOTCacheOutput}.
     */
    static List<String> jvmOptions(PluginHostProperties properties, boolean aheadOfTimeCache) {
        return aheadOfTimeCache
                ? properties.getJvmOptions().stream().filter(o -> !o.startsWith("-Xshare:")).toList()
                : properties.getJvmOptions();
    }

    /** Whether {@code java} makes and maps JEP 483/514 ahead-of-time caches (JDK 25 on). */
    static boolean aheadOfTimeCache(Path java) {
        return FEATURE_VERSIONS.computeIfAbsent(java, PluginJvm::featureVersion) >= 25;
    }

    private static final Map<Path, Integer> FEATURE_VERSIONS = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * {@code --enable-native-access=ALL-UNNAMED} for a plugin JDK of version 22 or later (read once per java from its
     * home's {@code release} file), else nothing. From JDK 24 on, the runtime's native transport (Netty's epoll
     * library, loaded from the class path, so the unnamed module) makes every plugin JVM print five "restricted
     * method" warnings without it, each a false alarm in the plugin's log. JDK 17 happens to accept the option too,
     * but an older or unknown JDK gets nothing: an unknown option would stop the JVM.
     */
    public static List<String> nativeAccess(Path java) {
        int feature = FEATURE_VERSIONS.computeIfAbsent(java, PluginJvm::featureVersion);
        return feature >= 22 ? List.of("--enable-native-access=ALL-UNNAMED") : List.of();
    }

    /** The feature version of the JDK {@code java} belongs to, from {@code <home>/release}; 0 when unknown. */
    static int featureVersion(Path java) {
        try {
            Path home = java.toRealPath().getParent().getParent();
            for (String line : Files.readAllLines(home.resolve("release"))) {
                if (line.startsWith("JAVA_VERSION=")) {
                    String v = line.substring("JAVA_VERSION=".length()).replace("\"", "");
                    return Integer.parseInt(v.split("[.+-]")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // unknown: no option that this JDK might not know
        }
        return 0;
    }

    /** The default policy plus the plugin's own {@code plugins.sandbox.allow.<id>}. */
    static SyscallPolicy policy(PluginHostProperties properties, String pluginId) {
        return PolicyAllowances.widen(SyscallPolicy.pluginDefault(), "plugins.sandbox.allow." + pluginId,
                properties.getSandbox().allowances(pluginId));
    }

    static Path java(PluginHostProperties properties) {
        return properties.getJava() != null ? properties.getJava().toAbsolutePath()
                : Path.of(System.getProperty("java.home"), "bin", "java");
    }

    /** The plugin's own {@code plugins.sandbox.modes.<id>}, else {@code plugins.sandbox.mode}. */
    static ViolationMode mode(PluginHostProperties properties, String pluginId) {
        ViolationMode own = properties.getSandbox().getModes().get(pluginId);
        return own != null ? own : properties.getSandbox().getMode();
    }
}
