package dev.pluginhost.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pluginhost.host.fixtures.FaultPlugin;
import dev.pluginhost.host.fixtures.TestPluginJar;
import java.io.IOException;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Faults at every moment, with the real host, launchers and plugin JVMs: a plugin that never answers, answers slowly
 * or closes its session mid-call; SIGKILL of plugin JVMs, of launchers and of the host at random points of kv
 * writes, starts, shutdowns and hot replacements (a new version of {@code writer}'s jar copied into the watched
 * plugins folder), at least 20 of each kind ({@code -Dfaults.kills}; {@code -Pfaults} runs more); the data folder's
 * disk full. Throughout, plugin {@code writer} writes kv keys without pause and records each write the host
 * acknowledged: none may be lost. After every kill no process of the killed plugin (or host) is left behind, and
 * every plugin comes back to running, one JVM each, {@code writer} in the newest version its folder holds, none
 * stuck starting or stopping. One host serves the plugin and launcher kills; the host kills restart it on the same
 * folders, with writer alone. A failed test leaves the next one a fresh host on emptied folders, so that one failure
 * is reported once, not again by every test after it. The data folder is a small tmpfs this test mounts (it runs as
 * root), so that it can fill it.
 *
 * <p>It runs in the test command, so it is cut for time: conditions are awaited, not slept on; restarts back off
 * 50-200 ms; the health checks that replace a plugin without a session run every second; the host JVM runs with the
 * client compiler only (its start-up, paid for at every host kill, is what this test's time goes to; the host's
 * behaviour does not depend on the JIT). Each test prints how long it took.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultsIT {

    static final int KILLS = Integer.getInteger("faults.kills", 20);
    static final long SEED = Long.getLong("faults.seed", System.nanoTime());
    static final Random RANDOM = new Random(SEED);

    @TempDir
    static Path work;

    static Path plugins;
    static Path tmpfs;
    static Path runDir;
    static HostProcess host;
    /** writer's version in the plugins folder: each hot replacement copies in the next. */
    static int writerVersion = 1;
    static long testStarted;

    /** Set when a test failed: the next one starts from a fresh host and folders, so that no failure cascades. */
    static String failed;

    @RegisterExtension
    static final TestWatcher FAILURES = new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            failed = context.getDisplayName();
        }
    };

    @BeforeAll
    static void start() throws Exception {
        System.out.println("FaultsIT: kill points from -Dfaults.seed=" + SEED + " (pass it to repeat them)");
        plugins = Files.createDirectories(work.resolve("plugins"));
        tmpfs = Files.createDirectories(work.resolve("disk"));
        mountTmpfs(tmpfs, "48m");
        runDir = work.resolve("run");
        startFresh();
    }

    /** The three plugins, writer in its current version, on empty data and run folders, in a new host. */
    static void startFresh() throws Exception {
        for (String id : List.of("writer", "calm", "other")) {
            TestPluginJar.write(plugins, id + ".jar", id, id.equals("writer") ? String.valueOf(writerVersion) : "1",
                    FaultPlugin.class, "log, kv");
        }
        host = startHost();
        host.awaitRunning(Duration.ofSeconds(180), "writer", "calm", "other");
        Thread.sleep(500); // a second start would show by now
        for (String id : List.of("writer", "calm", "other")) {
            assertThat(pluginJvms(id)).as("one JVM of %s after the host started; the host's log:\n%s", id,
                    host.log()).hasSize(1);
        }
    }

    /**
     * After a failed test: its host is killed (what it left running is reported, then killed), its data and run
     * folders emptied, and a new host started. Only then: in a passing run every test continues from the last.
     */
    @BeforeEach
    void freshAfterAFailure() throws Exception {
        if (failed == null) {
            return;
        }
        System.out.println("FaultsIT: a fresh host and folders, as " + failed + " failed");
        failed = null;
        host.kill();
        try {
            await().atMost(Duration.ofSeconds(20)).until(() -> processesOf("").isEmpty());
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            System.out.println("FaultsIT: left running by the failed test's host, killed now: "
                    + commandLines(processesOf("")));
            processesOf("").forEach(ProcessHandle::destroyForcibly);
        }
        for (Path folder : List.of(tmpfs.resolve("data"), runDir)) {
            if (Files.exists(folder)) {
                try (var tree = Files.walk(folder)) {
                    tree.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
        startFresh();
    }

    static HostProcess startHost(String... more) throws Exception {
        List<String> args = new ArrayList<>(List.of(
                "--plugins.run-dir=" + runDir,
                "--plugins.data-dir=" + tmpfs.resolve("data"),
                "--plugins.grants.writer=kv", "--plugins.grants.calm=kv", "--plugins.grants.other=kv",
                "--plugins.invoke-timeout=5s",
                // writer reads thousands of keys back at once: the call rate limit is not what is tested here
                "--plugins.limits.rate=100000", "--plugins.limits.burst=100000",
                // Hot replacements: the folder watch, settled briefly (the test moves each jar in whole).
                "--plugins.watch=true", "--plugins.watch-settle=100ms",
                // Every kill is a crash: restart at once, and never quarantine here.
                "--plugins.supervision.initial-backoff=50ms", "--plugins.supervision.max-backoff=200ms",
                "--plugins.supervision.quarantine-after=100000",
                // A plugin without a session fails its health checks at once: replaced after two, a second apart, not
                // thirty seconds. A live one under load is given the usual time to answer.
                "--plugins.supervision.health-interval=1s", "--plugins.supervision.health-timeout=5s",
                "--plugins.supervision.health-failures=2",
                // Kills during a graceful stop land within this grace; shorter keeps a missed one cheap.
                "--plugins.stop-grace=2s"));
        args.addAll(List.of(more));
        return HostProcess.start(work, plugins, HOST_JVM, args.toArray(String[]::new));
    }

    /** The host's JVM: the client compiler only, a host start (every host kill) costs about half the CPU then. */
    static final List<String> HOST_JVM = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

    @BeforeEach
    void clock() {
        testStarted = System.nanoTime();
    }

    @org.junit.jupiter.api.AfterEach
    void took(org.junit.jupiter.api.TestInfo test) {
        long used = -1;
        try {
            java.nio.file.FileStore disk = Files.getFileStore(tmpfs);
            used = (disk.getTotalSpace() - disk.getUsableSpace()) >> 20;
        } catch (IOException e) {
            // reported as -1
        }
        System.out.printf("FaultsIT: %s took %d s; data folder's disk %d MiB used of 48%n", test.getDisplayName(),
                TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - testStarted), used);
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (host != null) {
                host.close();
            }
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(processesOf("")).as("no launcher or plugin JVM after the host stopped").isEmpty());
        } finally {
            new ProcessBuilder("umount", "-l", tmpfs.toString()).inheritIO().start().waitFor();
        }
    }

    // ------------------------------------------------------------------------------------------ deadlines

    @Test
    @Order(1)
    void aPluginThatNeverAnswersOrAnswersSlowlyMeetsItsDeadlineAndOthersAreUnaffected() throws Exception {
        host.awaitRunning(Duration.ofSeconds(180), "writer", "calm", "other");
        List<CompletableFuture<Long>> hanging = new ArrayList<>();
        java.util.concurrent.ExecutorService callers = java.util.concurrent.Executors.newFixedThreadPool(8);
        for (int i = 0; i < 8; i++) { // more than one invocation stuck at once
            hanging.add(CompletableFuture.supplyAsync(() -> timed(() -> status("calm", "hang", "{}"), 504), callers));
        }
        // Bounds are loose on the slow side: this machine is shared, and the deadline is what is tested.
        long slow = timed(() -> status("calm", "slow", "{\"ms\":1000}"), 200);
        assertThat(slow).as("a slow answer within the deadline arrives").isGreaterThanOrEqualTo(1000L);
        long tooSlow = timed(() -> status("calm", "slow", "{\"ms\":20000}"), 504);
        assertThat(tooSlow).as("a slow answer past plugins.invoke-timeout (5s)").isBetween(4900L, 15000L);
        // Meanwhile the other plugin answers.
        for (int i = 0; i < 20; i++) {
            assertThat(timed(() -> status("other", "ping", "{}"), 200)).isLessThan(4900L);
        }
        for (CompletableFuture<Long> h : hanging) {
            assertThat(h.get(60, TimeUnit.SECONDS)).as("a hanging call ends at its deadline")
                    .isBetween(4900L, 20000L);
        }
        callers.shutdown();
        assertThat(status("calm", "ping", "{}")).as("the hanging plugin still serves new calls").isEqualTo(200);
    }

    @Test
    @Order(2)
    void aPluginThatClosesItsSessionMidCallFailsThatCallAtOnceAndIsRestarted() throws Exception {
        long before = host.plugin("calm").get("pid").asLong();
        long started = System.nanoTime();
        HttpResponse<String> answer = host.post("/api/plugins/calm/invoke/close-session", "{}");
        long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(502);
        assertThat(answer.body()).contains("went away during the invocation");
        assertThat(took).as("failed when the session closed, not at the deadline").isLessThan(4900L);
        assertThat(status("other", "ping", "{}")).isEqualTo(200);
        // A plugin without a session serves nobody: the host replaces it (health checks), and it serves again.
        await().atMost(Duration.ofSeconds(90)).ignoreExceptions().until(() ->
                host.plugin("calm").get("pid").asLong() != before && status("calm", "ping", "{}") == 200);
    }

    // ------------------------------------------------------------------------------------------ kills

    @Test
    @Order(3)
    void killingPluginJvmsAtRandomPointsLosesNoAcknowledgedWriteAndLeavesNothingBehind() throws Exception {
        host.awaitRunning(Duration.ofSeconds(120), "writer", "calm", "other");
        assertThat(pluginJvms("writer")).as("writer's JVM, by its run folder on its command line").hasSize(1);
        assertThat(launchers()).as("one launcher per plugin").hasSize(3);
        killWriter("plugin JVM", false);
    }

    @Test
    @Order(4)
    void killingLaunchersAtRandomPointsLosesNoAcknowledgedWriteAndLeavesNothingBehind() throws Exception {
        host.awaitRunning(Duration.ofSeconds(120), "writer", "calm", "other");
        killWriter("launcher", true);
    }

    /**
     * KILLS times, at a random moment (one in four during a hot replacement): SIGKILL to the writer's serving JVM, or
     * to its launcher; then the after-kill checks, and at the end no acknowledged write lost.
     */
    private static void killWriter(String kind, boolean theLauncher) throws Exception {
        for (int kill = 0; kill < KILLS; kill++) {
            ProcessHandle serving = pluginJvm("writer");
            ProcessHandle servingLauncher = serving.parent().orElseThrow();
            String what = kind + " kill " + kill + " (" + moment(kill) + ")";
            ProcessHandle jvm = servingNow(serving);
            ProcessHandle launcher = jvm.equals(serving) ? servingLauncher : jvm.parent().orElse(servingLauncher);
            if (theLauncher) {
                if (launcher.isAlive()) {
                    assertThat(launcher.info().command().orElse("")).contains("plugin-launcher");
                }
                launcher.destroyForcibly();
            } else {
                jvm.destroyForcibly();
            }
            afterKill("writer", jvm, launcher, what);
        }
        assertNothingLost();
    }

    // ------------------------------------------------------------------------------------------ disk full

    @Test
    @Order(5)
    void aFullDataFolderIsRefusedClearlyCorruptsNothingAndRecovers() throws Exception {
        host.awaitRunning(Duration.ofSeconds(120), "writer", "calm", "other");
        assertThat(status("calm", "put", "{\"key\":\"before\",\"value\":\"kept\"}")).isEqualTo(200);
        Path filler = tmpfs.resolve("filler");
        fill(filler);
        try {
            fullDisk();
        } finally {
            Files.deleteIfExists(filler); // the next tests need the space back, whatever happened here
        }
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                assertThat(status("calm", "put", "{\"key\":\"after\",\"value\":\"written\"}"))
                        .as("writes work again once there is space").isEqualTo(200));
        assertThat(host.post("/api/plugins/calm/invoke/get", "{\"key\":\"before\"}").body()).contains("kept");
        assertThat(host.post("/api/plugins/calm/invoke/get", "{\"key\":\"after\"}").body()).contains("written");
        assertNothingLost();
    }

    /** With the disk full: a clear refusal, others unaffected. */
    private static void fullDisk() throws Exception {
        HttpResponse<String> refused = null;
        for (int i = 0; i < 50 && (refused == null || refused.statusCode() == 200); i++) {
            refused = host.post("/api/plugins/calm/invoke/put", "{\"key\":\"big-" + i + "\",\"value\":\""
                    + "x".repeat(60_000) + "\"}");
        }
        System.out.println("FaultsIT: a kv write to the full disk: " + refused.statusCode() + " " + refused.body());
        assertThat(refused.statusCode()).as("a write to a full disk: %s", refused.body()).isEqualTo(502);
        // "kv put failed" or "kv get failed" (the quota check reads first): either way it names the full disk.
        assertThat(refused.body()).as("the refusal says why")
                .contains("no space left on the disk of the host's data folder (plugins.data-dir)");
        assertThat(status("other", "ping", "{}")).as("others unaffected").isEqualTo(200);
        assertThat(host.isAlive()).isTrue();
    }

    @Test
    @Order(6)
    void killingTheHostAtRandomPointsLosesNoAcknowledgedWriteAndLeavesNothingBehind() throws Exception {
        // Every host kill pays for a host start and its plugins' starts: writer alone here (its writes, starts,
        // shutdowns and replacements are the kill points; calm and other leave).
        Files.delete(plugins.resolve("calm.jar"));
        Files.delete(plugins.resolve("other.jar"));
        String[] ids = {"writer"};
        long starting = 0;
        long ending = 0;
        for (int kill = 0; kill < KILLS; kill++) {
            int point = kill % 4;
            long started = System.nanoTime();
            if (point == 0) { // while the host and its plugins start
                Thread.sleep(RANDOM.nextInt(4000));
            } else {
                host.awaitRunning(Duration.ofSeconds(180), ids);
                starting += System.nanoTime() - started;
                if (point == 1) { // while writer writes
                    Thread.sleep(RANDOM.nextInt(1000));
                } else if (point == 2) { // during a graceful shutdown
                    Thread.sleep(RANDOM.nextInt(500));
                    ProcessHandle.of(host.javaPid()).ifPresent(ProcessHandle::destroy);
                    Thread.sleep(RANDOM.nextInt(800));
                } else { // during a hot replacement of writer
                    replaceWriter();
                    Thread.sleep(RANDOM.nextInt(3000));
                }
            }
            long killed = System.nanoTime();
            List<ProcessHandle> tree = new ArrayList<>(ProcessHandle.of(host.javaPid())
                    .map(h -> h.descendants().toList()).orElse(List.of()));
            host.kill();
            for (ProcessHandle p : tree) {
                assertThat(p.onExit().completeOnTimeout(null, 20, TimeUnit.SECONDS).get())
                        .as("host kill %d (point %d): %s left behind", kill, point, p.info().commandLine()
                                .orElse(String.valueOf(p.pid()))).isNotNull();
            }
            String what = "host kill " + kill + " (point " + point + "): processes of the run folder";
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(processesOf("")).as(what)
                    .isEmpty());
            ending += System.nanoTime() - killed;
            // The plugin runtime's class-data archive is trained at every host start: a JVM run, a quarter of the
            // host's start-up time here. Without it only plugin starts are slower; the kills test the rest.
            host = startHost("--plugins.class-data-sharing=false");
        }
        long restarted = System.nanoTime();
        host.awaitRunning(Duration.ofSeconds(180), ids);
        starting += System.nanoTime() - restarted;
        System.out.printf("FaultsIT: %d host kills: host and plugins started to running in %d ms on average; "
                + "killed host, launchers and plugin JVMs all gone in %d ms on average%n", KILLS,
                TimeUnit.NANOSECONDS.toMillis(starting) / (KILLS - KILLS / 4 + 1),
                TimeUnit.NANOSECONDS.toMillis(ending) / KILLS);
        for (String id : ids) {
            assertThat(host.plugin(id).get("state").asString()).as("%s after the host restarts", id)
                    .isEqualTo("running");
            assertThat(pluginJvms(id)).as("one JVM of %s after the host restarts", id).hasSize(1);
        }
        assertThat(host.plugin("calm")).as("calm, whose jar left").isNull();
        assertThat(host.plugin("other")).as("other, whose jar left").isNull();
        assertThat(host.plugin("writer").get("version").asString()).as("writer's newest version runs")
                .isEqualTo(String.valueOf(writerVersion));
        assertNothingLost();
    }

    // ------------------------------------------------------------------------------------------ helpers

    /**
     * A random moment of the plugin's life: its start (right after a restart), its writes, its shutdown, or the hot
     * replacement of its jar. The kill that follows lands on the launch serving at that moment.
     *
     * @return which moment, for the failure messages
     */
    private static String moment(int kill) throws Exception {
        switch (kill % 4) {
            case 0 -> {
                Thread.sleep(RANDOM.nextInt(300)); // right after the last restart: the plugin is starting
                return "start";
            }
            case 1 -> {
                Thread.sleep(100 + RANDOM.nextInt(900)); // while it writes (one every 50 ms)
                return "writes";
            }
            case 2 -> { // while it stops: the host asks it to, and the kill lands during its grace period
                CompletableFuture.runAsync(() -> {
                    try {
                        host.post("/api/plugins/writer/restart", "");
                    } catch (IOException | InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                });
                Thread.sleep(RANDOM.nextInt(400));
                return "shutdown";
            }
            default -> { // while a new version starts beside it, or right after it took over
                replaceWriter();
                Thread.sleep(RANDOM.nextInt(2500));
                return "hot replacement to version " + writerVersion;
            }
        }
    }

    /**
     * @return the JVM serving writer now: during a hot replacement the new version may have taken over since
     *     {@code before} was read; otherwise (a restart under way) {@code before}, so that the kill lands in it
     */
    private static ProcessHandle servingNow(ProcessHandle before) {
        JsonNode plugin = host.plugin("writer");
        if (plugin != null && plugin.get("state").asString().equals("running")) {
            return ProcessHandle.of(plugin.get("pid").asLong()).orElse(before);
        }
        return before;
    }

    /** Copies the next version of writer's jar into the plugins folder, whole (the watch sees one complete jar). */
    private static void replaceWriter() throws IOException {
        writerVersion++;
        Path next = TestPluginJar.write(Files.createDirectories(work.resolve("next")), "writer.jar", "writer",
                String.valueOf(writerVersion), FaultPlugin.class, "log, kv");
        Files.move(next, plugins.resolve("writer.jar"), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * The killed run's JVM and launcher both end, and the plugin comes back to running: one JVM of its own, one
     * launcher per plugin, nothing else under the host's run folder.
     */
    private static void afterKill(String id, ProcessHandle jvm, ProcessHandle launcher, String what)
            throws Exception {
        assertThat(jvm.onExit().completeOnTimeout(null, 20, TimeUnit.SECONDS).get()).as("%s: the JVM ended", what)
                .isNotNull();
        assertThat(launcher.onExit().completeOnTimeout(null, 20, TimeUnit.SECONDS).get())
                .as("%s: its launcher ended", what).isNotNull();
        try {
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                    .untilAsserted(() -> {
                        JsonNode plugin = host.plugin(id);
                        assertThat(plugin.get("state").asString()).isEqualTo("running");
                        assertThat(plugin.get("pid").asLong()).isNotEqualTo(jvm.pid());
                        assertThat(plugin.get("version").asString()).isEqualTo(String.valueOf(writerVersion));
                        assertThat(ProcessHandle.of(plugin.get("pid").asLong())).isPresent();
                        assertThat(pluginJvms(id)).hasSize(1);
                        assertThat(launchers()).hasSize(3);
                    });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            String log = host.log();
            throw new AssertionError(what + ": " + id + " is " + host.plugin(id) + "; its JVMs "
                    + commandLines(pluginJvms(id)) + "; launchers " + commandLines(launchers())
                    + "\nthe host's log, last 20000 characters:\n" + log.substring(Math.max(0, log.length() - 20000)),
                    e);
        }
    }

    /** Every write the host acknowledged to writer reads back (its check runs in the background: polled). */
    private static void assertNothingLost() throws Exception {
        JsonNode[] result = new JsonNode[1];
        await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions().until(() -> {
            HttpResponse<String> check = host.post("/api/plugins/writer/invoke/check", "{}");
            result[0] = check.statusCode() == 200 ? HostProcess.JSON.readTree(check.body()) : null;
            return result[0] != null && result[0].get("done").asBoolean();
        });
        System.out.println("FaultsIT: writer's acknowledged writes " + result[0]);
        assertThat(result[0].get("acknowledged").asInt()).as("%s", result[0]).isPositive();
        assertThat(result[0].get("missing").asInt()).as("acknowledged writes lost: %s", result[0]).isZero();
    }

    /** @return the plugin's JVM once it is running, with its launcher alive (a kill may have just ended both) */
    private static ProcessHandle pluginJvm(String id) {
        ProcessHandle[] jvm = new ProcessHandle[1];
        await().atMost(Duration.ofSeconds(120)).ignoreExceptions().until(() -> {
            JsonNode plugin = host.plugin(id);
            jvm[0] = plugin.get("state").asString().equals("running")
                    ? ProcessHandle.of(plugin.get("pid").asLong()).orElse(null) : null;
            return jvm[0] != null && jvm[0].parent().map(ProcessHandle::isAlive).orElse(false);
        });
        return jvm[0];
    }

    /**
     * A plugin's JVMs: its run folder ({@code <run-dir>/<id>/}, its temporary folder) is on their command line. (Its
     * launcher's too, which gives the folder to the sandbox: a launcher is told apart by its program.)
     */
    static List<ProcessHandle> pluginJvms(String id) {
        return alive(runDir.resolve(id) + "/").stream().filter(p -> !isLauncher(p)).toList();
    }

    /** The host's launchers: they run from {@code <run-dir>/sandbox-launcher-*}. */
    static List<ProcessHandle> launchers() {
        return alive(runDir.resolve("sandbox-launcher-").toString()).stream().filter(FaultsIT::isLauncher).toList();
    }

    private static boolean isLauncher(ProcessHandle p) {
        return p.info().command().orElse("").contains("plugin-launcher");
    }

    /** Every process whose command line names the run folder: the host itself, its launchers, its plugin JVMs. */
    static List<ProcessHandle> processesOf(String marker) {
        return alive(runDir.resolve(marker).toString());
    }

    private static List<ProcessHandle> alive(String marker) {
        return ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(marker))
                .filter(ProcessHandle::isAlive).toList();
    }

    private static List<String> commandLines(List<ProcessHandle> processes) {
        return processes.stream().map(p -> p.pid() + " " + p.info().commandLine().orElse("?")).toList();
    }

    private static int status(String id, String operation, String body) throws IOException, InterruptedException {
        return host.post("/api/plugins/" + id + "/invoke/" + operation, body).statusCode();
    }

    @FunctionalInterface
    interface Call {
        int status() throws Exception;
    }

    /** @return how long the call took, in ms, after checking its status */
    private static long timed(Call call, int expected) {
        long start = System.nanoTime();
        try {
            assertThat(call.status()).isEqualTo(expected);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    private static void fill(Path filler) throws IOException {
        byte[] chunk = new byte[1024 * 1024];
        try (OutputStream out = Files.newOutputStream(filler)) {
            while (true) {
                out.write(chunk);
            }
        } catch (IOException e) {
            if (!String.valueOf(e.getMessage()).contains("No space left")) {
                throw e;
            }
        }
    }

    private static void mountTmpfs(Path dir, String size) throws Exception {
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + size + ",mode=0755", "tmpfs",
                dir.toString()).redirectErrorStream(true).start();
        String out = new String(mount.getInputStream().readAllBytes());
        if (mount.waitFor() != 0) {
            throw new AssertionError("not available here: a small tmpfs for the data folder (mount as root): " + out);
        }
    }
}
