package dev.pluginhost.host.lifecycle;

import static dev.pluginhost.host.lifecycle.TakeOvers.instance;
import static dev.pluginhost.host.lifecycle.TakeOvers.killed;
import static dev.pluginhost.host.lifecycle.TakeOvers.readyCandidate;
import static dev.pluginhost.host.lifecycle.TakeOvers.restartAfter;
import static dev.pluginhost.host.lifecycle.TakeOvers.serving;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.pluginhost.host.PluginHostProperties;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A plugin JVM killed after its session said "ready" but before its launch thread made it the plugin's launch (issue
 * 16: a FaultsIT run saw the host start {@code writer} twice and the API show a pid that had been killed). The
 * crash is handled first (FAILED, a restart scheduled or begun); the late take-over must then be refused, or the
 * plugin is RUNNING on a dead JVM with its restart retired or skipped, stuck for good. The interleaving is forced
 * here, with the real {@link Supervisor} and {@link PluginInstance}; FaultsIT meets it at random.
 */
class CrashBeforeTakeOverTest {

    private final PluginHostProperties properties = new PluginHostProperties();
    private final HostRuntime runtime = new HostRuntime(properties);

    @AfterEach
    void close() {
        runtime.timers().shutdownNow();
        runtime.starts().shutdownNow();
    }

    @Test
    void aLaunchThatDiedBeforeItsTakeOverNeverServesOverTheRestartItsCrashBegan() {
        restartAfter(properties, "1ms");
        PluginInstance instance = instance();
        Launch[] restart = new Launch[1];
        Supervisor supervisor = new Supervisor(properties, runtime, () -> List.of(instance), i -> {
            restart[0] = new Launch(i.descriptor());
            i.starting(restart[0]); // what Launches.launch does first
        });
        Launch first = new Launch(instance.descriptor());
        instance.starting(first);
        first.ready.complete(List.of("op")); // the session said ready; the launch thread has not taken over yet

        killed(first, instance, supervisor, "plugin JVM was killed by signal 9");
        await().atMost(Duration.ofSeconds(10)).until(() -> restart[0] != null && instance.active() == restart[0]);

        assertThatThrownBy(() -> instance.promote(first, List.of("op")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("ended before it took over");
        assertThat(instance.active()).as("the restart stays the plugin's launch").isSameAs(restart[0]);
        assertThat(instance.state()).isEqualTo(PluginState.STARTING);
    }

    @Test
    void aLaunchThatDiedBeforeItsTakeOverLeavesThePluginFailedWithItsRestartPending() {
        restartAfter(properties, "1m");
        PluginInstance instance = instance();
        Supervisor supervisor = new Supervisor(properties, runtime, () -> List.of(instance), i -> { });
        Launch first = new Launch(instance.descriptor());
        instance.starting(first);
        first.ready.complete(List.of("op"));

        killed(first, instance, supervisor, "plugin JVM was killed by signal 9");

        assertThatThrownBy(() -> instance.promote(first, List.of("op"))).isInstanceOf(IllegalStateException.class);
        assertThat(instance.state()).as("FAILED: its restart (scheduled) runs only from FAILED")
                .isEqualTo(PluginState.FAILED);
        assertThat(instance.pid()).isEqualTo(-1);
    }

    @Test
    void aNewVersionThatDiedBeforeItsTakeOverLeavesTheServingLaunch() {
        PluginInstance instance = instance();
        Supervisor supervisor = new Supervisor(properties, runtime, () -> List.of(instance), i -> { });
        Launch serving = serving(instance);
        Launch candidate = readyCandidate(instance);

        killed(candidate, instance, supervisor, "plugin JVM was killed by signal 9"); // not the active launch: no crash of the plugin

        assertThatThrownBy(() -> instance.promote(candidate, List.of("op"))).isInstanceOf(IllegalStateException.class);
        assertThat(instance.active()).isSameAs(serving);
        assertThat(instance.state()).isEqualTo(PluginState.RUNNING);
    }

    @Test
    void aNewVersionSupersededByANewerOneGivesWayToIt() {
        PluginInstance instance = instance();
        Launch serving = serving(instance);
        Launch second = new Launch(instance.descriptor());
        instance.candidate(second);
        Launch third = new Launch(instance.descriptor()); // its jar copied in again while the second started
        instance.candidate(third);
        second.ready.complete(List.of("op"));

        assertThatThrownBy(() -> instance.promote(second, List.of("op"))).isInstanceOf(IllegalStateException.class);
        assertThat(instance.dropCandidate(second)).as("what Launches.failed does then: the newer one stays").isFalse();
        assertThat(instance.promote(third, List.of("op"))).isSameAs(serving);
        assertThat(instance.active()).isSameAs(third);
    }

    @Test
    void aLaunchTheHostRetiredIsNotTakenOverEither() {
        PluginInstance instance = instance();
        Launch first = new Launch(instance.descriptor());
        instance.starting(first);
        first.stopping = true; // retired (an operator's restart) while it started
        Launch next = new Launch(instance.descriptor());
        instance.starting(next);

        assertThatThrownBy(() -> instance.promote(first, List.of("op"))).isInstanceOf(IllegalStateException.class);
        assertThat(instance.active()).isSameAs(next);
    }
}
