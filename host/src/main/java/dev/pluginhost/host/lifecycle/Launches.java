package dev.pluginhost.host.lifecycle;

import dev.pluginhost.host.PluginHostProperties;
import dev.pluginhost.host.capability.CapabilityServices;
import dev.pluginhost.host.capability.Grants;
import dev.pluginhost.host.capability.PluginConnection;
import dev.pluginhost.host.capability.PluginGrants;
import dev.pluginhost.host.capability.PluginServer;
import dev.pluginhost.host.discovery.InvalidPluginException;
import dev.pluginhost.host.discovery.ManifestReader;
import dev.pluginhost.host.discovery.PluginDescriptor;
import dev.pluginhost.host.discovery.Rejection;
import dev.pluginhost.host.logs.PluginOutputPump;
import dev.pluginhost.host.metrics.PluginMetrics;
import dev.pluginhost.host.sandbox.IsolationReport;
import dev.pluginhost.host.sandbox.PluginJvm;
import dev.pluginhost.sdk.contract.Denials;
import dev.pluginhost.sandbox.LaunchSpec;
import dev.pluginhost.sandbox.SandboxLauncher;
import dev.pluginhost.sandbox.SandboxedProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.slf4j.event.Level;

/**
 * The launcher side of the lifecycle: launches one run of a plugin (its files, socket, session and sandboxed JVM, its
 * output pumped into its log) and waits until it is ready; retires a run gracefully.
 */
final class Launches {

    /** The manager's logger: operators' log settings and filters name it. */
    private static final Logger log = LoggerFactory.getLogger(PluginManager.class);

    private final PluginHostProperties properties;
    private final HostRuntime runtime;
    private final ManifestReader reader;
    private final PluginMetrics metrics;
    private final CapabilityServices services;
    private final IsolationReport isolation;
    private final Supervisor supervisor;
    private final BiConsumer<Path, Rejection> rejected;
    private final Standbys standbys = new Standbys();

    /** @param rejected records why a new version was not started (its jar, for GET /api/rejections) */
    Launches(PluginHostProperties properties, HostRuntime runtime, ManifestReader reader, PluginMetrics metrics,
             CapabilityServices services, IsolationReport isolation, Supervisor supervisor,
             BiConsumer<Path, Rejection> rejected) {
        this.properties = properties;
        this.runtime = runtime;
        this.reader = reader;
        this.metrics = metrics;
        this.services = services;
        this.isolation = isolation;
        this.supervisor = supervisor;
        this.rejected = rejected;
    }

    /**
     * Launches one run of a plugin and waits until it is ready. A new version of a serving plugin runs beside the
     * current launch and takes over only when ready; if it fails, the current one keeps serving.
     *
     * @param newVersion a new jar's version; otherwise a first start, a restart or an operator's start, which give way
     *     to a launch that is serving by the time their turn comes ({@link PluginInstance#starting})
     */
    void launch(PluginInstance instance, PluginDescriptor descriptor, boolean newVersion) {
        // Boots take turns (BootTurns); the start timeout counts from the turn.
        try (BootTurns.Turn turn = runtime.bootTurns().take()) {
            launchNow(instance, descriptor, newVersion);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the host is stopping
        }
    }

    private void launchNow(PluginInstance instance, PluginDescriptor descriptor, boolean newVersion) {
        String id = instance.id();
        Launch standby = newVersion ? null : standbys.take(id, descriptor);
        Launch launch = standby != null ? standby : new Launch(descriptor);
        boolean replacement = false;
        try (MDC.MDCCloseable ignored = MDC.putCloseable("plugin", id)) {
            SandboxLauncher launcher = runtime.launcher();
            if (launcher == null) {
                instance.transition(PluginState.FAILED, runtime.sandboxUnavailable());
                return;
            }
            if (newVersion) {
                replacement = instance.newVersion(launch);
            } else {
                instance.starting(launch);
            }
            instance.sandboxAllowances(properties.getSandbox().allowances(id));
            PluginGrants grants = Grants.effective(descriptor, properties);
            Set<String> withheld = Grants.withheld(descriptor, properties);
            if (!withheld.isEmpty()) {
                log.warn("plugin {} requests {} but is not granted them; grant with {}", id, withheld,
                        Denials.howToGrant(id, String.join(",", withheld)));
            }
            if (standby == null) {
                open(instance, launch, launcher, grants);
            }
            instance.layers(launch.process::layers);
            metrics.isolation(instance);
            isolation.report(id, launch.process.layers());
            // Still in the boot phase: no plugin code has run. No retry can add a layer the machine lacks.
            Optional<String> refused = isolation.refusal(launch.process.layers());
            if (refused.isPresent()) {
                throw new PermanentLaunchException(refused.get());
            }
            launch.started.complete(null); // a standby's runtime gets its handshake's answer and loads the plugin
            List<String> operations = launch.ready.get(properties.getStartTimeout().toMillis(),
                    TimeUnit.MILLISECONDS);
            Launch previous = instance.promote(launch, operations);
            instance.regrant(descriptor, grants);
            log.info("plugin {} {} running, pid {}, operations {}, granted {}{}", id, descriptor.version(), launch.pid,
                    operations, grants.names(), standby != null ? " (from its standby)" : "");
            if (previous != null) {
                log.info("plugin {}: version {} took over; retiring the previous launch", id, descriptor.version());
                runtime.starts().execute(() -> retire(previous));
            }
            prepareStandby(instance, descriptor, grants);
        } catch (Exception e) {
            failed(instance, launch, replacement, e);
        }
    }

    /**
     * Opens one run of a plugin: its launch folder with a checked copy of the jar, its socket and channel, and its
     * sandboxed JVM with the output pumped into the plugin's log; returns once the launcher reported its pid.
     */
    private void open(PluginInstance instance, Launch launch, SandboxLauncher launcher, PluginGrants grants)
            throws IOException {
        PluginDescriptor descriptor = launch.descriptor;
        String id = instance.id();
        // A root launcher drops the plugin to plugins.plugin-user; a non-root one cannot drop (-1: the host's uid).
        boolean drops = launcher.childUid() >= 0;
        PluginFiles files = PluginFiles.prepare(properties.getDataDir(), runtime.runDir(), descriptor,
                drops ? properties.getPluginUser().uidOr(launcher.childUid()) : -1,
                drops ? properties.getPluginUser().gidOr(launcher.childGid()) : -1);
        launch.files = files;
        checkCopy(descriptor, files.jar());
        PluginConnection connection = new PluginConnection(descriptor, grants, metrics, instance.logs(),
                new ChannelEvents(launch));
        launch.connection = connection;
        launch.server = PluginServer.start(connection, files.socket(), services, runtime.boss(),
                runtime.workers(), runtime.calls());
        files.handOver(files.socket());
        LaunchSpec spec = PluginJvm.spec(descriptor, properties, new PluginJvm.RuntimeFiles(runtime.runtimeJar(),
                runtime.cdsArchive()), files, connection.launchSecret(), launch.standby);
        SandboxedProcess process = launcher.launch(spec,
                new ProcessEvents(instance, launch, properties.getSandbox(), metrics, supervisor));
        launch.process = process;
        launch.launched.complete(process);
        PluginOutputPump.start(id, instance.logs(), process.stdout(), "stdout", Level.INFO);
        PluginOutputPump.start(id, instance.logs(), process.stderr(), "stderr", Level.WARN);
        launch.pid = process.pid(); // waits for the launcher's "started", which follows every layer report
    }

    /**
     * Boots the plugin's standby for its next start (plugins.standby.enabled), on the start threads and in the boot
     * turns, after the running launch: development plugins (a folder of classes, maybe a debugger) get none.
     */
    private void prepareStandby(PluginInstance instance, PluginDescriptor descriptor, PluginGrants grants) {
        if (!properties.getStandby().isEnabled() || descriptor.identity() == null
                || standbys.has(instance.id(), descriptor)) {
            return;
        }
        runtime.starts().execute(() -> {
            Launch standby = new Launch(descriptor);
            standby.standby = true;
            try (BootTurns.Turn turn = runtime.bootTurns().take();
                 MDC.MDCCloseable ignored = MDC.putCloseable("plugin", instance.id())) {
                SandboxLauncher launcher = runtime.launcher();
                if (launcher == null || !descriptor.sameAs(instance.descriptor())) {
                    return; // replaced meanwhile
                }
                open(instance, standby, launcher, grants);
                if (standbys.put(instance.id(), standby)) {
                    log.info("plugin {} {}: standby booted, pid {}", instance.id(), descriptor.version(),
                            standby.pid);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                Standbys.end(standby);
            } catch (Exception e) {
                log.warn("plugin {}: no standby: {}", instance.id(), e.getMessage());
                Standbys.end(standby);
            }
        });
    }

    /** Ends the plugin's standby, if any: it is uninstalled, or the host stops. */
    void discardStandby(String id) {
        standbys.discard(id);
    }

    /** Ends every standby: the host stops. */
    void closeStandbys() {
        standbys.close();
    }

    /** A launch that did not become ready: a failed replacement leaves the old version serving. */
    private void failed(PluginInstance instance, Launch launch, boolean replacement, Exception e) {
        PluginDescriptor descriptor = launch.descriptor;
        Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
        String reason = cause instanceof TimeoutException
                ? "not ready within plugins.start-timeout (" + properties.getStartTimeout() + ")"
                : "failed to start: " + cause.getMessage();
        String output = lastOutput(instance);
        reason += reason.endsWith(output) ? "" : output; // an exit's reason carries the output already
        launch.stopping = true;
        launch.release();
        if (replacement && !instance.dropCandidate(launch)) {
            // A newer jar started beside it meanwhile: superseded, not failed (and not that newer one's rejection).
            log.warn("plugin {}: new version {} abandoned: a newer one is starting", instance.id(),
                    descriptor.version());
        } else if (replacement) {
            log.error("plugin {}: new version {} from {} {}; version {} keeps serving", instance.id(),
                    descriptor.version(), descriptor.jar().getFileName(), reason, instance.descriptor().version());
            rejected.accept(descriptor.jar(), new Rejection(descriptor.jar(), descriptor.jar().getFileName()
                    + ": new version " + descriptor.version() + " " + reason, Instant.now()));
        } else if (instance.active() != launch) {
            // Never became the plugin's launch: its state allowed no start (PluginState), or another launch began.
            log.warn("plugin {}: launch of version {} abandoned: {}", instance.id(), descriptor.version(), reason);
        } else if (cause instanceof PermanentLaunchException) {
            supervisor.failedForGood(instance, launch, reason);
        } else {
            supervisor.crashed(instance, launch, reason);
        }
    }

    /** Stops a plugin gracefully and keeps it stopped (no restart) until started again. */
    void stop(PluginInstance instance) {
        instance.cancelRestart();
        Launch active = instance.active();
        instance.transition(PluginState.STOPPING, null);
        if (active != null) {
            retire(active);
        }
        instance.transition(PluginState.STOPPED, null);
    }

    /**
     * Ends a launch gracefully: waits for its in-flight invocations (new ones already go elsewhere or are refused),
     * asks it to shut down, and kills it when the grace period is over.
     */
    void retire(Launch launch) {
        launch.stopping = true;
        if (launch.process == null) {
            launch.release();
            return;
        }
        Duration grace = properties.getStopGrace();
        long deadline = System.nanoTime() + grace.toNanos();
        PluginConnection connection = launch.connection;
        if (connection != null) {
            connection.drain();
        }
        try {
            while (connection != null && connection.pendingInvocations() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            if (connection != null) {
                connection.requestShutdown(grace);
            }
            long left = Math.max(0, deadline - System.nanoTime());
            launch.exited.get(left, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            log.warn("plugin {} did not stop within plugins.stop-grace ({}): killing it", launch.descriptor.id(),
                    grace);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            // exited exceptionally: it is gone either way
        }
        launch.release();
    }

    /**
     * The launch's copy of the jar must be the jar that was checked (same digest, same manifest): the file in the
     * plugins folder may have changed since, and what runs under an id is what its pins and grants were decided on.
     */
    private void checkCopy(PluginDescriptor descriptor, Path copy) throws IOException {
        if (descriptor.identity() == null) {
            return; // development mode: a folder of classes
        }
        PluginDescriptor copied;
        try {
            copied = reader.read(copy);
        } catch (InvalidPluginException e) {
            throw new IOException(descriptor.jar().getFileName() + " changed after it was checked: " + e.getMessage(),
                    e);
        }
        if (!copied.sameAs(descriptor)) {
            throw new IOException(descriptor.jar().getFileName() + " changed after it was checked (checked "
                    + descriptor.identity().digest() + ", now " + copied.identity().digest()
                    + "): not started; the folder watch reads the new content");
        }
    }

    /** @return the plugin's last lines of output, for a failure's reason, or nothing */
    static String lastOutput(PluginInstance instance) {
        String tail = instance.logs().last(5);
        return tail.isEmpty() ? "" : "; last output: " + tail;
    }

    /** What the launch learns from its channel. */
    private static final class ChannelEvents implements PluginConnection.Events {
        private final Launch launch;

        ChannelEvents(Launch launch) {
            this.launch = launch;
        }

        /** Ends the launcher's boot phase before the runtime learns it is authenticated and loads the plugin. */
        @Override
        public void authenticated() throws Exception {
            launch.launched.get(10, TimeUnit.SECONDS).endBootPhase();
        }

        @Override
        public java.util.concurrent.CompletionStage<Void> answerWhen() {
            return launch.started;
        }

        @Override
        public void ready(List<String> operations) {
            launch.ready.complete(operations);
        }

        /** The launch fails with the reason at once, rather than at the start timeout. */
        @Override
        public void refused(String reason) {
            launch.ready.completeExceptionally(new IllegalStateException(reason));
            sessionEnded(reason);
        }

        @Override
        public void sessionEnded(String reason) {
            log.debug("plugin {}: {}", launch.descriptor.id(), reason);
        }
    }
}
