package dev.pluginhost.host.web;

import dev.pluginhost.host.lifecycle.PluginInstance;
import dev.pluginhost.host.lifecycle.PluginManager;
import dev.pluginhost.host.lifecycle.PluginState;
import dev.pluginhost.host.sandbox.IsolationReport;
import dev.pluginhost.sandbox.Layer;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

/**
 * {@code /actuator/health/plugins}: one indicator per plugin. A running plugin is UP (DEGRADED, with the missing
 * layers named, when its launcher could not apply every isolation layer); a starting one UNKNOWN; a
 * failed, quarantined or stopped one DEGRADED — never DOWN, because the host and its other plugins still serve.
 * The sandbox being unavailable on this machine is DOWN: no plugin can run.
 */
public final class PluginsHealth implements CompositeHealthContributor {

    /** A plugin that does not run while the host does, or runs without a layer the default isolation asks for. */
    public static final Status DEGRADED = new Status("DEGRADED", "a plugin is not running, or runs on a weaker "
            + "sandbox");

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
        return () -> {
            if (manager.sandboxUnavailable() != null) {
                return Health.down().withDetail("reason", manager.sandboxUnavailable()).build();
            }
            List<String> causes = manager.isolation().causes();
            return causes.isEmpty() ? Health.up().build() : Health.up().withDetail("weakened", causes).build();
        };
    }

    private static HealthIndicator indicator(PluginInstance plugin) {
        return () -> {
            PluginState state = plugin.state();
            List<Layer> missing = IsolationReport.missing(plugin.layers());
            Health.Builder health = switch (state) {
                // Running with a layer the default isolation asks for missing: it serves, on a weaker sandbox.
                case RUNNING -> missing.isEmpty() ? Health.up() : Health.status(DEGRADED);
                case INSTALLED, STARTING, STOPPING -> Health.unknown();
                default -> Health.status(DEGRADED);
            };
            if (state == PluginState.RUNNING && !missing.isEmpty()) {
                health.withDetail("missingLayers", missing.stream().collect(Collectors.toMap(Layer::name,
                        Layer::reason, (a, b) -> a, TreeMap::new)));
            }
            health.withDetail("state", state.name().toLowerCase())
                    .withDetail("version", plugin.descriptor().version())
                    .withDetail("restarts", plugin.restarts());
            if (plugin.pid() > 0) {
                health.withDetail("pid", plugin.pid());
            }
            if (!plugin.layers().isEmpty()) {
                // Which isolation layers this plugin's JVM has, and why any is missing on this machine.
                health.withDetail("isolation", plugin.layers().stream().collect(Collectors.toMap(
                        Layer::name, l -> l.active() ? "active" : (l.missing() ? "missing: " : "") + l.reason(),
                        (a, b) -> a, TreeMap::new)));
            }
            if (plugin.lastError() != null && state != PluginState.RUNNING) {
                health.withDetail("lastError", plugin.lastError());
            }
            return health.build();
        };
    }
}
