package dev.pluginhost.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Host replicas that share plugin state (issue 15, docs/fleet.md): real packaged hosts on one machine, one real
 * PostgreSQL ({@link Postgres}), the hello sample's {@code count} (a compare-and-set increment in its kv store).
 * Host B lives for the whole class; host A is started again for every repetition of the kill test.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FleetKvIT {

    /** The floor for "kill mid-traffic, no acknowledged write lost". */
    static final int KILLS = 20;

    @TempDir
    static Path work;

    static Postgres postgres;
    static Path plugins;
    static HostProcess hostA;
    static HostProcess hostB;
    static int started;

    @BeforeAll
    static void start() throws Exception {
        postgres = Postgres.start();
        // Plugin JVMs (another uid) pass through this folder to their data folders below each host's.
        Files.setPosixFilePermissions(work, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        plugins = Files.createDirectories(work.resolve("plugins"));
        Path samples = Path.of(System.getProperty("samples.dir", "../sample-plugins/target/plugins"));
        try (Stream<Path> jars = Files.list(samples)) {
            Files.copy(jars.filter(p -> p.getFileName().toString().startsWith("hello-")).findFirst().orElseThrow(),
                    plugins.resolve("hello.jar"));
        }
        hostA = host();
        hostB = host();
        hostA.awaitRunning(Duration.ofSeconds(180), "hello");
        hostB.awaitRunning(Duration.ofSeconds(180), "hello");
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {hostA, hostB, postgres}) {
            if (c != null) {
                c.close();
            }
        }
    }

    /** A replica: its own work and data folders, the same plugin folder and the same database. */
    private static HostProcess host() throws Exception {
        Path dir = Files.createDirectories(work.resolve("host-" + started++));
        List<String> args = new ArrayList<>(postgres.hostArgs());
        args.add("--plugins.grants.hello=log,kv");
        // A repetition costs one host start: no class-data-sharing training run (13 s of CPU here), and the host's
        // JVM on its quick compiler. Neither changes how kv writes reach the database.
        args.add("--plugins.class-data-sharing=false");
        return HostProcess.start(dir, plugins, List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"),
                args.toArray(String[]::new));
    }

    @Test
    @Order(1)
    void countTwiceOnTheFirstHostAndOnceOnTheSecondAnswersThree() throws Exception {
        assertThat(count(hostA)).isEqualTo(1);
        assertThat(count(hostA)).isEqualTo(2);
        assertThat(count(hostB)).isEqualTo(3);
        assertThat(hostA.log()).as("the store is PostgreSQL, not the host's H2 file")
                .contains("jdbc:postgresql://127.0.0.1:");
        assertThat(work.resolve("host-0/data/.kv")).doesNotExist();
    }

    /**
     * {@value #KILLS} times: both hosts count under traffic, host A is killed with SIGKILL mid-traffic, and host B's
     * next count must be above every count host A acknowledged (an acknowledged count is a committed write); no two
     * acknowledgements carry the same count (no lost update across hosts); host B fails no call meanwhile.
     */
    @Test
    @Order(2)
    void aHostKilledMidTrafficLosesNoAcknowledgedWriteAndTheOtherKeepsServing() throws Exception {
        Set<Long> acknowledged = ConcurrentHashMap.newKeySet();
        List<String> duplicates = new CopyOnWriteArrayList<>();
        List<String> failuresOnB = new CopyOnWriteArrayList<>();
        List<String> lost = new ArrayList<>();
        List<Long> startMillis = new ArrayList<>();
        for (int kill = 1; kill <= KILLS; kill++) {
            // The next host A starts while this one serves: a repetition then costs about one host start.
            long t0 = System.nanoTime();
            HostProcess next = host();
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicLong highestOnA = new AtomicLong();
            AtomicLong acksOnA = new AtomicLong();
            HostProcess a = hostA;
            long helloPid = a.plugin("hello").get("pid").asLong();
            Thread onA = traffic(running, () -> {
                try {
                    HttpResponse<String> r = a.post("/api/plugins/hello/invoke/count", "");
                    if (r.statusCode() == 200) {
                        long n = HostProcess.JSON.readTree(r.body()).get("count").asLong();
                        record(acknowledged, duplicates, n, "A");
                        highestOnA.accumulateAndGet(n, Math::max);
                        acksOnA.incrementAndGet();
                    }
                } catch (Exception e) {
                    // A dies mid-call: unacknowledged, nothing to keep
                }
            });
            Thread onB = traffic(running, () -> {
                try {
                    HttpResponse<String> r = hostB.post("/api/plugins/hello/invoke/count", "");
                    if (r.statusCode() != 200) {
                        failuresOnB.add(r.statusCode() + " " + r.body());
                    } else {
                        record(acknowledged, duplicates, HostProcess.JSON.readTree(r.body()).get("count").asLong(), "B");
                    }
                } catch (Exception e) {
                    failuresOnB.add(e.toString());
                }
            });
            onA.start();
            onB.start();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> acksOnA.get() >= 5);
            a.kill();
            running.set(false);
            onA.join();
            onB.join();
            long afterKill = count(hostB);
            record(acknowledged, duplicates, afterKill, "B");
            if (afterKill <= highestOnA.get()) {
                lost.add("kill " + kill + ": host A acknowledged count " + highestOnA.get() + ", host B then counted "
                        + afterKill);
            }
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                    .until(() -> ProcessHandle.of(helloPid).isEmpty());
            next.awaitRunning(Duration.ofSeconds(180), "hello");
            hostA = next;
            a.close();
            startMillis.add(Duration.ofNanos(System.nanoTime() - t0).toMillis());
        }
        System.out.println("FleetKvIT: " + KILLS + " kills, " + acknowledged.size() + " acknowledged counts, "
                + "repetition ms " + startMillis);
        assertThat(lost).as("acknowledged writes lost").isEmpty();
        assertThat(duplicates).as("one count acknowledged twice: a lost update").isEmpty();
        assertThat(failuresOnB).as("host B's calls while host A was killed").isEmpty();
        assertThat(acknowledged.size()).isGreaterThan(KILLS * 5);
    }

    private static void record(Set<Long> acknowledged, List<String> duplicates, long n, String host) {
        if (!acknowledged.add(n)) {
            duplicates.add(host + " acknowledged " + n + " again");
        }
    }

    private interface Call {
        void run();
    }

    private static Thread traffic(AtomicBoolean running, Call call) {
        return new Thread(() -> {
            while (running.get()) {
                call.run();
            }
        });
    }

    private static long count(HostProcess host) throws Exception {
        HttpResponse<String> r = host.post("/api/plugins/hello/invoke/count", "");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return HostProcess.JSON.readTree(r.body()).get("count").asLong();
    }
}
