package dev.pluginhost.host.web;

import dev.pluginhost.host.lifecycle.PluginInstance;
import dev.pluginhost.host.lifecycle.PluginManager;
import dev.pluginhost.host.lifecycle.PluginState;
import java.util.stream.Stream;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

/**
 * {@code /actuator/health/plugins}: one indicator per plugin. A running plugin is UP; a starting one UNKNOWN; a
 * failed, quarantined or stopped one DEGRADED — never DOWN, because the host and its other plugins still serve.
 * The sandbox being unavailable on this machine is DOWN: no plugin can run.
 */
public final class PluginsHealth implements CompositeHealthContributor {

    /** A plugin that does not run while the host does. */
    public static final Status DEGRADED = new Status("DEGRADED", "a plugin is not running");

    private final PluginManager manager;

    public PluginsHealth(PluginManager manager) {
        this.manager = manager;
    }

    @Override
    public HealthContributor getContributor(String name) {
        if (name.equals("sandbox")) {
            return sandbox();
        }
        return manager.plugin(name).map(PluginsHealth::indicator).orElse(null);
    }

    @Override
    public Stream<Entry> stream() {
        return Stream.concat(Stream.of(new Entry("sandbox", sandbox())),
                manager.plugins().stream().map(p -> new Entry(p.id(), indicator(p))));
    }

    private HealthIndicator sandbox() {
        return () -> manager.sandboxUnavailable() == null ? Health.up().build()
                : Health.down().withDetail("reason", manager.sandboxUnavailable()).build();
    }

    private static HealthIndicator indicator(PluginInstance plugin) {
        return () -> {
            PluginState state = plugin.state();
            Health.Builder health = switch (state) {
                case RUNNING -> Health.up();
                case INSTALLED, STARTING, STOPPING -> Health.unknown();
                default -> Health.status(DEGRADED);
            };
            health.withDetail("state", state.name().toLowerCase())
                    .withDetail("version", plugin.descriptor().version())
                    .withDetail("restarts", plugin.restarts());
            if (plugin.pid() > 0) {
                health.withDetail("pid", plugin.pid());
            }
            if (!plugin.layers().isEmpty()) {
                // Which isolation layers this plugin's JVM has, and why any is missing on this machine.
                health.withDetail("isolation", plugin.layers().stream().collect(java.util.stream.Collectors.toMap(
                        dev.pluginhost.sandbox.Layer::name, l -> l.active() ? "active" : "missing: " + l.reason(),
                        (a, b) -> a, java.util.TreeMap::new)));
            }
            if (!plugin.sandboxAllowances().isEmpty()) {
                // Calls the operator allowed this plugin beyond the default policy (plugins.sandbox.allow.<id>).
                health.withDetail("sandboxAllowances", plugin.sandboxAllowances());
            }
            if (plugin.lastError() != null && state != PluginState.RUNNING) {
                health.withDetail("lastError", plugin.lastError());
            }
            return health.build();
        };
    }
}
