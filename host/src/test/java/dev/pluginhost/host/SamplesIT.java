package dev.pluginhost.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/**
 * Every sample plugin, built as the samples build them and started the way the README starts them (its
 * samples.properties), runs under the real sandbox and is exercised with zero violations after start-up. The hostile
 * sample is installed too, idle: installed, it must not disturb the others.
 */
class SamplesIT {

    static final List<String> HONEST = List.of("hello", "markdown", "listener", "weather");

    @RegisterExtension
    static final HostProcess host = HostProcess.forClass(work -> {
        Path settings = Path.of(System.getProperty("repo.dir", "..")).resolve("sample-plugins/samples.properties")
                .toAbsolutePath().normalize();
        return HostProcess.start(work, PluginsFolder.in(work).allSamples().path(),
                "--spring.config.additional-location=file:" + settings);
    }, Duration.ofSeconds(120), HONEST.toArray(String[]::new));

    @Test
    void everySampleWorksUnderTheSandboxWithoutAViolation() throws Exception {
        assertThat(post("hello", "greet", "{\"name\":\"Ada\"}").body()).contains("Hello, Ada!");
        assertThat(post("hello", "count", "").statusCode()).as("count needs kv, not granted here").isEqualTo(403);
        assertThat(post("markdown", "render", "{\"markdown\":\"# Title\\n\\n*hi*\"}").body())
                .contains("<h1>Title</h1>").contains("<em>hi</em>");
        assertThat(post("listener", "recent", "").statusCode()).isEqualTo(200);
        HttpResponse<String> weather = post("weather", "current", "{\"city\":\"Oslo\"}");
        assertThat(weather.body()).as("the host has no route to api.example.com here; the plugin says so")
                .contains("unreachable");

        // The hostile sample, under the real sandbox: a world-readable host file does not exist in its root, and its
        // environment holds nothing of the host's (PATH, HOME, ...), only what the host gave it. Neither attempt is
        // a system call the filter refuses: the file-system layers and the launcher stop them first.
        Path secret = Files.writeString(host.work().resolve("host-secret.txt"), "the host's secret");
        assertThat(secret.toFile().setReadable(true, false)).isTrue();
        HttpResponse<String> read = post("hostile", "read-file", secret.toString());
        assertThat(read.body()).contains("denied").doesNotContain("the host's secret");
        String environment = HostProcess.JSON.readTree(post("hostile", "environment", "").body())
                .get("variables").asString();
        assertThat(List.of(environment.split(","))).allMatch(v -> v.startsWith("PLUGIN_") || v.equals("LANG"))
                .contains("PLUGIN_ID");

        for (String id : List.of("hello", "markdown", "listener", "weather", "hostile")) {
            JsonNode violations = host.json("/api/plugins/" + id + "/violations?phase=all");
            for (JsonNode violation : violations) {
                assertThat(violation.get("phase").asString()).as("%s: %s", id, violation).isEqualTo("boot");
            }
            assertThat(host.plugin(id).get("state").asString()).isEqualTo("running");
        }
        String metrics = host.get("/actuator/prometheus").body();
        assertThat(metrics.lines().filter(l -> l.startsWith("plugin_syscall_denied_total")).toList())
                .as("no run-phase violation from any sample").isEmpty();
        assertThat(host.plugin("hostile").get("state").asString()).isEqualTo("running");
    }

    private static HttpResponse<String> post(String id, String operation, String body) throws Exception {
        return host.post("/api/plugins/" + id + "/invoke/" + operation, body);
    }
}
