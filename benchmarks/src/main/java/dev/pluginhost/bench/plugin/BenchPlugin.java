package dev.pluginhost.bench.plugin;

import dev.pluginhost.sdk.Plugin;
import dev.pluginhost.sdk.PluginContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The benchmark plugin: {@code bench} loops capability calls from inside the sandboxed plugin JVM and returns what
 * they cost. Request: {@code {"cap":"config"|"kv", "threads":1, "warmupMs":1000, "millis":3000}}. Reply: calls,
 * seconds, calls per second and, per call, p50/p99/mean in microseconds (each thread samples every call it makes).
 */
public final class BenchPlugin implements Plugin {

    record Bench(String cap, Integer threads, Integer warmupMs, Integer millis) {}

    private PluginContext context;

    @Override
    public void start(PluginContext context) {
        this.context = context;
        context.operation("bench", request -> {
            Bench b = request.json(Bench.class);
            String cap = b.cap() == null ? "config" : b.cap();
            int threads = b.threads() == null ? 1 : b.threads();
            if ("kv".equals(cap)) {
                context.kv().put("bench", "value".getBytes());
            }
            Map<String, Object> warm = run(cap, threads, b.warmupMs() == null ? 1000 : b.warmupMs());
            Map<String, Object> out = run(cap, threads, b.millis() == null ? 3000 : b.millis());
            out.put("warmupCalls", warm.get("calls"));
            return out;
        });
        // Event latency (FleetBench): a bench.* event carries the publisher's System.nanoTime() (one clock for every
        // process on the machine); the handler keeps how long ago that was.
        try {
            context.events().subscribe("bench.*", event -> {
                String text = event.text();
                long sent = Long.parseLong(text.replaceAll("[^0-9]", ""));
                synchronized (latencies) {
                    latencies.add(System.nanoTime() - sent);
                }
            });
        } catch (dev.pluginhost.sdk.CapabilityDeniedException e) {
            // not granted: the other benchmarks do not need it
        }
        context.operation("latencies", request -> {
            long[] all;
            synchronized (latencies) {
                all = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
                latencies.clear();
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("n", all.length);
            out.put("p50ms", all.length == 0 ? 0 : all[all.length / 2] / 1e6);
            out.put("p99ms", all.length == 0 ? 0 : all[(int) Math.min(all.length - 1, (long) (all.length * 0.99))] / 1e6);
            out.put("maxms", all.length == 0 ? 0 : all[all.length - 1] / 1e6);
            return out;
        });
    }

    private final List<Long> latencies = new ArrayList<>();

    private Map<String, Object> run(String cap, int threads, long millis) throws Exception {
        TimedLoop.Result r = TimedLoop.run(() -> call(cap), threads, millis);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("cap", cap);
        out.put("threads", threads);
        out.put("calls", r.calls());
        out.put("failures", r.failures());
        out.put("seconds", r.seconds());
        out.put("callsPerSec", r.callsPerSec());
        out.put("p50us", r.p50us());
        out.put("p99us", r.p99us());
        out.put("meanus", r.meanus());
        out.put("cpuUsPerCall", r.cpuUsPerCall());
        return out;
    }

    private void call(String cap) throws Exception {
        if ("kv".equals(cap)) {
            context.kv().get("bench");
        } else if ("kv-put".equals(cap)) {
            context.kv().put("bench", "value".getBytes());
        } else {
            context.config().all();
        }
    }
}
