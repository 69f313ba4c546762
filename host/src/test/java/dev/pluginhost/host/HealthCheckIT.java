package dev.pluginhost.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pluginhost.host.fixtures.VersionedPlugin;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/**
 * The health call of the channel contract, with real processes: a running plugin's runtime answers every check (it
 * is not killed however often it is asked), and a plugin JVM that stops answering (frozen with SIGSTOP) is killed
 * after plugins.supervision.health-failures checks in a row and restarted.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HealthCheckIT {

    @RegisterExtension
    static final HostProcess host = HostProcess.forClass(work -> HostProcess.start(work,
            PluginsFolder.in(work).write("alpha", VersionedPlugin.class, "log").path(),
            "--plugins.supervision.health-interval=200ms",
            "--plugins.supervision.health-timeout=500ms",
            "--plugins.supervision.health-failures=2",
            "--plugins.supervision.initial-backoff=100ms"), Duration.ofSeconds(180), "alpha");

    @Test
    @Order(1)
    void aRunningPluginAnswersEveryHealthCheck() throws Exception {
        long pid = host.plugin("alpha").get("pid").asLong();
        Thread.sleep(3000); // about fifteen checks; two unanswered in a row would kill it
        JsonNode alpha = host.plugin("alpha");
        assertThat(alpha.get("pid").asLong()).isEqualTo(pid);
        assertThat(alpha.get("restarts").asInt()).isZero();
        assertThat(host.log()).doesNotContain("failed health check");
    }

    @Test
    @Order(2)
    void aPluginThatStopsAnsweringIsKilledAndRestarted() throws Exception {
        long pid = host.plugin("alpha").get("pid").asLong();
        new ProcessBuilder("kill", "-STOP", Long.toString(pid)).start().waitFor();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .until(() -> host.running("alpha") && host.plugin("alpha").get("pid").asLong() != pid);
        assertThat(host.log()).contains("plugin alpha failed health check 2 of 2");
        assertThat(host.plugin("alpha").get("restarts").asInt()).isEqualTo(1);
        await().atMost(Duration.ofSeconds(10)).until(() -> ProcessHandle.of(pid).isEmpty());
    }
}
