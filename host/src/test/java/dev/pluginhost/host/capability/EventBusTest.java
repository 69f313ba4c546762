package dev.pluginhost.host.capability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pluginhost.contract.v1.Event;
import dev.pluginhost.sdk.contract.Scopes;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The bus's index admits exactly what {@link Scopes#admits} admits for topic patterns. */
class EventBusTest {

    @Test
    void eachPatternReceivesExactlyTheTopicsItAdmits() {
        EventBus bus = new EventBus();
        List<String> patterns = List.of("*", "orders", "orders.created", "orders.*", "orders.eu.*", "ord.*",
                "orders.created.*", "payments.*");
        List<String> topics = List.of("orders", "orders.created", "orders.eu.created", "orders.eu", "ord.x",
                "payments", "payments.sent", "x", "orders.created.late");
        List<String> received = new ArrayList<>();
        for (String pattern : patterns) {
            bus.subscribe(pattern, e -> received.add(pattern + " <- " + e.getTopic()));
        }
        List<String> expected = new ArrayList<>();
        for (String topic : topics) {
            bus.publish("host", topic, new byte[0], "");
            for (String pattern : patterns) {
                if (Scopes.admits(pattern, topic)) {
                    expected.add(pattern + " <- " + topic);
                }
            }
        }
        assertThat(received).containsExactlyInAnyOrderElementsOf(expected);
    }

    @Test
    void aClosedSubscriptionReceivesNothingAndTwinsAreDistinct() {
        EventBus bus = new EventBus();
        List<Event> received = new ArrayList<>();
        EventBus.Subscription one = bus.subscribe("a.*", received::add);
        EventBus.Subscription two = bus.subscribe("a.*", received::add);
        bus.publish("host", "a.b", new byte[0], "");
        assertThat(received).hasSize(2);
        one.close();
        bus.publish("host", "a.b", new byte[0], "");
        assertThat(received).hasSize(3);
        two.close();
        one.close();
        bus.publish("host", "a.b", new byte[0], "");
        assertThat(received).hasSize(3);
    }

    @Test
    void patternsOutsideTheTopicSyntaxAreRefusedByName() {
        EventBus bus = new EventBus();
        assertThatThrownBy(() -> bus.subscribe("*.created", e -> { }))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'*.created'");
    }
}
