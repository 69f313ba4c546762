package dev.pluginhost.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pluginhost.host.fixtures.CapabilityPlugin;
import dev.pluginhost.host.fixtures.TestPluginJar;
import java.net.InetAddress;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The {@code http} capability against a plugin author who controls the DNS of a granted name (issue 10 #2): the
 * packaged host runs with the JDK's hosts-file resolver ({@code -Djdk.net.hosts.file}), where
 * {@code api.vendor.example} — granted to plugin {@code attacker} — points at 127.0.0.1 and
 * {@code metadata.vendor.example} at the cloud metadata address. The attacker tries to drive the host's own
 * management API (stop plugin {@code victim}) through the host. Before the fix the request got through and stopped
 * the victim; now it is refused before any connection, counted, with the reason and the grant that would allow it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HttpAddressIT {

    @RegisterExtension
    static final HostProcess host = HostProcess.forClass(work -> {
        Path hostsFile = Files.writeString(work.resolve("hosts"), String.join("\n",
                "127.0.0.1 localhost",
                "127.0.0.1 " + InetAddress.getLocalHost().getHostName(),
                "127.0.0.1 api.vendor.example",
                "169.254.169.254 metadata.vendor.example", ""));
        Path plugins = PluginsFolder.in(work).write("victim", CapabilityPlugin.class, "kv")
                .write("attacker", CapabilityPlugin.class, "http:api.vendor.example, http:metadata.vendor.example")
                .path();
        return HostProcess.start(work, plugins, List.of("-Djdk.net.hosts.file=" + hostsFile),
                "--plugins.run-dir=" + work.resolve("run"),
                "--plugins.grants.attacker=http:api.vendor.example,http:metadata.vendor.example",
                // porter requests the management API's port explicitly (its jar is written once the port is known)
                "--plugins.grants.porter=http:*");
    }, Duration.ofSeconds(180), "victim", "attacker");

    /** @return the host's watched plugins folder */
    static Path plugins() {
        return host.work().resolve("plugins");
    }

    @Test
    @Order(1)
    void aGrantedNameResolvingToTheHostCannotStopAnotherPlugin() throws Exception {
        String stopVictim = "http://api.vendor.example:" + host.port() + "/api/plugins/victim/stop";
        HttpResponse<String> attack = call("attacker", "http-post", "{\"url\":\"" + stopVictim + "\"}");

        assertThat(host.plugin("victim").get("state").asString()).as("the victim after the attack: %s", attack.body())
                .isEqualTo("running");
        assertThat(attack.statusCode()).as(attack.body()).isEqualTo(403);
        assertThat(attack.body()).contains("port " + host.port() + " of api.vendor.example is not granted")
                .contains("grant http:api.vendor.example:" + host.port() + " to allow it");
        assertThat(denied("attacker", "port")).isEqualTo(1);
    }

    @Test
    @Order(2)
    void onAGrantedPortTheLoopbackAddressIsRefused() throws Exception {
        HttpResponse<String> attack = call("attacker", "http", "{\"url\":\"http://api.vendor.example/api/plugins\"}");
        assertThat(attack.statusCode()).as(attack.body()).isEqualTo(403);
        assertThat(attack.body()).contains("api.vendor.example resolves to 127.0.0.1, a loopback address; "
                + "grant http:127.0.0.1 to allow it");
        assertThat(denied("attacker", "loopback")).isEqualTo(1);
    }

    @Test
    @Order(3)
    void evenWithTheManagementPortGrantedByNameTheLoopbackAddressIsRefused() throws Exception {
        TestPluginJar.write(plugins(), "porter.jar", "porter", "1", CapabilityPlugin.class,
                "http:api.vendor.example:" + host.port());
        await().atMost(Duration.ofSeconds(120)).ignoreExceptions().untilAsserted(() ->
                assertThat(host.plugin("porter").get("state").asString()).isEqualTo("running"));
        String stopVictim = "http://api.vendor.example:" + host.port() + "/api/plugins/victim/stop";
        HttpResponse<String> attack = call("porter", "http-post", "{\"url\":\"" + stopVictim + "\"}");

        assertThat(host.plugin("victim").get("state").asString()).isEqualTo("running");
        assertThat(attack.statusCode()).as(attack.body()).isEqualTo(403);
        assertThat(attack.body()).contains("api.vendor.example resolves to 127.0.0.1, a loopback address; "
                + "grant http:127.0.0.1:" + host.port() + " to allow it");
        assertThat(denied("porter", "loopback")).isEqualTo(1);
    }

    @Test
    @Order(4)
    void theCloudMetadataAddressIsRefused() throws Exception {
        HttpResponse<String> attack = call("attacker", "http",
                "{\"url\":\"http://metadata.vendor.example/latest/meta-data/\"}");
        assertThat(attack.statusCode()).as(attack.body()).isEqualTo(403);
        assertThat(attack.body()).contains("metadata.vendor.example resolves to 169.254.169.254, a link-local address");
        assertThat(denied("attacker", "link-local")).isEqualTo(1);
        String metrics = host.get("/actuator/prometheus").body();
        assertThat(HostEndToEndIT.counter(metrics, "plugin_capability_denied_total", "plugin=\"attacker\"",
                "capability=\"http\"", "method=\"Fetch\"")).as("every refusal is a capability denial too")
                .isEqualTo(3);
    }

    private static double denied(String plugin, String reason) throws Exception {
        return HostEndToEndIT.counter(host.get("/actuator/prometheus").body(), "plugin_http_denied_total",
                "plugin=\"" + plugin + "\"", "reason=\"" + reason + "\"");
    }

    private static HttpResponse<String> call(String plugin, String operation, String body) throws Exception {
        return host.post("/api/plugins/" + plugin + "/invoke/" + operation, body);
    }
}
