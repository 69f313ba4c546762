package com.example.shop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.pluginhost.host.PluginEvent;
import dev.pluginhost.host.PluginHost;
import dev.pluginhost.host.fixtures.ShopPlugin;
import dev.pluginhost.host.fixtures.TestPluginJar;
import dev.pluginhost.host.lifecycle.PluginState;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * An application embeds the host through its auto-configuration alone and works with real sandboxed plugins from
 * Java: it invokes them, lends them a capability of its own, and exchanges events with them.
 */
@SpringBootTest(classes = ShopApplication.class, webEnvironment = SpringBootTest.WebEnvironment.NONE)
class EmbeddedHostTest {

    @TempDir
    static Path work;

    @DynamicPropertySource
    static void plugins(DynamicPropertyRegistry registry) throws Exception {
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path plugins = Files.createDirectories(work.resolve("plugins"));
        Path samples = Path.of(System.getProperty("samples.dir", "../sample-plugins/target/plugins"));
        try (Stream<Path> jars = Files.list(samples)) {
            Files.copy(jars.filter(p -> p.getFileName().toString().startsWith("hello-")).findFirst().orElseThrow(),
                    plugins.resolve("hello.jar"));
        }
        TestPluginJar.write(plugins, "shop.jar", "shop", "1", ShopPlugin.class,
                "inventory, events.subscribe:orders.*, events.publish:audit.*");
        // The same plugin under another id, requesting the inventory but not granted it.
        TestPluginJar.write(plugins, "nosy.jar", "nosy", "1", ShopPlugin.class,
                "inventory, events.subscribe:orders.*, events.publish:audit.*");
        registry.add("plugins.dir", () -> plugins.toString());
        registry.add("plugins.data-dir", () -> work.resolve("data").toString());
        registry.add("plugins.grants.shop", () -> "inventory,events.subscribe:orders.*,events.publish:audit.*");
        registry.add("plugins.grants.nosy", () -> "events.subscribe:orders.*,events.publish:audit.*");
    }

    @Autowired
    PluginHost host;

    @Autowired
    MeterRegistry meters;

    @Test
    void theApplicationInvokesPluginsLendsThemACapabilityAndTradesEvents() throws Exception {
        await().atMost(Duration.ofSeconds(60)).until(() -> host.plugins().stream()
                .allMatch(p -> p.state() == PluginState.RUNNING) && host.plugins().size() == 3);

        assertThat(host.invokeJson("hello", "greet", "{\"name\":\"Ada\"}", Duration.ofSeconds(10)))
                .isEqualTo("{\"greeting\":\"Hello, Ada!\"}");

        assertThat(host.invokeJson("shop", "stock", "{\"item\":\"widget\"}", Duration.ofSeconds(10)))
                .isEqualTo("{\"answer\":\"42 widget (asked by shop)\"}");

        assertThatThrownBy(() -> host.invokeJson("nosy", "stock", "{\"item\":\"widget\"}", Duration.ofSeconds(10)))
                .isInstanceOfSatisfying(PluginHost.PluginInvocationException.class, e ->
                        assertThat(e.code()).isEqualTo("CAPABILITY_DENIED"))
                .hasMessageContaining("may not use capability 'inventory'")
                .hasMessageContaining("plugins.grants.nosy=inventory");
        assertThat(meters.find("plugin.capability.denied").tag("plugin", "nosy").tag("capability", "inventory")
                .counter()).as("the refusal is counted").isNotNull()
                .satisfies(c -> assertThat(c.count()).isEqualTo(1.0));

        List<PluginEvent> audits = new CopyOnWriteArrayList<>();
        try (var subscription = host.subscribe("audit.*", audits::add)) {
            host.publish("orders.created", "{\"id\":7}");
            await().atMost(Duration.ofSeconds(10)).until(() -> audits.size() >= 2); // shop and nosy both audit
        }
        assertThat(audits.get(0).topic()).isEqualTo("audit.order");
        assertThat(audits).extracting(PluginEvent::source).containsExactlyInAnyOrder("shop", "nosy");
        assertThat(audits.get(0).text()).contains("\\\"id\\\":7").contains("\"from\":\"host\"");
    }
}
