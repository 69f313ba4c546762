package dev.pluginhost.bench.plugin;

import dev.pluginhost.sdk.Plugin;
import dev.pluginhost.sdk.PluginContext;
import dev.pluginhost.sdk.PluginHttp;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The soak benchmark's plugin: each {@code soak} invocation makes one round of mixed capability calls (kv put, get,
 * and now and then list and delete; config; one event published; an HTTP GET when the request names a URL), so
 * that traffic through the API exercises every capability the host serves. At start it subscribes to the events of
 * its group ({@code soak.g<N>.*}, N from the digits of its id modulo 4) and counts what it receives; its events go
 * to the next group, so every event reaches the eight plugins of one group.
 *
 * <p>Request: {@code {"seq":17, "url":"http://127.0.0.1:PORT/ping"}} ({@code url} optional). Reply: what it saw.
 */
public final class SoakPlugin implements Plugin {

    record Soak(Long seq, String url) {}

    private static final int GROUPS = 4;
    private final AtomicLong received = new AtomicLong();
    private final byte[] value = new byte[256];

    @Override
    public void start(PluginContext context) throws Exception {
        int group = group(context.pluginId());
        Arrays.fill(value, (byte) 'v');
        context.events().subscribe("soak.g" + group + ".*", event -> received.incrementAndGet());
        String publishTo = "soak.g" + (group + 1) % GROUPS + "." + context.pluginId();
        context.operation("soak", request -> {
            Soak s = request.json(Soak.class);
            long seq = s == null || s.seq() == null ? 0 : s.seq();
            String key = "k" + seq % 16;
            // Each step's time (µs), so that a slow invocation says where its time went.
            Map<String, Long> steps = new LinkedHashMap<>();
            long t = System.nanoTime();
            context.kv().put(key, value);
            t = step(steps, "kv.put", t);
            Optional<byte[]> back = context.kv().get(key);
            t = step(steps, "kv.get", t);
            if (seq % 8 == 0) {
                // Keys stay bounded (16): list them, and delete one so that deletes are part of the mix.
                context.kv().list("k");
                context.kv().delete("k" + (seq + 8) % 16);
                t = step(steps, "kv.list+delete", t);
            }
            int config = context.config().all().size();
            t = step(steps, "config", t);
            context.events().publish(publishTo, Map.of("seq", seq));
            t = step(steps, "events.publish", t);
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("seq", seq);
            out.put("kv", back.map(b -> b.length).orElse(-1));
            out.put("config", config);
            out.put("received", received.get());
            if (s != null && s.url() != null) {
                PluginHttp.Response r = context.http().get(s.url()).send();
                out.put("http", r.status());
                out.put("body", new String(r.body(), StandardCharsets.UTF_8));
                step(steps, "http", t);
            }
            out.put("steps", steps);
            return out;
        });
    }

    private static long step(Map<String, Long> steps, String name, long since) {
        long now = System.nanoTime();
        steps.put(name, (now - since) / 1000);
        return now;
    }

    static int group(String id) {
        String digits = id.replaceAll("[^0-9]", "");
        return digits.isEmpty() ? 0 : Integer.parseInt(digits) % GROUPS;
    }
}
