package dev.pluginhost.host.capability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pluginhost.contract.v1.Failure;
import dev.pluginhost.contract.v1.HandshakeRequest;
import dev.pluginhost.contract.v1.HealthReport;
import dev.pluginhost.contract.v1.HostMessage;
import dev.pluginhost.contract.v1.InvocationResult;
import dev.pluginhost.contract.v1.PluginMessage;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The host's side of the health call, by the contract version agreed in the handshake: a runtime of version 2 gets
 * the health call; a runtime of version 1, which does not know it, keeps being checked with the reserved invocation
 * whose UNKNOWN_OPERATION answer counts as healthy. (HealthCheckIT runs the real runtime under the real host.)
 */
class HealthCallTest {

    private final Answer<HostMessage> toPlugin = new Answer<>();
    private final List<HostMessage> sent = toPlugin.values;

    @Test
    void aVersion2RuntimeGetsTheHealthCall() throws Exception {
        PluginConnection connection = connected(2);
        CompletableFuture<?> check = connection.checkHealth(Duration.ofSeconds(5));
        assertThat(sent).singleElement().satisfies(m -> assertThat(m.hasHealthCheck()).isTrue());
        assertThat(check).isNotDone();
        session.onNext(PluginMessage.newBuilder()
                .setHealth(HealthReport.newBuilder().setId(sent.get(0).getHealthCheck().getId())).build());
        check.get(1, TimeUnit.SECONDS);
        assertThat(connection.pendingInvocations()).as("a health call is no invocation").isZero();
    }

    @Test
    void aVersion1RuntimeIsCheckedTheOldWay() throws Exception {
        PluginConnection connection = connected(1);
        CompletableFuture<?> check = connection.checkHealth(Duration.ofSeconds(5));
        assertThat(sent).singleElement().satisfies(m -> {
            assertThat(m.hasInvocation()).isTrue();
            assertThat(m.getInvocation().getOperation()).isEqualTo(PluginConnection.LEGACY_HEALTH_OPERATION);
        });
        session.onNext(PluginMessage.newBuilder().setResult(InvocationResult.newBuilder()
                .setId(sent.get(0).getInvocation().getId())
                .setFailure(Failure.newBuilder().setCode("UNKNOWN_OPERATION"))).build());
        check.get(1, TimeUnit.SECONDS);
    }

    @Test
    void anUnansweredHealthCallFailsAfterItsTimeoutAndABrokenSessionAtOnce() {
        PluginConnection connection = connected(2);
        CompletableFuture<?> unanswered = connection.checkHealth(Duration.ofMillis(100));
        assertThat(unanswered).failsWithin(Duration.ofSeconds(2));
        CompletableFuture<?> pending = connection.checkHealth(Duration.ofSeconds(30));
        session.onError(new RuntimeException("gone"));
        assertThat(pending).failsWithin(Duration.ofSeconds(1));
    }

    private StreamObserver<PluginMessage> session;

    private PluginConnection connected(int runtimeMax) {
        PluginConnection connection = TestConnections.of("p", new PluginGrants(Set.of()));
        try {
            int version = connection.admit(HandshakeRequest.newBuilder().setPluginId("p")
                    .setLaunchSecret(connection.launchSecret()).setMinContractVersion(1)
                    .setMaxContractVersion(runtimeMax).build()).toCompletableFuture().join();
            assertThat(connection.answer(version).getContractVersion()).isEqualTo(runtimeMax);
            session = connection.openSession(toPlugin);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        return connection;
    }
}
