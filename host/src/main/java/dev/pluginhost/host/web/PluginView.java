package dev.pluginhost.host.web;

import dev.pluginhost.host.lifecycle.PluginInstance;
import dev.pluginhost.host.metrics.ProcessStats;
import dev.pluginhost.sandbox.Layer;
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
 * @param uptimeSeconds how long the current JVM has been running, or null
 * @param restarts restarts by the supervisor since the host started
 * @param operations the operations it registered
 * @param requestedCapabilities what its manifest requests
 * @param grantedCapabilities what it may use
 * @param lastError why it last failed, if it did
 * @param jar its jar file
 * @param resources its JVM's resident memory (bytes), CPU time (seconds) and threads, while it runs
 * @param isolation the sandbox layers of its current JVM, each active or not with the reason
 * @param sandboxAllowances system calls the operator allowed it beyond the default policy
 *     ({@code plugins.sandbox.allow.<id>})
 * @param digest its jar's {@code sha256:<hex>} (what {@code plugins.identity.pins.<id>} pins), or null in development
 *        mode
 * @param signer the subject of the certificate that signed every entry of its jar, or null when it is not signed
 */
public record PluginView(String id, String version, String state, Instant since, Long pid, Long uptimeSeconds,
                         int restarts, List<String> operations, Set<String> requestedCapabilities,
                         Set<String> grantedCapabilities, String lastError, String jar, Resources resources,
                         List<Layer> isolation, List<String> sandboxAllowances, String digest,
                         String signer) {

    /**
     * @param rssBytes resident memory
     * @param cpuSeconds user + system CPU time
     * @param threads threads
     */
    public record Resources(long rssBytes, double cpuSeconds, int threads) {
    }

    static PluginView of(PluginInstance plugin) {
        long pid = plugin.pid();
        ProcessStats stats = ProcessStats.of(pid);
        Resources resources = Double.isNaN(stats.rssBytes()) ? null
                : new Resources((long) stats.rssBytes(), stats.cpuSeconds(), (int) stats.threads());
        var uptime = plugin.uptime();
        var identity = plugin.descriptor().identity();
        return new PluginView(plugin.id(), plugin.descriptor().version(), plugin.state().name().toLowerCase(),
                plugin.since(), pid > 0 ? pid : null, uptime == null ? null : uptime.toSeconds(), plugin.restarts(),
                plugin.operations(), new TreeSet<>(plugin.descriptor().capabilities()), plugin.grants().names(),
                plugin.lastError(), plugin.descriptor().jar().getFileName().toString(), resources,
                plugin.layers(), plugin.sandboxAllowances(), identity == null ? null : identity.digest(),
                identity == null ? null : identity.signer());
    }
}
