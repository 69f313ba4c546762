package dev.pluginhost.host.capability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pluginhost.contract.v1.CapabilityCheck;
import dev.pluginhost.contract.v1.CapabilityVerdict;
import dev.pluginhost.contract.v1.ConfigGrpc;
import dev.pluginhost.contract.v1.ConfigRequest;
import dev.pluginhost.contract.v1.GetRequest;
import dev.pluginhost.contract.v1.HandshakeRequest;
import dev.pluginhost.contract.v1.KeyValueGrpc;
import dev.pluginhost.contract.v1.PluginChannelGrpc;
import dev.pluginhost.host.PluginHostProperties;
import dev.pluginhost.host.metrics.PluginMetrics;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.MetadataUtils;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every capability call passes the host's whole stack (metrics, guard, caller, limits) as the plugin's socket serves
 * it ({@link CapabilityServices#servicesFor}), here over gRPC's in-process transport: what is allowed answers, what is
 * refused is refused, and every call is timed under its documented labels, with the meters resolved once per
 * connection rather than per call.
 */
class CallStackTest {

    private Server server;
    private ManagedChannel channel;
    private CapabilityServices services;

    @AfterEach
    void close() {
        channel.shutdownNow();
        server.shutdownNow();
        services.close();
    }

    private MeterRegistry serve(PluginHostProperties.Limits limits) throws Exception {
        PluginConnection connection = TestConnections.of("p", new PluginGrants(Set.of(Grant.parse("config"))));
        int version = connection.admit(HandshakeRequest.newBuilder().setPluginId("p")
                .setLaunchSecret(connection.launchSecret()).setMinContractVersion(1).setMaxContractVersion(2).build())
                .toCompletableFuture().join();
        String token = connection.answer(version).getSessionToken();
        services = new CapabilityServices(null, new EventBus(), Map.of("p", Map.of("greeting", "hello")), List.of(),
                limits);
        String name = InProcessServerBuilder.generateName();
        InProcessServerBuilder builder = InProcessServerBuilder.forName(name).directExecutor();
        services.servicesFor(connection).forEach(builder::addService);
        server = builder.build().start();
        Metadata headers = new Metadata();
        headers.put(CallGuard.AUTHORIZATION, "Bearer " + token);
        channel = InProcessChannelBuilder.forName(name).directExecutor()
                .intercept(MetadataUtils.newAttachHeadersInterceptor(headers)).build();
        return connection.metrics().registry();
    }

    private static double timed(MeterRegistry registry, String capability, String method, String outcome) {
        var timer = registry.find(PluginMetrics.CAPABILITY_CALLS).tags("plugin", "p", "capability", capability,
                "method", method, "outcome", outcome).timer();
        return timer == null ? 0 : timer.count();
    }

    @Test
    void grantedCallsAnswerAndAreTimedUnderTheirLabels() throws Exception {
        MeterRegistry registry = serve(PluginHostProperties.group(PluginHostProperties.Limits.class));
        ConfigGrpc.ConfigBlockingStub config = ConfigGrpc.newBlockingStub(channel);
        for (int i = 0; i < 3; i++) {
            assertThat(config.withDeadlineAfter(5, TimeUnit.SECONDS).get(ConfigRequest.getDefaultInstance())
                    .getValuesMap()).isEqualTo(Map.of("greeting", "hello"));
        }
        config.get(ConfigRequest.getDefaultInstance()); // as the runtime calls it: no deadline
        assertThat(timed(registry, "config", "Get", "OK")).isEqualTo(4);
        assertThat(registry.find(PluginMetrics.CAPABILITY_CALLS).timers()).hasSize(1);
    }

    @Test
    void aCallOutsideTheGrantsIsRefusedCountedAndTimed() throws Exception {
        MeterRegistry registry = serve(PluginHostProperties.group(PluginHostProperties.Limits.class));
        for (int i = 0; i < 2; i++) {
            assertThatThrownBy(() -> KeyValueGrpc.newBlockingStub(channel).get(GetRequest.newBuilder().setKey("k")
                    .build())).isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(
                            e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
        }
        assertThat(timed(registry, "kv", "Get", "PERMISSION_DENIED")).isEqualTo(2);
        assertThat(registry.find(PluginMetrics.CAPABILITY_DENIED).tags("plugin", "p", "capability", "kv").counter()
                .count()).isEqualTo(2);
    }

    @Test
    void theRateAndConcurrencyLimitsStillApply() throws Exception {
        PluginHostProperties.Limits limits = PluginHostProperties.group(PluginHostProperties.Limits.class, "rate=1",
                "burst=3", "concurrency=1");
        MeterRegistry registry = serve(limits);
        ConfigGrpc.ConfigBlockingStub config = ConfigGrpc.newBlockingStub(channel);
        for (int i = 0; i < 3; i++) {
            config.get(ConfigRequest.getDefaultInstance()); // one in flight at a time: each gives its place back
        }
        assertThatThrownBy(() -> config.get(ConfigRequest.getDefaultInstance()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
                    assertThat(e.getStatus().getDescription()).contains("plugin 'p'", "plugins.limits.rate");
                });
        assertThat(registry.find(PluginMetrics.CALLS_REJECTED).tags("plugin", "p", "limit", "rate").counter().count())
                .isEqualTo(1);
        assertThat(timed(registry, "config", "Get", "OK")).isEqualTo(3);
        assertThat(timed(registry, "config", "Get", "RESOURCE_EXHAUSTED")).isEqualTo(1);
    }

    /**
     * CheckCapability carries a name the plugin chose. Counted under that name, each new one was a new series of
     * plugin_capability_denied_total, kept for the host's lifetime and served on every scrape: 300 names of 10 000
     * characters made 300 series holding 3 MB of label (on main: 300 series; at the call rate, 500 new series a
     * second, each name up to the 4 MiB of a message). A name no capability has is counted as "(unknown)"; the
     * plugin still gets its answer naming what it asked for.
     */
    @Test
    void capabilityNamesAPluginMakesUpAddNoSeries() throws Exception {
        MeterRegistry registry = serve(PluginHostProperties.group(PluginHostProperties.Limits.class));
        PluginChannelGrpc.PluginChannelBlockingStub channelStub = PluginChannelGrpc.newBlockingStub(channel);
        for (int i = 0; i < 300; i++) {
            String made = "x" + i + "-" + "y".repeat(10_000);
            CapabilityVerdict verdict = channelStub.checkCapability(CapabilityCheck.newBuilder()
                    .setCapability(made).build());
            assertThat(verdict.getGranted()).isFalse();
            assertThat(verdict.getMessage()).contains("plugin 'p'", "x" + i + "-");
        }
        assertThat(channelStub.checkCapability(CapabilityCheck.newBuilder().setCapability("kv").build())
                .getGranted()).isFalse();
        assertThat(channelStub.checkCapability(CapabilityCheck.newBuilder().setCapability("config").build())
                .getGranted()).isTrue();
        var denied = registry.find(PluginMetrics.CAPABILITY_DENIED).counters();
        assertThat(denied).as("series of %s", PluginMetrics.CAPABILITY_DENIED)
                .extracting(c -> abbreviated(c.getId().getTag("capability"))).containsExactlyInAnyOrder("(unknown)", "kv");
        assertThat(registry.find(PluginMetrics.CAPABILITY_DENIED).tags("capability", "(unknown)").counter()
                .count()).isEqualTo(300);
        assertThat(registry.getMeters()).allSatisfy((Meter m) -> m.getId().getTags()
                .forEach(t -> assertThat(t.getValue().length()).as(t.getKey()).isLessThan(100)));
    }

    private static String abbreviated(String label) {
        return label.length() <= 20 ? label : label.substring(0, 20) + "... (" + label.length() + " characters)";
    }
}
