package dev.pluginhost.host.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/**
 * The host's plugin meters. Names are Micrometer's; Prometheus shows {@code plugin.syscall.denied} as
 * {@code plugin_syscall_denied_total}. Labels are bounded: plugin ids are the installed plugins, syscall names come
 * from the kernel's table, capabilities and methods from the contract. No free text.
 */
public final class PluginMetrics {

    /** A system call the sandbox refused (or, in audit mode, reported). Labels: plugin, syscall. */
    public static final String SYSCALL_DENIED = "plugin.syscall.denied";
    /**
     * A system call the JDK or the plugin runtime made while the JVM started, before any plugin code ran (the
     * launcher's boot phase): refused like any other, counted apart. Labels: plugin, syscall.
     */
    public static final String BOOT_PROBES = "plugin.syscall.boot.probes";
    /**
     * A capability call outside the plugin's grants. Labels: plugin, capability (one the host knows, or
     * {@code (unknown)} for a CheckCapability of a name it does not), method.
     */
    public static final String CAPABILITY_DENIED = "plugin.capability.denied";
    /**
     * An {@code http} capability request refused by its grants (also counted in {@link #CAPABILITY_DENIED}). Labels:
     * plugin, reason: {@code host}, {@code port}, or the class of an address the host resolved to ({@code loopback},
     * {@code link-local}, {@code private}, {@code shared}, {@code unique-local}, {@code multicast},
     * {@code unspecified}, {@code reserved}).
     */
    public static final String HTTP_DENIED = "plugin.http.denied";
    /** A call on a plugin's socket without a valid launch secret or session token. Labels: plugin, reason. */
    public static final String AUTHENTICATION_FAILED = "plugin.authentication.failed";
    /** Every capability call, timed. Labels: plugin, capability, method, outcome (gRPC status code). */
    public static final String CAPABILITY_CALLS = "plugin.capability.calls";
    /** Capability calls refused by a limit. Labels: plugin, limit (rate, concurrency). */
    public static final String CALLS_REJECTED = "plugin.capability.rejected";
    /** The plugin's lifecycle state. Labels: plugin, state. */
    public static final String STATE = "plugin.state";
    /** Restarts by the supervisor. Labels: plugin. */
    public static final String RESTARTS = "plugin.restarts";
    /** Resident memory of the plugin JVM, bytes. Labels: plugin. */
    public static final String MEMORY = "plugin.memory.rss";
    /** Threads of the plugin JVM. Labels: plugin. */
    public static final String THREADS = "plugin.threads";
    /** CPU time of the current plugin JVM, seconds. Labels: plugin. */
    public static final String CPU = "plugin.cpu.time";
    /**
     * Whether an isolation layer is in force for the plugin's current JVM: 1 active, 0 missing on this machine, NaN
     * while it is not running or when another layer replaces it (a root host's user namespace). Labels: plugin, layer.
     */
    public static final String ISOLATION_LAYER = "plugin.isolation.layer.active";
    /** Events a subscribed plugin could not take in time. Labels: plugin. */
    public static final String EVENTS_DROPPED = "plugin.events.dropped";

    private final MeterRegistry registry;

    public PluginMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public void syscallDenied(String plugin, String syscall) {
        Counter.builder(SYSCALL_DENIED)
                .description("System calls a plugin attempted that its sandbox policy forbids")
                .tag("plugin", plugin)
                .tag("syscall", syscall)
                .register(registry)
                .increment();
    }

    public void bootProbe(String plugin, String syscall) {
        Counter.builder(BOOT_PROBES)
                .description("System calls refused while the plugin JVM started, before plugin code ran")
                .tag("plugin", plugin)
                .tag("syscall", syscall)
                .register(registry)
                .increment();
    }

    public void capabilityDenied(String plugin, String capability, String method) {
        Counter.builder(CAPABILITY_DENIED)
                .description("Capability calls refused because the plugin was not granted the capability")
                .tag("plugin", plugin)
                .tag("capability", capability)
                .tag("method", method)
                .register(registry)
                .increment();
    }

    /** @param reason host, port or an address class (see {@link #HTTP_DENIED}) */
    public void httpDenied(String plugin, String reason) {
        Counter.builder(HTTP_DENIED)
                .description("http capability requests refused by the plugin's grants, by reason")
                .tag("plugin", plugin)
                .tag("reason", reason)
                .register(registry)
                .increment();
    }

    /** @param reason one of: secret, token, plugin-id */
    public void authenticationFailed(String plugin, String reason) {
        Counter.builder(AUTHENTICATION_FAILED)
                .description("Calls on a plugin's socket refused for a wrong launch secret or session token")
                .tag("plugin", plugin)
                .tag("reason", reason)
                .register(registry)
                .increment();
    }

    public void capabilityCall(String plugin, String capability, String method, String outcome, long nanos) {
        capabilityCalls(plugin, capability, method, outcome).record(nanos, TimeUnit.NANOSECONDS);
    }

    /**
     * The timer of one plugin's calls of one method with one outcome, for a caller that keeps it: resolving a meter
     * (building its id, sorting its tags, looking it up) costs more than recording into it, on every call.
     */
    public Timer capabilityCalls(String plugin, String capability, String method, String outcome) {
        return Timer.builder(CAPABILITY_CALLS)
                .description("Capability calls made by plugins, by outcome")
                .tag("plugin", plugin)
                .tag("capability", capability)
                .tag("method", method)
                .tag("outcome", outcome)
                .publishPercentileHistogram()
                .register(registry);
    }

    /** @param limit rate or concurrency */
    public void callRejected(String plugin, String limit) {
        Counter.builder(CALLS_REJECTED)
                .description("Capability calls refused because the plugin exceeded a limit")
                .tag("plugin", plugin)
                .tag("limit", limit)
                .register(registry)
                .increment();
    }

    public void eventDropped(String plugin) {
        Counter.builder(EVENTS_DROPPED)
                .description("Events not delivered because the subscribed plugin did not keep up")
                .tag("plugin", plugin)
                .register(registry)
                .increment();
    }

    public MeterRegistry registry() {
        return registry;
    }

    /**
     * Registers a plugin's gauges: its state (one series per state, 1 for the current one), restarts, and the
     * resident memory, CPU time and threads of its JVM (NaN while it is not running).
     */
    public void registerPlugin(dev.pluginhost.host.lifecycle.PluginInstance plugin) {
        String id = plugin.id();
        for (dev.pluginhost.host.lifecycle.PluginState state : dev.pluginhost.host.lifecycle.PluginState.values()) {
            Gauge.builder(STATE, plugin, p -> p.state() == state ? 1 : 0)
                    .description("1 for the plugin's current lifecycle state, 0 for the others")
                    .tag("plugin", id).tag("state", state.name().toLowerCase())
                    .register(registry);
        }
        FunctionCounter.builder(RESTARTS, plugin, p -> p.restarts())
                .description("Restarts of a crashed plugin by the supervisor")
                .tag("plugin", id).register(registry);
        // One /proc read serves the three gauges of a scrape (they are read together). Gauges hold their object
        // weakly: nothing else holds these stats, so the gauges hold them strongly.
        RecentStats stats = new RecentStats(plugin);
        Gauge.builder(MEMORY, stats, s -> s.get().rssBytes())
                .description("Resident memory of the plugin's JVM").baseUnit("bytes")
                .tag("plugin", id).strongReference(true).register(registry);
        Gauge.builder(THREADS, stats, s -> s.get().threads())
                .description("Threads of the plugin's JVM").tag("plugin", id).strongReference(true)
                .register(registry);
        Gauge.builder(CPU, stats, s -> s.get().cpuSeconds())
                .description("CPU time (user + system) of the plugin's current JVM").baseUnit("seconds")
                .tag("plugin", id).strongReference(true).register(registry);
    }

    /** Registers one gauge per isolation layer the plugin's launcher reported (idempotent: once per layer name). */
    public void isolation(dev.pluginhost.host.lifecycle.PluginInstance plugin) {
        for (dev.pluginhost.sandbox.Layer reported : plugin.layers()) {
            String name = reported.name();
            if (registry.find(ISOLATION_LAYER).tags("plugin", plugin.id(), "layer", name).gauge() != null) {
                continue; // registered by an earlier launch; the gauge reads the current one
            }
            Gauge.builder(ISOLATION_LAYER, plugin, p -> layerValue(p, name))
                    .description("1 when the isolation layer is in force for the plugin's JVM, 0 when missing")
                    .tag("plugin", plugin.id()).tag("layer", name)
                    .register(registry);
        }
    }

    private static double layerValue(dev.pluginhost.host.lifecycle.PluginInstance plugin, String name) {
        if (plugin.state() != dev.pluginhost.host.lifecycle.PluginState.RUNNING) {
            return Double.NaN;
        }
        for (dev.pluginhost.sandbox.Layer layer : plugin.layers()) {
            if (layer.name().equals(name)) {
                return layer.active() ? 1 : layer.missing() ? 0 : Double.NaN;
            }
        }
        return Double.NaN;
    }

    /** A plugin's process figures, read from /proc at most once per {@link #FRESH_NANOS}. */
    private static final class RecentStats {
        private static final long FRESH_NANOS = 500_000_000L;
        private final dev.pluginhost.host.lifecycle.PluginInstance plugin;
        private ProcessStats stats = ProcessStats.NONE;
        private long pid = -1;
        private long readAt;

        RecentStats(dev.pluginhost.host.lifecycle.PluginInstance plugin) {
            this.plugin = plugin;
        }

        synchronized ProcessStats get() {
            long now = System.nanoTime();
            long current = plugin.pid();
            if (current != pid || now - readAt > FRESH_NANOS) {
                pid = current;
                stats = ProcessStats.of(current);
                readAt = now;
            }
            return stats;
        }
    }

    /** Removes an uninstalled plugin's gauges, so that they do not report a plugin that is gone. */
    public void unregisterPlugin(String id) {
        registry.getMeters().stream()
                .filter(m -> id.equals(m.getId().getTag("plugin")) && m.getId().getName().startsWith("plugin."))
                .filter(m -> m instanceof Gauge || m instanceof FunctionCounter)
                .toList().forEach(registry::remove);
    }
}
