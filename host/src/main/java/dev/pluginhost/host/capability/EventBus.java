package dev.pluginhost.host.capability;

import dev.pluginhost.contract.v1.Event;
import dev.pluginhost.host.PluginHostProperties;
import dev.pluginhost.sdk.runtime.TopicPatterns;
import com.google.protobuf.ByteString;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Topics shared by the plugins and the embedding application. Publishing never waits for subscribers: each
 * subscriber decides how it delivers (a plugin's stream drops events it cannot take, and counts them).
 *
 * <p>Subscriptions are indexed by what they match (exact topics by topic, {@code prefix.*} patterns by prefix,
 * {@code *} apart), so a publish looks up only the topic and its dot-prefixes: its cost does not grow with the number
 * of subscriptions to other topics, however many a plugin makes.
 */
public final class EventBus implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EventBus.class);

    /** A subscription; close it to stop receiving. */
    public interface Subscription extends AutoCloseable {
        @Override
        void close();
    }

    /** Where a plugin's events go when the bus spans the fleet: it takes one or answers false when it cannot now. */
    public interface Sink {
        boolean offer(Event event);
    }

    /** Compared by identity: the same pattern and sink subscribed twice are two subscriptions. */
    private static final class Subscriber {
        final String pattern;
        final Consumer<Event> sink;

        Subscriber(String pattern, Consumer<Event> sink) {
            this.pattern = pattern;
            this.sink = sink;
        }
    }

    private final PluginHostProperties.Events limits;
    /** The fleet's events through PostgreSQL, or null: in memory, this host only. */
    private final FleetEvents fleet;
    /** Topic → subscribers of exactly that topic. */
    private final Map<String, Set<Subscriber>> exact = new ConcurrentHashMap<>();
    /** {@code orders.} → subscribers of {@code orders.*}. */
    private final Map<String, Set<Subscriber>> prefixes = new ConcurrentHashMap<>();
    /** Subscribers of {@code *}. */
    private final Set<Subscriber> everything = ConcurrentHashMap.newKeySet();

    public EventBus() {
        this(new PluginHostProperties.Events());
    }

    /** @param limits what each plugin may do with the bus ({@code plugins.events.*}) */
    public EventBus(PluginHostProperties.Events limits) {
        this(limits, null);
    }

    /**
     * @param fleet with one, plugins' subscriptions are consumer groups across the fleet (docs/fleet.md) and
     *     every event is stored there; the application's own subscribers still hear this host's publishes only
     */
    public EventBus(PluginHostProperties.Events limits, FleetEvents fleet) {
        this.limits = limits;
        this.fleet = fleet;
    }

    /** @return the fleet's transport, or null when events stay in this host */
    public FleetEvents fleet() {
        return fleet;
    }

    /** @return the limits on each plugin's use of the bus */
    public PluginHostProperties.Events limits() {
        return limits;
    }

    /**
     * Publishes an event to every subscriber whose pattern admits the topic.
     *
     * @param source a plugin id, or {@code host}
     * @return the event's id
     * @throws IllegalStateException when the fleet's database did not take it
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
        if (fleet != null) {
            fleet.publish(event); // committed before the publisher hears the id: the fleet will deliver it
        }
        deliver(everything, event);
        deliver(exact.get(topic), event);
        // orders.eu.created is matched by orders.* and orders.eu.*: one lookup per dot
        for (int dot = topic.indexOf('.'); dot >= 0 && dot < topic.length() - 1; dot = topic.indexOf('.', dot + 1)) {
            deliver(prefixes.get(topic.substring(0, dot + 1)), event);
        }
        return event.getId();
    }

    private static void deliver(Set<Subscriber> subscribers, Event event) {
        if (subscribers == null) {
            return;
        }
        for (Subscriber subscriber : subscribers) {
            try {
                subscriber.sink.accept(event);
            } catch (RuntimeException e) {
                log.warn("event subscriber for '{}' failed on {}: {}", subscriber.pattern, event.getTopic(),
                        e.toString());
            }
        }
    }

    /**
     * @param pattern a topic, a prefix ending in {@code .*}, or {@code *}
     * @param sink called on the publisher's thread: hand off, do not block
     * @throws IllegalArgumentException naming the pattern when it is none of these
     */
    public Subscription subscribe(String pattern, Consumer<Event> sink) {
        if (!TopicPatterns.isPattern(pattern)) {
            throw new IllegalArgumentException("invalid topic pattern '" + pattern
                    + "': use a topic (orders.created), a prefix ending in .* (orders.*) or *");
        }
        Subscriber subscriber = new Subscriber(pattern, sink);
        if (pattern.equals("*")) {
            everything.add(subscriber);
            return () -> everything.remove(subscriber);
        }
        Map<String, Set<Subscriber>> index = pattern.endsWith(".*") ? prefixes : exact;
        String key = pattern.endsWith(".*") ? pattern.substring(0, pattern.length() - 1) : pattern;
        index.compute(key, (k, set) -> {
            Set<Subscriber> subscribers = set == null ? ConcurrentHashMap.newKeySet() : set;
            subscribers.add(subscriber);
            return subscribers;
        });
        return () -> index.computeIfPresent(key, (k, set) -> {
            set.remove(subscriber);
            return set.isEmpty() ? null : set;
        });
    }

    /** Stops the fleet's delivery on this replica (its leases lapse; other replicas take over). */
    @Override
    public void close() {
        if (fleet != null) {
            fleet.close();
        }
    }
}
