package dev.pluginhost.host.capability;

import dev.pluginhost.contract.v1.Event;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import javax.sql.DataSource;

/**
 * The writing side of {@link FleetEvents}: publishing (one transaction numbers the event in its topic, stores it and
 * NOTIFYs), joining a consumer group, and dropping events older than {@code plugins.fleet.event-retention}.
 */
final class FleetOutbox {

    static final int QUERY_TIMEOUT_SECONDS = 10;

    private final DataSource dataSource;
    private final long retentionSeconds;

    FleetOutbox(DataSource dataSource, long retentionSeconds) {
        this.dataSource = dataSource;
        this.retentionSeconds = retentionSeconds;
    }

    /**
     * Numbers the event in its topic ({@code plugin_event_topic}, whose row lock makes one topic's numbers gapless and
     * committed in order), stores it ({@code plugin_event}) and NOTIFYs, in one transaction.
     */
    void publish(Event event) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                long seq;
                try (PreparedStatement s = prepare(c, "INSERT INTO plugin_event_topic (topic, last_seq) VALUES (?, 1) "
                        + "ON CONFLICT (topic) DO UPDATE SET last_seq = plugin_event_topic.last_seq + 1 "
                        + "RETURNING last_seq", event.getTopic())) {
                    try (ResultSet r = s.executeQuery()) {
                        r.next();
                        seq = r.getLong(1);
                    }
                }
                try (PreparedStatement s = prepare(c, "INSERT INTO plugin_event (topic, seq, id, source, "
                        + "content_type, payload, time_ms) VALUES (?, ?, ?, ?, ?, ?, ?)", event.getTopic(), seq,
                        event.getId(), event.getSource(), event.getContentType(), event.getPayload().toByteArray(),
                        event.getTimeMs())) {
                    s.executeUpdate();
                }
                try (PreparedStatement s = prepare(c, "SELECT pg_notify(?, ?)",
                        FleetWakeUp.CHANNEL, event.getTopic())) {
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
    }

    /** Records the plugin id's consumer group for these patterns (a new group starts after what is published now). */
    void join(String plugin, List<String> patterns) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(true);
            for (String pattern : patterns) {
                try (PreparedStatement s = prepare(c, "INSERT INTO plugin_event_group (plugin, pattern) VALUES (?, ?) "
                        + "ON CONFLICT DO NOTHING", plugin, pattern)) {
                    s.executeUpdate();
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("plugin '" + plugin + "' could not join its consumer group in the "
                    + "fleet's database: " + e.getMessage(), e);
        }
    }

    /** Drops the events older than the retention. */
    void cleanup() throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = prepare(c, "DELETE FROM plugin_event WHERE created < now() - ? * interval "
                     + "'1 second'", retentionSeconds)) {
            c.setAutoCommit(true);
            s.executeUpdate();
        }
    }

    /** @return the statement with these parameters bound, in order */
    static PreparedStatement prepare(Connection c, String sql, Object... parameters) throws SQLException {
        PreparedStatement s = Statements.prepare(c, sql, QUERY_TIMEOUT_SECONDS);
        try {
            for (int i = 0; i < parameters.length; i++) {
                s.setObject(i + 1, parameters[i]);
            }
        } catch (SQLException e) {
            s.close();
            throw e;
        }
        return s;
    }
}
