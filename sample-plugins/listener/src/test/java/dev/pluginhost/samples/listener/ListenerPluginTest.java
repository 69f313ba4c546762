package dev.pluginhost.samples.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pluginhost.sdk.CapabilityDeniedException;
import dev.pluginhost.sdk.testkit.PluginTest;
import dev.pluginhost.sdk.testkit.TestHost;
import dev.pluginhost.sdk.testkit.TestEvent;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

@PluginTest(plugin = ListenerPlugin.class, grants = {"kv", "config", "events.subscribe:orders.*",
        "events.publish:audit.*"}, config = "keep=3")
class ListenerPluginTest {

    @Test
    void remembersTheLastOrdersNewestFirst(TestHost host) {
        for (int i = 1; i <= 5; i++) {
            assertThat(host.publish("orders.created", Map.of("order", i))).isEqualTo(1);
        }
        host.publish("invoices.created", Map.of("invoice", 1)); // not subscribed

        ListenerPlugin.Seen[] recent = host.invoke("recent").json(ListenerPlugin.Seen[].class);
        assertThat(recent).extracting(ListenerPlugin.Seen::payload)
                .containsExactly("{\"order\":5}", "{\"order\":4}", "{\"order\":3}");
        assertThat(recent).extracting(ListenerPlugin.Seen::topic).containsOnly("orders.created");
        assertThat(recent[0].source()).isEqualTo("host");
    }

    @Test
    void confirmsEachOrderOnTheAuditTopic(TestHost host) {
        host.publish("orders.paid", Map.of("order", 1));
        assertThat(host.publishedEvents()).extracting(TestEvent::topic).containsExactly("audit.orders");
        assertThat(host.publishedEvents().get(0).json(Map.class)).containsEntry("topic", "orders.paid");
    }

    @Test
    void keepsThemInTheKeyValueStore(TestHost host) {
        host.publish("orders.created", Map.of("order", 1));
        assertThat(host.kv().get(ListenerPlugin.KEY)).contains("{\\\"order\\\":1}");
    }

    @Test
    void restoresWhatWasStoredWhenItStarts() throws Exception {
        String stored;
        try (TestHost first = TestHost.builder(ListenerPlugin.class).grant("kv", "config",
                "events.subscribe:orders.*", "events.publish:audit.*").start()) {
            first.publish("orders.created", Map.of("order", 1));
            stored = first.kv().get(ListenerPlugin.KEY);
        }
        // A restart: a new plugin instance over the same stored state (the builder seeds the store before start).
        try (TestHost second = TestHost.builder(ListenerPlugin.class).grant("kv", "config",
                "events.subscribe:orders.*", "events.publish:audit.*").kv(ListenerPlugin.KEY, stored).start()) {
            assertThat(second.invoke("recent").json(List.class)).hasSize(1);
            assertThat(second.logs()).anySatisfy(entry -> assertThat(entry.message()).contains("(1 restored)"));
        }
    }

    @Test
    void withoutTheSubscribeGrantTheStartFailsWithTheHostsMessage() {
        assertThatThrownBy(() -> TestHost.builder(ListenerPlugin.class)
                        .grant("kv", "config").start())
                .isInstanceOf(CapabilityDeniedException.class)
                .hasMessageContaining("may not use capability 'events.subscribe:orders.*'")
                .hasMessageContaining("plugins.grants.listener=events.subscribe:orders.*");
    }
}
