package dev.pluginhost.host;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.pluginhost.contract.v1.Event;
import dev.pluginhost.host.capability.EventBus;
import dev.pluginhost.host.capability.FleetEvents;
import dev.pluginhost.host.capability.JdbcKvStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The fleet's event transport on a real PostgreSQL ({@link Postgres}): two {@link FleetEvents}, each on its own
 * HikariCP pool, stand for two replicas running the same plugin id.
 */
class FleetEventsTest {

    static Postgres postgres;
    static HikariDataSource poolA;
    static HikariDataSource poolB;

    @BeforeAll
    static void start() throws Exception {
        postgres = Postgres.start();
        poolA = pool();
        poolB = pool();
        new JdbcKvStore(poolA); // the schema
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {poolA, poolB, postgres}) {
            if (c != null) {
                c.close();
            }
        }
    }

    private static HikariDataSource pool() {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(postgres.url());
        config.setUsername("postgres");
        config.setMaximumPoolSize(4);
        return new HikariDataSource(config);
    }

    private static FleetEvents replica(HikariDataSource pool) {
        PluginHostProperties.Fleet fleet = new PluginHostProperties.Fleet();
        fleet.setEventLease(Duration.ofSeconds(2));
        fleet.setEventPoll(Duration.ofMillis(100));
        return new FleetEvents(pool, fleet);
    }

    private static Event event(String topic, int n) {
        return Event.newBuilder().setId(topic + "-" + n).setTopic(topic).setSource("host")
                .setContentType("text/plain").setPayload(ByteString.copyFromUtf8(Integer.toString(n)))
                .setTimeMs(System.currentTimeMillis()).build();
    }

    /** Both replicas run plugin p1: each event reaches one of them, once, in publish order; p2 gets its own copy. */
    @Test
    void eachPluginIdGetsEveryEventOnceAcrossTheReplicasInOrder() throws Exception {
        List<String> p1 = new CopyOnWriteArrayList<>();
        List<String> p2 = new CopyOnWriteArrayList<>();
        try (FleetEvents a = replica(poolA); FleetEvents b = replica(poolB)) {
            List<EventBus.Subscription> subs = List.of(
                    a.consume("p1", List.of("orders.*"), e -> p1.add(e.getId())),
                    b.consume("p1", List.of("orders.*"), e -> p1.add(e.getId())),
                    b.consume("p2", List.of("orders.created"), e -> p2.add(e.getId())));
            List<String> published = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                Event e = event("orders.created", i);
                (i % 2 == 0 ? a : b).publish(e);
                published.add(e.getId());
            }
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> p1.size() >= 100 && p2.size() >= 100);
            Thread.sleep(1500);
            assertThat(p1).as("plugin p1 across both replicas").containsExactlyElementsOf(published);
            assertThat(p2).as("plugin p2, its own group").containsExactlyElementsOf(published);
            subs.forEach(EventBus.Subscription::close);
        }
    }

    /**
     * The replica delivering dies without a word (its thread stops, its lease lapses): the other takes over and
     * delivers again what was handed over but not yet delivered for good, then the rest: nothing lost.
     */
    @Test
    void whenTheDeliveringReplicaDiesTheOtherDeliversWhatItHadNotDeliveredForGood() throws Exception {
        List<String> onA = new CopyOnWriteArrayList<>();
        List<String> onB = new CopyOnWriteArrayList<>();
        AtomicBoolean aAlive = new AtomicBoolean(true);
        FleetEvents a = replica(poolA);
        a.consume("p3", List.of("audit.*"), e -> aAlive.get() && onA.add(e.getId()));
        Thread.sleep(500); // A takes the lease first
        List<String> published = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            Event e = event("audit.seen", i);
            a.publish(e);
            published.add(e.getId());
        }
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> onA.size() == 10);
        // A "dies": it stops delivering and renewing (close() stops its thread and releases nothing).
        aAlive.set(false);
        a.close();
        try (FleetEvents b = replica(poolB)) {
            b.consume("p3", List.of("audit.*"), e -> onB.add(e.getId()));
            for (int i = 10; i < 20; i++) {
                Event e = event("audit.seen", i);
                b.publish(e);
                published.add(e.getId());
            }
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> onB.contains(published.get(19)));
            List<String> seen = new ArrayList<>(onA);
            seen.addAll(onB);
            assertThat(seen).as("every event, at least once").containsAll(published);
            assertThat(onB).as("B goes on in publish order").isSortedAccordingTo(
                    (x, y) -> Integer.compare(published.indexOf(x), published.indexOf(y)));
        }
    }
}
