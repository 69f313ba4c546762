package dev.pluginhost.host.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pluginhost.host.discovery.PluginDescriptor;
import dev.pluginhost.host.discovery.VersionRange;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which standbys are kept, and that every one not kept is ended (its handshake never answered). */
class StandbysTest {

    private final PluginDescriptor descriptor = new PluginDescriptor("p", "1", "P", new VersionRange(1, 1), Set.of(),
            Path.of("p.jar"));

    @Test
    void aSecondStandbyEndsTheFirst() {
        Standbys standbys = new Standbys();
        Launch first = standby();
        Launch second = standby();
        assertThat(standbys.put("p", first)).isTrue();
        assertThat(standbys.put("p", second)).isTrue();
        assertThat(ended(first)).isTrue();
        assertThat(ended(second)).isFalse();
    }

    /** A standby that finished booting after the host began to stop would otherwise be left running. */
    @Test
    void aStandbyPutAfterCloseIsEndedNotKept() {
        Standbys standbys = new Standbys();
        Launch before = standby();
        standbys.put("p", before);
        standbys.close();
        assertThat(ended(before)).isTrue();

        Launch late = standby();
        assertThat(standbys.put("q", late)).isFalse();
        assertThat(ended(late)).isTrue();
        assertThat(standbys.has("q", descriptor)).isFalse();
    }

    private Launch standby() {
        Launch launch = new Launch(descriptor);
        launch.standby = true;
        return launch;
    }

    private static boolean ended(Launch launch) {
        return launch.stopping && launch.started.isCompletedExceptionally();
    }
}
