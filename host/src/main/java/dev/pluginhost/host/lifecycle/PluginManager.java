package dev.pluginhost.host.lifecycle;

import dev.pluginhost.contract.v1.InvocationResult;
import dev.pluginhost.host.PluginHostProperties;
import dev.pluginhost.host.capability.Grants;
import dev.pluginhost.host.capability.CapabilityServices;
import dev.pluginhost.host.capability.PluginConnection;
import dev.pluginhost.host.capability.PluginServer;
import dev.pluginhost.host.discovery.PluginDescriptor;
import dev.pluginhost.host.discovery.PluginScanner;
import dev.pluginhost.host.discovery.Rejection;
import dev.pluginhost.host.metrics.PluginMetrics;
import dev.pluginhost.host.sandbox.PluginJvm;
import dev.pluginhost.host.sandbox.RuntimeJar;
import dev.pluginhost.sandbox.ExitStatus;
import dev.pluginhost.sandbox.LaunchSpec;
import dev.pluginhost.sandbox.SandboxLauncher;
import dev.pluginhost.sandbox.SandboxListener;
import dev.pluginhost.sandbox.SandboxUnavailableException;
import dev.pluginhost.sandbox.SandboxedProcess;
import dev.pluginhost.sandbox.Violation;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Starts, watches and stops the plugins: scans the plugins folder, launches each plugin in its own sandboxed JVM with
 * its own socket, and keeps each plugin's state. One plugin's failure never stops another.
 */
public final class PluginManager implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PluginManager.class);

    private final PluginHostProperties properties;
    private final PluginScanner scanner;
    private SandboxLauncher launcher;
    private String sandboxUnavailable;
    private final PluginMetrics metrics;
    private final CapabilityServices services;
    private final Map<String, PluginInstance> plugins = new ConcurrentHashMap<>();
    private final List<Rejection> rejections = new ArrayList<>();
    private final EventLoopGroup boss = new EpollEventLoopGroup(1, new DefaultThreadFactory("plugin-accept", true));
    private final EventLoopGroup workers = new EpollEventLoopGroup(2, new DefaultThreadFactory("plugin-io", true));
    private final ExecutorService calls = Executors.newCachedThreadPool(daemons("plugin-call"));
    private final ExecutorService starts = Executors.newCachedThreadPool(daemons("plugin-start"));
    private Path runDir;
    private boolean ownRunDir;
    private Path runtimeJar;

    public PluginManager(PluginHostProperties properties, PluginScanner scanner, PluginMetrics metrics,
                         CapabilityServices services) {
        this.properties = properties;
        this.scanner = scanner;
        this.metrics = metrics;
        this.services = services;
    }

    /** Scans the plugins folder and starts every valid plugin; returns without waiting for them to be ready. */
    public synchronized void start() throws IOException {
        if (properties.getRunDir() != null) {
            runDir = Files.createDirectories(properties.getRunDir()).toAbsolutePath();
        } else {
            runDir = Files.createTempDirectory(Path.of("/tmp"), "pluginhost-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            ownRunDir = true;
        }
        runtimeJar = RuntimeJar.extract(runDir);
        try {
            launcher = new SandboxLauncher(runDir);
        } catch (SandboxUnavailableException e) {
            // The host still serves its API; every plugin is marked failed with this reason instead of running
            // unconfined.
            sandboxUnavailable = "the sandbox is not available on this machine: " + e.getMessage();
            log.error("{}: no plugin will be started", sandboxUnavailable);
        }
        PluginScanner.Result found = scanner.scan(properties.getDir());
        rejections.addAll(found.rejections());
        log.info("plugins folder {}: {} plugin(s), {} rejected", properties.getDir().toAbsolutePath(),
                found.plugins().size(), found.rejections().size());
        for (PluginDescriptor descriptor : found.plugins()) {
            PluginInstance instance = new PluginInstance(descriptor, Grants.effective(descriptor, properties));
            plugins.put(descriptor.id(), instance);
            starts.execute(() -> launch(instance));
        }
    }

    public Collection<PluginInstance> plugins() {
        return plugins.values().stream().sorted(Comparator.comparing(PluginInstance::id)).toList();
    }

    public Optional<PluginInstance> plugin(String id) {
        return Optional.ofNullable(plugins.get(id));
    }

    public synchronized List<Rejection> rejections() {
        return List.copyOf(rejections);
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
        PluginConnection connection = instance.connection();
        if (instance.state() != PluginState.RUNNING || connection == null) {
            throw new PluginNotRunningException(id, instance.state(), instance.lastError());
        }
        return connection.invoke(operation, payload, contentType, properties.getInvokeTimeout());
    }

    private void launch(PluginInstance instance) {
        String id = instance.id();
        try (MDC.MDCCloseable ignored = MDC.putCloseable("plugin", id)) {
            if (launcher == null) {
                fail(instance, sandboxUnavailable);
                return;
            }
            instance.transition(PluginState.STARTING, null);
            Set<String> withheld = Grants.withheld(instance.descriptor(), properties);
            if (!withheld.isEmpty()) {
                log.warn("plugin {} requests {} but is not granted them; grant with {}", id, withheld,
                        Grants.howToGrant(id, String.join(",", withheld)));
            }
            Path dataDir = Files.createDirectories(properties.getDataDir().resolve(id)).toAbsolutePath();
            Path pluginRun = Files.createDirectories(runDir.resolve(id));
            Path tmpDir = Files.createDirectories(pluginRun.resolve("tmp"));
            PluginConnection connection = new PluginConnection(instance.descriptor(), instance.grants(), metrics,
                    new ChannelEvents(instance));
            PluginServer server = PluginServer.start(connection, pluginRun.resolve("host.sock"), services, boss, workers,
                    calls);
            instance.attach(connection, server);
            LaunchSpec spec = PluginJvm.spec(instance.descriptor(), properties, runtimeJar, server.socket(),
                    connection.launchSecret(), dataDir, tmpDir);
            SandboxedProcess process = launcher.launch(spec, new ProcessEvents(instance));
            instance.attach(process);
            pump(instance, process.stdout(), false);
            pump(instance, process.stderr(), true);
            instance.pid(process.pid());
            List<String> operations = instance.ready()
                    .get(properties.getStartTimeout().toMillis(), TimeUnit.MILLISECONDS);
            instance.readyWith(operations);
            instance.transition(PluginState.RUNNING, null);
            log.info("plugin {} {} running, pid {}, operations {}, granted {}", id,
                    instance.descriptor().version(), instance.pid(), operations, instance.grants().names());
        } catch (TimeoutException e) {
            fail(instance, "not ready within plugins.start-timeout (" + properties.getStartTimeout() + ")"
                    + lastOutput(instance));
        } catch (Exception e) {
            Throwable cause = e.getCause() != null && e instanceof java.util.concurrent.ExecutionException
                    ? e.getCause() : e;
            fail(instance, "failed to start: " + cause.getMessage() + lastOutput(instance));
        }
    }

    private static String lastOutput(PluginInstance instance) {
        String tail = instance.outputTail().last(5);
        return tail.isEmpty() ? "" : "; last output: " + tail;
    }

    private void fail(PluginInstance instance, String reason) {
        log.error("plugin {} failed: {}", instance.id(), reason);
        instance.transition(PluginState.FAILED, reason);
        instance.ready().completeExceptionally(new IllegalStateException(reason));
        release(instance);
    }

    /** Kills what is left of a plugin's JVM and closes its socket. */
    private static void release(PluginInstance instance) {
        SandboxedProcess process = instance.process();
        if (process != null && process.isAlive()) {
            process.kill();
        }
        PluginServer server = instance.server();
        if (server != null) {
            server.close();
        }
    }

    /** Stops every plugin: a shutdown request, the grace period, then SIGKILL. */
    @Override
    public synchronized void close() {
        Duration grace = properties.getStopGrace();
        List<CompletableFuture<?>> exits = new ArrayList<>();
        for (PluginInstance instance : plugins.values()) {
            PluginState state = instance.state();
            if (state == PluginState.RUNNING || state == PluginState.STARTING) {
                instance.transition(PluginState.STOPPING, null);
                PluginConnection connection = instance.connection();
                if (connection != null) {
                    connection.requestShutdown(grace);
                }
            }
            SandboxedProcess process = instance.process();
            if (process != null) {
                exits.add(process.onExit());
            }
        }
        try {
            CompletableFuture.allOf(exits.toArray(CompletableFuture[]::new))
                    .get(grace.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            log.warn("plugins still running after plugins.stop-grace ({}): killing them", grace);
        }
        for (PluginInstance instance : plugins.values()) {
            release(instance);
            if (instance.state() == PluginState.STOPPING) {
                instance.transition(PluginState.STOPPED, null);
            }
        }
        starts.shutdownNow();
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        calls.shutdown();
        if (ownRunDir && runDir != null) {
            deleteTree(runDir);
        }
    }

    private void pump(PluginInstance instance, InputStream stream, boolean stderr) {
        Thread thread = new Thread(() -> {
            Logger out = LoggerFactory.getLogger("plugin." + instance.id() + (stderr ? ".stderr" : ".stdout"));
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    instance.outputTail().add(line);
                    try (MDC.MDCCloseable ignored = MDC.putCloseable("plugin", instance.id())) {
                        if (stderr) {
                            out.warn("{}", line);
                        } else {
                            out.info("{}", line);
                        }
                    }
                }
            } catch (IOException e) {
                // the process is gone; its exit is reported by the launcher
            }
        }, "plugin-output-" + instance.id());
        thread.setDaemon(true);
        thread.start();
    }

    private final class ChannelEvents implements PluginConnection.Events {
        private final PluginInstance instance;

        ChannelEvents(PluginInstance instance) {
            this.instance = instance;
        }

        @Override
        public void ready(List<String> operations) {
            instance.ready().complete(operations);
        }

        @Override
        public void sessionEnded(String reason) {
            log.debug("plugin {}: {}", instance.id(), reason);
        }
    }

    private final class ProcessEvents implements SandboxListener {
        private final PluginInstance instance;

        ProcessEvents(PluginInstance instance) {
            this.instance = instance;
        }

        @Override
        public void onViolation(Violation violation) {
            instance.record(violation);
            metrics.syscallDenied(instance.id(), violation.syscall());
            try (MDC.MDCCloseable ignored = MDC.putCloseable("plugin", instance.id())) {
                log.warn("plugin {} violated its sandbox: {} ({}), {}", instance.id(), violation.syscall(),
                        violation.action(), violation);
            }
        }

        @Override
        public void onExit(ExitStatus exit) {
            PluginState state = instance.state();
            if (state == PluginState.STOPPING || state == PluginState.STOPPED) {
                instance.transition(PluginState.STOPPED, null);
                return;
            }
            String reason = (exit.signalled() ? "plugin JVM was killed by signal " + exit.signal()
                    : "plugin JVM exited with status " + exit.exitCode()) + lastOutput(instance);
            if (state != PluginState.FAILED) {
                log.error("plugin {} died: {}", instance.id(), reason);
                instance.transition(PluginState.FAILED, reason);
                instance.ready().completeExceptionally(new IllegalStateException(reason));
                PluginServer server = instance.server();
                if (server != null) {
                    server.close();
                }
            }
        }

        @Override
        public void onError(String message) {
            log.error("plugin {} launcher: {}", instance.id(), message);
        }
    }

    private static java.util.concurrent.ThreadFactory daemons(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return task -> {
            Thread thread = new Thread(task, prefix + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            log.debug("cannot remove {}: {}", root, e.toString());
        }
    }
}
