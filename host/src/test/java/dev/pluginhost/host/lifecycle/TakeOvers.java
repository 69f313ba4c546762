package dev.pluginhost.host.lifecycle;

import dev.pluginhost.host.PluginHostProperties;
import dev.pluginhost.host.capability.PluginGrants;
import dev.pluginhost.host.discovery.PluginDescriptor;
import dev.pluginhost.host.discovery.VersionRange;
import dev.pluginhost.host.logs.PluginLogSink;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * The moves of a plugin's launches that the take-over and state tests force by hand, each as the host makes it, on
 * the real {@link PluginInstance} and {@link Supervisor}: no process runs.
 */
final class TakeOvers {

    private TakeOvers() {
    }

    /** @return plugin {@code p}, NEW, with no grants and the default log limits */
    static PluginInstance instance() {
        PluginDescriptor descriptor = new PluginDescriptor("p", "1", "P", new VersionRange(1, 1), Set.of(),
                Path.of("p.jar"));
        return new PluginInstance(descriptor, new PluginGrants(Set.of()), new PluginLogSink("p",
                PluginHostProperties.group(PluginHostProperties.Logs.class), new SimpleMeterRegistry()));
    }

    /** @return a launch that started and took over: the plugin is RUNNING on it */
    static Launch serving(PluginInstance instance) {
        Launch launch = new Launch(instance.descriptor());
        instance.starting(launch);
        instance.promote(launch, List.of("op"));
        return launch;
    }

    /** @return a new version's launch begun beside the serving one, whose session said ready, not yet taken over */
    static Launch readyCandidate(PluginInstance instance) {
        Launch next = new Launch(instance.descriptor());
        instance.candidate(next);
        next.ready.complete(List.of("op"));
        return next;
    }

    /** What ProcessEvents.onExit does when a launcher the host did not stop dies ({@code why}: how). */
    static void killed(Launch launch, PluginInstance instance, Supervisor supervisor, String why) {
        launch.exited.complete(null);
        launch.ready.completeExceptionally(new IllegalStateException(why));
        supervisor.crashed(instance, launch, why);
    }

    /** Sets {@code plugins.supervision.initial-backoff}: how soon the supervisor's restart of a crash begins. */
    static void restartAfter(PluginHostProperties properties, String backoff) {
        properties.setSupervision(
                PluginHostProperties.group(PluginHostProperties.Supervision.class, "initial-backoff=" + backoff));
    }
}
