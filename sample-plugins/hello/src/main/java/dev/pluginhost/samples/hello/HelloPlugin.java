package dev.pluginhost.samples.hello;

import dev.pluginhost.sdk.CapabilityDeniedException;
import dev.pluginhost.sdk.Plugin;
import dev.pluginhost.sdk.PluginContext;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.nio.channels.SocketChannel;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The smallest useful plugin: {@code greet} logs through the host and answers; {@code probe} tries two things the
 * sandbox forbids (an internet socket, and the {@code kv} capability without a grant) and reports what happened, so
 * an operator can watch both violation counters move.
 */
public final class HelloPlugin implements Plugin {

    record Greet(String name) {}

    @Override
    public void start(PluginContext context) {
        context.operation("greet", request -> {
            Greet greet = request.json(Greet.class);
            String name = greet == null || greet.name() == null ? "world" : greet.name();
            context.log().info("greeting {}", name);
            return Map.of("greeting", "Hello, " + name + "!");
        });
        context.operation("probe", request -> {
            Map<String, String> outcome = new LinkedHashMap<>();
            try (SocketChannel socket = SocketChannel.open(StandardProtocolFamily.INET)) {
                outcome.put("socket", "allowed (the sandbox did not stop an AF_INET socket)");
            } catch (IOException e) {
                outcome.put("socket", "denied: " + e.getMessage());
            }
            try {
                context.kv().get("probe");
                outcome.put("kv", "allowed");
            } catch (CapabilityDeniedException e) {
                outcome.put("kv", "denied: " + e.getMessage());
            }
            return outcome;
        });
    }
}
