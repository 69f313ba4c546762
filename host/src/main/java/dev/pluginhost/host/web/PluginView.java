package dev.pluginhost.host.web;

import dev.pluginhost.host.lifecycle.PluginInstance;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * A plugin as the management API shows it.
 *
 * @param id plugin id
 * @param version plugin version
 * @param state lifecycle state
 * @param since when it entered that state
 * @param pid the sandboxed plugin JVM's pid, or null when it is not running
 * @param operations the operations it registered
 * @param requestedCapabilities what its manifest requests
 * @param grantedCapabilities what it may use
 * @param lastError why it last failed, if it did
 * @param jar its jar file
 */
public record PluginView(String id, String version, String state, Instant since, Long pid, List<String> operations,
                         Set<String> requestedCapabilities, Set<String> grantedCapabilities, String lastError,
                         String jar) {

    static PluginView of(PluginInstance plugin) {
        long pid = plugin.pid();
        return new PluginView(plugin.id(), plugin.descriptor().version(), plugin.state().name().toLowerCase(),
                plugin.since(), pid > 0 ? pid : null, plugin.operations(),
                new TreeSet<>(plugin.descriptor().capabilities()), plugin.grants().names(),
                plugin.lastError(), plugin.descriptor().jar().getFileName().toString());
    }
}
