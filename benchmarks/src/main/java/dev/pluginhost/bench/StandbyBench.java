package dev.pluginhost.bench;

import com.google.gson.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * Figure 1b, plugin start through a real host with standby launches (plugins.standby.enabled): POST start → state
 * running (the host's timestamp) taken from the plugin's standby, the same start cold (its standby killed first), and
 * a bare {@code java Hello}, interleaved repetition by repetition.
 */
final class StandbyBench {

    private final Ctx ctx;

    StandbyBench(Ctx ctx) {
        this.ctx = ctx;
    }

    void run() throws Exception {
        Path work = ctx.dir("standby");
        Path plugins = ctx.dir("standby/plugins");
        HostBench.copyAs(ctx.helloJar(), plugins.resolve("h01.jar"), "h01");
        StartBench start = new StartBench(ctx);
        Stats standby = new Stats();
        Stats cold = new Stats();
        Stats bare = new Stats();
        Stats standbyOverBare = new Stats();
        Stats coldOverBare = new Stats();
        Stats standbyOverCold = new Stats();
        try (HostProc host = HostProc.start(ctx, work, plugins, "--plugins.standby.enabled=true")) {
            host.awaitRunning(1, Duration.ofSeconds(120));
            start.bare(PluginLaunch.HOST_JVM_OPTIONS, 0); // warm-up
            for (int i = 0; i < Math.max(3, ctx.reps); i++) {
                standbyPid(host, Duration.ofSeconds(60));
                double s = startOnce(host);
                long other = standbyPid(host, Duration.ofSeconds(60));
                ProcessHandle.of(other).ifPresent(ProcessHandle::destroyForcibly);
                waitGone(other);
                double c = startOnce(host);
                double b = start.bare(PluginLaunch.HOST_JVM_OPTIONS, 0).millis();
                standby.add(s);
                cold.add(c);
                bare.add(b);
                standbyOverBare.add(s / b);
                coldOverBare.add(c / b);
                standbyOverCold.add(s / c);
            }
        }
        Report r = ctx.report;
        String f = "1 start";
        r.row(f, "real host: POST start → running from the plugin's standby (plugins.standby.enabled)",
                standby.show("ms", 0), standbyOverBare.ratio() + " vs bare java Hello; " + standbyOverCold.ratio()
                        + " vs the same start cold", "≤ 1.0× bare", Report.verdict(standbyOverBare.median() <= 1.0));
        r.row(f, "  same start cold (its standby killed first), same host, interleaved", cold.show("ms", 0),
                coldOverBare.ratio() + " vs bare java Hello", "—", "—");
        r.row(f, "  bare `java Hello` in the same repetitions (host's JVM options)", bare.show("ms", 0), "×1.00",
                "—", "—");
    }

    /** Stops h01, then starts it; ms from the POST to the host's running timestamp. */
    private static double startOnce(HostProc host) throws Exception {
        host.post("/api/plugins/h01/stop", "");
        await(host, "stopped");
        Thread.sleep(300);
        Instant t0 = Instant.now();
        host.post("/api/plugins/h01/start", "");
        JsonObject running = await(host, "running");
        return Duration.between(t0, HostProc.since(running)).toNanos() / 1e6;
    }

    private static JsonObject await(HostProc host, String state) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            Map<String, JsonObject> p = host.plugins();
            if (p != null && state.equals(HostProc.state(p.get("h01")))) {
                return p.get("h01");
            }
            Thread.sleep(5);
        }
        throw new IllegalStateException("h01 not " + state);
    }

    /** @return the standby JVM's pid once booted: a descendant of the host with PLUGIN_STANDBY=1 that is not serving */
    private static long standbyPid(HostProc host, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Map<String, JsonObject> p = host.plugins();
            long serving = p == null || p.get("h01") == null || !p.get("h01").has("pid")
                    || p.get("h01").get("pid").isJsonNull() ? -1 : p.get("h01").get("pid").getAsLong();
            Optional<Long> pid = host.process.toHandle().descendants().map(ProcessHandle::pid)
                    .filter(pid1 -> pid1 != serving && environ(pid1).contains("\0PLUGIN_STANDBY=1\0")).findFirst();
            if (pid.isPresent()) {
                Thread.sleep(2000); // booted to its handshake (a cold boot takes under a second here)
                return pid.get();
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("no standby booted");
    }

    private static void waitGone(long pid) throws InterruptedException {
        for (int i = 0; i < 500 && ProcessHandle.of(pid).isPresent(); i++) {
            Thread.sleep(10);
        }
    }

    private static String environ(long pid) {
        try {
            return "\0" + new String(Files.readAllBytes(Path.of("/proc/" + pid + "/environ")),
                    StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            return "";
        }
    }
}
