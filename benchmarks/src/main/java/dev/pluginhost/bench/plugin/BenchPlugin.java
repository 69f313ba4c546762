package dev.pluginhost.bench.plugin;

import dev.pluginhost.sdk.Plugin;
import dev.pluginhost.sdk.PluginContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

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
            run(cap, threads, b.warmupMs() == null ? 1000 : b.warmupMs());
            return run(cap, threads, b.millis() == null ? 3000 : b.millis());
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
        long[][] samples = new long[threads][];
        int[] counts = new int[threads];
        AtomicLong failures = new AtomicLong();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        long[] window = new long[2];
        for (int t = 0; t < threads; t++) {
            int index = t;
            Thread worker = new Thread(() -> {
                long[] mine = new long[1 << 16];
                int n = 0;
                try {
                    go.await();
                    long end = window[0] + millis * 1_000_000L;
                    while (true) {
                        long start = System.nanoTime();
                        if (start >= end) {
                            break;
                        }
                        call(cap);
                        long took = System.nanoTime() - start;
                        if (n == mine.length) {
                            mine = Arrays.copyOf(mine, n * 2);
                        }
                        mine[n++] = took;
                    }
                } catch (Exception e) {
                    failures.incrementAndGet();
                }
                samples[index] = mine;
                counts[index] = n;
            }, "bench-" + t);
            workers.add(worker);
            worker.start();
        }
        window[0] = System.nanoTime();
        go.countDown();
        for (Thread worker : workers) {
            worker.join();
        }
        long elapsed = System.nanoTime() - window[0];
        int total = Arrays.stream(counts).sum();
        long[] all = new long[total];
        int at = 0;
        for (int t = 0; t < threads; t++) {
            System.arraycopy(samples[t], 0, all, at, counts[t]);
            at += counts[t];
        }
        Arrays.sort(all);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("cap", cap);
        out.put("threads", threads);
        out.put("calls", total);
        out.put("failures", failures.get());
        out.put("seconds", elapsed / 1e9);
        out.put("callsPerSec", total / (elapsed / 1e9));
        out.put("p50us", total == 0 ? 0 : all[total / 2] / 1e3);
        out.put("p99us", total == 0 ? 0 : all[(int) Math.min(total - 1, (long) (total * 0.99))] / 1e3);
        out.put("meanus", total == 0 ? 0 : Arrays.stream(all).average().orElse(0) / 1e3);
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
