package dev.pluginhost.host.lifecycle;

import dev.pluginhost.host.capability.PluginConnection;
import dev.pluginhost.host.capability.PluginServer;
import dev.pluginhost.host.discovery.PluginDescriptor;
import dev.pluginhost.sandbox.SandboxedProcess;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One run of a plugin: its JVM, socket and session, from launch to exit. A restart or a new version is a new launch;
 * during a replace, two launches of one plugin live side by side.
 */
final class Launch {

    final PluginDescriptor descriptor;
    final CompletableFuture<List<String>> ready = new CompletableFuture<>();
    final CompletableFuture<Void> exited = new CompletableFuture<>();
    /**
     * Completed when the plugin may start: at once, or for a standby launch (plugins.standby) when a start takes it;
     * until then its runtime waits in its handshake, no plugin code loaded.
     */
    final CompletableFuture<Void> started = new CompletableFuture<>();
    /** A standby launch not taken by a start yet: its exit is no crash of the plugin. */
    volatile boolean standby;
    volatile PluginConnection connection;
    volatile PluginServer server;
    volatile SandboxedProcess process;
    /** Completed once the launcher runs; the handshake may arrive before {@link #process} is assigned. */
    final CompletableFuture<SandboxedProcess> launched = new CompletableFuture<>();
    volatile long pid = -1;
    /** Its launch folder (jar copy, socket, temporary files), once made. */
    volatile PluginFiles files;
    /** Set when the host asked this launch to end, so its exit is not a crash. */
    volatile boolean stopping;
    /** A launch ends once: its process exit and its failed start may both report it, only the first counts. */
    final java.util.concurrent.atomic.AtomicBoolean ended = new java.util.concurrent.atomic.AtomicBoolean();

    /** Run-phase violations of this launch in the current window, for the flood limit. */
    private final java.util.ArrayDeque<Long> violations = new java.util.ArrayDeque<>();

    Launch(PluginDescriptor descriptor) {
        this.descriptor = descriptor;
    }

    /**
     * Records a run-phase violation now.
     *
     * @return how many fell within the window, this one included
     */
    synchronized int violation(java.time.Duration window) {
        long now = System.nanoTime();
        violations.addLast(now);
        while (!violations.isEmpty() && now - violations.peekFirst() > window.toNanos()) {
            violations.removeFirst();
        }
        return violations.size();
    }

    /**
     * Kills what is left of the JVM and closes the socket; the launch folder (with its copy of the jar, up to
     * plugins.max-jar-size) is removed once the JVM is gone, so that a plugin cannot write into it while it goes.
     */
    void release() {
        started.completeExceptionally(new IllegalStateException("the launch ended")); // no handshake answered
        SandboxedProcess p = process;
        if (p != null && p.isAlive()) {
            p.kill();
        }
        PluginServer s = server;
        if (s != null) {
            s.close();
        }
        PluginFiles f = files;
        if (f != null) {
            if (p == null) {
                f.removeLaunchDir();
            } else {
                exited.whenComplete((ignored, error) -> f.removeLaunchDir());
            }
        }
    }
}
