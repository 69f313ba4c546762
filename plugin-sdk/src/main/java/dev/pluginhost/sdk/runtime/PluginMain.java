package dev.pluginhost.sdk.runtime;

import dev.pluginhost.sdk.Plugin;
import io.grpc.netty.shaded.io.netty.util.internal.logging.InternalLoggerFactory;
import io.grpc.netty.shaded.io.netty.util.internal.logging.JdkLoggerFactory;

/**
 * Entry point of a plugin JVM. The host's launcher execs {@code java ... dev.pluginhost.sdk.runtime.PluginMain} inside
 * the sandbox; this connects to the host, shakes hands, starts the plugin and serves its session until the host asks
 * it to stop or goes away.
 *
 * <p>Exit codes: 0 after a requested shutdown, 1 when the session broke, 2 when the plugin failed to start, 3 when
 * the host refused the handshake or could not be reached.
 */
public final class PluginMain {

    /**
     * Netty enumerates network interfaces when it initialises and logs a stack trace when it cannot. A plugin JVM has
     * no network by design, so that warning is noise; the logger is held here so its level sticks.
     */
    private static final java.util.logging.Logger NETTY_INTERFACES =
            java.util.logging.Logger.getLogger("io.grpc.netty.shaded.io.netty.util.NetUtilInitializations");
    /** Same cause: "Failed to find a usable hardware address", then Netty uses a random machine id, as it should. */
    private static final java.util.logging.Logger NETTY_MAC_ADDRESS =
            java.util.logging.Logger.getLogger("io.grpc.netty.shaded.io.netty.util.internal.MacAddressUtil");
    /** "Unknown channel option 'SO_KEEPALIVE'": gRPC sets it on every channel; a Unix socket has no such option. */
    private static final java.util.logging.Logger NETTY_CHANNEL_OPTIONS =
            java.util.logging.Logger.getLogger("io.grpc.netty.shaded.io.netty.bootstrap");

    private PluginMain() {
    }

    /**
     * Runs the plugin named by the environment (see {@link RuntimeEnvironment}).
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        // First: reading the launch secret already initialises Netty's native transport (RuntimeEnvironment).
        quietTransport();
        System.exit(run(RuntimeEnvironment.from(System.getenv()),
                "1".equals(System.getenv(RuntimeEnvironment.STANDBY))));
    }

    static int run(RuntimeEnvironment env) {
        return run(env, false);
    }

    /** @param standby a standby launch: the handshake is answered when the host starts the plugin */
    static int run(RuntimeEnvironment env, boolean standby) {
        warmUpProbes(); // the transport was set up by the caller (quietTransport), before it read the environment
        PluginRuntime runtime;
        try {
            runtime = PluginRuntime.connect(env, standby);
        } catch (RuntimeException e) {
            System.err.println("plugin " + env.pluginId() + ": handshake with the host failed: " + e.getMessage());
            return 3;
        }
        try {
            runtime.start(instantiate(env));
        } catch (Exception | LinkageError e) {
            System.err.println("plugin " + env.pluginId() + ": failed to start: " + e);
            e.printStackTrace();
            runtime.close();
            return 2;
        }
        boolean requested = runtime.ended().join();
        runtime.close();
        return requested ? 0 : 1;
    }

    /** Netty's own system property that turns its JFR events off (the shaded name: gRPC shades Netty). */
    static final String NETTY_JFR = "io.grpc.netty.shaded.io.netty.jfr.enabled";

    /**
     * Sets up the transport before any Netty class initialises: the first step of {@link #main} and of the archive's
     * training run, before either reads the environment (the launch secret is read through Netty).
     *
     * <p>Netty prefers SLF4J when it is on the class path, and the runtime's SLF4J provider sends records over the
     * very connection Netty logs about (its DEBUG frame logger would feed itself). Keep the transport on
     * java.util.logging, as gRPC itself is. Done before anything touches Netty: when it ran after the launch secret
     * was read, Netty's interface probe logged its refused socket as a stack trace through the SLF4J provider, 16
     * lines of every start's output into the host's log.
     *
     * <p>Netty's JFR events off, unless the operator set the property (plugins.jvm-options): with them on, Netty's
     * allocator loads JFR's event classes and 15 annotation proxies at the first buffer, for events no one records
     * in a plugin JVM (measured on JDK 25: the runtime's training program 0.93 → 0.78 s of CPU; docs/benchmarks.md,
     * "Reading the misses").
     */
    static void quietTransport() {
        if (System.getProperty(NETTY_JFR) == null) {
            System.setProperty(NETTY_JFR, "false");
        }
        InternalLoggerFactory.setDefaultFactory(JdkLoggerFactory.INSTANCE);
        NETTY_INTERFACES.setLevel(java.util.logging.Level.SEVERE);
        NETTY_MAC_ADDRESS.setLevel(java.util.logging.Level.SEVERE);
        NETTY_CHANNEL_OPTIONS.setLevel(java.util.logging.Level.SEVERE);
    }

    /**
     * Runs the JDK's lazy network probes now, in the launcher's boot phase (before the handshake, so before any plugin
     * code): otherwise the first socket option or the first DRBG seeding a plugin causes would show up as the plugin's
     * sandbox violations (`socket(AF_INET)` from jdk.net.ExtendedSocketOptions, `socket(AF_INET, SOCK_DGRAM)` from
     * the seed generator's interface hashing). Both are refused; the JDK falls back quietly.
     */
    static void warmUpProbes() {
        try {
            Class.forName("jdk.net.ExtendedSocketOptions");
        } catch (ClassNotFoundException | LinkageError e) {
            // not in this JDK: nothing to warm up
        }
        try {
            java.security.SecureRandom.getInstance("DRBG").nextBytes(new byte[1]);
        } catch (java.security.NoSuchAlgorithmException e) {
            // no DRBG: its probe cannot happen either
        }
    }

    private static Plugin instantiate(RuntimeEnvironment env) throws Exception {
        return PluginRuntime.instantiate(PluginClassLoader.of(env.pluginJar(), PluginMain.class.getClassLoader()),
                env.pluginClass());
    }
}
