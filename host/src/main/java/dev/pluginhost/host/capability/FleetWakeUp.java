package dev.pluginhost.host.capability;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * When {@link FleetEvents}' delivery thread looks again, and at which topics: LISTEN/NOTIFY through the PostgreSQL
 * driver, the topic table every ten seconds, this replica's own publishes, and a look every {@code event-poll} anyway
 * (a missed notification only delays). Its connection is the delivery thread's.
 */
final class FleetWakeUp implements AutoCloseable {

    static final String CHANNEL = "pluginhost_events";
    private static final long TOPICS_EVERY_NANOS = 10_000_000_000L;

    private final DataSource dataSource;
    private final long pollMillis;
    private final Set<String> topics = ConcurrentHashMap.newKeySet();
    /** Topics with news since the last look (NOTIFY). */
    private final Set<String> dirty = ConcurrentHashMap.newKeySet();
    private Connection listening;
    private long nextTopics;
    private volatile boolean wake;

    FleetWakeUp(DataSource dataSource, long pollMillis) {
        this.dataSource = dataSource;
        this.pollMillis = pollMillis;
    }

    /** A topic has news (this replica published to it). */
    void news(String topic) {
        topics.add(topic);
        dirty.add(topic);
    }

    /** The next wait returns at once: a subscription changed, or a backlog waits. */
    void wake() {
        wake = true;
    }

    /** @return every topic known to the fleet */
    Set<String> topics() {
        return topics;
    }

    /**
     * Listens (again, after {@link #close}), reads the topic table when due, and waits up to {@code event-poll} for a
     * notification unless woken.
     *
     * @return the topics with news since the last call
     */
    Set<String> await() throws SQLException {
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
            nextTopics = System.nanoTime() + TOPICS_EVERY_NANOS;
        }
        if (!wake) {
            PGNotification[] notifications = listening.unwrap(PGConnection.class)
                    .getNotifications((int) Math.min(pollMillis, Integer.MAX_VALUE));
            if (notifications != null) {
                for (PGNotification n : notifications) {
                    news(n.getParameter());
                }
            }
        }
        wake = false;
        Set<String> news = Set.copyOf(dirty);
        dirty.removeAll(news);
        return news;
    }

    private void loadTopics() throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = FleetOutbox.prepare(c, "SELECT topic FROM plugin_event_topic");
             ResultSet r = s.executeQuery()) {
            while (r.next()) {
                if (topics.add(r.getString(1))) {
                    dirty.add(r.getString(1));
                }
            }
        }
    }

    /** Stops listening; the next {@link #await} listens on a new connection. */
    @Override
    public void close() {
        if (listening != null) {
            try {
                listening.close();
            } catch (SQLException e) {
                // the connection is gone already
            }
            listening = null;
        }
    }
}
