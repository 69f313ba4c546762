package dev.pluginhost.host.lifecycle;

import dev.pluginhost.host.discovery.PluginDescriptor;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Standby launches ({@code plugins.standby.enabled}): once a plugin runs, the host boots one more sandboxed JVM for it
 * exactly as a cold start would (the plugin's own launch spec: its paths, grants, policy and limits) and holds it in
 * its handshake. There it waits in the boot phase, before any plugin code: the runtime has not loaded the plugin. The
 * plugin's next start (an operator's, or a restart after a crash) answers that handshake instead of booting a JVM.
 * A standby serves one start of the version it was made for, and no other plugin: it is that plugin's launch.
 */
final class Standbys {

    private final Map<String, Launch> waiting = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /**
     * @return the plugin's standby, alive and made from this very jar (same digest), now no longer a standby; else
     *     null, and a standby of another version is ended
     */
    Launch take(String id, PluginDescriptor descriptor) {
        Launch launch = waiting.remove(id);
        if (launch == null) {
            return null;
        }
        boolean alive = !launch.exited.isDone() && launch.process != null && launch.process.isAlive();
        if (!alive || !launch.descriptor.sameAs(descriptor)) {
            end(launch);
            return null;
        }
        launch.standby = false;
        return launch;
    }

    /** @return whether the plugin has a standby of this version waiting; one of another version is ended */
    boolean has(String id, PluginDescriptor descriptor) {
        Launch launch = waiting.get(id);
        if (launch != null && !launch.descriptor.sameAs(descriptor) && waiting.remove(id, launch)) {
            end(launch); // a new version took over: its standby comes next
            return false;
        }
        return launch != null;
    }

    /**
     * Keeps a booted standby; one per plugin, a previous one is ended. A standby that finished booting after the host
     * began to stop is ended, not kept: nothing would end it later, and its JVM would outlive the host's launches.
     *
     * @return whether it is kept
     */
    boolean put(String id, Launch launch) {
        Launch previous = waiting.put(id, launch);
        if (previous != null && previous != launch) {
            end(previous);
        }
        // After the put: a close that began before it either sees the entry or has set closed first.
        if (closed && waiting.remove(id, launch)) {
            end(launch);
            return false;
        }
        return true;
    }

    /** Ends the plugin's standby, if it has one (the plugin is uninstalled or replaced). */
    void discard(String id) {
        Launch launch = waiting.remove(id);
        if (launch != null) {
            end(launch);
        }
    }

    /** Ends every standby, and every one put later: the host stops. */
    void close() {
        closed = true;
        waiting.keySet().forEach(this::discard);
    }

    /** Ends a standby that serves no start: its exit is no crash, and its handshake is never answered (release). */
    static void end(Launch launch) {
        launch.stopping = true;
        launch.release();
    }
}
