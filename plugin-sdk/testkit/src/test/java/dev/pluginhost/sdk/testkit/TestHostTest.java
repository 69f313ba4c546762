package dev.pluginhost.sdk.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.pluginhost.contract.v1.GetRequest;
import dev.pluginhost.contract.v1.GetResponse;
import io.grpc.BindableService;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCalls;
import java.util.Map;
import org.junit.jupiter.api.Test;

@PluginTest(plugin = ProbePlugin.class, grants = {"config", "events.subscribe:orders.*", "events.publish:audit.*",
        "http:api.example.com", "inventory"}, config = {"greeting=Hi", "limit=3"})
class TestHostTest {

    @Test
    void idIsDerivedFromTheClassName(TestHost host) {
        assertThat(host.pluginId()).isEqualTo("probe");
        assertThat(TestHost.Builder.defaultId(Class.class)).isEqualTo("class");
        assertThat(host.operations()).contains("config", "fetch", "subscribe");
        assertThat(host.grants()).contains("log", "config");
    }

    @Test
    void configIsReadWhenGranted(TestHost host) {
        assertThat(host.invoke("config").json(Map.class)).isEqualTo(Map.of("greeting", "Hi", "limit", "3"));
        assertThat(host.invoke("greeting").text()).isEqualTo("Hi");
        host.config().put("greeting", "Moin");
        assertThat(host.invoke("greeting").text()).isEqualTo("Moin");
    }

    @Test
    @PluginTest(plugin = ProbePlugin.class)
    void configIsDeniedWithoutAGrant(TestHost host) {
        Result result = host.invoke("config");
        assertThat(result.isOk()).isFalse();
        assertThat(result.failureCode()).isEqualTo("CAPABILITY_DENIED");
        assertThat(result.failureMessage()).contains("plugin 'probe' may not use capability 'config'")
                .contains("plugins.grants.probe=config");
        assertThat(host.deniedCalls()).extracting(DeniedCall::capability, DeniedCall::method)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("config", "Get"));
    }

    @Test
    void eventsReachHandlersAndHostPublishWaitsForThem(TestHost host) {
        assertThat(host.invoke("subscribe", "{\"topic\":\"orders.*\"}").text()).isEqualTo("subscribed");
        assertThat(host.publish("orders.created", Map.of("id", 7))).isEqualTo(1);
        assertThat(host.publish("invoices.created", Map.of("id", 8))).isZero();
        assertThat(host.invoke("received").json(java.util.List.class)).containsExactly("orders.created {\"id\":7}");
    }

    @Test
    void subscribingOutsideTheGrantsThrowsSynchronously(TestHost host) {
        assertThat(host.invoke("subscribe", "{\"topic\":\"payments.*\"}").text())
                .startsWith("denied events.subscribe:payments.*: plugin 'probe' may not use capability "
                        + "'events.subscribe:payments.*'");
        assertThat(host.deniedCalls()).extracting(DeniedCall::method).containsExactly("Subscribe");
    }

    @Test
    void publishingIsCheckedPerTopic(TestHost host) {
        assertThat(host.invoke("publish", "{\"topic\":\"audit.orders\"}").isOk()).isTrue();
        assertThat(host.publishedEvents()).singleElement().satisfies(event -> {
            assertThat(event.topic()).isEqualTo("audit.orders");
            assertThat(event.json(Map.class)).isEqualTo(Map.of("n", 1.0));
        });
        Result denied = host.invoke("publish", "{\"topic\":\"orders.created\"}");
        assertThat(denied.failureCode()).isEqualTo("CAPABILITY_DENIED");
        assertThat(host.deniedCalls()).extracting(DeniedCall::capability)
                .containsExactly("events.publish:orders.created");
    }

    @Test
    void httpAnswersFromTheFakeForGrantedHostsOnly(TestHost host) {
        host.http().respond("GET", "https://api.example.com/v1/x", 200, "{\"ok\":true}")
                .unreachable("https://api.example.com/down");
        assertThat(host.invoke("fetch", "{\"url\":\"https://api.example.com/v1/x\"}").json(Map.class))
                .containsEntry("status", 200.0).containsEntry("body", "{\"ok\":true}")
                .containsEntry("type", "application/json");
        assertThat(host.invoke("fetch", "{\"url\":\"https://api.example.com/nothing\"}").json(Map.class))
                .containsEntry("status", 404.0);
        assertThat(host.invoke("fetch", "{\"url\":\"https://api.example.com/down\"}").json(Map.class))
                .containsKey("error");
        Result denied = host.invoke("fetch", "{\"url\":\"https://evil.example.org/\"}");
        assertThat(denied.failureCode()).isEqualTo("CAPABILITY_DENIED");
        assertThat(denied.failureMessage()).contains("'http:evil.example.org'");
        assertThat(host.http().requests()).extracting(FakeHttp.Request::url).containsExactly(
                "https://api.example.com/v1/x", "https://api.example.com/nothing", "https://api.example.com/down");
        assertThat(host.http().requests().get(0).headers()).containsEntry("accept", "application/json");
    }

    @Test
    void slf4jReachesTheHostLog(TestHost host) {
        host.invoke("slf4j");
        assertThat(host.logs()).contains(new LogEntry("WARN", "probe.slf4j", "via slf4j 42", ""));
    }

    @Test
    void applicationCapabilitiesAreCalledWithTheirOwnStubs(TestHost host) {
        host.capability("inventory", inventory());
        assertThat(host.invoke("app", "widget").text()).isEqualTo("7 x widget");
    }

    @Test
    @PluginTest(plugin = ProbePlugin.class, grants = "config")
    void anUngrantedApplicationCapabilityIsRefusedBeforeAnyCall(TestHost host) {
        host.capability("inventory", inventory());
        Result result = host.invoke("app", "widget");
        assertThat(result.failureCode()).isEqualTo("CAPABILITY_DENIED");
        assertThat(result.failureMessage()).contains("may not use capability 'inventory'")
                .contains("plugins.grants.");
        assertThat(host.deniedCalls()).anyMatch(d -> d.capability().equals("inventory"));
    }

    @Test
    void failuresAreReportedAsTheHostWouldSeeThem(TestHost host) {
        assertThat(host.invoke("nope").failureCode()).isEqualTo("UNKNOWN_OPERATION");
        assertThat(host.invoke("boom").failureCode()).isEqualTo("PLUGIN_ERROR");
        assertThat(host.invoke("subscribe", "not json").failureCode()).isEqualTo("BAD_REQUEST");
    }

    @Test
    void closingStopsThePlugin() throws Exception {
        TestHost host = TestHost.builder(ProbePlugin.class).echoLogs(false).start();
        ProbePlugin plugin = (ProbePlugin) host.plugin();
        host.close();
        assertThat(plugin.stopped).isTrue();
    }

    private static BindableService inventory() {
        return () -> ServerServiceDefinition.builder("test.Inventory")
                .addMethod(ProbePlugin.LOOKUP, ServerCalls.asyncUnaryCall((GetRequest request, io.grpc.stub
                        .StreamObserver<GetResponse> response) -> {
                    response.onNext(GetResponse.newBuilder().setFound(true)
                            .setValue(ByteString.copyFromUtf8("7 x " + request.getKey())).build());
                    response.onCompleted();
                }))
                .build();
    }
}
