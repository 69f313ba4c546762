package dev.pluginhost.samples.hello;

import dev.pluginhost.sdk.CapabilityDeniedException;
import dev.pluginhost.sdk.KeyValueStore;
import dev.pluginhost.sdk.Plugin;
import dev.pluginhost.sdk.PluginContext;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.nio.charset.StandardCharsets;
import java.nio.channels.SocketChannel;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The smallest useful plugin: {@code greet} logs through the host and answers; {@code probe} tries two things the
 * sandbox forbids (an internet socket, and the {@code kv} capability without a grant) and reports what happened, so
 * an operator can watch both violation counters move; {@code count} counts its own invocations in the key-value store
 * (capability {@code kv}), safely under concurrent calls.
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
        context.operation("count", request -> Map.of("count", increment(context.kv(), "count")));
    }

    /** Adds one to a counter stored as decimal text; compare-and-set makes concurrent increments safe. */
    static long increment(KeyValueStore kv, String key) throws CapabilityDeniedException {
        while (true) {
            Optional<byte[]> current = kv.get(key);
            long next = current.map(bytes -> Long.parseLong(new String(bytes, StandardCharsets.UTF_8))).orElse(0L) + 1;
            if (kv.compareAndSet(key, current.orElse(null), Long.toString(next).getBytes(StandardCharsets.UTF_8))) {
                return next;
            }
        }
    }
}
