package dev.pluginhost.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pluginhost.host.fixtures.FailingPlugin;
import dev.pluginhost.host.fixtures.TestPluginJar;
import dev.pluginhost.host.fixtures.VersionedPlugin;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/**
 * A plugin fleet under an operator's hands, with real processes: jars dropped into, replaced in and removed from the
 * watched folder of a running host; plugins killed, crash-looping and broken.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FleetIT {

    @RegisterExtension
    static final HostProcess host = HostProcess.forClass(work -> HostProcess.start(work,
            Files.createDirectories(work.resolve("plugins")),
            "--plugins.watch-settle=300ms",
            "--plugins.supervision.initial-backoff=200ms",
            "--plugins.supervision.max-backoff=2s",
            "--plugins.supervision.quarantine-after=3",
            "--plugins.supervision.crash-window=1m",
            "--plugins.stop-grace=3s"), Duration.ofSeconds(180));

    /** @return the host's watched plugins folder */
    static Path plugins() {
        return host.work().resolve("plugins");
    }

    @Test
    @Order(1)
    void aJarDroppedIntoTheFolderStartsWithoutARestart() throws Exception {
        TestPluginJar.write(plugins(), "alpha.jar", "alpha", "1", VersionedPlugin.class, "log");
        TestPluginJar.write(plugins(), "beta.jar", "beta", "1", VersionedPlugin.class, "log");
        awaitState("alpha", "running");
        awaitState("beta", "running");
        assertThat(version("alpha")).isEqualTo("1");
    }

    @Test
    @Order(2)
    void replacingAJarUnderSteadyLoadFailsNoInvocation() throws Exception {
        long oldPid = host.plugin("alpha").get("pid").asLong();
        AtomicBoolean running = new AtomicBoolean(true);
        List<String> failures = new CopyOnWriteArrayList<>();
        Set<String> versions = ConcurrentHashMap.newKeySet();
        AtomicInteger calls = new AtomicInteger();
        List<Thread> callers = List.of(caller(running, failures, versions, calls),
                caller(running, failures, versions, calls), caller(running, failures, versions, calls));
        callers.forEach(Thread::start);
        Thread.sleep(500);
        TestPluginJar.write(plugins(), "alpha.jar", "alpha", "2", VersionedPlugin.class, "log");
        await().atMost(Duration.ofSeconds(60)).until(() -> versions.contains("2"));
        Thread.sleep(1000); // keep calling while the old version retires
        running.set(false);
        for (Thread t : callers) {
            t.join();
        }
        assertThat(failures).as("failed invocations during the replace").isEmpty();
        assertThat(versions).containsExactlyInAnyOrder("1", "2");
        assertThat(calls.get()).isGreaterThan(10);
        assertThat(version("alpha")).isEqualTo("2");
        await().atMost(Duration.ofSeconds(10)).until(() -> ProcessHandle.of(oldPid).isEmpty());
    }

    @Test
    @Order(3)
    void aPluginKilledWithSigkillIsRestartedWithBackoff() throws Exception {
        long pid = host.plugin("beta").get("pid").asLong();
        new ProcessBuilder("kill", "-9", Long.toString(pid)).start().waitFor();
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            JsonNode beta = host.plugin("beta");
            return beta != null && beta.get("state").asString().equals("running")
                    && beta.get("pid").asLong() != pid;
        });
        JsonNode beta = host.plugin("beta");
        assertThat(beta.get("restarts").asInt()).isEqualTo(1);
        assertThat(beta.get("lastError").asString()).contains("killed by signal").contains("restart 1 in");
        assertThat(version("beta")).isEqualTo("1");
    }

    @Test
    @Order(4)
    void aCrashLoopingPluginIsQuarantined() throws Exception {
        TestPluginJar.write(plugins(), "gamma.jar", "gamma", "1", FailingPlugin.class, "log");
        awaitState("gamma", "quarantined");
        JsonNode gamma = host.plugin("gamma");
        assertThat(gamma.get("lastError").asString()).contains("quarantined after 3 crashes")
                .contains("always fails to start");
        assertThat(gamma.get("restarts").asInt()).isEqualTo(2);
        String health = host.get("/actuator/health").body();
        assertThat(health).contains("\"status\":\"DEGRADED\"");
        assertThat(host.get("/actuator/health").statusCode()).as("degraded, not down").isEqualTo(200);
    }

    @Test
    @Order(5)
    void aBrokenNewVersionLeavesTheOldOneServing() throws Exception {
        TestPluginJar.write(plugins(), "alpha.jar", "alpha", "3", FailingPlugin.class, "log");
        await().atMost(Duration.ofSeconds(60)).until(() ->
                host.json("/api/rejections").toString().contains("new version 3"));
        assertThat(host.json("/api/rejections").toString()).contains("alpha.jar").contains("always fails to start");
        assertThat(host.plugin("alpha").get("state").asString()).isEqualTo("running");
        assertThat(version("alpha")).isEqualTo("2");
    }

    @Test
    @Order(6)
    void aCorruptJarDroppedLaterIsRejectedByNameAndNothingElseStops() throws Exception {
        Files.write(plugins().resolve("garbage.jar"), new byte[] {'P', 'K', 1, 2, 3});
        await().atMost(Duration.ofSeconds(30)).until(() ->
                host.json("/api/rejections").toString().contains("garbage.jar: not a readable jar"));
        assertThat(version("alpha")).isEqualTo("2");
        assertThat(version("beta")).isEqualTo("1");
    }

    @Test
    @Order(7)
    void aRemovedJarStopsItsPlugin() throws Exception {
        long pid = host.plugin("beta").get("pid").asLong();
        Files.delete(plugins().resolve("beta.jar"));
        await().atMost(Duration.ofSeconds(30)).until(() -> host.plugin("beta") == null);
        await().atMost(Duration.ofSeconds(10)).until(() -> ProcessHandle.of(pid).isEmpty());
        assertThat(host.get("/api/plugins/beta").statusCode()).isEqualTo(404);
        assertThat(host.get("/api/plugins/beta").body()).contains("no plugin 'beta' is installed");
    }

    @Test
    @Order(8)
    void stopAndStartThroughTheApi() throws Exception {
        HttpResponse<String> stopped = host.post("/api/plugins/alpha/stop", "");
        assertThat(stopped.statusCode()).as(stopped.body()).isEqualTo(200);
        assertThat(host.plugin("alpha").get("state").asString()).isEqualTo("stopped");
        HttpResponse<String> refused = host.post("/api/plugins/alpha/invoke/version", "");
        assertThat(refused.statusCode()).isEqualTo(409);
        assertThat(refused.headers().firstValue("Content-Type")).hasValueSatisfying(v ->
                assertThat(v).contains("application/problem+json"));
        assertThat(refused.body()).contains("not running");
    }

    private static String version(String id) throws Exception {
        HttpResponse<String> response = host.post("/api/plugins/" + id + "/invoke/version", "");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return HostProcess.JSON.readTree(response.body()).get("version").asString();
    }

    private static void awaitState(String id, String state) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
            JsonNode plugin = host.plugin(id);
            return plugin != null && plugin.get("state").asString().equals(state);
        });
    }

    private static Thread caller(AtomicBoolean running, List<String> failures, Set<String> versions,
                                 AtomicInteger calls) {
        return new Thread(() -> {
            while (running.get()) {
                try {
                    HttpResponse<String> response = host.post("/api/plugins/alpha/invoke/slow", "");
                    calls.incrementAndGet();
                    if (response.statusCode() != 200) {
                        failures.add(response.statusCode() + " " + response.body());
                    } else {
                        versions.add(HostProcess.JSON.readTree(response.body()).get("version").asString());
                    }
                } catch (Exception e) {
                    failures.add(e.toString());
                }
            }
        });
    }
}
