package dev.pluginhost.sandbox.programs;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * An honest plugin-like JVM: a thread pool, file I/O in its data directory, some computation. Prints "ready",
 * waits until the file {@code args[1]} exists (so a test can inspect it while it runs), prints "done", exits 0.
 * Usage: HonestProgram DATA_DIR GO_FILE
 */
public final class HonestProgram {
    public static void main(String[] args) throws Exception {
        Path dataDir = Path.of(args[0]);
        Path go = Path.of(args[1]);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<Long>> results = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            int id = t;
            results.add(pool.submit(() -> {
                Path file = dataDir.resolve("part-" + id + ".txt");
                StringBuilder sb = new StringBuilder();
                for (int i = 0; i < 10_000; i++) {
                    sb.append(i * id).append('\n');
                }
                Files.writeString(file, sb);
                long sum = 0;
                for (String line : Files.readAllLines(file)) {
                    sum += Long.parseLong(line);
                }
                Files.delete(file);
                return sum;
            }));
        }
        long total = 0;
        for (Future<Long> f : results) {
            total += f.get();
        }
        pool.shutdown();
        try (var listing = Files.list(dataDir)) {
            listing.count();
        }
        System.out.println("ready " + ProcessHandle.current().pid() + " " + total);
        System.out.flush();
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!Files.exists(go) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        System.out.println("done");
    }
}
