package dev.pluginhost.host.lifecycle;

import static dev.pluginhost.host.lifecycle.PluginState.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** The lifecycle's moves: PluginState's table, enforced by PluginInstance.transition. */
class PluginStateTest {

    /** A legal way from INSTALLED into each state, as the host takes it. */
    private static final Map<PluginState, List<PluginState>> PATHS = Map.of(
            INSTALLED, List.of(),
            STARTING, List.of(STARTING),
            RUNNING, List.of(STARTING, RUNNING),
            STOPPING, List.of(STARTING, RUNNING, STOPPING),
            STOPPED, List.of(STARTING, RUNNING, STOPPING, STOPPED),
            FAILED, List.of(STARTING, FAILED),
            QUARANTINED, List.of(STARTING, QUARANTINED));

    @ParameterizedTest
    @EnumSource(PluginState.class)
    void everyLegalMoveIsAcceptedAndEveryOtherRefused(PluginState from) {
        for (PluginState to : PluginState.values()) {
            PluginInstance instance = in(from);
            if (from.canMoveTo(to)) {
                instance.transition(to, null);
                assertThat(instance.state()).as(from + " -> " + to).isEqualTo(to);
            } else {
                assertThatThrownBy(() -> instance.transition(to, "why"))
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessage("plugin 'p' cannot move from " + from + " to " + to);
                assertThat(instance.state()).as("refused " + from + " -> " + to).isEqualTo(from);
                assertThat(instance.lastError()).isNull();
            }
        }
    }

    /** A few moves read against the table by hand, so that the table itself is checked, not only its use. */
    @ParameterizedTest(name = "{0} -> {1}: {2} ({3})")
    @CsvSource({
            "INSTALLED, RUNNING, false, running without starting",
            "RUNNING, STOPPED, false, stopped without stopping",
            "STOPPED, RUNNING, false, a stopped plugin taken over by a new version",
            "STOPPING, STARTING, false, started while being stopped",
            "FAILED, QUARANTINED, false, quarantined without a crash of a launch",
            "RUNNING, INSTALLED, false, installed again",
            "RUNNING, STARTING, false, a launch begun over the serving one (issue 16's leaked JVM)",
            "STARTING, RUNNING, true, ready",
            "RUNNING, RUNNING, true, a new version takes over",
            "FAILED, RUNNING, true, a new version takes over a crashed launch",
            "QUARANTINED, STARTING, true, an operator lifts a quarantine",
            "STOPPED, STOPPING, true, the host shuts down"})
    void theTableSaysWhatTheHostDoes(PluginState from, PluginState to, boolean legal, String meaning) {
        assertThat(from.canMoveTo(to)).as(meaning).isEqualTo(legal);
    }

    @ParameterizedTest
    @EnumSource(PluginState.class)
    void everyStateMayBeStoppedAndNoneInstalledAgain(PluginState state) {
        assertThat(state.canMoveTo(STOPPING)).isTrue();
        assertThat(state.canMoveTo(INSTALLED)).isFalse();
    }

    @Test
    void startingAndPromotingCheckTheMoveBeforeChangingTheLaunch() {
        PluginInstance stopped = in(STOPPED);
        Launch before = stopped.active();
        Launch next = new Launch(stopped.descriptor());
        assertThatThrownBy(() -> stopped.promote(next, List.of("op")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("from STOPPED to RUNNING");
        assertThat(stopped.active()).isSameAs(before);
        assertThat(stopped.operations()).isEmpty();

        PluginInstance stopping = in(STOPPING);
        assertThatThrownBy(() -> stopping.starting(next)).hasMessageContaining("from STOPPING to STARTING");
        assertThat(stopping.active()).isNotSameAs(next);
    }

    private static PluginInstance in(PluginState state) {
        PluginInstance instance = TakeOvers.instance();
        PATHS.get(state).forEach(s -> instance.transition(s, null));
        assertThat(instance.state()).isEqualTo(state);
        return instance;
    }
}
