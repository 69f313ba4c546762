package dev.pluginhost.host.capability;

import static dev.pluginhost.host.capability.FleetOutbox.prepare;

import dev.pluginhost.contract.v1.Event;
import dev.pluginhost.sdk.runtime.TopicPatterns;
import com.google.protobuf.ByteString;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;

/**
 * The delivering side of {@link FleetEvents}: per (plugin id, topic), a cursor row ({@code plugin_event_cursor}) holds
 * the last event delivered for good and a lease; the one replica holding the lease hands the following events to its
 * plugin, in order. An event counts as delivered once the replica has run {@code plugins.fleet.event-ack-after} after
 * handing it over; only then does the cursor move past it. A replica that dies stops renewing its lease; after
 * {@code plugins.fleet.event-lease} another replica running the plugin takes it and starts after the cursor.
 *
 * <p>{@link #pass} runs on the delivery thread only; consumers come and go from any thread.
 */
final class FleetDelivery {

    private static final int BATCH = 256;

    /** One plugin's consumer on this replica: its patterns and where its events go. */
    private record Consumer(List<String> patterns, EventBus.Sink sink) {
        boolean matches(String topic) {
            return patterns.stream().anyMatch(p -> TopicPatterns.matches(p, topic));
        }
    }

    /** This replica's view of one (plugin id, topic) cursor; touched by the delivery thread only. */
    private static final class Cursor {
        boolean owned;
        long position;
        long committed;
        /** Handed over, not yet delivered for good: {seq, nanoTime handed}. */
        final ArrayDeque<long[]> pending = new ArrayDeque<>();
        long nextLook;
    }

    /** What {@link #handOver} did. */
    private enum HandOver { DONE, FULL, BLOCKED }

    private final DataSource dataSource;
    private final String replica;
    private final long leaseMillis;
    private final long ackAfterNanos;
    private final FleetWakeUp wakeUp;
    /** Plugin id → its consumers on this replica. */
    private final Map<String, List<Consumer>> consumers = new ConcurrentHashMap<>();
    /** Plugin id → topic → cursor; delivery thread only. */
    private final Map<String, Map<String, Cursor>> cursors = new ConcurrentHashMap<>();

    FleetDelivery(DataSource dataSource, String replica, long leaseMillis, long ackAfterNanos, FleetWakeUp wakeUp) {
        this.dataSource = dataSource;
        this.replica = replica;
        this.leaseMillis = leaseMillis;
        this.ackAfterNanos = ackAfterNanos;
        this.wakeUp = wakeUp;
    }

    /** Hands the plugin's events matching these patterns to {@code sink} from the next pass on. */
    EventBus.Subscription add(String plugin, List<String> patterns, EventBus.Sink sink) {
        Consumer consumer = new Consumer(List.copyOf(patterns), sink);
        consumers.computeIfAbsent(plugin, k -> new CopyOnWriteArrayList<>()).add(consumer);
        wakeUp.wake();
        return () -> {
            List<Consumer> list = consumers.get(plugin);
            if (list != null) {
                list.remove(consumer);
            }
            wakeUp.wake();
        };
    }

    /** One look at every (plugin, topic) this replica may deliver: {@code news} now, the others when due. */
    void pass(Set<String> topics, Set<String> news) throws SQLException {
        for (String plugin : cursors.keySet()) {
            if (!consumers.containsKey(plugin)) {
                consumers.putIfAbsent(plugin, new CopyOnWriteArrayList<>()); // released below
            }
        }
        for (Map.Entry<String, List<Consumer>> entry : consumers.entrySet()) {
            String plugin = entry.getKey();
            Map<String, Cursor> mine = cursors.computeIfAbsent(plugin, k -> new ConcurrentHashMap<>());
            for (String topic : topics) {
                Consumer consumer = entry.getValue().stream().filter(c -> c.matches(topic)).findFirst().orElse(null);
                Cursor cursor = mine.get(topic);
                if (consumer == null) {
                    if (cursor != null) {
                        release(plugin, topic, cursor);
                        mine.remove(topic);
                    }
                    continue;
                }
                if (cursor == null) {
                    cursor = new Cursor();
                    mine.put(topic, cursor);
                }
                if (news.contains(topic) || System.nanoTime() >= cursor.nextLook) {
                    deliver(plugin, topic, consumer, cursor);
                }
            }
            if (entry.getValue().isEmpty() && mine.isEmpty()) {
                consumers.remove(plugin, entry.getValue());
                cursors.remove(plugin);
            }
        }
    }

    /** Takes or renews the lease, moves the cursor past what is delivered for good, hands over what follows. */
    private void deliver(String plugin, String topic, Consumer consumer, Cursor cursor) throws SQLException {
        long now = System.nanoTime();
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                Long committed = claim(c, plugin, topic);
                if (committed == null) { // another replica delivers this plugin's topic
                    cursor.owned = false;
                    cursor.pending.clear();
                    cursor.nextLook = now + leaseMillis * 500_000L;
                    c.commit();
                    return;
                }
                if (!cursor.owned) {
                    cursor.owned = true;
                    cursor.position = committed;
                    cursor.pending.clear();
                }
                cursor.committed = committed;
                long acknowledged = committed;
                while (!cursor.pending.isEmpty() && now - cursor.pending.peek()[1] >= ackAfterNanos) {
                    acknowledged = cursor.pending.poll()[0];
                }
                HandOver handed = handOver(c, topic, consumer, cursor);
                if (acknowledged > committed) {
                    try (PreparedStatement s = prepare(c, "UPDATE plugin_event_cursor SET delivered = ? "
                            + "WHERE plugin = ? AND topic = ? AND owner = ?", acknowledged, plugin, topic,
                            replica)) {
                        s.executeUpdate();
                    }
                    cursor.committed = acknowledged;
                }
                c.commit();
                long next = now + leaseMillis * 1_000_000L / 3;
                if (!cursor.pending.isEmpty()) {
                    next = Math.min(next, cursor.pending.peek()[1] + ackAfterNanos);
                }
                if (handed == HandOver.FULL) {
                    wakeUp.wake(); // a backlog: go on at once
                }
                cursor.nextLook = handed == HandOver.DONE ? next : now;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /** @return the cursor's committed position when this replica holds (or now takes) the lease, else null */
    private Long claim(Connection c, String plugin, String topic) throws SQLException {
        // A new cursor starts after the events published before the plugin id first subscribed.
        try (PreparedStatement s = prepare(c, "INSERT INTO plugin_event_cursor (plugin, topic, delivered) "
                + "SELECT ?, ?, COALESCE((SELECT max(e.seq) FROM plugin_event e WHERE e.topic = ? AND e.created < "
                + "(SELECT min(g.since) FROM plugin_event_group g WHERE g.plugin = ?)), 0) "
                + "ON CONFLICT DO NOTHING", plugin, topic, topic, plugin)) {
            s.executeUpdate();
        }
        try (PreparedStatement s = prepare(c, "UPDATE plugin_event_cursor SET owner = ?, "
                + "lease_until = now() + ? * interval '1 millisecond' WHERE plugin = ? AND topic = ? "
                + "AND (owner = ? OR owner IS NULL OR lease_until < now()) RETURNING delivered",
                        replica, leaseMillis, plugin, topic, replica)) {
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? r.getLong(1) : null;
            }
        }
    }

    /** @return FULL when a full batch went out, BLOCKED when the plugin took no more, else DONE */
    private HandOver handOver(Connection c, String topic, Consumer consumer, Cursor cursor) throws SQLException {
        try (PreparedStatement s = prepare(c, "SELECT seq, id, source, content_type, payload, time_ms FROM plugin_event "
                + "WHERE topic = ? AND seq > ? ORDER BY seq LIMIT " + BATCH, topic, cursor.position)) {
            int n = 0;
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    Event event = Event.newBuilder().setTopic(topic).setId(r.getString(2)).setSource(r.getString(3))
                            .setContentType(r.getString(4)).setPayload(ByteString.copyFrom(r.getBytes(5)))
                            .setTimeMs(r.getLong(6)).build();
                    if (!consumer.sink().offer(event)) {
                        return HandOver.BLOCKED; // the plugin cannot take more now: the next look goes on from here
                    }
                    cursor.position = r.getLong(1);
                    cursor.pending.add(new long[] {cursor.position, System.nanoTime()});
                    n++;
                }
            }
            return n == BATCH ? HandOver.FULL : HandOver.DONE;
        }
    }

    /** The plugin stopped subscribing here: what was handed over but not delivered for good goes to another. */
    private void release(String plugin, String topic, Cursor cursor) throws SQLException {
        if (!cursor.owned) {
            return;
        }
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = prepare(c, "UPDATE plugin_event_cursor SET owner = NULL, lease_until = NULL "
                     + "WHERE plugin = ? AND topic = ? AND owner = ?", plugin, topic, replica)) {
            c.setAutoCommit(true);
            s.executeUpdate();
        }
    }
}
