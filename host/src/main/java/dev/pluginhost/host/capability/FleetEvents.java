package dev.pluginhost.host.capability;

import dev.pluginhost.contract.v1.Event;
import dev.pluginhost.host.PluginHostProperties;
import dev.pluginhost.sdk.runtime.TopicPatterns;
import com.google.protobuf.ByteString;
import java.net.InetAddress;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Events across replicas through one PostgreSQL (docs/fleet.md): each subscribing plugin id is a consumer group
 * that gets every event once across the fleet, at least once, in publish order per topic.
 *
 * <ul>
 *   <li><b>Publish</b>: one transaction numbers the event in its topic ({@code plugin_event_topic}, whose row lock
 *       makes one topic's numbers gapless and committed in order), stores it ({@code plugin_event}) and NOTIFYs.</li>
 *   <li><b>Deliver</b>: per (plugin id, topic), a cursor row ({@code plugin_event_cursor}) holds the last event
 *       delivered for good and a lease: the one replica holding the lease hands the following events to its plugin,
 *       in order. An event counts as delivered once the replica has run {@code plugins.fleet.event-ack-after} after
 *       handing it over; only then does the cursor move past it. A replica that dies stops renewing its lease; after
 *       {@code plugins.fleet.event-lease} another replica running the plugin takes it and starts after the cursor,
 *       delivering again what was not delivered for good.</li>
 *   <li><b>Wake-up</b>: LISTEN/NOTIFY through the PostgreSQL driver, and a look every {@code event-poll} anyway
 *       (a missed notification only delays).</li>
 * </ul>
 *
 * All cursor work runs on one thread per replica: delivery state needs no locks.
 */
public final class FleetEvents implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(FleetEvents.class);

    static final String CHANNEL = "pluginhost_events";
    private static final int BATCH = 256;
    private static final int QUERY_TIMEOUT_SECONDS = 10;

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

    private final DataSource dataSource;
    private final long pollMillis;
    private final long leaseMillis;
    private final long ackAfterNanos;
    private final long retentionSeconds;
    private final String replica;
    /** Plugin id → its consumers on this replica. */
    private final Map<String, List<Consumer>> consumers = new ConcurrentHashMap<>();
    /** Plugin id → topic → cursor; delivery thread only. */
    private final Map<String, Map<String, Cursor>> cursors = new ConcurrentHashMap<>();
    private final Set<String> topics = ConcurrentHashMap.newKeySet();
    /** Topics with news since the last pass (NOTIFY). */
    private final Set<String> dirty = ConcurrentHashMap.newKeySet();
    private final Thread thread;
    private volatile boolean closed;
    private volatile boolean wake;

    public FleetEvents(DataSource dataSource, PluginHostProperties.Fleet fleet) {
        this.dataSource = dataSource;
        this.pollMillis = Math.max(1, fleet.getEventPoll().toMillis());
        this.leaseMillis = fleet.getEventLease().toMillis();
        this.ackAfterNanos = fleet.getEventAckAfter().toNanos();
        this.retentionSeconds = fleet.getEventRetention().toSeconds();
        this.replica = hostName() + "/" + UUID.randomUUID();
        this.thread = new Thread(this::run, "fleet-events");
        thread.setDaemon(true);
        thread.start();
    }

    /** @return this replica's name in cursor leases: host name and a random id per start */
    public String replica() {
        return replica;
    }

    /** Stores an event for the fleet; returns once it is committed (and so will be delivered). */
    public void publish(Event event) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                long seq;
                try (PreparedStatement s = prepare(c, "INSERT INTO plugin_event_topic (topic, last_seq) VALUES (?, 1) "
                        + "ON CONFLICT (topic) DO UPDATE SET last_seq = plugin_event_topic.last_seq + 1 "
                        + "RETURNING last_seq")) {
                    s.setString(1, event.getTopic());
                    try (ResultSet r = s.executeQuery()) {
                        r.next();
                        seq = r.getLong(1);
                    }
                }
                try (PreparedStatement s = prepare(c, "INSERT INTO plugin_event (topic, seq, id, source, "
                        + "content_type, payload, time_ms) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                    s.setString(1, event.getTopic());
                    s.setLong(2, seq);
                    s.setString(3, event.getId());
                    s.setString(4, event.getSource());
                    s.setString(5, event.getContentType());
                    s.setBytes(6, event.getPayload().toByteArray());
                    s.setLong(7, event.getTimeMs());
                    s.executeUpdate();
                }
                try (PreparedStatement s = prepare(c, "SELECT pg_notify(?, ?)")) {
                    s.setString(1, CHANNEL);
                    s.setString(2, event.getTopic());
                    s.execute();
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("the event to " + event.getTopic() + " could not be stored in the "
                    + "fleet's database: " + e.getMessage(), e);
        }
        topics.add(event.getTopic());
        dirty.add(event.getTopic());
    }

    /**
     * Joins this replica to the plugin's consumer group for these patterns.
     *
     * @param sink takes an event or answers false when it cannot now (it is offered again later)
     */
    public EventBus.Subscription consume(String plugin, List<String> patterns, EventBus.Sink sink) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(true);
            for (String pattern : patterns) {
                try (PreparedStatement s = prepare(c, "INSERT INTO plugin_event_group (plugin, pattern) VALUES (?, ?) "
                        + "ON CONFLICT DO NOTHING")) {
                    s.setString(1, plugin);
                    s.setString(2, pattern);
                    s.executeUpdate();
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("plugin '" + plugin + "' could not join its consumer group in the "
                    + "fleet's database: " + e.getMessage(), e);
        }
        Consumer consumer = new Consumer(List.copyOf(patterns), sink);
        consumers.computeIfAbsent(plugin, k -> new CopyOnWriteArrayList<>()).add(consumer);
        wake = true;
        return () -> {
            List<Consumer> list = consumers.get(plugin);
            if (list != null) {
                list.remove(consumer);
            }
            wake = true;
        };
    }

    private void run() {
        Connection listening = null;
        long nextTopics = 0;
        long nextCleanup = 0;
        while (!closed) {
            try {
                if (listening == null) {
                    listening = dataSource.getConnection();
                    listening.setAutoCommit(true);
                    try (Statement s = listening.createStatement()) {
                        s.execute("LISTEN " + CHANNEL);
                    }
                    nextTopics = 0;
                }
                if (System.nanoTime() >= nextTopics) {
                    loadTopics();
                    nextTopics = System.nanoTime() + 10_000_000_000L;
                }
                if (System.nanoTime() >= nextCleanup) {
                    cleanup();
                    nextCleanup = System.nanoTime() + 60_000_000_000L;
                }
                if (!wake) {
                    PGNotification[] news = listening.unwrap(PGConnection.class)
                            .getNotifications((int) Math.min(pollMillis, Integer.MAX_VALUE));
                    if (news != null) {
                        for (PGNotification n : news) {
                            topics.add(n.getParameter());
                            dirty.add(n.getParameter());
                        }
                    }
                }
                wake = false;
                pass();
            } catch (SQLException | RuntimeException e) {
                if (closed) {
                    break;
                }
                log.warn("fleet events: {}; trying again in {} ms", e.toString(), pollMillis);
                close(listening);
                listening = null;
                sleep(pollMillis);
            }
        }
        close(listening);
    }

    private void loadTopics() throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = prepare(c, "SELECT topic FROM plugin_event_topic");
             ResultSet r = s.executeQuery()) {
            while (r.next()) {
                if (topics.add(r.getString(1))) {
                    dirty.add(r.getString(1));
                }
            }
        }
    }

    private void cleanup() throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = prepare(c, "DELETE FROM plugin_event WHERE created < now() - ? * interval '1 second'")) {
            c.setAutoCommit(true);
            s.setLong(1, retentionSeconds);
            s.executeUpdate();
        }
    }

    /** One look at every (plugin, topic) this replica may deliver. */
    private void pass() throws SQLException {
        Set<String> news = Set.copyOf(dirty);
        dirty.removeAll(news);
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
                int handed = handOver(c, topic, consumer, cursor);
                if (acknowledged > committed) {
                    try (PreparedStatement s = prepare(c, "UPDATE plugin_event_cursor SET delivered = ? "
                            + "WHERE plugin = ? AND topic = ? AND owner = ?")) {
                        s.setLong(1, acknowledged);
                        s.setString(2, plugin);
                        s.setString(3, topic);
                        s.setString(4, replica);
                        s.executeUpdate();
                    }
                    cursor.committed = acknowledged;
                }
                c.commit();
                long next = now + leaseMillis * 1_000_000L / 3;
                if (!cursor.pending.isEmpty()) {
                    next = Math.min(next, cursor.pending.peek()[1] + ackAfterNanos);
                }
                if (handed == FULL) {
                    wake = true; // a backlog: go on at once
                }
                cursor.nextLook = handed == DONE ? next : now;
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
                + "ON CONFLICT DO NOTHING")) {
            s.setString(1, plugin);
            s.setString(2, topic);
            s.setString(3, topic);
            s.setString(4, plugin);
            s.executeUpdate();
        }
        try (PreparedStatement s = prepare(c, "UPDATE plugin_event_cursor SET owner = ?, "
                + "lease_until = now() + ? * interval '1 millisecond' WHERE plugin = ? AND topic = ? "
                + "AND (owner = ? OR owner IS NULL OR lease_until < now()) RETURNING delivered")) {
            s.setString(1, replica);
            s.setLong(2, leaseMillis);
            s.setString(3, plugin);
            s.setString(4, topic);
            s.setString(5, replica);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? r.getLong(1) : null;
            }
        }
    }

    private static final int DONE = 0;
    private static final int FULL = 1;
    private static final int BLOCKED = 2;

    /** @return FULL when a full batch went out, BLOCKED when the plugin took no more, else DONE */
    private int handOver(Connection c, String topic, Consumer consumer, Cursor cursor) throws SQLException {
        try (PreparedStatement s = prepare(c, "SELECT seq, id, source, content_type, payload, time_ms FROM plugin_event "
                + "WHERE topic = ? AND seq > ? ORDER BY seq LIMIT " + BATCH)) {
            s.setString(1, topic);
            s.setLong(2, cursor.position);
            int n = 0;
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    Event event = Event.newBuilder().setTopic(topic).setId(r.getString(2)).setSource(r.getString(3))
                            .setContentType(r.getString(4)).setPayload(ByteString.copyFrom(r.getBytes(5)))
                            .setTimeMs(r.getLong(6)).build();
                    if (!consumer.sink().offer(event)) {
                        return BLOCKED; // the plugin cannot take more now: the next look goes on from here
                    }
                    cursor.position = r.getLong(1);
                    cursor.pending.add(new long[] {cursor.position, System.nanoTime()});
                    n++;
                }
            }
            return n == BATCH ? FULL : DONE;
        }
    }

    /** The plugin stopped subscribing here: what was handed over but not delivered for good goes to another. */
    private void release(String plugin, String topic, Cursor cursor) throws SQLException {
        if (!cursor.owned) {
            return;
        }
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = prepare(c, "UPDATE plugin_event_cursor SET owner = NULL, lease_until = NULL "
                     + "WHERE plugin = ? AND topic = ? AND owner = ?")) {
            c.setAutoCommit(true);
            s.setString(1, plugin);
            s.setString(2, topic);
            s.setString(3, replica);
            s.executeUpdate();
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static PreparedStatement prepare(Connection c, String sql) throws SQLException {
        PreparedStatement s = c.prepareStatement(sql);
        s.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
        return s;
    }

    private static void close(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException e) {
                // the connection is gone already
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return "replica";
        }
    }
}
