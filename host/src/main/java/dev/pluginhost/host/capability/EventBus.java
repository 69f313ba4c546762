package dev.pluginhost.host.capability;

import dev.pluginhost.contract.v1.Event;
import com.google.protobuf.ByteString;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Topics shared by the plugins and the embedding application. Publishing never waits for subscribers: each
 * subscriber decides how it delivers (a plugin's stream drops events it cannot take, and counts them).
 */
public final class EventBus {

    private static final Logger log = LoggerFactory.getLogger(EventBus.class);

    /** A subscription; close it to stop receiving. */
    public interface Subscription extends AutoCloseable {
        @Override
        void close();
    }

    private record Subscriber(String pattern, Consumer<Event> sink) {
    }

    private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();

    /**
     * Publishes an event to every subscriber whose pattern admits the topic.
     *
     * @param source a plugin id, or {@code host}
     * @return the event's id
     */
    public String publish(String source, String topic, byte[] payload, String contentType) {
        Event event = Event.newBuilder()
                .setId(UUID.randomUUID().toString())
                .setTopic(topic)
                .setPayload(ByteString.copyFrom(payload))
                .setContentType(contentType.isEmpty() ? "application/json" : contentType)
                .setSource(source)
                .setTimeMs(System.currentTimeMillis())
                .build();
        for (Subscriber subscriber : subscribers) {
            if (Grant.admits(subscriber.pattern(), topic)) {
                try {
                    subscriber.sink().accept(event);
                } catch (RuntimeException e) {
                    log.warn("event subscriber for '{}' failed on {}: {}", subscriber.pattern(), topic, e.toString());
                }
            }
        }
        return event.getId();
    }

    /**
     * @param pattern a topic, a prefix ending in {@code .*}, or {@code *}
     * @param sink called on the publisher's thread: hand off, do not block
     */
    public Subscription subscribe(String pattern, Consumer<Event> sink) {
        Subscriber subscriber = new Subscriber(pattern, sink);
        subscribers.add(subscriber);
        return () -> subscribers.remove(subscriber);
    }
}
