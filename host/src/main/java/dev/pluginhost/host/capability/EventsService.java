package dev.pluginhost.host.capability;

import dev.pluginhost.contract.v1.Event;
import dev.pluginhost.contract.v1.EventsGrpc;
import dev.pluginhost.contract.v1.PublishRequest;
import dev.pluginhost.contract.v1.PublishResponse;
import dev.pluginhost.contract.v1.SubscribeRequest;
import dev.pluginhost.host.PluginHostProperties;
import dev.pluginhost.sdk.runtime.TopicPatterns;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Capability {@code events} for one plugin: it publishes only to topics its {@code events.publish:} grants admit and
 * subscribes only to patterns its {@code events.subscribe:} grants cover, within the limits {@code plugins.events.*}:
 * subscriptions open at once, patterns per subscription, publishes per second, payload size and topic length. A
 * plugin over a limit is refused with RESOURCE_EXHAUSTED naming the property, and the refusal is counted.
 */
final class EventsService extends EventsGrpc.EventsImplBase {

    private final PluginConnection connection;
    private final EventBus bus;
    private final PluginHostProperties.Events limits;
    private final CallLimits.TokenBucket publishes;
    private final AtomicInteger open = new AtomicInteger();

    EventsService(PluginConnection connection, EventBus bus) {
        this.connection = connection;
        this.bus = bus;
        this.limits = bus.limits();
        this.publishes = new CallLimits.TokenBucket(limits.getPublishRate(), limits.getPublishBurst());
    }

    @Override
    public void publish(PublishRequest request, StreamObserver<PublishResponse> response) {
        String topic = request.getTopic();
        if (ungranted(CapabilityCatalog.EVENTS_PUBLISH, "Publish", TopicPatterns.isTopic(topic), topic, response)) {
            return;
        }
        if (!TopicPatterns.isTopic(topic) || topic.length() > limits.getMaxTopicLength()) {
            response.onError(Status.INVALID_ARGUMENT.withDescription("a topic is dot-separated words of letters, "
                    + "digits, '_' and '-', at most " + limits.getMaxTopicLength()
                    + " characters (plugins.events.max-topic-length), e.g. orders.created").asException());
            return;
        }
        if (request.getPayload().size() > limits.getMaxPayloadBytes().toBytes()) {
            response.onError(refused("event-payload", "published " + request.getPayload().size()
                    + " bytes to " + topic + "; the most is " + limits.getMaxPayloadBytes().toBytes()
                    + " (plugins.events.max-payload-bytes)"));
            return;
        }
        if (!connection.grants().admits(CapabilityCatalog.EVENTS_PUBLISH, topic)) {
            response.onError(CallGuard.denied(connection, CapabilityCatalog.EVENTS_PUBLISH, "Publish", topic,
                    EventsGrpc.SERVICE_NAME).asException());
            return;
        }
        if (!publishes.tryTake()) {
            response.onError(refused("event-rate", "exceeded its publish rate (" + limits.getPublishRate()
                    + "/s, burst " + limits.getPublishBurst() + "; plugins.events.publish-rate)"));
            return;
        }
        String id;
        try {
            id = bus.publish(connection.pluginId(), topic, request.getPayload().toByteArray(),
                    request.getContentType());
        } catch (IllegalStateException e) { // the fleet's database did not take it: the plugin may try again
            response.onError(Status.UNAVAILABLE.withDescription(e.getMessage()).asException());
            return;
        }
        response.onNext(PublishResponse.newBuilder().setId(id).build());
        response.onCompleted();
    }

    @Override
    public void subscribe(SubscribeRequest request, StreamObserver<Event> response) {
        List<String> patterns = request.getPatternsList();
        String first = patterns.isEmpty() ? "" : patterns.get(0);
        if (ungranted(CapabilityCatalog.EVENTS_SUBSCRIBE, "Subscribe", TopicPatterns.isPattern(first), first,
                response)) {
            return;
        }
        if (patterns.size() > limits.getMaxPatterns()) {
            response.onError(refused("event-patterns", "asked for " + patterns.size()
                    + " patterns in one subscription; the most is " + limits.getMaxPatterns()
                    + " (plugins.events.max-patterns)"));
            return;
        }
        for (String pattern : patterns) {
            if (!TopicPatterns.isPattern(pattern) || pattern.length() > limits.getMaxTopicLength()) {
                response.onError(Status.INVALID_ARGUMENT.withDescription("invalid topic pattern '"
                        + pattern.substring(0, Math.min(pattern.length(), 64)) + "': use a topic (orders.created), "
                        + "a prefix ending in .* (orders.*) or *, at most " + limits.getMaxTopicLength()
                        + " characters").asException());
                return;
            }
            if (!connection.grants().admits(CapabilityCatalog.EVENTS_SUBSCRIBE, pattern)) {
                response.onError(CallGuard.denied(connection, CapabilityCatalog.EVENTS_SUBSCRIBE, "Subscribe",
                        pattern, EventsGrpc.SERVICE_NAME).asException());
                return;
            }
        }
        if (open.incrementAndGet() > limits.getMaxSubscriptions()) {
            open.decrementAndGet();
            response.onError(refused("event-subscriptions", "has " + limits.getMaxSubscriptions()
                    + " subscriptions open already (plugins.events.max-subscriptions); close one first"));
            return;
        }
        ServerCallStreamObserver<Event> stream = (ServerCallStreamObserver<Event>) response;
        List<EventBus.Subscription> subscriptions = new ArrayList<>();
        AtomicBoolean closed = new AtomicBoolean();
        Runnable close = () -> {
            if (closed.compareAndSet(false, true)) {
                synchronized (subscriptions) {
                    subscriptions.forEach(EventBus.Subscription::close);
                }
                open.decrementAndGet();
            }
        };
        stream.setOnCancelHandler(close);
        synchronized (subscriptions) {
            if (bus.fleet() != null) { // one consumer group per plugin id across the fleet
                if (!closed.get()) {
                    try {
                        subscriptions.add(bus.fleet().consume(connection.pluginId(), patterns,
                                event -> offer(stream, event)));
                    } catch (IllegalStateException e) {
                        close.run();
                        response.onError(Status.UNAVAILABLE.withDescription(e.getMessage()).asException());
                    }
                }
                return;
            }
            for (String pattern : patterns) {
                if (!closed.get()) { // a cancel meanwhile closed what was added so far
                    subscriptions.add(bus.subscribe(pattern, event -> deliver(stream, event)));
                }
            }
        }
    }

    private Throwable refused(String limit, String what) {
        connection.metrics().callRejected(connection.pluginId(), limit);
        return Status.RESOURCE_EXHAUSTED.withDescription("plugin '" + connection.pluginId() + "' " + what)
                .asException();
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

    /**
     * The fleet's delivery: an event the plugin cannot take now is not lost but offered again later (the cursor
     * waits), nor one a cancelled stream would swallow (its consumer is leaving; another delivers it).
     */
    private static boolean offer(ServerCallStreamObserver<Event> stream, Event event) {
        synchronized (stream) {
            if (stream.isCancelled() || !stream.isReady()) {
                return false;
            }
            stream.onNext(event);
            return true;
        }
    }

    /** Refuses a plugin with no grant of the capability at all, naming the topic or pattern when well-formed. */
    private boolean ungranted(String capability, String method, boolean wellFormed, String scope,
                              StreamObserver<?> response) {
        Status refusal = CallGuard.ungranted(connection, capability, method,
                wellFormed && scope.length() <= limits.getMaxTopicLength() ? scope : "", EventsGrpc.SERVICE_NAME);
        if (refusal != null) {
            response.onError(refusal.asException());
        }
        return refusal != null;
    }
}
