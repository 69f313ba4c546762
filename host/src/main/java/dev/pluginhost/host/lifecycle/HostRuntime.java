package dev.pluginhost.host.lifecycle;

import dev.pluginhost.host.PluginHostProperties;
import dev.pluginhost.host.sandbox.ClassDataSharing;
import dev.pluginhost.host.sandbox.PluginJvm;
import dev.pluginhost.sandbox.SafeFiles;
import dev.pluginhost.sandbox.SandboxLauncher;
import dev.pluginhost.sandbox.SandboxUnavailableException;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every plugin launch shares, made once per host: the run folder, the runtime jar and its class-data sharing
 * archive (kept under the data folder across starts), the launcher, the gRPC event loops and the thread pools.
 */
final class HostRuntime implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HostRuntime.class);

    /** The run folder: traversable by plugin JVMs (another uid) to their own launch folder, listable by nobody. */
    private static final Set<PosixFilePermission> RUN_DIR_MODE = PosixFilePermissions.fromString("rwx--x--x");

    private final PluginHostProperties properties;
    private final EventLoopGroup boss = new EpollEventLoopGroup(1, new DefaultThreadFactory("plugin-accept", true));
    private final EventLoopGroup workers = new EpollEventLoopGroup(2, new DefaultThreadFactory("plugin-io", true));
    private final ExecutorService calls = Executors.newCachedThreadPool(daemons("plugin-call"));
    private final ExecutorService starts = Executors.newCachedThreadPool(daemons("plugin-start"));
    private final ScheduledExecutorService timers = Executors.newScheduledThreadPool(1, daemons("plugin-timer"));
    private final BootTurns bootTurns;
    private SandboxLauncher launcher;
    private String sandboxUnavailable;
    private Path runDir;
    private boolean ownRunDir;
    private Path runtimeJar;
    private Path cdsArchive;
    private volatile boolean closed;

    HostRuntime(PluginHostProperties properties) {
        this.properties = properties;
        // A JVM and the runtime boot well within three seconds on a busy machine.
        this.bootTurns = new BootTurns(properties.effectiveStartConcurrency(), Duration.ofSeconds(3), timers);
    }

    /** Makes the run folder, finds or makes the runtime jar and its class-data archive and starts the launcher. */
    void start() throws IOException {
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
        // The runtime jar and its class-data archive, kept under plugins.data-dir across host starts.
        PluginJvm.RuntimeFiles runtime = ClassDataSharing.prepare(properties, runDir);
        runtimeJar = runtime.jar();
        cdsArchive = runtime.cdsArchive();
        try {
            launcher = new SandboxLauncher(runDir);
            if (!launcher.staleCgroupsRemoved().isEmpty()) { // the constructor swept them
                log.info("removed {} cgroup(s) of launchers killed before they could clean up: {}",
                        launcher.staleCgroupsRemoved().size(), launcher.staleCgroupsRemoved());
            }
            if (launcher.childUid() >= 0 && properties.getPluginUser().uid() == null) {
                // Said once at start: the default works, but who else is that uid on this machine decides the risk.
                log.warn("plugins run as uid {} (nobody), which other processes on this machine may share: one of "
                        + "them can read a plugin's environment and trace its JVM, and so use its host connection; set "
                        + "plugins.plugin-user.uid and .gid to ids nothing else uses", launcher.childUid());
            }
        } catch (SandboxUnavailableException e) {
            // The host still serves its API; every plugin is marked failed with this reason instead of running
            // unconfined.
            sandboxUnavailable = "the sandbox is not available on this machine: " + e.getMessage();
            log.error("{}: no plugin will be started", sandboxUnavailable);
        }
    }

    /** @return the launcher, or null when the sandbox is not available here ({@link #sandboxUnavailable()}) */
    SandboxLauncher launcher() {
        return launcher;
    }

    /** @return why the sandbox cannot run here, or null when it can */
    String sandboxUnavailable() {
        return sandboxUnavailable;
    }

    Path runDir() {
        return runDir;
    }

    Path runtimeJar() {
        return runtimeJar;
    }

    /** @return the runtime's class-data sharing archive, or null when there is none */
    Path cdsArchive() {
        return cdsArchive;
    }

    EventLoopGroup boss() {
        return boss;
    }

    EventLoopGroup workers() {
        return workers;
    }

    /** Capability calls of every plugin. */
    ExecutorService calls() {
        return calls;
    }

    /** Launches, stops and retirements: they wait for plugin JVMs, never on a caller's thread. */
    ExecutorService starts() {
        return starts;
    }

    /** Plugin JVMs booting at once ({@code plugins.start-concurrency}). */
    BootTurns bootTurns() {
        return bootTurns;
    }

    /** Restart backoffs and health checks. */
    ScheduledExecutorService timers() {
        return timers;
    }

    /** @return true once the host began to stop: nothing is launched or restarted any more */
    boolean closed() {
        return closed;
    }

    /** From now on nothing is launched or restarted, and no timer fires. */
    void closing() {
        closed = true;
        timers.shutdownNow();
    }

    /** Stops the pools, the event loops and the launcher, and removes a run folder the host made itself. */
    @Override
    public void close() {
        closing();
        starts.shutdownNow();
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        calls.shutdown();
        if (launcher != null) {
            launcher.close();
        }
        if (ownRunDir && runDir != null) {
            try {
                SafeFiles.deleteTree(runDir); // plugins wrote into it: links are removed, never followed
            } catch (IOException e) {
                log.debug("cannot remove {}: {}", runDir, e.toString());
            }
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
}
