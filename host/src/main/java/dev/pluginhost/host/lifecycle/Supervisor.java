package dev.pluginhost.host.lifecycle;

import dev.pluginhost.host.PluginHostProperties;
import dev.pluginhost.host.capability.PluginConnection;
import dev.pluginhost.sandbox.SandboxedProcess;
import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides what happens to a plugin whose launch ended unplanned or misbehaves: a crash is restarted with backoff and
 * quarantined after too many within the window; a launch error no retry can fix fails for good; a plugin that fails
 * its health checks, or floods the sandbox with forbidden calls, is killed (and its exit handled as a crash).
 */
final class Supervisor {

    /** The manager's logger: operators' log settings and filters name it. */
    private static final Logger log = LoggerFactory.getLogger(PluginManager.class);

    private final PluginHostProperties properties;
    private final HostRuntime runtime;
    private final Supplier<Collection<PluginInstance>> plugins;
    private final Consumer<PluginInstance> relaunch;

    /**
     * @param plugins the installed plugins, for the health checks
     * @param relaunch launches a plugin's current version again (on the calling thread)
     */
    Supervisor(PluginHostProperties properties, HostRuntime runtime, Supplier<Collection<PluginInstance>> plugins,
               Consumer<PluginInstance> relaunch) {
        this.properties = properties;
        this.runtime = runtime;
        this.plugins = plugins;
        this.relaunch = relaunch;
    }

    /** Starts the periodic health checks (plugins.supervision.health-interval; zero: none). */
    void start() {
        Duration interval = properties.getSupervision().healthInterval();
        if (!interval.isZero()) {
            runtime.timers().scheduleWithFixedDelay(this::checkHealth, interval.toMillis(), interval.toMillis(),
                    TimeUnit.MILLISECONDS);
        }
    }

    /** A launch error no retry can fix: failed at once, no restart, no quarantine. */
    void failedForGood(PluginInstance instance, Launch launch, String reason) {
        if (runtime.closed() || instance.active() != launch || !launch.ended.compareAndSet(false, true)) {
            return;
        }
        String why = reason + " (not retried: fix it, then POST /api/plugins/" + instance.id() + "/start)";
        log.error("plugin {} failed: {}", instance.id(), why);
        instance.transition(PluginState.FAILED, why);
    }

    /** An unplanned end of the current launch: restart with backoff, or quarantine after too many. */
    void crashed(PluginInstance instance, Launch launch, String reason) {
        PluginHostProperties.Supervision supervision = properties.getSupervision();
        int crashes;
        String why;
        // Checked and moved under the plugin's lock: a new version that took over (promote) between the check and the
        // move was marked FAILED and restarted over, its JVM left running beside the restart's (issue 16).
        synchronized (instance) {
            if (runtime.closed() || instance.active() != launch || !launch.ended.compareAndSet(false, true)) {
                return;
            }
            crashes = instance.crashed(supervision.crashWindow());
            if (crashes >= supervision.quarantineAfter()) {
                why = "quarantined after " + crashes + " crashes within " + supervision.crashWindow()
                        + "; last: " + reason + " (start it again with POST /api/plugins/" + instance.id() + "/start)";
                instance.transition(PluginState.QUARANTINED, why);
            } else {
                long base = supervision.initialBackoff().toMillis() << Math.min(crashes - 1, 20);
                long delay = (long) (Math.min(base, supervision.maxBackoff().toMillis())
                        * ThreadLocalRandom.current().nextDouble(0.5, 1.5));
                why = reason + "; restart " + crashes + " in " + delay + " ms";
                instance.transition(PluginState.FAILED, why);
                instance.restarting(runtime.timers().schedule(() -> runtime.starts().execute(() -> {
                    if (instance.state() == PluginState.FAILED && !runtime.closed()) {
                        relaunch.accept(instance);
                    }
                }), delay, TimeUnit.MILLISECONDS));
            }
        }
        launch.release();
        log.error(crashes >= supervision.quarantineAfter() ? "plugin {} {}" : "plugin {} failed: {}",
                instance.id(), why);
    }

    /**
     * A run-phase violation of a launch, {@code recent} of them within plugins.sandbox.violation-window: the one
     * that goes over plugins.sandbox.violation-limit kills the plugin (its exit is handled as a crash: restart with
     * backoff, then quarantine).
     */
    void violated(PluginInstance instance, Launch launch, int recent) {
        PluginHostProperties.Sandbox sandbox = properties.getSandbox();
        if (recent == sandbox.getViolationLimit() + 1 && !launch.stopping) {
            log.error("plugin {} made {} forbidden system calls within {} "
                    + "(plugins.sandbox.violation-limit): killing it", instance.id(), recent,
                    sandbox.getViolationWindow());
            SandboxedProcess process = launch.process;
            if (process != null) {
                process.kill();
            }
        }
    }

    /** A round trip over each running plugin's session; a plugin that fails several in a row is killed. */
    private void checkHealth() {
        PluginHostProperties.Supervision supervision = properties.getSupervision();
        for (PluginInstance instance : plugins.get()) {
            Launch launch = instance.active();
            if (instance.state() != PluginState.RUNNING || launch == null || launch.connection == null) {
                continue;
            }
            CompletableFuture<?> check;
            try {
                check = launch.connection.checkHealth(supervision.healthTimeout());
            } catch (PluginConnection.DrainingException e) {
                continue; // being replaced: the new launch is checked next time
            }
            check.whenComplete((result, error) -> {
                        if (error == null) {
                            instance.healthCheckPassed();
                            return;
                        }
                        int failures = instance.healthCheckFailed();
                        log.warn("plugin {} failed health check {} of {}: {}", instance.id(), failures,
                                supervision.healthFailures(), error.toString());
                        if (failures >= supervision.healthFailures() && launch.process != null) {
                            launch.process.kill(); // its exit is handled as a crash: restart or quarantine
                        }
                    });
        }
    }
}
