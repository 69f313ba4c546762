package dev.pluginhost.bench;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/**
 * Figures 4b and 5 on real hosts: the host's RSS with 1, 8 and 32 plugins (hello's classes under ids h01..h32); then,
 * on the 32-plugin host, one start vs 32 starts at once, and GET /api/plugins latency while they start.
 */
final class HostBench {

    private final Ctx ctx;
    private final int scaleReps;

    HostBench(Ctx ctx, int scaleReps) {
        this.ctx = ctx;
        this.scaleReps = scaleReps;
    }

    /** hello.jar with another Plugin-Id. */
    static void copyAs(Path source, Path target, String id) throws IOException {
        copyWith(source, target, Map.of("Plugin-Id", id));
    }

    /** A copy of a plugin jar whose manifest has {@code attributes} set (the id, version, class, capabilities). */
    static void copyWith(Path source, Path target, Map<String, String> attributes) throws IOException {
        try (JarFile in = new JarFile(source.toFile())) {
            Manifest manifest = new Manifest(in.getManifest());
            attributes.forEach(manifest.getMainAttributes()::putValue);
            try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(target), manifest)) {
                Enumeration<JarEntry> entries = in.entries();
                while (entries.hasMoreElements()) {
                    JarEntry e = entries.nextElement();
                    if (e.getName().equals("META-INF/MANIFEST.MF")) {
                        continue;
                    }
                    out.putNextEntry(new JarEntry(e.getName()));
                    try (InputStream data = in.getInputStream(e)) {
                        data.transferTo(out);
                    }
                    out.closeEntry();
                }
            }
        }
    }

    static String id(int i) {
        return String.format("h%02d", i);
    }

    void run() throws Exception {
        Report r = ctx.report;
        String m = "4 memory";
        double perPlugin1 = Double.NaN;
        for (int count : new int[] {1, 8, 32}) {
            Path work = ctx.dir("hosts/" + count);
            Path plugins = ctx.dir("hosts/" + count + "/plugins");
            for (int i = 1; i <= count; i++) {
                copyAs(ctx.helloJar(), plugins.resolve(id(i) + ".jar"), id(i));
            }
            long t0 = System.nanoTime();
            try (HostProc host = HostProc.start(ctx, work, plugins)) {
                host.awaitRunning(count, Duration.ofSeconds(300));
                double bootToAll = (System.nanoTime() - t0) / 1e9;
                Thread.sleep(3000);
                Stats hostRss = new Stats();
                Stats childRss = new Stats();
                for (int i = 0; i < 3; i++) {
                    double[] rss = host.rss();
                    hostRss.add(rss[0]);
                    childRss.add(rss[1]);
                    Thread.sleep(500);
                }
                double perPlugin = childRss.median() / count;
                if (count == 1) {
                    perPlugin1 = perPlugin;
                }
                r.row(m, "host JVM RSS with " + count + " plugin(s) running (idle)", hostRss.show("MiB", 0),
                        "plugins' launchers + JVMs: " + Stats.fmt(childRss.median(), 0) + " MiB in all, "
                                + Stats.fmt(perPlugin, 1) + " MiB per plugin"
                                + (count > 1 ? " (×" + Stats.fmt(perPlugin / perPlugin1, 2) + " of the 1-plugin figure)"
                                : ""), "—", "—");
                r.note(m, "host with " + count + " plugin(s): process start → all running in "
                        + Stats.fmt(bootToAll, 1) + " s");
                if (count == 32) {
                    scale(host, count);
                }
            }
        }
    }

    private void scale(HostProc host, int count) throws Exception {
        Report r = ctx.report;
        String f = "5 scale";
        // idle API latency
        Stats idle = new Stats();
        for (int i = 0; i < 100; i++) {
            long s = System.nanoTime();
            host.get("/api/plugins");
            idle.add((System.nanoTime() - s) / 1e6);
            Thread.sleep(20);
        }
        // one start, repeated, on the same host
        Stats one = new Stats();
        for (int i = 0; i < Math.max(3, ctx.reps / 2); i++) {
            one.add(startAndWait(host, List.of(id(1))));
        }
        Stats all = new Stats();
        Stats during = new Stats();
        for (int i = 0; i < scaleReps; i++) {
            List<String> ids = new ArrayList<>();
            for (int k = 1; k <= count; k++) {
                ids.add(id(k));
            }
            all.add(startAndWait(host, ids, during));
        }
        int cores = Runtime.getRuntime().availableProcessors();
        Stats ideal = new Stats();
        Stats ratio = new Stats();
        for (double a : all.values) {
            double id = count * one.median() / cores;
            ideal.add(id);
            ratio.add(a / id);
        }
        r.row(f, count + " plugins started at once (POST start ×" + count + ") → all running",
                all.show("ms", 0), ratio.ratio() + " vs " + count + " × one start / " + cores + " cores ("
                        + Stats.fmt(ideal.median(), 0) + " ms)", "≤ 1.0× (linear)",
                Report.verdict(ratio.median() <= 1.0));
        r.row(f, "one plugin start on the same host (POST start → state running, host's own timestamp)",
                one.show("ms", 0), "", "—", "—");
        double p99During = during.pct(99);
        double p99Idle = idle.pct(99);
        r.row(f, "GET /api/plugins latency while " + count + " plugins start, p99",
                Stats.fmt(p99During, 1) + " ms (p50 " + Stats.fmt(during.median(), 1) + ", max "
                        + Stats.fmt(during.max(), 1) + ", n=" + during.n() + ")",
                "×" + Stats.fmt(p99During / p99Idle, 1) + " vs idle p99", "≤ 50 ms", Report.verdict(p99During <= 50));
        r.row(f, "GET /api/plugins latency, idle host with " + count + " plugins, p99",
                Stats.fmt(p99Idle, 1) + " ms (p50 " + Stats.fmt(idle.median(), 1) + ", n=" + idle.n() + ")",
                "×1.0", "—", "—");
        ctx.report.row("1 start", "real host: POST /api/plugins/h01/start → state running (host's timestamp)",
                one.show("ms", 0), "", "—", "—");
    }

    private double startAndWait(HostProc host, List<String> ids) throws Exception {
        return startAndWait(host, ids, new Stats());
    }

    /** Stops {@code ids}, then starts them all at once; ms from the first POST to the last one's running stamp. */
    static double startAndWait(HostProc host, List<String> ids, Stats latency) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(8, ids.size()));
        try {
            for (Future<?> f : ids.stream().map(id -> pool.submit(() -> host.post("/api/plugins/" + id + "/stop",
                    ""))).toList()) {
                f.get();
            }
            waitState(host, ids, "stopped");
            Thread.sleep(500);
            Instant t0 = Instant.now();
            List<Future<HttpResponse<String>>> starts = ids.stream().map(id -> pool.submit(() -> host.post("/api/plugins/" + id
                    + "/start", ""))).toList();
            Instant last = null;
            while (last == null) {
                long s = System.nanoTime();
                Map<String, JsonObject> p = host.plugins();
                latency.add((System.nanoTime() - s) / 1e6);
                if (p != null && ids.stream().allMatch(id -> "running".equals(HostProc.state(p.get(id))))) {
                    last = ids.stream().map(id -> HostProc.since(p.get(id))).max(Instant::compareTo).orElseThrow();
                }
                if (Duration.between(t0, Instant.now()).toSeconds() > 300) {
                    throw new IllegalStateException("not all running: " + p);
                }
                Thread.sleep(25);
            }
            for (Future<HttpResponse<String>> f : starts) {
                f.get();
            }
            return Duration.between(t0, last).toNanos() / 1e6;
        } finally {
            pool.shutdownNow();
        }
    }

    private static void waitState(HostProc host, List<String> ids, String state) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            Map<String, JsonObject> p = host.plugins();
            if (p != null && ids.stream().allMatch(id -> state.equals(HostProc.state(p.get(id))))) {
                return;
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("not all " + state);
    }
}
