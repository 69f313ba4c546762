package dev.pluginhost.bench;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Figure 7, host replicas (issue 15, docs/fleet.md), in one run against the single-host figures: the bench plugin's
 * kv get and put round trips (inside the plugin, per call) on a single host (its H2 file) and on a replica whose kv
 * store is PostgreSQL; event latency from {@code POST /api/events/bench.ping} to the plugin's handler, on one host
 * (in memory) and from replica A to the plugin on replica B (through PostgreSQL: commit, NOTIFY, claim, hand-over).
 * The PostgreSQL is a private cluster of Debian's {@code postgresql} 15 on loopback, as the tests use.
 */
final class FleetBench {

    static final Path PG = Path.of("/usr/lib/postgresql/15/bin");
    private static final String GRANTS = "--plugins.grants.bench=log,kv,config,events.subscribe:bench.*";

    private final Ctx ctx;
    private final int events;
    private final int kvMillis;

    FleetBench(Ctx ctx, int events, int kvMillis) {
        this.ctx = ctx;
        this.events = events;
        this.kvMillis = kvMillis;
    }

    void run() throws Exception {
        String f = "7 fleet";
        Path single = ctx.dir("fleet/single");
        Path singlePlugins = ctx.dir("fleet/single/plugins");
        Files.copy(ctx.benchPluginJar, singlePlugins.resolve("bench.jar"));
        JsonObject kvGet1;
        JsonObject kvPut1;
        JsonObject event1;
        try (HostProc host = HostProc.start(ctx, single, singlePlugins, GRANTS)) {
            host.awaitRunning(1, Duration.ofSeconds(300));
            kvGet1 = kv(host, "kv");
            kvPut1 = kv(host, "kv-put");
            event1 = events(host, host);
        }
        try (Cluster pg = Cluster.start(ctx.dir("fleet/pg"))) {
            Path a = ctx.dir("fleet/a");
            Path b = ctx.dir("fleet/b");
            Path aPlugins = ctx.dir("fleet/a/plugins"); // none: A only publishes
            Path bPlugins = ctx.dir("fleet/b/plugins");
            Files.copy(ctx.benchPluginJar, bPlugins.resolve("bench.jar"));
            try (HostProc hostA = HostProc.start(ctx, a, aPlugins, pg.args(GRANTS));
                 HostProc hostB = HostProc.start(ctx, b, bPlugins, pg.args(GRANTS))) {
                hostB.awaitRunning(1, Duration.ofSeconds(300));
                hostA.awaitRunning(0, Duration.ofSeconds(300));
                JsonObject kvGetN = kv(hostB, "kv");
                JsonObject kvPutN = kv(hostB, "kv-put");
                JsonObject eventN = events(hostA, hostB);
                row(f, "kv get round trip, in the plugin (p50; p99)", kvGet1, kvGetN, "us", "p50us", "p99us");
                row(f, "kv put round trip, in the plugin (p50; p99)", kvPut1, kvPutN, "us", "p50us", "p99us");
                row(f, "event latency, POST /api/events → plugin's handler (p50; p99)", event1, eventN, "ms",
                        "p50ms", "p99ms");
                ctx.report.note(f, "single host: kv in its H2 file, events in memory, publish and handler on the "
                        + "host. Fleet: two replicas on one PostgreSQL 15 (loopback, private cluster); kv measured on "
                        + "replica B; events published through replica A's API, handled by the plugin on replica B "
                        + "only (A runs no plugin). kv: " + kvMillis + " ms of calls from one plugin thread after "
                        + "1 s of warm-up; events: " + events + " events, one every 20 ms. Latency includes the "
                        + "publishing HTTP call.");
            }
        }
    }

    private void row(String f, String what, JsonObject single, JsonObject fleet, String unit, String p50,
                     String p99) {
        double s50 = single.get(p50).getAsDouble();
        double f50 = fleet.get(p50).getAsDouble();
        String n = single.has("calls") ? "calls" : "n";
        ctx.report.row(f, what, "fleet " + Stats.fmt(f50, 1) + "; " + Stats.fmt(fleet.get(p99).getAsDouble(), 1)
                        + " " + unit + " (n=" + fleet.get(n).getAsLong() + ")",
                "×" + Stats.fmt(f50 / s50, 1) + " p50 vs single host " + Stats.fmt(s50, 1) + "; "
                        + Stats.fmt(single.get(p99).getAsDouble(), 1) + " " + unit + " (n="
                        + single.get(n).getAsLong() + ")", "—", "—");
    }

    private JsonObject kv(HostProc host, String cap) throws Exception {
        return host.postJson("/api/plugins/bench/invoke/bench", "{\"cap\":\"" + cap + "\",\"warmupMs\":1000,"
                + "\"millis\":" + kvMillis + "}");
    }

    /** Publishes through {@code publisher}, one every 20 ms; the plugin on {@code handler} measures. */
    private JsonObject events(HostProc publisher, HostProc handler) throws Exception {
        for (int i = 0; i < 20; i++) { // warm-up, not counted
            publish(publisher);
        }
        Thread.sleep(3000);
        handler.postJson("/api/plugins/bench/invoke/latencies", "{}");
        for (int i = 0; i < events; i++) {
            publish(publisher);
            Thread.sleep(20);
        }
        Thread.sleep(3000);
        JsonObject out = handler.postJson("/api/plugins/bench/invoke/latencies", "{}");
        if (out.get("n").getAsInt() < events) {
            throw new IllegalStateException(out.get("n") + " of " + events + " events reached the plugin");
        }
        return out;
    }

    private static void publish(HostProc publisher) throws Exception {
        var r = publisher.post("/api/events/bench.ping", "{\"t\":" + System.nanoTime() + "}");
        if (r.statusCode() != 200) {
            throw new IllegalStateException("POST /api/events/bench.ping: " + r.statusCode() + " " + r.body());
        }
    }

    /** A private PostgreSQL cluster on a free loopback port, run as user postgres (initdb refuses root). */
    static final class Cluster implements AutoCloseable {
        final Path dir;
        final int port;

        private Cluster(Path dir, int port) {
            this.dir = dir;
            this.port = port;
        }

        static Cluster start(Path dir) throws Exception {
            if (!Files.isExecutable(PG.resolve("initdb"))) {
                throw new IllegalStateException("not available here: PostgreSQL 15 is not installed (" + PG
                        + "/initdb missing; apt-get install postgresql)");
            }
            UserPrincipalLookupService users = dir.getFileSystem().getUserPrincipalLookupService();
            Files.setOwner(dir, users.lookupPrincipalByName("postgres"));
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            Cluster c = new Cluster(dir, port);
            c.run(PG.resolve("initdb").toString(), "-D", dir.resolve("data").toString(), "-U", "postgres",
                    "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync");
            c.run(PG.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-w", "-t", "60", "-l",
                    dir.resolve("server.log").toString(), "-o",
                    "-p " + port + " -c listen_addresses=127.0.0.1 -k " + dir, "start");
            c.run(PG.resolve("createdb").toString(), "-h", "127.0.0.1", "-p", Integer.toString(port), "-U",
                    "postgres", "pluginhost");
            return c;
        }

        String[] args(String... more) {
            List<String> a = new ArrayList<>(List.of("--spring.datasource.url=jdbc:postgresql://127.0.0.1:" + port
                    + "/pluginhost", "--spring.datasource.username=postgres", "--spring.datasource.password="));
            a.addAll(List.of(more));
            return a.toArray(String[]::new);
        }

        private void run(String... command) throws IOException, InterruptedException {
            List<String> full = new ArrayList<>(List.of("runuser", "-u", "postgres", "--"));
            full.addAll(List.of(command));
            Process p = new ProcessBuilder(full).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(90, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", full) + " failed: " + out);
            }
        }

        @Override
        public void close() throws Exception {
            run(PG.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-m", "immediate", "-w",
                    "stop");
        }
    }
}
