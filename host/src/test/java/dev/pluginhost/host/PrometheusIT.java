package dev.pluginhost.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * A real Prometheus server (Debian's {@code prometheus} package) scrapes a real host; its query API must return the
 * denial counters after the hello plugin's probe. {@code promtool} checks the exposition and the alert rules.
 * Without the package this test fails, naming what to install: CI installs it.
 */
class PrometheusIT {

    @TempDir
    static Path work;

    static HostProcess host;
    static Process prometheus;
    static int prometheusPort;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        assertThat(Path.of("/usr/bin/prometheus")).as("Prometheus is needed: apt-get install prometheus").exists();
        host = HostProcess.start(work, PluginsFolder.in(work).sample("hello").path());
        host.awaitRunning(Duration.ofSeconds(90), "hello");

        prometheusPort = freePort();
        Path config = work.resolve("prometheus.yml");
        Files.writeString(config, """
                global:
                  scrape_interval: 1s
                scrape_configs:
                  - job_name: pluginhost
                    metrics_path: /actuator/prometheus
                    static_configs:
                      - targets: ['127.0.0.1:%d']
                rule_files:
                  - %s
                """.formatted(host.port(), alertRules().toAbsolutePath()));
        prometheus = new ProcessBuilder("/usr/bin/prometheus", "--config.file=" + config,
                "--storage.tsdb.path=" + work.resolve("tsdb"), "--web.listen-address=127.0.0.1:" + prometheusPort)
                .redirectErrorStream(true).redirectOutput(work.resolve("prometheus.log").toFile()).start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (prometheus != null) {
            prometheus.destroy();
            prometheus.waitFor(10, TimeUnit.SECONDS);
        }
        if (host != null) {
            host.close();
        }
    }

    @Test
    void prometheusSeesBothDenialCountersAfterTheProbe() throws Exception {
        HttpResponse<String> probe = host.post("/api/plugins/hello/invoke/probe", "");
        assertThat(probe.statusCode()).as(probe.body()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                .untilAsserted(() -> {
                    assertThat(query("plugin_syscall_denied_total{plugin=\"hello\",syscall=\"socket\"}"))
                            .isGreaterThanOrEqualTo(1);
                    assertThat(query("sum(plugin_capability_denied_total{plugin=\"hello\",capability=\"kv\"})"))
                            .isGreaterThanOrEqualTo(1);
                });
        JsonNode rules = json("/api/v1/rules");
        assertThat(rules.toString()).contains("PluginSandboxViolation").contains("PluginQuarantined");
    }

    /** The host's whole exposition, framework meters included, passes promtool without a single remark. */
    @Test
    void promtoolFindsNoProblemInTheExposition() throws Exception {
        String all = host.get("/actuator/prometheus").body();
        assertThat(all).contains("plugin_state").contains("plugin_syscall_boot_probes_total")
                .contains("http_server_requests_seconds").contains("jvm_memory_used_bytes");
        assertThat(promtool(all).trim()).as("promtool check metrics").isEmpty();
        // The resource gauges report the running plugin's JVM, read from /proc.
        assertThat(HostEndToEndIT.counter(all, "plugin_memory_rss_bytes", "plugin=\"hello\""))
                .as("RSS of the running plugin").isGreaterThan(1_000_000);
        assertThat(HostEndToEndIT.counter(all, "plugin_threads", "plugin=\"hello\"")).isGreaterThan(1);
    }

    private static String promtool(String exposition) throws Exception {
        Process promtool = new ProcessBuilder("/usr/bin/promtool", "check", "metrics").redirectErrorStream(true)
                .start();
        promtool.getOutputStream().write(exposition.getBytes(StandardCharsets.UTF_8));
        promtool.getOutputStream().close();
        String output = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        promtool.waitFor();
        return output;
    }

    @Test
    void promtoolAcceptsTheAlertRules() throws Exception {
        Process promtool = new ProcessBuilder("/usr/bin/promtool", "check", "rules", alertRules().toString())
                .redirectErrorStream(true).start();
        String output = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(promtool.waitFor()).as(output).isZero();
        assertThat(output).contains("SUCCESS");
    }

    private static Path alertRules() {
        return Path.of(System.getProperty("monitoring.dir", "../docs/monitoring"), "alerts.yml");
    }

    private static double query(String promql) throws Exception {
        JsonNode result = json("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8))
                .get("data").get("result");
        assertThat(result.isEmpty()).as("no series for %s yet", promql).isFalse();
        return Double.parseDouble(result.get(0).get("value").get(1).asString());
    }

    private static JsonNode json(String path) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + prometheusPort + path)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return HostProcess.JSON.readTree(response.body());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
