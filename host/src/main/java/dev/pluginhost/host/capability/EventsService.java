package dev.pluginhost.host.capability;

import dev.pluginhost.contract.v1.Event;
import dev.pluginhost.contract.v1.EventsGrpc;
import dev.pluginhost.contract.v1.PublishRequest;
import dev.pluginhost.contract.v1.PublishResponse;
import dev.pluginhost.contract.v1.SubscribeRequest;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;

/**
 * Capability {@code events} for one plugin: it publishes only to topics its {@code events.publish:} grants admit and
 * subscribes only to patterns its {@code events.subscribe:} grants cover.
 */
final class EventsService extends EventsGrpc.EventsImplBase {

    private final PluginConnection connection;
    private final EventBus bus;

    EventsService(PluginConnection connection, EventBus bus) {
        this.connection = connection;
        this.bus = bus;
    }

    @Override
    public void publish(PublishRequest request, StreamObserver<PublishResponse> response) {
        String topic = request.getTopic();
        if (topic.isEmpty() || topic.contains("*")) {
            response.onError(Status.INVALID_ARGUMENT.withDescription("a topic is a name without '*', e.g. "
                    + "orders.created").asException());
            return;
        }
        if (!connection.grants().admits(CapabilityCatalog.EVENTS_PUBLISH, topic)) {
            response.onError(CallGuard.denied(connection, CapabilityCatalog.EVENTS_PUBLISH, "Publish", topic,
                    EventsGrpc.SERVICE_NAME).asException());
            return;
        }
        String id = bus.publish(connection.pluginId(), topic, request.getPayload().toByteArray(),
                request.getContentType());
        response.onNext(PublishResponse.newBuilder().setId(id).build());
        response.onCompleted();
    }

    @Override
    public void subscribe(SubscribeRequest request, StreamObserver<Event> response) {
        for (String pattern : request.getPatternsList()) {
            if (!connection.grants().admits(CapabilityCatalog.EVENTS_SUBSCRIBE, pattern)) {
                response.onError(CallGuard.denied(connection, CapabilityCatalog.EVENTS_SUBSCRIBE, "Subscribe",
                        pattern, EventsGrpc.SERVICE_NAME).asException());
                return;
            }
        }
        ServerCallStreamObserver<Event> stream = (ServerCallStreamObserver<Event>) response;
        List<EventBus.Subscription> subscriptions = new ArrayList<>();
        for (String pattern : request.getPatternsList()) {
            subscriptions.add(bus.subscribe(pattern, event -> deliver(stream, event)));
        }
        stream.setOnCancelHandler(() -> subscriptions.forEach(EventBus.Subscription::close));
    }

    /** A plugin that does not keep up loses events rather than growing the host's memory; each loss is counted. */
    private void deliver(ServerCallStreamObserver<Event> stream, Event event) {
        synchronized (stream) {
            if (stream.isCancelled()) {
                return;
            }
            if (!stream.isReady()) {
                connection.metrics().eventDropped(connection.pluginId());
                return;
            }
            stream.onNext(event);
        }
    }
}
