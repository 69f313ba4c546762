package dev.pluginhost.samples.listener;

import dev.pluginhost.sdk.CapabilityDeniedException;
import dev.pluginhost.sdk.Event;
import dev.pluginhost.sdk.Plugin;
import dev.pluginhost.sdk.PluginContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;

/**
 * Listens to {@code orders.*} events, keeps the last {@code keep} of them (config, default 10) in the key-value store
 * so they survive restarts, and confirms each one on {@code audit.orders}. The operation {@code recent} returns them,
 * newest first.
 *
 * <p>Capabilities: {@code events.subscribe:orders.*}, {@code events.publish:audit.*}, {@code kv}, {@code config}.
 */
public final class ListenerPlugin implements Plugin {

    static final String KEY = "recent";
    static final int DEFAULT_KEEP = 10;

    /** One event as the plugin remembers it. */
    record Seen(String id, String topic, String source, long timeMs, String payload) {}

    private final Deque<Seen> recent = new ArrayDeque<>();
    private PluginContext context;
    private int keep;

    @Override
    public void start(PluginContext context) throws Exception {
        this.context = context;
        this.keep = Integer.parseInt(context.config().get("keep", Integer.toString(DEFAULT_KEEP)));
        context.kv().get(KEY).ifPresent(stored -> recent.addAll(List.of(Json.read(stored, Seen[].class))));
        context.events().subscribe("orders.*", this::onOrder);
        context.operation("recent", request -> snapshot());
        context.log().info("listening to orders.*, keeping the last {} ({} restored)", keep, recent.size());
    }

    /** Runs on the runtime's event thread, one event at a time: no locking needed against itself. */
    private void onOrder(Event event) throws CapabilityDeniedException {
        Seen seen = new Seen(event.id(), event.topic(), event.source(), event.timeMillis(), event.text());
        byte[] stored;
        synchronized (recent) {
            recent.addFirst(seen);
            while (recent.size() > keep) {
                recent.removeLast();
            }
            stored = Json.write(recent.toArray(Seen[]::new));
        }
        context.kv().put(KEY, stored);
        context.events().publish("audit.orders", Map.of("seen", event.id(), "topic", event.topic()));
    }

    private List<Seen> snapshot() {
        synchronized (recent) {
            return List.copyOf(recent);
        }
    }

    /** The plugin's own JSON, so that it does not depend on the runtime's (invisible) Gson. */
    static final class Json {
        private static final com.google.gson.Gson GSON = new com.google.gson.Gson();

        static <T> T read(byte[] json, Class<T> type) {
            return GSON.fromJson(new String(json, StandardCharsets.UTF_8), type);
        }

        static byte[] write(Object value) {
            return GSON.toJson(value).getBytes(StandardCharsets.UTF_8);
        }
    }
}
