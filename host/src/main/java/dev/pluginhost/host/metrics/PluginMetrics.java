package dev.pluginhost.host.metrics;

import io.micrometer.core.instrument.Counter;
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
    /** A capability call outside the plugin's grants. Labels: plugin, capability, method. */
    public static final String CAPABILITY_DENIED = "plugin.capability.denied";
    /** A call on a plugin's socket without a valid launch secret or session token. Labels: plugin, reason. */
    public static final String AUTHENTICATION_FAILED = "plugin.authentication.failed";
    /** Every capability call, timed. Labels: plugin, capability, method, outcome (gRPC status code). */
    public static final String CAPABILITY_CALLS = "plugin.capability.calls";
    /** Capability calls refused by a limit. Labels: plugin, limit (rate, concurrency). */
    public static final String CALLS_REJECTED = "plugin.capability.rejected";
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

    public void capabilityDenied(String plugin, String capability, String method) {
        Counter.builder(CAPABILITY_DENIED)
                .description("Capability calls refused because the plugin was not granted the capability")
                .tag("plugin", plugin)
                .tag("capability", capability)
                .tag("method", method)
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
        Timer.builder(CAPABILITY_CALLS)
                .description("Capability calls made by plugins, by outcome")
                .tag("plugin", plugin)
                .tag("capability", capability)
                .tag("method", method)
                .tag("outcome", outcome)
                .publishPercentileHistogram()
                .register(registry)
                .record(nanos, TimeUnit.NANOSECONDS);
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
}
