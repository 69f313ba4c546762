package dev.pluginhost.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pluginhost.host.fixtures.FloodPlugin;
import dev.pluginhost.host.fixtures.TestPluginJar;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * What happens to a plugin that makes a forbidden system call, per {@code plugins.sandbox.mode}, with real plugin
 * JVMs: in {@code kill} mode it is gone within a second and restarted by the supervisor; in {@code audit} mode the call
 * succeeds and is reported; a flood of violations ends with the plugin killed while the host keeps answering.
 */
class ViolationModesIT {

    @TempDir
    Path work;

    @Test
    void killModeKillsTheViolatorWithinASecondAndTheSupervisorRestartsIt() throws Exception {
        try (HostProcess host = start("--plugins.sandbox.modes.hello=kill",
                "--plugins.supervision.initial-backoff=200ms")) {
            long pid = host.plugin("hello").get("pid").asLong();
            long before = System.nanoTime();
            HttpResponse<String> probe = host.post("/api/plugins/hello/invoke/probe", "");
            assertThat(probe.statusCode()).as("the plugin died during the call: %s", probe.body()).isEqualTo(502);
            await().atMost(Duration.ofSeconds(1)).until(() -> ProcessHandle.of(pid).isEmpty());
            assertThat(Duration.ofNanos(System.nanoTime() - before)).isLessThan(Duration.ofSeconds(2));
            JsonNode violations = host.json("/api/plugins/hello/violations");
            assertThat(violations.findValuesAsString("action")).contains("kill");
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                JsonNode hello = host.plugin("hello");
                return hello.get("state").asString().equals("running") && hello.get("pid").asLong() != pid;
            });
            assertThat(host.plugin("hello").get("restarts").asInt()).isEqualTo(1);
            assertThat(host.plugin("hello").get("lastError").asString()).contains("killed by signal 9");
        }
    }

    @Test
    void auditModeLetsTheCallThroughAndReportsIt() throws Exception {
        try (HostProcess host = start("--plugins.sandbox.mode=audit")) {
            HttpResponse<String> probe = host.post("/api/plugins/hello/invoke/probe", "");
            assertThat(probe.statusCode()).isEqualTo(200);
            assertThat(probe.body()).contains("allowed (the sandbox did not stop an AF_INET socket)");
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                JsonNode violations = host.json("/api/plugins/hello/violations");
                assertThat(violations.toString()).contains("\"syscall\":\"socket\"").contains("\"action\":\"audit\"")
                        .contains("\"phase\":\"run\"");
                assertThat(HostEndToEndIT.counter(host.get("/actuator/prometheus").body(),
                        "plugin_syscall_denied_total", "plugin=\"hello\"", "syscall=\"socket\"")).isPositive();
            });
        }
    }

    @Test
    void aViolationFloodEndsWithThePluginKilledAndTheHostResponsive() throws Exception {
        Path plugins = plugins();
        TestPluginJar.write(plugins, "flood.jar", "flood", "1", FloodPlugin.class, "log");
        try (HostProcess host = HostProcess.start(work, plugins, "--plugins.sandbox.violation-limit=50",
                "--plugins.supervision.initial-backoff=200ms")) {
            awaitRunning(host, "flood");
            long pid = host.plugin("flood").get("pid").asLong();
            HttpResponse<String> flood = host.post("/api/plugins/flood/invoke/flood", "");
            assertThat(flood.statusCode()).as("killed before it finished: %s", flood.body()).isEqualTo(502);
            await().atMost(Duration.ofSeconds(2)).until(() -> ProcessHandle.of(pid).isEmpty());
            assertThat(host.get("/api/plugins").statusCode()).isEqualTo(200);
            assertThat(host.log()).contains("(plugins.sandbox.violation-limit): killing it");
            double counted = HostEndToEndIT.counter(host.get("/actuator/prometheus").body(),
                    "plugin_syscall_denied_total", "plugin=\"flood\"");
            assertThat(counted).isGreaterThan(50);
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    host.plugin("flood").get("state").asString().equals("running"));
        }
    }

    private HostProcess start(String... args) throws Exception {
        Path plugins = plugins();
        Path samples = Path.of(System.getProperty("samples.dir", "../sample-plugins/target/plugins"));
        try (Stream<Path> jars = Files.list(samples)) {
            Files.copy(jars.filter(p -> p.getFileName().toString().startsWith("hello-")).findFirst().orElseThrow(),
                    plugins.resolve("hello.jar"));
        }
        HostProcess host = HostProcess.start(work, plugins, args);
        awaitRunning(host, "hello");
        return host;
    }

    private Path plugins() throws Exception {
        return Files.createDirectories(work.resolve("plugins"));
    }

    private static void awaitRunning(HostProcess host, String id) {
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() ->
                host.plugin(id).get("state").asString().equals("running"));
    }
}
