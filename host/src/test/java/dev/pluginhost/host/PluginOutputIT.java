package dev.pluginhost.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pluginhost.host.fixtures.OutputFloodPlugin;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/**
 * What a plugin writes (stdout, stderr, SDK log records) with the real packaged host and real plugin JVMs: huge lines
 * do not pin the host's memory, the kept tail stays small, and text forged to look like the host's own log lines stays
 * one escaped line of the plugin that wrote it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PluginOutputIT {

    private static final long MIB = 1024 * 1024;

    @RegisterExtension
    static final HostProcess host = HostProcess.forClass(work -> HostProcess.start(work,
            PluginsFolder.in(work).write("noisy", OutputFloodPlugin.class, "log")
                    .write("calm", OutputFloodPlugin.class, "log").path(),
            "--plugins.run-dir=" + work.resolve("run")), Duration.ofSeconds(180), "noisy", "calm");

    @Test
    @Order(1)
    void forgedLinesStayOneEscapedLineOfThePlugin() throws Exception {
        assertThat(call("calm", "forge", "{}").statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(20)).until(() -> host.log().lines()
                .filter(l -> l.contains("forged by a plugin")).count() >= 2);
        String log = host.log();
        List<String> forged = log.lines().filter(l -> l.contains("forged by a plugin")).toList();
        // On stdout a newline ends a line (the plugin wrote two); each is a line of the plugin, escaped.
        assertThat(forged).as("host log:%n%s", log).hasSize(2).allSatisfy(line -> assertThat(line)
                .matches("^\\d{4}-\\d\\d-\\d\\dT.*")
                .contains("2026-01-01T00:00:00.000Z  INFO 1 --- [main]")
                .contains("\\x1b[31mred\\x1b[0m\\r\\u2028\\u202edone"));
        assertThat(forged).anySatisfy(line -> assertThat(line).contains("[calm stdout] 2026-01-01T00:00:00.000Z"))
                .as("a log record is one line").anySatisfy(line -> assertThat(line)
                        .contains("[calm] log innocent\\n2026-01-01T00:00:00.000Z"));
        assertThat(log.lines().filter(l -> l.startsWith("2026-01-01"))).as("a forged host line").isEmpty();
        assertThat(log).as("no raw control character from a plugin reaches the host's log")
                .doesNotContain("\u001b").doesNotContain("\u2028").doesNotContain("\u202e").doesNotContain("\r");
        for (JsonNode line : host.json("/api/plugins/calm/logs")) {
            assertThat(line.get("message").asString()).doesNotContain("\n").doesNotContain("\u001b");
        }
    }

    @Test
    @Order(2)
    void hugeLinesDoNotPinTheHostsMemory() throws Exception {
        long before = rss(host.pid());
        assertThat(call("noisy", "print", "{\"lines\":40,\"mib\":16}").statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500)).until(() -> {
            if (!host.isAlive()) {
                throw new AssertionError("host died; the end of its log:\n" + tail(host.log()));
            }
            return printed("noisy").equals("done");
        });
        Thread.sleep(500); // the pump reads the pipe's last 64 KiB
        long after = rss(host.pid());
        System.out.printf("host RSS before %d MiB, after 40 lines of 16 MiB %d MiB%n", before / MIB, after / MIB);
        assertThat(after - before).as("host RSS growth (before %d MiB, after %d MiB)", before / MIB, after / MIB)
                .isLessThan(256 * MIB);
        assertLogsSmall("noisy");
        assertThat(call("calm", "ping", "{}").statusCode()).as("another plugin keeps answering").isEqualTo(200);
        assertThat(call("noisy", "ping", "{}").statusCode()).as("the noisy plugin itself keeps answering")
                .isEqualTo(200);
        String metrics = host.get("/actuator/prometheus").body();
        assertThat(HostEndToEndIT.counter(metrics, "plugin_logs_discarded_bytes_total", "plugin=\"noisy\"",
                "reason=\"truncated\"")).as("bytes cut from the long lines").isGreaterThan(30.0 * 16 * MIB);
    }

    @Test
    @Order(3)
    void hugeLogRecordsAreCutAndTheTailStaysSmall() throws Exception {
        assertThat(call("noisy", "log", "{\"records\":8,\"mib\":3}").statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(30)).until(() -> HostEndToEndIT.counter(
                host.get("/actuator/prometheus").body(), "plugin_logs_discarded_bytes_total", "plugin=\"noisy\"",
                "reason=\"truncated\"") > 40.0 * 16 * MIB + 7 * 3 * MIB);
        assertLogsSmall("noisy");
        assertThat(host.isAlive()).isTrue();
        assertThat(call("calm", "ping", "{}").statusCode()).isEqualTo(200);
    }

    private static void assertLogsSmall(String plugin) throws Exception {
        long t0 = System.nanoTime();
        HttpResponse<String> logs = host.get("/api/plugins/" + plugin + "/logs");
        long millis = (System.nanoTime() - t0) / 1_000_000;
        int bytes = logs.body().getBytes(StandardCharsets.UTF_8).length;
        System.out.printf("/api/plugins/%s/logs: %d bytes in %d ms%n", plugin, bytes, millis);
        assertThat(logs.statusCode()).isEqualTo(200);
        assertThat(bytes).as("size of /api/plugins/%s/logs", plugin).isLessThan((int) MIB);
        assertThat(logs.body()).contains("more cut: plugins.logs.max-line-bytes");
    }

    private static String printed(String plugin) throws Exception {
        HttpResponse<String> r = call(plugin, "printed", "{}");
        return r.statusCode() == 200 ? HostProcess.JSON.readTree(r.body()).get("state").asString() : r.body();
    }

    static long rss(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new AssertionError("no VmRSS in /proc/" + pid + "/status");
    }

    private static String tail(String log) {
        return log.length() < 20_000 ? log : log.substring(log.length() - 20_000);
    }

    private static HttpResponse<String> call(String plugin, String operation, String body) throws Exception {
        return host.post("/api/plugins/" + plugin + "/invoke/" + operation, body);
    }
}
