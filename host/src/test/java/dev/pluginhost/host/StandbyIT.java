package dev.pluginhost.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pluginhost.host.fixtures.TestPluginJar;
import dev.pluginhost.host.fixtures.VersionedPlugin;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/**
 * Standby launches (plugins.standby.enabled), with the real host, launcher and sandbox: each running plugin gets one
 * more JVM booted from its own launch spec and held in its handshake; an operator's start and a crash restart take
 * it. The sandbox of a plugin started from its standby is the cold start's: the hostile sample's attacks get the very
 * same answers, and a standby's launcher names only its own plugin's paths.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StandbyIT {

    /** Attacks whose answers do not depend on the run (no pids, no times). */
    private static final List<String> ATTACKS = List.of("sockets", "kernel-surface", "exec", "namespaces",
            "tiocsti", "write-outside");

    @RegisterExtension
    static final HostProcess host = HostProcess.forClass(work -> HostProcess.start(work,
            PluginsFolder.in(work).sample("hostile").sample("hello").path(), "--plugins.standby.enabled=true",
            "--plugins.supervision.initial-backoff=50ms"), Duration.ofSeconds(90), "hostile", "hello");

    private static Path secret;
    private static Map<String, JsonNode> coldAnswers;
    private static JsonNode coldGrants;

    @BeforeAll
    static void writeASecret() throws Exception {
        secret = Files.writeString(host.work().resolve("host-secret.txt"), "the host's secret");
        assertThat(secret.toFile().setReadable(true, false)).isTrue();
    }

    @Test
    @Order(1)
    void eachRunningPluginGetsAStandbyHeldBeforeAnyPluginCode() throws Exception {
        long hostile = awaitStandby("hostile");
        long hello = awaitStandby("hello");
        assertThat(hostile).isNotEqualTo(host.plugin("hostile").get("pid").asLong());
        // Held in its handshake: the boot phase is not over, so the plugin's class was never loaded.
        assertThat(host.log()).doesNotContain("pid " + hostile + ", operations");
        // Its launcher was given the plugin's own paths only: nothing of the other plugin's launches or data.
        String launcher = commandLine(ProcessHandle.of(hostile).orElseThrow().parent().orElseThrow().pid());
        assertThat(launcher).contains("/hostile/").doesNotContain("/hello/");
        String helloLauncher = commandLine(ProcessHandle.of(hello).orElseThrow().parent().orElseThrow().pid());
        assertThat(helloLauncher).contains("/hello/").doesNotContain("/hostile/");
        coldAnswers = attacks();
        coldGrants = host.plugin("hostile").get("grantedCapabilities");
    }

    @Test
    @Order(2)
    void anOperatorsStartTakesTheStandbyAndItsSandboxIsTheColdStarts() throws Exception {
        long standby = awaitStandby("hostile");
        assertThat(host.post("/api/plugins/hostile/stop", "").statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(30)).until(() -> "stopped".equals(state("hostile")));
        long begin = System.nanoTime();
        assertThat(host.post("/api/plugins/hostile/start", "").statusCode()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(5)).until(() -> host.running("hostile"));
        long millis = (System.nanoTime() - begin) / 1_000_000;
        System.out.printf("StandbyIT: POST start -> running from the standby: %d ms%n", millis);
        assertThat(host.plugin("hostile").get("pid").asLong()).as("the standby JVM serves").isEqualTo(standby);
        assertThat(host.log()).contains("(from its standby)");
        // The same attacks, the same answers as in the cold-started JVM: every one refused, nothing read.
        assertThat(attacks()).isEqualTo(coldAnswers);
        assertThat(coldAnswers.get("read-file").toString()).contains("denied").doesNotContain("the host's secret");
        assertThat(host.plugin("hostile").get("grantedCapabilities")).isEqualTo(coldGrants);
        String metrics = host.get("/actuator/prometheus").body();
        assertThat(metrics).contains("plugin_syscall_denied_total{plugin=\"hostile\"");
    }

    @Test
    @Order(3)
    void aCrashRestartTakesTheNextStandby() throws Exception {
        long standby = awaitStandby("hostile");
        long pid = host.plugin("hostile").get("pid").asLong();
        assertThat(standby).isNotEqualTo(pid);
        ProcessHandle.of(pid).orElseThrow().destroyForcibly();
        JsonNode restarted = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                .ignoreExceptions().until(() -> host.plugin("hostile"),
                        p -> "running".equals(p.get("state").asString()) && p.get("pid").asLong() != pid);
        assertThat(restarted.get("pid").asLong()).as("%s; host log: %s", restarted, tail()).isEqualTo(standby);
        assertThat(attacks()).isEqualTo(coldAnswers);
    }

    @Test
    @Order(4)
    void aStandbyThatDiesIsNoCrashAndTheNextStartIsCold() throws Exception {
        long standby = awaitStandby("hello");
        int restarts = host.plugin("hello").get("restarts").asInt();
        ProcessHandle.of(standby).orElseThrow().destroyForcibly();
        await().atMost(Duration.ofSeconds(10)).until(() -> ProcessHandle.of(standby).isEmpty());
        assertThat(host.plugin("hello").get("restarts").asInt()).isEqualTo(restarts);
        assertThat(state("hello")).isEqualTo("running");
        assertThat(host.post("/api/plugins/hello/stop", "").statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(30)).until(() -> "stopped".equals(state("hello")));
        assertThat(host.post("/api/plugins/hello/start", "").statusCode()).isEqualTo(202);
        host.awaitRunning(Duration.ofSeconds(60), "hello");
        assertThat(host.plugin("hello").get("pid").asLong()).isNotEqualTo(standby);
        assertThat(host.post("/api/plugins/hello/invoke/greet", "{\"name\":\"Ada\"}").body()).contains("Ada");
    }

    @Test
    @Order(5)
    void aNewVersionEndsTheOldVersionsStandbyAndGetsItsOwn() throws Exception {
        long old = awaitStandby("hello");
        Path plugins = host.work().resolve("plugins");
        TestPluginJar.write(plugins, "hello.jar.tmp", "hello", "2", VersionedPlugin.class, "log");
        Files.move(plugins.resolve("hello.jar.tmp"), plugins.resolve("hello.jar"),
                StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                .until(() -> host.running("hello") && host.plugin("hello").get("version").asString().equals("2"));
        await().atMost(Duration.ofSeconds(30)).until(() -> ProcessHandle.of(old).isEmpty());
        long next = awaitStandby("hello");
        assertThat(next).isNotEqualTo(old);
        assertThat(environ(next)).contains("\0PLUGIN_VERSION=2\0");
    }

    @Test
    @Order(6)
    void uninstallingAndStoppingTheHostEndTheStandbys() throws Exception {
        long hello = awaitStandby("hello");
        long hostile = awaitStandby("hostile");
        Files.delete(host.work().resolve("plugins/hello.jar"));
        await().atMost(Duration.ofSeconds(30)).until(() -> ProcessHandle.of(hello).isEmpty());
        host.close();
        await().atMost(Duration.ofSeconds(30)).until(() -> ProcessHandle.of(hostile).isEmpty());
    }

    /** The host log's lines about the plugins' launches, for a failure's message. */
    private static String tail() throws IOException {
        List<String> lines = host.log().lines().filter(l -> l.contains("plugin hostile") || l.contains("plugin hello"))
                .toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    }

    private static String state(String id) {
        return host.plugin(id).get("state").asString();
    }

    /** @return each attack's answer, as JSON (its fields in any order) */
    private static Map<String, JsonNode> attacks() throws Exception {
        Map<String, JsonNode> answers = new TreeMap<>();
        for (String attack : ATTACKS) {
            answers.put(attack, HostProcess.JSON.readTree(host.post("/api/plugins/hostile/invoke/" + attack, "")
                    .body()));
        }
        answers.put("read-file", HostProcess.JSON.readTree(host.post("/api/plugins/hostile/invoke/read-file",
                secret.toString()).body()));
        return answers;
    }

    /**
     * @return the pid of the plugin's standby JVM, once booted: a descendant of the host with PLUGIN_STANDBY=1, not
     *     the one serving
     */
    private static long awaitStandby(String id) {
        return await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                .until(() -> standby(id), Optional::isPresent).orElseThrow();
    }

    private static Optional<Long> standby(String id) {
        JsonNode pid = host.plugin(id).get("pid");
        long serving = pid == null || pid.isNull() ? -1 : pid.asLong(); // a taken standby keeps its environment
        return ProcessHandle.of(host.javaPid()).orElseThrow().descendants()
                .filter(p -> p.pid() != serving)
                .filter(p -> {
                    String environ = environ(p.pid());
                    return environ.contains("\0PLUGIN_STANDBY=1\0") && environ.contains("\0PLUGIN_ID=" + id + "\0");
                })
                .map(ProcessHandle::pid).findFirst();
    }

    private static String environ(long pid) {
        try {
            return "\0" + new String(Files.readAllBytes(Path.of("/proc/" + pid + "/environ")),
                    StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static String commandLine(long pid) throws IOException {
        return new String(Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline")), StandardCharsets.UTF_8)
                .replace('\0', ' ');
    }
}
