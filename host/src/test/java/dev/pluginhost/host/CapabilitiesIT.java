package dev.pluginhost.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.pluginhost.contract.v1.GetRequest;
import dev.pluginhost.contract.v1.HandshakeRequest;
import dev.pluginhost.contract.v1.KeyValueGrpc;
import dev.pluginhost.contract.v1.PluginChannelGrpc;
import dev.pluginhost.host.fixtures.CapabilityPlugin;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The capability API with a real host and real plugin JVMs: each capability works when granted and is refused (with
 * the message and the counter) when not; plugins cannot reach each other's keys or topics outside their grants;
 * forged connections are refused and counted; a flood is limited while the host stays responsive; kv survives a
 * SIGKILL of the host.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CapabilitiesIT {

    static final String REQUESTS = "kv, config, events.publish:orders.*, events.subscribe:orders.*, "
            + "events.subscribe:payments.*, http:example.org";

    @TempDir
    static Path work;

    static Path plugins;
    @AutoClose
    static HostProcess host;
    @AutoClose
    static LocalHttpServer remote;

    @BeforeAll
    static void start() throws Exception {
        remote = LocalHttpServer.serve(0, "/hello", null, "hello from the outside");
        // A loopback address on a high port: reachable only through a grant naming that address and port.
        String requests = REQUESTS + ", " + remoteGrant();
        plugins = PluginsFolder.in(work).write("one", CapabilityPlugin.class, requests)
                .write("two", CapabilityPlugin.class, requests).path();
        host = startHost();
    }

    static HostProcess startHost() throws Exception {
        HostProcess started = HostProcess.start(work, plugins,
                "--plugins.run-dir=" + work.resolve("run"),
                "--plugins.grants.one=kv,config,events.publish:orders.*," + remoteGrant(),
                "--plugins.grants.two=kv,events.subscribe:orders.*",
                "--plugins.config.one.greeting=hi there",
                "--plugins.limits.rate=200",
                "--plugins.limits.burst=50",
                "--plugins.limits.kv-max-value-bytes=64",
                "--plugins.limits.kv-max-total-bytes=512");
        started.awaitRunning(Duration.ofSeconds(180), "one", "two");
        return started;
    }

    static String remoteGrant() {
        return "http:127.0.0.1:" + remote.port();
    }

    @Test
    @Order(1)
    void kvIsPrivateToEachPlugin() throws Exception {
        assertThat(call("one", "kv-put", "{\"key\":\"colour\",\"value\":\"blue\"}").statusCode()).isEqualTo(200);
        assertThat(json(call("one", "kv-get", "{\"key\":\"colour\"}")).get("value").asString()).isEqualTo("blue");
        assertThat(json(call("two", "kv-get", "{\"key\":\"colour\"}")).has("value"))
                .as("plugin two sees nothing of plugin one's keys").isFalse();
    }

    @Test
    @Order(2)
    void kvQuotasHoldPerPlugin() throws Exception {
        HttpResponse<String> big = call("two", "kv-put", "{\"key\":\"big\",\"value\":\"" + "x".repeat(65) + "\"}");
        assertThat(big.statusCode()).isEqualTo(502);
        assertThat(big.body()).contains("RESOURCE_EXHAUSTED").contains("plugins.limits.kv-max-value-bytes (64)");
        String full = "";
        for (int i = 0; i < 20 && full.isEmpty(); i++) {
            HttpResponse<String> put = call("two", "kv-put", "{\"key\":\"k" + i + "\",\"value\":\""
                    + "y".repeat(60) + "\"}");
            if (put.statusCode() != 200) {
                full = put.body();
            }
        }
        assertThat(full).contains("plugins.limits.kv-max-total-bytes (512)");
        assertThat(call("one", "kv-put", "{\"key\":\"other\",\"value\":\"" + "z".repeat(60) + "\"}")
                .statusCode()).as("another plugin's quota is its own").isEqualTo(200);
    }

    @Test
    @Order(2)
    void configIsServedWhenGrantedAndRefusedWithTheWayToGrantIt() throws Exception {
        assertThat(json(call("one", "config", "{\"key\":\"greeting\"}")).get("value").asString())
                .isEqualTo("hi there");
        HttpResponse<String> refused = call("two", "config", "{\"key\":\"greeting\"}");
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(refused.body()).contains("plugin 'two' may not use capability 'config'")
                .contains("plugins.grants.two=config");
        assertThat(scraped("plugin_capability_denied_total", "plugin=\"two\"", "capability=\"config\""))
                .isGreaterThanOrEqualTo(1);
    }

    @Test
    @Order(3)
    void eventsFlowWithinTheGrantsOnly() throws Exception {
        assertThat(call("two", "subscribe", "{\"pattern\":\"orders.*\"}").statusCode()).isEqualTo(200);
        HttpResponse<String> outside = call("two", "subscribe", "{\"pattern\":\"payments.*\"}");
        assertThat(outside.statusCode()).isEqualTo(403);
        assertThat(outside.body()).contains("events.subscribe:payments.*");
        HttpResponse<String> wider = call("two", "subscribe", "{\"pattern\":\"*\"}");
        assertThat(wider.statusCode()).as("a pattern wider than the grant").isEqualTo(403);

        assertThat(call("one", "publish", "{\"topic\":\"orders.created\",\"value\":\"42\"}").statusCode())
                .isEqualTo(200);
        HttpResponse<String> notGranted = call("one", "publish", "{\"topic\":\"payments.sent\",\"value\":\"1\"}");
        assertThat(notGranted.statusCode()).isEqualTo(403);
        assertThat(notGranted.body()).contains("events.publish:payments.sent");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(call("two", "received", "").body()).contains("orders.created").contains("\"source\":\"one\""));
        assertThat(call("two", "received", "").body()).doesNotContain("payments");
    }

    @Test
    @Order(4)
    void httpGoesOnlyToAllowedHosts() throws Exception {
        String url = "http://127.0.0.1:" + remote.port() + "/hello";
        HttpResponse<String> allowed = call("one", "http", "{\"url\":\"" + url + "\"}");
        assertThat(allowed.statusCode()).as(allowed.body()).isEqualTo(200);
        assertThat(json(allowed).get("body").asString()).isEqualTo("hello from the outside");

        HttpResponse<String> otherHost = call("one", "http", "{\"url\":\"http://localhost:"
                + remote.port() + "/hello\"}");
        assertThat(otherHost.statusCode()).isEqualTo(403);
        assertThat(otherHost.body()).contains("http:localhost").contains("manifest does not request it");
        HttpResponse<String> otherPort = call("one", "http", "{\"url\":\"http://127.0.0.1:"
                + (remote.port() == 65535 ? 65534 : remote.port() + 1) + "/hello\"}");
        assertThat(otherPort.statusCode()).as("only the granted port of a granted address").isEqualTo(403);
        assertThat(otherPort.body()).contains("is not granted");
        HttpResponse<String> notGranted = call("two", "http", "{\"url\":\"" + url + "\"}");
        assertThat(notGranted.statusCode()).isEqualTo(403);
        assertThat(notGranted.body()).contains("plugins.grants.two=http");
    }

    @Test
    @Order(5)
    void forgedConnectionsAreRefusedAndCounted() throws Exception {
        Path oneSocket = socketOf("one");
        Path twoSocket = socketOf("two");
        EpollEventLoopGroup loop = new EpollEventLoopGroup(1);
        try {
            ManagedChannel toOne = channel(oneSocket, loop);
            assertThatThrownBy(() -> PluginChannelGrpc.newBlockingStub(toOne).handshake(HandshakeRequest.newBuilder()
                    .setPluginId("one").setLaunchSecret("guessed").setMinContractVersion(1)
                    .setMaxContractVersion(1).build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e ->
                            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
            assertThatThrownBy(() -> KeyValueGrpc.newBlockingStub(toOne).get(GetRequest.newBuilder()
                    .setKey("colour").build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e ->
                            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
            ManagedChannel toTwo = channel(twoSocket, loop);
            assertThatThrownBy(() -> PluginChannelGrpc.newBlockingStub(toTwo).handshake(HandshakeRequest.newBuilder()
                    .setPluginId("one").setLaunchSecret("guessed").build()))
                    .as("calling as plugin one on plugin two's socket")
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e ->
                            assertThat(e.getStatus().getDescription()).contains("belongs to plugin 'two'"));
            toOne.shutdownNow();
            toTwo.shutdownNow();
        } finally {
            loop.shutdownGracefully(0, 0, TimeUnit.SECONDS);
        }
        String metrics = host.get("/actuator/prometheus").body();
        assertThat(HostEndToEndIT.counter(metrics, "plugin_authentication_failed_total", "plugin=\"one\"", "reason=\"secret\""))
                .isGreaterThanOrEqualTo(1);
        assertThat(HostEndToEndIT.counter(metrics, "plugin_authentication_failed_total", "plugin=\"one\"", "reason=\"token\""))
                .isGreaterThanOrEqualTo(1);
        assertThat(HostEndToEndIT.counter(metrics, "plugin_authentication_failed_total", "plugin=\"two\"", "reason=\"plugin-id\""))
                .isGreaterThanOrEqualTo(1);
        assertThat(json(call("one", "kv-get", "{\"key\":\"colour\"}")).get("value").asString())
                .as("the real plugin is unaffected").isEqualTo("blue");
    }

    @Test
    @Order(6)
    void aFloodIsLimitedAndTheHostStaysResponsive() throws Exception {
        Thread flood = new Thread(() -> {
            try {
                HttpResponse<String> r = call("one", "flood", "{\"calls\":4000,\"threads\":16}");
                FLOOD_RESULT[0] = r.body();
            } catch (Exception e) {
                FLOOD_RESULT[0] = e.toString();
            }
        });
        flood.start();
        long worst = 0;
        while (flood.isAlive()) {
            long t0 = System.nanoTime();
            assertThat(host.get("/api/plugins").statusCode()).isEqualTo(200);
            assertThat(call("two", "kv-get", "{\"key\":\"x\"}").statusCode()).as("other plugins keep working")
                    .isEqualTo(200);
            worst = Math.max(worst, System.nanoTime() - t0);
            Thread.sleep(50);
        }
        JsonNode counts = HostProcess.JSON.readTree(FLOOD_RESULT[0]);
        assertThat(counts.get("exhausted").asInt()).as(FLOOD_RESULT[0]).isPositive();
        assertThat(counts.get("ok").asInt()).isPositive();
        assertThat(counts.get("other").asInt()).isZero();
        assertThat(Duration.ofNanos(worst)).as("slowest API round trip during the flood")
                .isLessThan(Duration.ofSeconds(2));
        assertThat(scraped("plugin_capability_rejected_total", "plugin=\"one\""))
                .isGreaterThanOrEqualTo(counts.get("exhausted").asDouble());
    }

    static final String[] FLOOD_RESULT = new String[1];

    @Test
    @Order(7)
    void kvValuesSurviveASigkillOfTheHost() throws Exception {
        assertThat(call("one", "kv-put", "{\"key\":\"durable\",\"value\":\"yes\"}").statusCode()).isEqualTo(200);
        host.kill();
        host = startHost();
        assertThat(json(call("one", "kv-get", "{\"key\":\"durable\"}")).get("value").asString()).isEqualTo("yes");
        assertThat(json(call("one", "kv-get", "{\"key\":\"colour\"}")).get("value").asString()).isEqualTo("blue");
    }

    private static HttpResponse<String> call(String plugin, String operation, String body) throws Exception {
        return host.post("/api/plugins/" + plugin + "/invoke/" + operation, body);
    }

    private static JsonNode json(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return HostProcess.JSON.readTree(response.body());
    }

    private static double scraped(String name, String... labels) throws Exception {
        return HostEndToEndIT.counter(host.get("/actuator/prometheus").body(), name, labels);
    }

    private static Path socketOf(String plugin) throws Exception {
        try (Stream<Path> files = Files.walk(work.resolve("run").resolve(plugin))) {
            return files.filter(p -> p.getFileName().toString().equals("host.sock")).findFirst().orElseThrow();
        }
    }

    private static ManagedChannel channel(Path socket, EpollEventLoopGroup loop) {
        return NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .eventLoopGroup(loop).channelType(EpollDomainSocketChannel.class).usePlaintext().build();
    }
}
