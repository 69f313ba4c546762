package dev.pluginhost.host.lifecycle;

import dev.pluginhost.host.PluginHostProperties;
import dev.pluginhost.host.capability.Grants;
import dev.pluginhost.host.discovery.InvalidPluginException;
import dev.pluginhost.host.discovery.ManifestReader;
import dev.pluginhost.host.discovery.PluginDescriptor;
import dev.pluginhost.host.discovery.PluginPins;
import dev.pluginhost.host.discovery.PluginScanner;
import dev.pluginhost.host.discovery.Rejection;
import dev.pluginhost.host.logs.PluginLogSink;
import dev.pluginhost.host.metrics.PluginMetrics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The plugins folder and the development plugins: which plugin each jar installs, which jars are rejected and why,
 * kept up to date while the folder changes (a new jar installs or replaces, a removed one uninstalls).
 */
final class PluginFolder implements AutoCloseable {

    /** The manager's logger: operators' log settings and filters name it. */
    private static final Logger log = LoggerFactory.getLogger(PluginManager.class);

    private final PluginHostProperties properties;
    private final ManifestReader reader;
    private final PluginPins pins;
    private final PluginScanner scanner;
    private final PluginMetrics metrics;
    private final HostRuntime runtime;
    private final Launches launches;
    private final Map<String, PluginInstance> plugins;
    private final Map<Path, Rejection> rejections = new ConcurrentHashMap<>();
    /** Every readable plugin jar in the plugins folder and the id it claims, started or not. */
    private final Map<Path, PluginDescriptor> claims = new ConcurrentHashMap<>();
    /** Held while the claims on an id are applied: watch events come from two threads. */
    private final Object identityLock = new Object();
    private PluginWatcher watcher;

    /** @param plugins the installed plugins by id: this folder adds and removes them */
    PluginFolder(PluginHostProperties properties, ManifestReader reader, PluginMetrics metrics, HostRuntime runtime,
                 Launches launches, Map<String, PluginInstance> plugins) {
        this.properties = properties;
        this.reader = reader;
        PluginHostProperties.TrustStore trustStore = properties.getIdentity().trustStore();
        this.pins = new PluginPins(properties.getIdentity().pins(), trustStore.path(), trustStore.type(),
                trustStore.password());
        this.scanner = new PluginScanner(reader, pins);
        this.metrics = metrics;
        this.runtime = runtime;
        this.launches = launches;
        this.plugins = plugins;
    }

    /** Scans the plugins folder and installs (starts) every valid plugin, then the development plugins. */
    void scan() {
        Path dir = properties.getDir().toAbsolutePath();
        PluginScanner.Result found = scanner.scan(dir);
        found.rejections().forEach(r -> rejections.put(r.jar(), r));
        found.claims().forEach(c -> claims.put(c.jar(), c));
        log.info("plugins folder {}: {} plugin(s), {} rejected", dir, found.plugins().size(),
                found.rejections().size());
        found.plugins().forEach(this::install);
        installDevelopmentPlugins();
    }

    /** Watches the plugins folder (plugins.watch) for new, changed and removed jars. */
    void watch() throws IOException {
        Path dir = properties.getDir().toAbsolutePath();
        if (properties.isWatch() && Files.isDirectory(dir)) {
            watcher = new PluginWatcher(dir, properties.getWatchSettle(), this::jarChanged, this::jarRemoved);
            watcher.start();
        }
    }

    List<Rejection> rejections() {
        return rejections.values().stream().sorted(Comparator.comparing(Rejection::time)).toList();
    }

    /** Records why a jar does not run. */
    void reject(Path jar, Rejection rejection) {
        rejections.put(jar, rejection);
    }

    @Override
    public void close() {
        if (watcher != null) {
            watcher.close();
        }
    }

    /** Plugins run from their build output ({@code plugins.dev.<id>.classes}): development mode only. */
    private void installDevelopmentPlugins() {
        properties.getDev().forEach((id, dev) -> {
            if (dev.getDebugPort() != null) {
                log.warn("plugin {} runs in DEVELOPMENT MODE: its JVM connects out to a debugger on 127.0.0.1:{} "
                        + "(one TCP port let through the sandbox); never in production", id, dev.getDebugPort());
            }
            if (dev.getClasses() == null) {
                return; // debugging a plugin installed from a jar
            }
            try {
                PluginDescriptor descriptor = reader.development(id, dev.getClasses(), dev.getPluginClass(),
                        dev.getCapabilities());
                if (plugins.containsKey(id)) {
                    throw new InvalidPluginException(dev.getClasses(), "plugins.dev." + id
                            + ": a jar in plugins.dir already has this id");
                }
                String refused = pins.check(descriptor);
                if (refused != null) {
                    throw new InvalidPluginException(dev.getClasses(), refused);
                }
                log.warn("plugin {} runs in DEVELOPMENT MODE from {}", id, dev.getClasses());
                install(descriptor);
            } catch (InvalidPluginException e) {
                log.error("plugin rejected: {}", e.getMessage());
                rejections.put(e.jar(), new Rejection(e.jar(), e.getMessage(), Instant.now()));
            }
        });
    }

    private void install(PluginDescriptor descriptor) {
        PluginInstance instance = new PluginInstance(descriptor, Grants.effective(descriptor, properties),
                new PluginLogSink(descriptor.id(), properties.getLogs(), metrics.registry()));
        plugins.put(descriptor.id(), instance);
        metrics.registerPlugin(instance);
        runtime.starts().execute(() -> launches.launch(instance, descriptor, false));
    }

    /** A new or changed jar in the plugins folder. */
    private void jarChanged(Path jar) {
        if (runtime.closed()) {
            return;
        }
        PluginDescriptor descriptor;
        try {
            descriptor = reader.read(jar);
        } catch (InvalidPluginException e) {
            log.error("plugin rejected: {}", e.getMessage());
            synchronized (identityLock) {
                rejections.put(jar, new Rejection(jar, e.getMessage(), Instant.now()));
                PluginDescriptor before = claims.remove(jar);
                if (before != null) {
                    reconcile(before.id(), jar);
                }
            }
            return;
        }
        synchronized (identityLock) {
            rejections.remove(jar);
            PluginDescriptor before = claims.put(jar, descriptor);
            if (before != null && !before.id().equals(descriptor.id())) {
                reconcile(before.id(), jar);
            }
            reconcile(descriptor.id(), jar);
        }
    }

    /** A jar was removed from the plugins folder: its plugin is stopped and uninstalled, or another claim decided. */
    private void jarRemoved(Path jar) {
        synchronized (identityLock) {
            rejections.remove(jar);
            PluginDescriptor before = claims.remove(jar);
            if (before != null) {
                reconcile(before.id(), jar);
            }
        }
    }

    /**
     * Applies the claims the plugins folder now holds on one id ({@link PluginScanner#decide}): which jar runs it, and
     * which are rejected and why. When a second jar claims the id of a running plugin and the pins do not tell them
     * apart, the running one is stopped too: the host cannot tell which of the two is genuine, and the outcome must
     * not depend on which arrived first (a host restart would then give the id to neither, as it does at start).
     * A pinned plugin keeps running: the newcomer does not match its pin and is rejected.
     *
     * @param changed the jar whose change or removal caused this
     */
    private void reconcile(String id, Path changed) {
        if (runtime.closed()) {
            return;
        }
        List<PluginDescriptor> claimsOfId = claims.values().stream().filter(c -> c.id().equals(id)).toList();
        PluginInstance existing = plugins.get(id);
        if (existing != null && existing.descriptor().identity() == null) {
            for (PluginDescriptor claim : claimsOfId) {
                String reason = claim.jar().getFileName() + ": duplicate Plugin-Id '" + id + "': plugins.dev." + id
                        + " runs it from " + existing.descriptor().jar();
                log.error("plugin rejected: {}", reason);
                rejections.put(claim.jar(), new Rejection(claim.jar(), reason, Instant.now()));
            }
            return;
        }
        PluginScanner.Decision decision = scanner.decide(id, claimsOfId);
        claimsOfId.forEach(c -> rejections.remove(c.jar()));
        for (Rejection rejection : decision.rejections()) {
            log.error("plugin rejected: {}", rejection.reason());
            rejections.put(rejection.jar(), rejection);
        }
        PluginDescriptor winner = decision.winner();
        if (winner == null) {
            if (existing != null) {
                uninstall(existing, claimsOfId.stream().anyMatch(c -> c.jar().equals(existing.descriptor().jar()))
                        ? "no jar may have its id now; see GET /api/rejections"
                        : existing.descriptor().jar().getFileName() + " was removed");
            }
            return;
        }
        if (existing == null) {
            log.info("new plugin {} {} in {}", winner.id(), winner.version(), winner.jar().getFileName());
            install(winner);
            return;
        }
        if (existing.descriptor().jar().equals(winner.jar()) && !winner.jar().equals(changed)) {
            return; // another claim changed; this plugin's jar did not
        }
        log.info("plugin {}: new version {} in {}; starting it beside version {}", id, winner.version(),
                winner.jar().getFileName(), existing.descriptor().version());
        boolean serving = existing.state() == PluginState.RUNNING;
        runtime.starts().execute(() -> {
            if (!serving) {
                existing.cancelRestart();
                existing.forgetCrashes();
            }
            launches.launch(existing, winner, true); // beside the serving launch, or over one that is not
        });
    }

    /** Stops a plugin and forgets it: its id is free for the next jar that may have it. */
    private void uninstall(PluginInstance instance, String why) {
        log.warn("plugin {}: {}; stopping and uninstalling it", instance.id(), why);
        plugins.remove(instance.id(), instance);
        metrics.unregisterPlugin(instance.id());
        launches.discardStandby(instance.id());
        runtime.starts().execute(() -> launches.stop(instance));
    }
}
