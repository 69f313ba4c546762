package com.example.myplugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pluginhost.sdk.CapabilityDeniedException;
import dev.pluginhost.sdk.testkit.PluginTest;
import dev.pluginhost.sdk.testkit.TestHost;
import java.util.Map;
import org.junit.jupiter.api.Test;

@PluginTest(plugin = MyPlugin.class, id = "my-plugin", grants = "config", config = "greeting=Hi")
class MyPluginTest {

    @Test
    void greets(TestHost host) {
        assertEquals(Map.of("greeting", "Hi, Ada!"), host.invoke("greet", "{\"name\":\"Ada\"}").json(Map.class));
        assertTrue(host.logs().stream().anyMatch(entry -> entry.message().equals("greeting Ada")));
    }

    @Test
    void withoutTheConfigGrantItRefusesToStart() {
        CapabilityDeniedException denied = assertThrows(CapabilityDeniedException.class,
                () -> TestHost.builder(MyPlugin.class).id("my-plugin").start());
        assertEquals("config", denied.capability());
    }
}
