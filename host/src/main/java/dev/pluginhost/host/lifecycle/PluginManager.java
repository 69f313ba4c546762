package dev.pluginhost.host.lifecycle;

import dev.pluginhost.contract.v1.InvocationResult;
import dev.pluginhost.host.PluginHostProperties;
import dev.pluginhost.host.capability.CapabilityServices;
import dev.pluginhost.host.capability.PluginConnection;
import dev.pluginhost.host.discovery.ManifestReader;
import dev.pluginhost.host.discovery.Rejection;
import dev.pluginhost.host.metrics.PluginMetrics;
import dev.pluginhost.host.sandbox.DeploymentFacts;
import dev.pluginhost.host.sandbox.IsolationReport;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts, supervises and stops the plugins: each plugin in its own sandboxed JVM with its own socket; crashed
 * plugins restarted with backoff and quarantined when they crash too often; new versions started beside the old one
 * and switched to when ready. One plugin's failure never stops another.
 *
 * <p>The facade the web layer and the embedding API use. The work is done by its parts: {@link HostRuntime} (what
 * every launch shares), {@link PluginFolder} (which jars install which plugins), {@link Launches} (one run of a
 * plugin, from launch to retirement) and {@link Supervisor} (crashes, backoff, quarantine, health, violation floods).
 */
public final class PluginManager implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PluginManager.class);

    private final PluginHostProperties properties;
    private final IsolationReport isolation;
    private final Map<String, PluginInstance> plugins = new ConcurrentHashMap<>();
    private final HostRuntime runtime;
    private final Supervisor supervisor;
    private final Launches launches;
    private final PluginFolder folder;

    public PluginManager(PluginHostProperties properties, ManifestReader reader, PluginMetrics metrics,
                         CapabilityServices services) {
        this.properties = properties;
        this.isolation = new IsolationReport(properties.getSandbox().getRequire(), DeploymentFacts.read());
        this.runtime = new HostRuntime(properties);
        this.supervisor = new Supervisor(properties, runtime, plugins::values, this::relaunch);
        this.launches = new Launches(properties, runtime, reader, metrics, services, isolation, supervisor,
                this::reject);
        this.folder = new PluginFolder(properties, reader, metrics, runtime, launches, plugins);
    }

    /** @return what the host makes of its plugins' isolation layers on this machine */
    public IsolationReport isolation() {
        return isolation;
    }

    /** Scans the plugins folder, starts every valid plugin, and watches the folder; does not wait for readiness. */
    public synchronized void start() throws IOException {
        runtime.start();
        folder.scan();
        supervisor.start();
        folder.watch();
    }

    public Collection<PluginInstance> plugins() {
        return plugins.values().stream().sorted(Comparator.comparing(PluginInstance::id)).toList();
    }

    public Optional<PluginInstance> plugin(String id) {
        return Optional.ofNullable(plugins.get(id));
    }

    public List<Rejection> rejections() {
        return folder.rejections();
    }

    /** @return why the sandbox cannot run here, or null when it can */
    public String sandboxUnavailable() {
        return runtime.sandboxUnavailable();
    }

    /**
     * Invokes an operation of a running plugin.
     *
     * @throws PluginNotFoundException for an unknown id
     * @throws PluginNotRunningException when the plugin is not running
     */
    public CompletableFuture<InvocationResult> invoke(String id, String operation, byte[] payload,
                                                      String contentType) {
        PluginInstance instance = plugin(id).orElseThrow(() -> new PluginNotFoundException(id));
        for (int attempt = 0; ; attempt++) {
            Launch active = instance.active();
            if (instance.state() != PluginState.RUNNING || active == null || active.connection == null) {
                throw new PluginNotRunningException(id, instance.state(), instance.lastError());
            }
            try {
                return active.connection.invoke(operation, payload, contentType, properties.getInvokeTimeout());
            } catch (PluginConnection.DrainingException e) {
                // A new version took over between our read of the active launch and the call: use the new one.
                if (attempt >= 3) {
                    throw e;
                }
            }
        }
    }

    /** Starts a stopped, failed or quarantined plugin (an operator's start also lifts a quarantine). */
    public void start(String id) {
        PluginInstance instance = plugin(id).orElseThrow(() -> new PluginNotFoundException(id));
        PluginState state = instance.state();
        if (state == PluginState.RUNNING || state == PluginState.STARTING || state == PluginState.STOPPING) {
            throw new IllegalPluginStateException(id, state, "start");
        }
        instance.cancelRestart();
        instance.forgetCrashes();
        runtime.starts().execute(() -> relaunch(instance));
    }

    /** Stops a plugin gracefully and keeps it stopped (no restart) until started again. */
    public void stop(String id) {
        launches.stop(plugin(id).orElseThrow(() -> new PluginNotFoundException(id)));
    }

    public void restart(String id) {
        stop(id);
        start(id);
    }

    /** Launches the plugin's current version again, on the calling thread. */
    private void relaunch(PluginInstance instance) {
        launches.launch(instance, instance.descriptor(), false);
    }

    private void reject(Path jar, Rejection rejection) {
        folder.reject(jar, rejection);
    }

    /** Stops every plugin: a shutdown request, the grace period, then SIGKILL. */
    @Override
    public synchronized void close() {
        runtime.closing();
        folder.close();
        launches.closeStandbys();
        List<CompletableFuture<Void>> stops = plugins.values().stream().map(instance -> {
            instance.cancelRestart();
            Launch active = instance.active();
            instance.transition(PluginState.STOPPING, null);
            return active == null ? CompletableFuture.<Void>completedFuture(null)
                    : CompletableFuture.runAsync(() -> launches.retire(active), runtime.starts());
        }).toList();
        try {
            CompletableFuture.allOf(stops.toArray(CompletableFuture[]::new))
                    .get(properties.getStopGrace().toMillis() + 2000, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            log.warn("plugins still running after plugins.stop-grace: killing them");
        }
        for (PluginInstance instance : plugins.values()) {
            Launch active = instance.active();
            if (active != null) {
                active.release();
            }
            instance.transition(PluginState.STOPPED, null);
        }
        runtime.close();
    }
}
