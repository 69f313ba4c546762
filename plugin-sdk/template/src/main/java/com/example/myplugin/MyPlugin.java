package com.example.myplugin;

import dev.pluginhost.sdk.Plugin;
import dev.pluginhost.sdk.PluginContext;
import java.util.Map;

/** A starting point: one operation, one setting, one log line. */
public final class MyPlugin implements Plugin {

    record Greet(String name) {}

    @Override
    public void start(PluginContext context) throws Exception {
        String greeting = context.config().get("greeting", "Hello");
        context.operation("greet", request -> {
            Greet greet = request.json(Greet.class);
            String name = greet == null || greet.name() == null ? "world" : greet.name();
            context.log().info("greeting {}", name);
            return Map.of("greeting", greeting + ", " + name + "!");
        });
    }
}
