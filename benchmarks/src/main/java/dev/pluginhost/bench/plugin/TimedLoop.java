package dev.pluginhost.bench.plugin;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The timed call loop of the bench plugin and of the bare baseline ({@code work.EchoClient}): one home, so that their
 * figures compare. {@code threads} threads call as fast as they can for {@code millis}, each timing every call.
 */
public final class TimedLoop {

    /** One call; an exception ends that thread's loop and counts as a failure. */
    @FunctionalInterface
    public interface Call {
        void run() throws Exception;
    }

    /**
     * @param sorted every call's nanoseconds, sorted
     * @param cpuNanos CPU time of the whole calling process (all its threads) over the timed window
     */
    public record Result(long[] sorted, long failures, double seconds, long cpuNanos) {
        public int calls() {
            return sorted.length;
        }

        public double callsPerSec() {
            return calls() / seconds;
        }

        public double p50us() {
            return calls() == 0 ? 0 : sorted[calls() / 2] / 1e3;
        }

        public double p99us() {
            return calls() == 0 ? 0 : sorted[(int) Math.min(calls() - 1, (long) (calls() * 0.99))] / 1e3;
        }

        /** @return the calling process's CPU time per call, microseconds: what a call costs its caller's side */
        public double cpuUsPerCall() {
            return calls() == 0 ? 0 : cpuNanos / 1e3 / calls();
        }

        public double meanus() {
            return calls() == 0 ? 0 : Arrays.stream(sorted).average().orElse(0) / 1e3;
        }
    }

    private TimedLoop() {
    }

    public static Result run(Call call, int threads, long millis) throws InterruptedException {
        long[][] samples = new long[threads][];
        int[] counts = new int[threads];
        AtomicLong failures = new AtomicLong();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        long[] window = new long[1];
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
                        call.run();
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
        long cpu = processCpuNanos();
        window[0] = System.nanoTime();
        go.countDown();
        for (Thread worker : workers) {
            worker.join();
        }
        long elapsed = System.nanoTime() - window[0];
        long cpuNanos = processCpuNanos() - cpu;
        long[] all = new long[Arrays.stream(counts).sum()];
        int at = 0;
        for (int t = 0; t < threads; t++) {
            System.arraycopy(samples[t], 0, all, at, counts[t]);
            at += counts[t];
        }
        Arrays.sort(all);
        return new Result(all, failures.get(), elapsed / 1e9, cpuNanos);
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }
}
