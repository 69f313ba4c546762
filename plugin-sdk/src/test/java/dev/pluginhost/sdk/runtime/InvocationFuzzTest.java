package dev.pluginhost.sdk.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.pluginhost.contract.v1.HostMessage;
import dev.pluginhost.contract.v1.InvocationResult;
import dev.pluginhost.contract.v1.PluginMessage;
import dev.pluginhost.fuzz.FuzzBounds;
import dev.pluginhost.sdk.Operation;
import io.grpc.stub.StreamObserver;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Fuzz target: the plugin runtime's side of an invocation, the bytes of a host message as the plugin JVM decodes
 * them: the session reads the message, finds the operation and hands it a request whose payload the operation reads
 * as JSON, text or bytes (event payloads are read by the same {@link Json}). Whatever the bytes, an invocation gets
 * exactly one result carrying its id: a reply, UNKNOWN_OPERATION or BAD_REQUEST (a payload that is not JSON of the
 * operation's shape), never PLUGIN_ERROR, which would blame the plugin for the caller's bytes; within
 * {@link FuzzBounds}.
 */
class InvocationFuzzTest {

    /** A request shape as plugins declare them. */
    record Order(String id, int quantity, double price, List<String> tags, Map<String, Object> extra, Order parent) {
    }

    private static final Map<String, Operation> OPERATIONS = Map.of(
            "order", request -> request.json(Order.class),
            "map", request -> request.json(Map.class),
            "list", request -> request.json(List.class),
            "text", request -> request.text().length(),
            "bytes", request -> request.bytes());

    @FuzzTest
    void everyInvocationGetsOneFairResult(byte[] bytes) throws Exception {
        HostMessage message;
        try {
            message = HostMessage.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            return; // gRPC refuses such a message before the runtime sees it
        }
        List<PluginMessage> sent = new ArrayList<>();
        Session session = new Session(OPERATIONS, Runnable::run);
        toHost(session, sent);
        FuzzBounds.run(message.toString(), NoRefusal.class, () -> session.onNext(message));
        if (message.getKindCase() != HostMessage.KindCase.INVOCATION) {
            return;
        }
        assertThat(sent).as("one result for %s", FuzzBounds.shorten(message.toString())).hasSize(1);
        InvocationResult result = sent.get(0).getResult();
        assertThat(result.getId()).isEqualTo(message.getInvocation().getId());
        if (result.hasFailure()) {
            assertThat(result.getFailure().getCode()).as("failure for %s: %s",
                            FuzzBounds.shorten(message.toString()), result.getFailure().getMessage())
                    .isIn(Set.of("UNKNOWN_OPERATION", "BAD_REQUEST"));
            assertThat(result.getFailure().getMessage()).isNotBlank();
        }
    }

    /** The session's stream to the host, here a list (the test drives the session without a channel). */
    private static void toHost(Session session, List<PluginMessage> sent) throws ReflectiveOperationException {
        Field field = Session.class.getDeclaredField("toHost");
        field.setAccessible(true);
        field.set(session, new StreamObserver<PluginMessage>() {
            @Override
            public void onNext(PluginMessage value) {
                sent.add(value);
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
            }
        });
    }

    /** {@code onNext} has no documented exception: the session must answer, not throw. */
    static final class NoRefusal extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }
}
