package dev.pluginhost.host.capability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pluginhost.contract.v1.HandshakeRequest;
import dev.pluginhost.contract.v1.HostMessage;
import dev.pluginhost.contract.v1.PluginMessage;
import dev.pluginhost.contract.v1.Ready;
import dev.pluginhost.host.PluginHostProperties;
import dev.pluginhost.host.discovery.PluginDescriptor;
import dev.pluginhost.host.discovery.VersionRange;
import dev.pluginhost.host.logs.PluginLogSink;
import dev.pluginhost.host.metrics.PluginMetrics;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The operations a plugin's session announces in {@code Ready} are the plugin's own words. The SDK's runtime checks
 * their names ({@code [A-Za-z0-9][A-Za-z0-9_.-]{0,63}}), but that check runs in the plugin's JVM: a plugin speaking
 * the contract itself sends what it likes, and the host wrote the list as it came into its own log ("plugin {} {}
 * running, pid {}, operations {}, ..." in Launches): a name holding a newline and a made-up timestamped line was a
 * forged line of the host's log, ANSI escapes drove the operator's terminal, and 4 MiB of names made one log line of
 * 4 MiB. The host now checks the names and their number itself and refuses the session, naming the first bad name
 * escaped; the launch fails with that reason instead of starting.
 */
class SessionReadyTest {

    private final List<List<String>> announced = Collections.synchronizedList(new ArrayList<>());
    private final List<String> refusals = Collections.synchronizedList(new ArrayList<>());
    private final Answer<HostMessage> toPlugin = new Answer<>();

    @Test
    void wellFormedOperationsAreAnnounced() {
        ready(List.of("greet", "orders.list", "A_b-1"));
        assertThat(announced).containsExactly(List.of("greet", "orders.list", "A_b-1"));
        assertThat(refusals).isEmpty();
    }

    @Test
    void anOperationNameThatWouldForgeAHostLogLineIsRefused() {
        String forged = "greet\n2026-11-30T03:00:00.000Z  INFO 1 --- [main] d.p.host.lifecycle.Launches : plugin "
                + "admin 1.0 running\u001b[2J";
        ready(List.of("ok", forged));
        assertThat(announced).as("operations the host took").isEmpty();
        assertThat(refusals).singleElement().asString()
                .contains("plugin 'p'", "operation name", "greet\\n2026")
                .doesNotContain("\n", "\u001b");
        assertThat(Status.fromThrowable(toPlugin.error).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    }

    @Test
    void tooManyOperationsAreRefused() {
        List<String> many = new ArrayList<>();
        for (int i = 0; i <= PluginConnection.MAX_OPERATIONS; i++) {
            many.add("op" + i);
        }
        ready(many);
        assertThat(announced).isEmpty();
        assertThat(refusals).singleElement().asString().contains("announced " + many.size() + " operations",
                "at most " + PluginConnection.MAX_OPERATIONS);
    }

    private void ready(List<String> operations) {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        PluginDescriptor plugin = new PluginDescriptor("p", "1", "x.p", new VersionRange(1, 1), Set.of(),
                Path.of("p.jar"));
        PluginConnection connection = new PluginConnection(plugin, new PluginGrants(Set.of()),
                new PluginMetrics(registry),
                new PluginLogSink("p", PluginHostProperties.group(PluginHostProperties.Logs.class), registry),
                new PluginConnection.Events() {
                    @Override
                    public void authenticated() {
                    }

                    @Override
                    public void ready(List<String> operations) {
                        announced.add(operations);
                    }

                    @Override
                    public void refused(String reason) {
                        refusals.add(reason);
                    }

                    @Override
                    public void sessionEnded(String reason) {
                    }
                });
        try {
            int version = connection.admit(HandshakeRequest.newBuilder().setPluginId("p")
                    .setLaunchSecret(connection.launchSecret()).setMinContractVersion(1).setMaxContractVersion(2)
                    .build()).toCompletableFuture().join();
            connection.answer(version);
            StreamObserver<PluginMessage> session = connection.openSession(toPlugin);
            session.onNext(PluginMessage.newBuilder().setReady(Ready.newBuilder().addAllOperations(operations))
                    .build());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
