package dev.pluginhost.host.capability;

import dev.pluginhost.host.PluginHostProperties;
import dev.pluginhost.host.discovery.PluginDescriptor;
import dev.pluginhost.host.discovery.VersionRange;
import dev.pluginhost.host.logs.PluginLogSink;
import dev.pluginhost.host.metrics.PluginMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.List;

/** The connection of a plugin for unit tests of the capability services: its grants, its lifecycle events ignored. */
final class TestConnections {

    private TestConnections() {
    }

    /** @return the connection of plugin {@code id} (version 1, contract version 1, jar {@code <id>.jar}) */
    static PluginConnection of(String id, PluginGrants grants) {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        PluginDescriptor plugin = new PluginDescriptor(id, "1", "x." + id, new VersionRange(1, 1), grants.names(),
                Path.of(id + ".jar"));
        return new PluginConnection(plugin, grants, new PluginMetrics(registry),
                new PluginLogSink(id, PluginHostProperties.group(PluginHostProperties.Logs.class), registry),
                new PluginConnection.Events() {
                    @Override
                    public void authenticated() {
                    }

                    @Override
                    public void ready(List<String> operations) {
                    }

                    @Override
                    public void sessionEnded(String reason) {
                    }
                });
    }
}
