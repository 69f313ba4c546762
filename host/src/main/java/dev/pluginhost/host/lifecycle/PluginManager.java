package dev.pluginhost.host.lifecycle;

import dev.pluginhost.contract.v1.InvocationResult;
import dev.pluginhost.host.PluginHostProperties;
import dev.pluginhost.host.capability.CapabilityServices;
import dev.pluginhost.host.capability.Grants;
import dev.pluginhost.host.capability.PluginConnection;
import dev.pluginhost.host.capability.PluginGrants;
import dev.pluginhost.host.capability.PluginServer;
import dev.pluginhost.host.discovery.InvalidPluginException;
import dev.pluginhost.host.discovery.ManifestReader;
import dev.pluginhost.host.discovery.PluginDescriptor;
import dev.pluginhost.host.discovery.PluginPins;
import dev.pluginhost.host.discovery.PluginScanner;
import dev.pluginhost.host.discovery.Rejection;
import dev.pluginhost.host.logs.PluginLogSink;
import dev.pluginhost.host.logs.PluginOutputPump;
import dev.pluginhost.host.metrics.PluginMetrics;
import dev.pluginhost.host.sandbox.ClassDataSharing;
import dev.pluginhost.host.sandbox.DeploymentFacts;
import dev.pluginhost.host.sandbox.IsolationReport;
import dev.pluginhost.host.sandbox.PluginJvm;
import dev.pluginhost.host.sandbox.RuntimeJar;
import dev.pluginhost.sandbox.ExitStatus;
import dev.pluginhost.sandbox.LaunchSpec;
import dev.pluginhost.sandbox.SafeFiles;
import dev.pluginhost.sandbox.SandboxLauncher;
import dev.pluginhost.sandbox.SandboxListener;
import dev.pluginhost.sandbox.SandboxUnavailableException;
import dev.pluginhost.sandbox.SandboxedProcess;
import dev.pluginhost.sandbox.Violation;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.slf4j.event.Level;

/**
 * Starts, supervises and stops the plugins: each plugin in its own sandboxed JVM with its own socket; crashed
 * plugins restarted with backoff and quarantined when they crash too often; new versions started beside the old one
 * and switched to when ready. One plugin's failure never stops another.
 */
public final class PluginManager implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PluginManager.class);

    /** Violations of one launch logged one by one within the window; the rest are only counted. */
    private static final int LOGGED_VIOLATIONS = 20;

    /** The run folder: traversable by plugin JVMs (another uid) to their own launch folder, listable by nobody. */
    private static final Set<PosixFilePermission> RUN_DIR_MODE = PosixFilePermissions.fromString("rwx--x--x");

    /** Frames of a violating thread's Java stack kept for the API, and logged. */
    private static final int STACK_FRAMES = 32;
    private static final int LOGGED_FRAMES = 12;

    /** Reserved operation for health checks: never a valid plugin operation name, so the runtime answers it itself. */
    static final String HEALTH_OPERATION = ".health";

    private final PluginHostProperties properties;
    private final PluginScanner scanner;
    private final ManifestReader reader;
    private final PluginMetrics metrics;
    private final CapabilityServices services;
    private final IsolationReport isolation;
    private final Map<String, PluginInstance> plugins = new ConcurrentHashMap<>();
    private final Map<Path, Rejection> rejections = new ConcurrentHashMap<>();
    /** Every readable plugin jar in the plugins folder and the id it claims, started or not. */
    private final Map<Path, PluginDescriptor> claims = new ConcurrentHashMap<>();
    /** Held while the claims on an id are applied: watch events come from two threads. */
    private final Object identityLock = new Object();
    private final PluginPins pins;
    private final EventLoopGroup boss = new EpollEventLoopGroup(1, new DefaultThreadFactory("plugin-accept", true));
    private final EventLoopGroup workers = new EpollEventLoopGroup(2, new DefaultThreadFactory("plugin-io", true));
    private final ExecutorService calls = Executors.newCachedThreadPool(daemons("plugin-call"));
    private final ExecutorService starts = Executors.newCachedThreadPool(daemons("plugin-start"));
    private final ScheduledExecutorService timers = Executors.newScheduledThreadPool(1, daemons("plugin-timer"));
    private PluginWatcher watcher;
    private SandboxLauncher launcher;
    private String sandboxUnavailable;
    private Path runDir;
    private boolean ownRunDir;
    private Path runtimeJar;
    private Path cdsArchive;
    private volatile boolean closed;

    public PluginManager(PluginHostProperties properties, ManifestReader reader, PluginMetrics metrics,
                         CapabilityServices services) {
        this.properties = properties;
        this.reader = reader;
        PluginHostProperties.TrustStore trustStore = properties.getIdentity().getTrustStore();
        this.pins = new PluginPins(properties.getIdentity().getPins(), trustStore.getPath(), trustStore.getType(),
                trustStore.getPassword());
        this.scanner = new PluginScanner(reader, pins);
        this.metrics = metrics;
        this.services = services;
        this.isolation = new IsolationReport(properties.getSandbox().getRequire(), DeploymentFacts.read());
    }

    /** @return what the host makes of its plugins' isolation layers on this machine */
    public IsolationReport isolation() {
        return isolation;
    }

    /** Scans the plugins folder, starts every valid plugin, and watches the folder; does not wait for readiness. */
    public synchronized void start() throws IOException {
        if (properties.getRunDir() != null) {
            Path configured = properties.getRunDir().toAbsolutePath();
            Files.createDirectories(configured.getParent());
            try {
                // Sockets, jar copies and the launcher live there: an existing folder is used only if it is a real
                // folder of the host's user, never a link or a folder someone else made.
                runDir = SafeFiles.directory(configured, RUN_DIR_MODE);
            } catch (IOException e) {
                throw new IOException("plugins.run-dir: " + e.getMessage(), e);
            }
        } else {
            runDir = Files.createTempDirectory(Path.of("/tmp"), "pluginhost-");
            ownRunDir = true;
        }
        // Traversable, not listable: a plugin JVM (another uid) reaches the runtime jar and its own launch folder.
        Files.setPosixFilePermissions(runDir, RUN_DIR_MODE);
        runtimeJar = RuntimeJar.extract(runDir);
        Files.setPosixFilePermissions(runtimeJar, PosixFilePermissions.fromString("rw-r--r--"));
        cdsArchive = ClassDataSharing.train(properties, runtimeJar, runDir).orElse(null);
        try {
            launcher = new SandboxLauncher(runDir);
            if (!launcher.staleCgroupsRemoved().isEmpty()) { // the constructor swept them
                log.info("removed {} cgroup(s) of launchers killed before they could clean up: {}",
                        launcher.staleCgroupsRemoved().size(), launcher.staleCgroupsRemoved());
            }
        } catch (SandboxUnavailableException e) {
            // The host still serves its API; every plugin is marked failed with this reason instead of running
            // unconfined.
            sandboxUnavailable = "the sandbox is not available on this machine: " + e.getMessage();
            log.error("{}: no plugin will be started", sandboxUnavailable);
        }
        Path dir = properties.getDir().toAbsolutePath();
        PluginScanner.Result found = scanner.scan(dir);
        found.rejections().forEach(r -> rejections.put(r.jar(), r));
        found.claims().forEach(c -> claims.put(c.jar(), c));
        log.info("plugins folder {}: {} plugin(s), {} rejected", dir, found.plugins().size(),
                found.rejections().size());
        found.plugins().forEach(this::install);
        installDevelopmentPlugins();
        Duration interval = properties.getSupervision().getHealthInterval();
        if (!interval.isZero()) {
            timers.scheduleWithFixedDelay(this::checkHealth, interval.toMillis(), interval.toMillis(),
                    TimeUnit.MILLISECONDS);
        }
        if (properties.isWatch() && Files.isDirectory(dir)) {
            watcher = new PluginWatcher(dir, properties.getWatchSettle(), this::jarChanged, this::jarRemoved);
            watcher.start();
        }
    }

    public Collection<PluginInstance> plugins() {
        return plugins.values().stream().sorted(Comparator.comparing(PluginInstance::id)).toList();
    }

    public Optional<PluginInstance> plugin(String id) {
        return Optional.ofNullable(plugins.get(id));
    }

    public List<Rejection> rejections() {
        return rejections.values().stream().sorted(Comparator.comparing(Rejection::time)).toList();
    }

    /** @return why the sandbox cannot run here, or null when it can */
    public String sandboxUnavailable() {
        return sandboxUnavailable;
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
        starts.execute(() -> launch(instance, instance.descriptor(), false));
    }

    /** Stops a plugin gracefully and keeps it stopped (no restart) until started again. */
    public void stop(String id) {
        stop(plugin(id).orElseThrow(() -> new PluginNotFoundException(id)));
    }

    private void stop(PluginInstance instance) {
        instance.cancelRestart();
        Launch active = instance.active();
        instance.transition(PluginState.STOPPING, null);
        if (active != null) {
            retire(active);
        }
        instance.transition(PluginState.STOPPED, null);
    }

    public void restart(String id) {
        stop(id);
        start(id);
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
        starts.execute(() -> launch(instance, descriptor, false));
    }

    /**
     * Launches one run of a plugin and waits until it is ready. A replacement runs beside the current launch and
     * takes over only when ready; if it fails, the current one keeps serving.
     */
    private void launch(PluginInstance instance, PluginDescriptor descriptor, boolean replacement) {
        String id = instance.id();
        Launch launch = new Launch(descriptor);
        try (MDC.MDCCloseable ignored = MDC.putCloseable("plugin", id)) {
            if (launcher == null) {
                instance.transition(PluginState.FAILED, sandboxUnavailable);
                return;
            }
            if (replacement) {
                instance.candidate(launch);
            } else {
                instance.starting(launch);
            }
            instance.sandboxAllowances(properties.getSandbox().allowances(id));
            PluginGrants grants = Grants.effective(descriptor, properties);
            Set<String> withheld = Grants.withheld(descriptor, properties);
            if (!withheld.isEmpty()) {
                log.warn("plugin {} requests {} but is not granted them; grant with {}", id, withheld,
                        Grants.howToGrant(id, String.join(",", withheld)));
            }
            PluginFiles files = PluginFiles.prepare(properties.getDataDir(), runDir, descriptor,
                    launcher.childUid(), launcher.childGid());
            launch.files = files;
            checkCopy(descriptor, files.jar());
            PluginConnection connection = new PluginConnection(descriptor, grants, metrics, instance.logs(),
                    new ChannelEvents(launch));
            launch.connection = connection;
            launch.server = PluginServer.start(connection, files.socket(), services, boss, workers, calls);
            files.handOver(files.socket());
            LaunchSpec spec = PluginJvm.spec(descriptor, properties, runtimeJar, files.jar(), files.socket(),
                    connection.launchSecret(), files.dataDir(), files.tmpDir(), cdsArchive);
            SandboxedProcess process = launcher.launch(spec, new ProcessEvents(instance, launch));
            launch.process = process;
            launch.launched.complete(process);
            PluginOutputPump.start(id, instance.logs(), process.stdout(), "stdout", Level.INFO);
            PluginOutputPump.start(id, instance.logs(), process.stderr(), "stderr", Level.WARN);
            launch.pid = process.pid(); // waits for the launcher's "started", which follows every layer report
            instance.layers(process.layers());
            metrics.isolation(instance);
            isolation.report(id, process.layers());
            // Still in the boot phase: no plugin code has run. No retry can add a layer the machine lacks.
            Optional<String> refused = isolation.refusal(process.layers());
            if (refused.isPresent()) {
                throw new PermanentLaunchException(refused.get());
            }
            List<String> operations = launch.ready.get(properties.getStartTimeout().toMillis(),
                    TimeUnit.MILLISECONDS);
            Launch previous = instance.promote(launch, operations);
            instance.regrant(descriptor, grants);
            log.info("plugin {} {} running, pid {}, operations {}, granted {}", id, descriptor.version(), launch.pid,
                    operations, grants.names());
            if (previous != null) {
                log.info("plugin {}: version {} took over; retiring the previous launch", id, descriptor.version());
                starts.execute(() -> retire(previous));
            }
        } catch (Exception e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            String reason = cause instanceof TimeoutException
                    ? "not ready within plugins.start-timeout (" + properties.getStartTimeout() + ")"
                    : "failed to start: " + cause.getMessage();
            String output = lastOutput(instance);
            reason += reason.endsWith(output) ? "" : output; // an exit's reason carries the output already
            launch.stopping = true;
            launch.release();
            if (replacement) {
                instance.candidate(null);
                log.error("plugin {}: new version {} from {} {}; version {} keeps serving", id, descriptor.version(),
                        descriptor.jar().getFileName(), reason, instance.descriptor().version());
                rejections.put(descriptor.jar(), new Rejection(descriptor.jar(), descriptor.jar().getFileName()
                        + ": new version " + descriptor.version() + " " + reason, Instant.now()));
            } else if (cause instanceof PermanentLaunchException) {
                failedForGood(instance, launch, reason);
            } else {
                crashed(instance, launch, reason);
            }
        }
    }

    /** A launch error no retry can fix: failed at once, no restart, no quarantine. */
    private void failedForGood(PluginInstance instance, Launch launch, String reason) {
        if (closed || instance.active() != launch || !launch.ended.compareAndSet(false, true)) {
            return;
        }
        String why = reason + " (not retried: fix it, then POST /api/plugins/" + instance.id() + "/start)";
        log.error("plugin {} failed: {}", instance.id(), why);
        instance.transition(PluginState.FAILED, why);
    }

    /** An unplanned end of the current launch: restart with backoff, or quarantine after too many. */
    private void crashed(PluginInstance instance, Launch launch, String reason) {
        if (closed || instance.active() != launch || !launch.ended.compareAndSet(false, true)) {
            return;
        }
        launch.release();
        PluginHostProperties.Supervision supervision = properties.getSupervision();
        int crashes = instance.crashed(supervision.getCrashWindow());
        if (crashes >= supervision.getQuarantineAfter()) {
            String why = "quarantined after " + crashes + " crashes within " + supervision.getCrashWindow()
                    + "; last: " + reason + " (start it again with POST /api/plugins/" + instance.id() + "/start)";
            log.error("plugin {} {}", instance.id(), why);
            instance.transition(PluginState.QUARANTINED, why);
            return;
        }
        long base = supervision.getInitialBackoff().toMillis() << Math.min(crashes - 1, 20);
        long delay = (long) (Math.min(base, supervision.getMaxBackoff().toMillis())
                * ThreadLocalRandom.current().nextDouble(0.5, 1.5));
        String why = reason + "; restart " + crashes + " in " + delay + " ms";
        log.error("plugin {} failed: {}", instance.id(), why);
        instance.transition(PluginState.FAILED, why);
        instance.restarting(timers.schedule(() -> starts.execute(() -> {
            if (instance.state() == PluginState.FAILED && !closed) {
                launch(instance, instance.descriptor(), false);
            }
        }), delay, TimeUnit.MILLISECONDS));
    }

    /**
     * Ends a launch gracefully: waits for its in-flight invocations (new ones already go elsewhere or are refused),
     * asks it to shut down, and kills it when the grace period is over.
     */
    private void retire(Launch launch) {
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

    /** A new or changed jar in the plugins folder. */
    private void jarChanged(Path jar) {
        if (closed) {
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
        if (closed) {
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
        starts.execute(() -> {
            if (!serving) {
                existing.cancelRestart();
                existing.forgetCrashes();
            }
            launch(existing, winner, serving);
        });
    }

    /** Stops a plugin and forgets it: its id is free for the next jar that may have it. */
    private void uninstall(PluginInstance instance, String why) {
        log.warn("plugin {}: {}; stopping and uninstalling it", instance.id(), why);
        plugins.remove(instance.id(), instance);
        metrics.unregisterPlugin(instance.id());
        starts.execute(() -> stop(instance));
    }

    /** A round trip over each running plugin's session; a plugin that fails several in a row is killed. */
    private void checkHealth() {
        PluginHostProperties.Supervision supervision = properties.getSupervision();
        for (PluginInstance instance : plugins.values()) {
            Launch launch = instance.active();
            if (instance.state() != PluginState.RUNNING || launch == null || launch.connection == null) {
                continue;
            }
            CompletableFuture<InvocationResult> check;
            try {
                check = launch.connection.invoke(HEALTH_OPERATION, new byte[0], "application/octet-stream",
                        supervision.getHealthTimeout());
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
                                supervision.getHealthFailures(), error.toString());
                        if (failures >= supervision.getHealthFailures() && launch.process != null) {
                            launch.process.kill(); // its exit is handled as a crash: restart or quarantine
                        }
                    });
        }
    }

    private static String lastOutput(PluginInstance instance) {
        String tail = instance.logs().last(5);
        return tail.isEmpty() ? "" : "; last output: " + tail;
    }

    /** Stops every plugin: a shutdown request, the grace period, then SIGKILL. */
    @Override
    public synchronized void close() {
        closed = true;
        if (watcher != null) {
            watcher.close();
        }
        timers.shutdownNow();
        List<CompletableFuture<Void>> stops = plugins.values().stream().map(instance -> {
            instance.cancelRestart();
            Launch active = instance.active();
            instance.transition(PluginState.STOPPING, null);
            return active == null ? CompletableFuture.<Void>completedFuture(null)
                    : CompletableFuture.runAsync(() -> retire(active), starts);
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
        starts.shutdownNow();
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        calls.shutdown();
        if (launcher != null) {
            launcher.close();
        }
        if (ownRunDir && runDir != null) {
            deleteTree(runDir);
        }
    }

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
        public void ready(List<String> operations) {
            launch.ready.complete(operations);
        }

        @Override
        public void sessionEnded(String reason) {
            log.debug("plugin {}: {}", launch.descriptor.id(), reason);
        }
    }

    private final class ProcessEvents implements SandboxListener {
        private final PluginInstance instance;
        private final Launch launch;

        ProcessEvents(PluginInstance instance, Launch launch) {
            this.instance = instance;
            this.launch = launch;
        }

        @Override
        public void onViolation(Violation violation) {
            PluginInstance.RecordedViolation recorded = instance.record(violation);
            if (violation.boot()) {
                // The JDK's and the runtime's own start-up probes, before any plugin code ran: refused, and counted
                // apart so that they never look like the plugin's doing.
                metrics.bootProbe(instance.id(), violation.syscall());
                log.debug("plugin {} start-up probe refused: {}", instance.id(), violation);
                return;
            }
            metrics.syscallDenied(instance.id(), violation.syscall());
            PluginHostProperties.Sandbox sandbox = properties.getSandbox();
            int recent = launch.violation(sandbox.getViolationWindow());
            try (MDC.MDCCloseable ignored = MDC.putCloseable("plugin", instance.id())) {
                // Every violation is counted; only the first ones of a flood are explained and logged one by one.
                if (recent <= LOGGED_VIOLATIONS) {
                    explain(recorded);
                } else {
                    release();
                }
                if (recent == sandbox.getViolationLimit() + 1 && !launch.stopping) {
                    log.error("plugin {} made {} forbidden system calls within {} "
                            + "(plugins.sandbox.violation-limit): killing it", instance.id(), recent,
                            sandbox.getViolationWindow());
                    SandboxedProcess process = launch.process;
                    if (process != null) {
                        process.kill(); // its exit is handled as a crash: restart with backoff, then quarantine
                    }
                }
            }
        }

        /**
         * Asks the runtime which Java thread made the call, and what it serves, while the supervisor holds the call
         * (PluginJvm's hold): then logs the violation with the answer, or without one after the query's timeout, and
         * lets the supervisor answer the call. Off the event thread: the answer arrives on the session.
         */
        private void explain(PluginInstance.RecordedViolation recorded) {
            Violation violation = recorded.violation();
            PluginConnection connection = launch.connection;
            CompletableFuture<dev.pluginhost.contract.v1.ThreadReport> query =
                    connection == null || violation.action() == dev.pluginhost.sandbox.ViolationMode.KILL
                            ? CompletableFuture.failedFuture(new IllegalStateException("not asked"))
                            : connection.queryThread(violation.task().nsTid(), violation.task().thread(),
                                    STACK_FRAMES, PluginJvm.VIOLATION_HOLD.minusMillis(100));
            query.whenComplete((report, failure) -> {
                if (report != null && report.getFound()) {
                    // The plugin's words: bounded here, whatever its runtime sent.
                    recorded.report(new PluginInstance.ThreadReport(
                            report.getOperation().isEmpty() ? null : bounded(report.getOperation()),
                            report.getFramesList().stream().limit(STACK_FRAMES).map(ProcessEvents::bounded)
                                    .toList()));
                }
                release();
                log(recorded);
            });
        }

        private static String bounded(String text) {
            return text.length() <= 300 ? text : text.substring(0, 300) + "...";
        }

        private void log(PluginInstance.RecordedViolation recorded) {
            Violation v = recorded.violation();
            PluginInstance.ThreadReport report = recorded.report();
            StringBuilder line = new StringBuilder();
            if (report != null) {
                if (report.operation() != null) {
                    line.append(" in operation '").append(Violation.printable(report.operation())).append('\'');
                }
                line.append("; stack when reported:");
                report.stack().stream().limit(LOGGED_FRAMES)
                        .forEach(frame -> line.append("\n\tat ").append(Violation.printable(frame)));
            }
            try (MDC.MDCCloseable ignored = MDC.putCloseable("plugin", instance.id())) {
                log.warn("plugin {} violated its sandbox: {} ({}){}", instance.id(), v, v.action().cliName(), line);
            }
        }

        /** Lets the supervisor answer the calls it holds (none is harmless). */
        private void release() {
            SandboxedProcess process = launch.process;
            if (process != null) {
                try {
                    process.releaseHeld();
                } catch (IOException e) {
                    // the launcher is gone, and with it every held call
                }
            }
        }

        @Override
        public void onExit(ExitStatus exit) {
            launch.exited.complete(null);
            String reason = (exit.signalled() ? "plugin JVM was killed by signal " + exit.signal()
                    : "plugin JVM exited with status " + exit.exitCode()) + lastOutput(instance);
            launch.ready.completeExceptionally(new IllegalStateException(reason));
            if (!launch.stopping) {
                crashed(instance, launch, reason);
            }
        }

        @Override
        public void onError(String message) {
            log.error("plugin {} launcher: {}", instance.id(), message);
        }
    }

    private static ThreadFactory daemons(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return task -> {
            Thread thread = new Thread(task, prefix + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    private static void deleteTree(Path root) {
        try {
            SafeFiles.deleteTree(root); // plugins wrote into it: links are removed, never followed
        } catch (IOException e) {
            log.debug("cannot remove {}: {}", root, e.toString());
        }
    }
}
