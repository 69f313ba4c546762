package dev.pluginhost.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The walking skeleton, end to end, with real parts only: the packaged host as its own process, the C launcher,
 * a real plugin JVM under a real seccomp filter, the real Unix socket. The test ends by killing the host with SIGKILL
 * and checking that no launcher or plugin process outlives it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HostEndToEndIT {

    @TempDir
    static Path work;

    @AutoClose
    static HostProcess host;
    static long pluginPid;
    static long launcherPid;

    @BeforeAll
    static void startHost() throws Exception {
        Path plugins = PluginsFolder.in(work).sample("hello").path();
        Files.write(plugins.resolve("corrupt.jar"), "this is not a zip file".getBytes());
        writeJar(plugins.resolve("library.jar"), Map.of("Implementation-Title", "just a library"));
        host = HostProcess.start(work, plugins);
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).until(() -> {
            assertThat(host.isAlive()).as("host died; its log:%n%s", host.log()).isTrue();
            JsonNode hello = host.plugin("hello");
            // "installed" comes before "starting": the start thread may not have run yet.
            return hello != null && !List.of("installed", "starting").contains(hello.get("state").asString());
        });
    }

    @Test
    @Order(1)
    void helloRunsSandboxedUnderTheLauncher() throws Exception {
        JsonNode hello = host.plugin("hello");
        assertThat(hello.get("state").asString()).as("hello: %s%nhost log:%n%s", hello, host.log())
                .isEqualTo("running");
        pluginPid = hello.get("pid").asLong();
        assertThat(pluginPid).isPositive();

        String status = Files.readString(Path.of("/proc", Long.toString(pluginPid), "status"));
        assertThat(field(status, "Seccomp")).isEqualTo("2");
        assertThat(field(status, "NoNewPrivs")).isEqualTo("1");
        launcherPid = Long.parseLong(field(status, "PPid"));
        String launcher = Files.readString(Path.of("/proc", Long.toString(launcherPid), "cmdline"));
        assertThat(launcher).as("the plugin JVM's parent is the launcher").contains("plugin-launcher");
        long launcherParent = Long.parseLong(field(Files.readString(Path.of("/proc", Long.toString(launcherPid),
                "status")), "PPid"));
        assertThat(launcherParent).as("the launcher's parent is the host").isEqualTo(host.pid());

        // Every isolation layer is reported, active or with the reason it is not available on this machine.
        JsonNode layers = hello.get("isolation");
        assertThat(layers.findValuesAsString("name")).as("reported layers: %s", layers)
                .contains("rlimits", "seccomp", "landlock", "minimal-root", "pid-namespace", "net-namespace");
        for (JsonNode layer : layers) {
            if (!layer.get("active").asBoolean()) {
                System.out.println("not available here: " + layer.get("name").asString() + ": "
                        + layer.get("reason").asString());
            }
        }
        assertThat(Files.readString(Path.of("/proc", Long.toString(pluginPid), "maps")))
                .as("the plugin JVM maps the runtime's class-data-sharing archive").contains("plugin-runtime.jsa");
        if ("root".equals(System.getProperty("user.name"))) {
            assertThat(field(status, "Uid")).as("a root host drops plugins to an unprivileged uid")
                    .startsWith("65534");
        }
    }

    @Test
    @Order(2)
    void greetAnswersAndLogsThroughTheHost() throws Exception {
        HttpResponse<String> response = host.post("/api/plugins/hello/invoke/greet", "{\"name\":\"Ada\"}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(HostProcess.JSON.readTree(response.body()).get("greeting").asString()).isEqualTo("Hello, Ada!");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(host.log()).containsPattern("\\[hello\\].*greeting Ada"));
    }

    /**
     * The README's tour, to the letter: its greet command, read from the README, with the password it tells the reader
     * to put in PLUGINHOST_PASSWORD. curl -d sends a form content type, and the plugin still gets the JSON.
     */
    @Test
    @Order(2)
    void greetAnswersTheReadmeCurlCommand() throws Exception {
        List<String> readme = Files.readAllLines(Path.of(System.getProperty("repo.dir", "..")).resolve("README.md"));
        int line = 0;
        while (!(readme.get(line).startsWith("curl ") && readme.get(line).contains("/invoke/greet"))) {
            line++;
        }
        String command = readme.get(line).replace("localhost:8080", "localhost:" + host.port());
        String expected = readme.get(line + 1).substring(2);
        ProcessBuilder bash = new ProcessBuilder("bash", "-c", command).redirectErrorStream(true);
        bash.environment().put("PLUGINHOST_PASSWORD", host.password());
        Process curl = bash.start();
        String answer = new String(curl.getInputStream().readAllBytes());
        assertThat(curl.waitFor()).as(answer).isZero();
        assertThat(command).contains("-u \"operator:$PLUGINHOST_PASSWORD\"");
        assertThat(answer).isEqualTo(expected).isEqualTo("{\"greeting\":\"Hello, Ada!\"}");
    }

    @Test
    @Order(3)
    void probeMovesBothViolationCounters() throws Exception {
        String before = host.get("/actuator/prometheus").body();
        double socketsBefore = counter(before, "plugin_syscall_denied_total", "plugin=\"hello\"",
                "syscall=\"socket\"");
        double kvBefore = counter(before, "plugin_capability_denied_total", "plugin=\"hello\"", "capability=\"kv\"");
        assertThat(socketsBefore).as("no false alarm: the JVM's own start-up probes are boot probes").isZero();
        assertThat(counter(before, "plugin_syscall_boot_probes_total", "plugin=\"hello\"")).isPositive();
        HttpResponse<String> response = host.post("/api/plugins/hello/invoke/probe", "");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode outcome = HostProcess.JSON.readTree(response.body());
        assertThat(outcome.get("socket").asString()).startsWith("denied");
        assertThat(outcome.get("kv").asString()).startsWith("denied")
                .contains("plugins.grants.hello=kv");

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            String metrics = host.get("/actuator/prometheus").body();
            assertThat(counter(metrics, "plugin_syscall_denied_total", "plugin=\"hello\"", "syscall=\"socket\""))
                    .isEqualTo(socketsBefore + 1);
            assertThat(counter(metrics, "plugin_capability_denied_total", "plugin=\"hello\"",
                    "capability=\"kv\"")).isGreaterThanOrEqualTo(kvBefore + 1);
        });
        JsonNode violations = host.json("/api/plugins/hello/violations");
        assertThat(violations.findValuesAsString("syscall")).contains("socket");
    }

    /** Issue 12: the probe's violation says what, where and why, without javap. */
    @Test
    @Order(4)
    void probesViolationExplainsItself() throws Exception {
        assertThat(host.json("/api/plugins/hello/violations?phase=boot").size())
                .as("the JDK's start-up probes are there on request").isPositive();
        assertThat(host.post("/api/plugins/hello/invoke/probe", "").statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            JsonNode violations = host.json("/api/plugins/hello/violations");
            assertThat(violations.findValuesAsString("phase")).as("no boot-phase entry by default: %s", violations)
                    .isNotEmpty().containsOnly("run");
            JsonNode socket = violations.get(violations.size() - 1);
            assertThat(socket.get("call").asString()).as(socket.toString()).startsWith("socket(AF_INET, SOCK_STREAM");
            assertThat(socket.get("thread").asString()).as(socket.toString()).startsWith("plugin-");
            assertThat(socket.get("operation").asString()).as(socket.toString()).isEqualTo("probe");
            assertThat(socket.get("stack").toString()).as(socket.toString())
                    .contains("dev.pluginhost.samples.hello.HelloPlugin");
            // The supervisor held the call while the runtime looked: the innermost frame is the refused call itself.
            assertThat(socket.get("stack").get(0).asString()).contains("sun.nio.ch.Net.socket0");
        });
        assertThat(host.log()).containsPattern("violated its sandbox: socket\\(AF_INET, SOCK_STREAM, 0\\) .*"
                + "in operation 'probe'; stack when reported:").contains("dev.pluginhost.samples.hello.HelloPlugin.lambda");
        assertThat(host.get("/api/plugins/hello/violations?phase=later").statusCode()).isEqualTo(400);
    }

    @Test
    @Order(4)
    void badJarsAreReportedByNameWhileTheRestRuns() throws Exception {
        JsonNode rejections = host.json("/api/rejections");
        assertThat(rejections.toString())
                .contains("corrupt.jar").contains("not a readable jar")
                .contains("library.jar").contains("not a plugin");
        assertThat(host.log()).contains("corrupt.jar: not a readable jar").contains("library.jar: not a plugin");
        assertThat(host.plugin("hello").get("state").asString()).isEqualTo("running");
    }

    @Test
    @Order(5)
    void killingTheHostLeavesNoLauncherOrPluginBehind() throws Exception {
        assertThat(ProcessHandle.of(pluginPid)).isPresent();
        assertThat(ProcessHandle.of(launcherPid)).isPresent();
        // Every process the host started, counted before the kill: launchers and plugin JVMs.
        List<Long> tree = ProcessHandle.of(host.pid()).orElseThrow().descendants().map(ProcessHandle::pid).toList();
        assertThat(tree).contains(launcherPid, pluginPid);
        host.kill();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            List<Long> left = new ArrayList<>();
            for (long pid : tree) {
                if (alive(pid)) {
                    left.add(pid);
                }
            }
            assertThat(left).as("processes of the killed host still alive (of %d it had started)", tree.size())
                    .isEmpty();
        });
    }

    /** A zombie counts as gone: it runs nothing and holds nothing but its pid. */
    private static boolean alive(long pid) throws IOException {
        Path status = Path.of("/proc", Long.toString(pid), "status");
        if (!Files.exists(status)) {
            return false;
        }
        try {
            return !field(Files.readString(status), "State").startsWith("Z");
        } catch (java.nio.file.NoSuchFileException e) {
            return false;
        }
    }

    static String field(String procStatus, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + ":\\s*(.*)$").matcher(procStatus);
        assertThat(m.find()).as("%s in /proc status", name).isTrue();
        return m.group(1).trim();
    }

    /** Sums the samples of a Prometheus counter whose labels include all of {@code labels}. */
    static double counter(String exposition, String name, String... labels) {
        double sum = 0;
        for (String line : exposition.split("\n")) {
            if (!line.startsWith(name + "{")) {
                continue;
            }
            boolean all = true;
            for (String label : labels) {
                all &= line.contains(label);
            }
            if (all) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    private static void writeJar(Path path, Map<String, String> attributes) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        attributes.forEach((k, v) -> manifest.getMainAttributes().putValue(k, v));
        try (OutputStream out = Files.newOutputStream(path); JarOutputStream jar = new JarOutputStream(out, manifest)) {
            jar.flush();
        }
    }
}
