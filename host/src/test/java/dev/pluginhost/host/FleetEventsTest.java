package dev.pluginhost.host;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.pluginhost.contract.v1.Event;
import dev.pluginhost.host.capability.EventBus;
import dev.pluginhost.host.capability.FleetEvents;
import dev.pluginhost.host.capability.JdbcKvStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The fleet's event transport on a real PostgreSQL ({@link Postgres}): two {@link FleetEvents}, each on its own
 * HikariCP pool, stand for two replicas running the same plugin id.
 */
class FleetEventsTest {

    @RegisterExtension
    static final Postgres postgres = Postgres.forClass();

    @BeforeAll
    static void start() {
        new JdbcKvStore(postgres.pool(4, true)); // the schema
    }

    /** @return a replica's transport, on its own pool */
    private static FleetEvents replica() {
        return replica(Duration.ofSeconds(1));
    }

    private static FleetEvents replica(Duration ackAfter) {
        PluginHostProperties.Fleet fleet = PluginHostProperties.group(PluginHostProperties.Fleet.class,
                "event-ack-after=" + ackAfter, "event-lease=2s", "event-poll=100ms");
        return new FleetEvents(postgres.pool(4, true), fleet);
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
        try (FleetEvents a = replica(); FleetEvents b = replica()) {
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
     * The replica delivering dies without a word (its thread stops, its lease lapses) right after handing events to
     * its plugin, which dies with them unhandled: the other replica takes over and delivers them again, then the
     * rest, in publish order: nothing lost.
     */
    @Test
    void whenTheDeliveringReplicaDiesTheOtherDeliversWhatItHadHandedOver() throws Exception {
        assertThat(afterDeath("p3", Duration.ofSeconds(3))).as("events the surviving replica never delivered")
                .isEmpty();
    }

    /**
     * The same without the grace ({@code event-ack-after} 0: an event counts as delivered once handed over): the
     * events the dead replica's plugin took with it are lost. This is what the grace is for, and shows the test
     * above can fail.
     */
    @Test
    void withoutTheAckGraceTheEventsTheDeadReplicaHandedOverAreLost() throws Exception {
        assertThat(afterDeath("p4", Duration.ZERO)).as("events the surviving replica never delivered").hasSize(10);
    }

    /** @return the published events that replica B never delivered after replica A died */
    private static List<String> afterDeath(String plugin, Duration ackAfter) throws Exception {
        List<String> handedOnA = new CopyOnWriteArrayList<>();
        List<String> onB = new CopyOnWriteArrayList<>();
        String topic = "audit." + plugin;
        FleetEvents a = replica(ackAfter);
        a.consume(plugin, List.of("audit.*"), e -> handedOnA.add(e.getId())); // its plugin dies with them
        Thread.sleep(500); // A takes the lease first
        List<String> published = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            Event e = event(topic, i);
            a.publish(e);
            published.add(e.getId());
        }
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> handedOnA.size() == 10);
        if (ackAfter.isZero()) {
            Thread.sleep(1000); // a few passes: the cursor moves past what was handed over
        }
        a.close(); // stops its thread, releases nothing: as SIGKILL leaves it
        try (FleetEvents b = replica(ackAfter)) {
            b.consume(plugin, List.of("audit.*"), e -> onB.add(e.getId()));
            for (int i = 10; i < 20; i++) {
                Event e = event(topic, i);
                b.publish(e);
                published.add(e.getId());
            }
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> onB.contains(published.get(19)));
            assertThat(onB).as("B delivers in publish order").isSortedAccordingTo(
                    (x, y) -> Integer.compare(published.indexOf(x), published.indexOf(y)));
            return published.stream().filter(id -> !onB.contains(id)).toList();
        }
    }
}
