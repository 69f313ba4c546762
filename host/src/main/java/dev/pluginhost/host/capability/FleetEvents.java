package dev.pluginhost.host.capability;

import dev.pluginhost.contract.v1.Event;
import dev.pluginhost.host.PluginHostProperties;
import java.net.InetAddress;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Events across replicas through one PostgreSQL (docs/fleet.md): each subscribing plugin id is a consumer group
 * that gets every event once across the fleet, at least once, in publish order per topic.
 *
 * <ul>
 *   <li><b>Publish</b> ({@link FleetOutbox}): one transaction numbers the event in its topic, stores it and
 *       NOTIFYs.</li>
 *   <li><b>Deliver</b> ({@link FleetDelivery}): per (plugin id, topic), a cursor row with a lease; the replica
 *       holding the lease hands the following events to its plugin, in order, and moves the cursor past an event
 *       once it has run {@code plugins.fleet.event-ack-after} after handing it over. A replica that dies stops
 *       renewing its lease; after {@code plugins.fleet.event-lease} another replica running the plugin takes it and
 *       delivers again what was not delivered for good.</li>
 *   <li><b>Wake-up</b> ({@link FleetWakeUp}): LISTEN/NOTIFY through the PostgreSQL driver, and a look every
 *       {@code event-poll} anyway (a missed notification only delays).</li>
 * </ul>
 *
 * All cursor work runs on one thread per replica: delivery state needs no locks.
 */
public final class FleetEvents implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(FleetEvents.class);

    private static final long CLEANUP_EVERY_NANOS = 60_000_000_000L;

    private final long pollMillis;
    private final String replica;
    private final FleetOutbox outbox;
    private final FleetWakeUp wakeUp;
    private final FleetDelivery delivery;
    private final Thread thread;
    private volatile boolean closed;

    public FleetEvents(DataSource dataSource, PluginHostProperties.Fleet fleet) {
        this.pollMillis = Math.max(1, fleet.eventPoll().toMillis());
        this.replica = hostName() + "/" + UUID.randomUUID();
        this.outbox = new FleetOutbox(dataSource, fleet.eventRetention().toSeconds());
        this.wakeUp = new FleetWakeUp(dataSource, pollMillis);
        this.delivery = new FleetDelivery(dataSource, replica, fleet.eventLease().toMillis(),
                fleet.eventAckAfter().toNanos(), wakeUp);
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
        outbox.publish(event);
        wakeUp.news(event.getTopic());
    }

    /**
     * Joins this replica to the plugin's consumer group for these patterns.
     *
     * @param sink takes an event or answers false when it cannot now (it is offered again later)
     */
    public EventBus.Subscription consume(String plugin, List<String> patterns, EventBus.Sink sink) {
        outbox.join(plugin, patterns);
        return delivery.add(plugin, patterns, sink);
    }

    /** The delivery thread: waits for news, delivers, drops old events; on a database error, starts over. */
    private void run() {
        long nextCleanup = 0;
        while (!closed) {
            try {
                if (System.nanoTime() >= nextCleanup) {
                    outbox.cleanup();
                    nextCleanup = System.nanoTime() + CLEANUP_EVERY_NANOS;
                }
                delivery.pass(wakeUp.topics(), wakeUp.await());
            } catch (SQLException | RuntimeException e) {
                if (closed) {
                    break;
                }
                log.warn("fleet events: {}; trying again in {} ms", e.toString(), pollMillis);
                wakeUp.close();
                sleep(pollMillis);
            }
        }
        wakeUp.close();
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
