package dev.pluginhost.sdk.runtime;

import com.google.protobuf.ByteString;
import dev.pluginhost.contract.v1.EventsGrpc;
import dev.pluginhost.contract.v1.PublishRequest;
import dev.pluginhost.contract.v1.SubscribeRequest;
import dev.pluginhost.sdk.CapabilityDeniedException;
import dev.pluginhost.sdk.Event;
import dev.pluginhost.sdk.EventHandler;
import dev.pluginhost.sdk.PluginEvents;
import dev.pluginhost.sdk.PluginLog;
import dev.pluginhost.sdk.Subscription;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@link PluginEvents} over the {@code events} capability. Each subscription is one server stream; its events are
 * handed to the runtime's executor and handled one at a time, in order, never on the transport thread.
 */
final class RemoteEvents implements PluginEvents {

    /** How long a subscribe the grants do not cover waits for the host's refusal, to report it synchronously. */
    private static final long REFUSAL_WAIT_MS = 5_000;

    private final EventsGrpc.EventsBlockingStub blocking;
    private final EventsGrpc.EventsStub async;
    private final Set<String> grants;
    private final Executor executor;
    private final PluginLog log;
    private final AtomicLong handled = new AtomicLong();
    private final List<Sub> subscriptions = new CopyOnWriteArrayList<>();

    RemoteEvents(Channel channel, Set<String> grants, Executor executor, PluginLog log) {
        this.blocking = EventsGrpc.newBlockingStub(channel);
        this.async = EventsGrpc.newStub(channel);
        this.grants = grants;
        this.executor = executor;
        this.log = log;
    }

    @Override
    public String publish(String topic, Object value) throws CapabilityDeniedException {
        Payloads.Encoded encoded = Payloads.encode(value);
        return publish(topic, encoded.bytes(), encoded.contentType());
    }

    @Override
    public String publish(String topic, byte[] payload, String contentType) throws CapabilityDeniedException {
        if (!TopicPatterns.isTopic(topic)) {
            throw new IllegalArgumentException("invalid topic '" + topic
                    + "': use dot-separated words of letters, digits, '_' and '-', for example orders.created");
        }
        try {
            return blocking.withDeadlineAfter(10, TimeUnit.SECONDS).publish(PublishRequest.newBuilder()
                    .setTopic(topic)
                    .setPayload(ByteString.copyFrom(payload))
                    .setContentType(contentType == null ? "application/octet-stream" : contentType)
                    .build()).getId();
        } catch (StatusRuntimeException e) {
            throw Denials.translate("events.publish:" + topic, e);
        }
    }

    @Override
    public Subscription subscribe(String pattern, EventHandler handler) throws CapabilityDeniedException {
        if (!TopicPatterns.isPattern(pattern)) {
            throw new IllegalArgumentException("invalid topic pattern '" + pattern
                    + "': use a topic (orders.created), a prefix ending in .* (orders.*) or *");
        }
        if (handler == null) {
            throw new IllegalArgumentException("subscription to '" + pattern + "' has no handler");
        }
        Sub sub = new Sub(pattern, handler);
        subscriptions.add(sub);
        async.subscribe(SubscribeRequest.newBuilder().addPatterns(pattern).build(), sub);
        if (!TopicPatterns.covered(grants, "events.subscribe:", pattern)) {
            // The host is the authority (and counts the refusal), but a refusal on a stream arrives asynchronously:
            // wait for it here so that the plugin gets the checked exception the API promises.
            try {
                Throwable refusal = sub.refused.get(REFUSAL_WAIT_MS, TimeUnit.MILLISECONDS);
                if (refusal instanceof StatusRuntimeException e) {
                    subscriptions.remove(sub);
                    throw Denials.translate("events.subscribe:" + pattern, e);
                }
            } catch (TimeoutException e) {
                // the host accepted it after all
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException e) {
                throw new IllegalStateException(e.getCause());
            }
        }
        return sub;
    }

    /** @return how many event deliveries the plugin's handlers have finished, successfully or not */
    long handled() {
        return handled.get();
    }

    void close() {
        for (Sub sub : subscriptions) {
            sub.close();
        }
    }

    private final class Sub implements Subscription, ClientResponseObserver<SubscribeRequest,
            dev.pluginhost.contract.v1.Event> {

        private final String pattern;
        private final EventHandler handler;
        private final CompletableFuture<Throwable> refused = new CompletableFuture<>();
        private final Queue<Event> queue = new ArrayDeque<>();
        private boolean draining;
        private volatile boolean closed;
        private volatile ClientCallStreamObserver<SubscribeRequest> call;

        Sub(String pattern, EventHandler handler) {
            this.pattern = pattern;
            this.handler = handler;
        }

        @Override
        public String pattern() {
            return pattern;
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<SubscribeRequest> requestStream) {
            this.call = requestStream;
        }

        @Override
        public void onNext(dev.pluginhost.contract.v1.Event event) {
            if (closed) {
                return;
            }
            Event delivered = new Delivered(event);
            synchronized (queue) {
                queue.add(delivered);
                if (draining) {
                    return;
                }
                draining = true;
            }
            executor.execute(this::drain);
        }

        /** Handles queued events one at a time, so a subscription sees its events in order. */
        private void drain() {
            while (true) {
                Event next;
                synchronized (queue) {
                    next = queue.poll();
                    if (next == null) {
                        draining = false;
                        return;
                    }
                }
                try {
                    if (!closed) {
                        handler.handle(next);
                    }
                } catch (Exception | LinkageError | StackOverflowError e) {
                    log.error("event handler for '{}' failed on {} (event {}): {}", pattern, next.topic(), next.id(),
                            e.toString(), e);
                } finally {
                    handled.incrementAndGet();
                }
            }
        }

        @Override
        public void onError(Throwable t) {
            refused.complete(t);
            if (closed || t instanceof StatusRuntimeException s && s.getStatus().getCode() == Status.Code.CANCELLED) {
                return;
            }
            if (t instanceof StatusRuntimeException s && s.getStatus().getCode() == Status.Code.PERMISSION_DENIED
                    && !TopicPatterns.covered(grants, "events.subscribe:", pattern)) {
                return; // reported to subscribe()'s caller as CapabilityDeniedException
            }
            log.warn("subscription to '{}' ended: {}", pattern, t.toString());
        }

        @Override
        public void onCompleted() {
            refused.complete(null);
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            subscriptions.remove(this);
            ClientCallStreamObserver<SubscribeRequest> c = call;
            if (c != null) {
                c.cancel("subscription closed by the plugin", null);
            }
        }
    }

    /** An event as the plugin sees it. */
    private record Delivered(dev.pluginhost.contract.v1.Event event) implements Event {

        @Override
        public String id() {
            return event.getId();
        }

        @Override
        public String topic() {
            return event.getTopic();
        }

        @Override
        public String source() {
            return event.getSource();
        }

        @Override
        public long timeMillis() {
            return event.getTimeMs();
        }

        @Override
        public String contentType() {
            return event.getContentType();
        }

        @Override
        public byte[] bytes() {
            return event.getPayload().toByteArray();
        }

        @Override
        public String text() {
            return event.getPayload().toString(StandardCharsets.UTF_8);
        }

        @Override
        public <T> T json(Class<T> type) {
            return Json.read(text(), type);
        }

        @Override
        public String toString() {
            return "Event[" + topic() + " " + id() + " from " + source() + "]";
        }
    }
}
