package dev.pluginhost.host.capability;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.pluginhost.contract.v1.Event;
import dev.pluginhost.contract.v1.PublishRequest;
import dev.pluginhost.contract.v1.PublishResponse;
import dev.pluginhost.contract.v1.SubscribeRequest;
import dev.pluginhost.fuzz.FuzzBounds;
import dev.pluginhost.host.PluginHostProperties;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Fuzz target: the {@code events} capability's requests as the host receives them (publish and subscribe, protobuf
 * bytes the plugin wrote: topics, patterns, payloads, content types), with grants the fuzzer picks. Each call ends in
 * a published event, an open subscription, or INVALID_ARGUMENT, PERMISSION_DENIED or RESOURCE_EXHAUSTED with a
 * description; within {@link FuzzBounds}. An event reaches exactly the subscriptions whose pattern admits its topic,
 * with the payload as published; a plugin publishes only where a grant admits and subscribes only within its grants.
 */
class EventsFuzzTest {

    private static final Set<Status.Code> DOCUMENTED = Set.of(Status.Code.INVALID_ARGUMENT,
            Status.Code.PERMISSION_DENIED, Status.Code.RESOURCE_EXHAUSTED);
    private static final List<String> SCOPES = List.of("*", "orders.*", "orders.created", "a.b.*", "x", "*.y");

    @FuzzTest
    void eventsGoWhereGrantsAndPatternsSay(FuzzedDataProvider data) {
        Set<Grant> granted = new HashSet<>();
        for (int i = data.consumeInt(0, 3); i > 0; i--) {
            granted.add(new Grant(data.pickValue(List.of(CapabilityCatalog.EVENTS_PUBLISH,
                    CapabilityCatalog.EVENTS_SUBSCRIBE)), data.pickValue(SCOPES)));
        }
        PluginGrants grants = new PluginGrants(granted);
        PluginHostProperties.Events limits = new PluginHostProperties.Events();
        limits.setMaxPayloadBytes(org.springframework.util.unit.DataSize.ofBytes(4096));
        limits.setMaxPatterns(4);
        limits.setMaxSubscriptions(3);
        EventBus bus = new EventBus(limits);
        PluginConnection connection = TestConnections.of("fuzzed", grants);
        EventsService service = new EventsService(connection, bus);

        List<Stream> streams = new ArrayList<>();
        int calls = data.consumeInt(1, 6);
        for (int c = 0; c < calls && data.remainingBytes() > 0; c++) {
            boolean publish = data.consumeBoolean();
            byte[] bytes = data.consumeBytes(data.consumeInt(0, 300));
            try {
                if (publish) {
                    publish(service, grants, streams, PublishRequest.parseFrom(bytes));
                } else {
                    SubscribeRequest request = SubscribeRequest.parseFrom(bytes);
                    Stream stream = new Stream(request.getPatternsList());
                    FuzzBounds.run(request.toString(), NoRefusal.class, () -> service.subscribe(request, stream));
                    if (stream.error == null) {
                        for (String pattern : request.getPatternsList()) {
                            assertThat(grants.admits(CapabilityCatalog.EVENTS_SUBSCRIBE, pattern))
                                    .as("subscribed to %s without a grant covering it", pattern).isTrue();
                        }
                        streams.add(stream);
                    } else {
                        documented(stream.error, request.toString());
                    }
                }
            } catch (InvalidProtocolBufferException e) {
                // gRPC refuses bytes that are not the message before the service sees them
            }
        }
    }

    private static void publish(EventsService service, PluginGrants grants, List<Stream> streams,
                                PublishRequest request) {
        streams.forEach(s -> s.values.clear());
        Answer<PublishResponse> answer = new Answer<>();
        FuzzBounds.run(request.toString(), NoRefusal.class, () -> service.publish(request, answer));
        if (answer.error != null) {
            documented(answer.error, request.toString());
            streams.forEach(s -> assertThat(s.values).isEmpty());
            return;
        }
        String topic = request.getTopic();
        assertThat(grants.admits(CapabilityCatalog.EVENTS_PUBLISH, topic))
                .as("published to %s without a grant admitting it", topic).isTrue();
        for (Stream stream : streams) {
            boolean admitted = stream.patterns.stream().anyMatch(p -> admits(p, topic));
            assertThat(stream.values).as("%s delivered to %s", topic, stream.patterns)
                    .hasSize(admitted ? (int) stream.patterns.stream().filter(p -> admits(p, topic)).count() : 0);
            stream.values.forEach(e -> {
                assertThat(e.getPayload()).isEqualTo(request.getPayload());
                assertThat(e.getTopic()).isEqualTo(topic);
                assertThat(e.getSource()).isEqualTo("fuzzed");
            });
        }
    }

    /** The oracle, written apart from the bus: *, a prefix ending in .*, or the topic itself. */
    private static boolean admits(String pattern, String topic) {
        if (pattern.equals("*") || pattern.equals(topic)) {
            return true;
        }
        return pattern.endsWith(".*") && topic.startsWith(pattern.substring(0, pattern.length() - 1));
    }

    private static void documented(Throwable error, String input) {
        Status status = Status.fromThrowable(error);
        assertThat(status.getCode()).as("%s on %s", status, FuzzBounds.shorten(input)).isIn(DOCUMENTED);
        assertThat(status.getDescription()).isNotBlank();
    }

    /** A subscription's stream: what the plugin would receive. */
    static final class Stream extends Answer<Event> {
        final List<String> patterns;

        Stream(List<String> patterns) {
            this.patterns = patterns;
        }
    }

    /** A service call has no documented exception: it answers on the stream. */
    static final class NoRefusal extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }
}
