package dev.pluginhost.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * From JDK 24 on, a JVM that loads a native library from the class path without --enable-native-access prints
 * "restricted method" warnings: every plugin JVM did (Netty's epoll transport), into every plugin's log. The control
 * runs the plugin runtime on JDK 25 without the option and sees them; then the packaged host runs a plugin on JDK 25
 * and its log has none. Which JDKs get the option: PluginJvmTest.
 */
class NativeAccessIT {
    private static final Path JDK25 = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64/bin/java");

    @TempDir
    Path work;

    @Test
    void aPluginJvmOnJdk25PrintsNoRestrictedMethodWarning() throws Exception {
        assertThat(JDK25).as("not available here: no JDK 25 at " + JDK25).isExecutable();
        // Control: the runtime's own start-up code (its class-data-sharing training run) on JDK 25, no option.
        Path runtime;
        try (Stream<Path> jars = Files.list(Path.of("../plugin-sdk/target"))) {
            runtime = jars.filter(p -> p.getFileName().toString().endsWith("-runtime.jar")).findFirst().orElseThrow();
        }
        Path scratch = Files.createDirectories(work.resolve("control"));
        Path out = work.resolve("control.txt");
        Process control = new ProcessBuilder(JDK25.toString(), "-cp", runtime.toString(),
                "dev.pluginhost.sdk.runtime.CdsTraining", runtime.toString(), scratch.toString())
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        assertThat(control.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(Files.readString(out, StandardCharsets.UTF_8)).contains("restricted method");

        Path plugins = Files.createDirectories(work.resolve("plugins"));
        Path samples = Path.of(System.getProperty("samples.dir", "../sample-plugins/target/plugins"));
        try (Stream<Path> jars = Files.list(samples)) {
            Files.copy(jars.filter(p -> p.getFileName().toString().startsWith("hello-")).findFirst().orElseThrow(),
                    plugins.resolve("hello.jar"));
        }
        try (HostProcess host = HostProcess.start(work, plugins, "--plugins.java=" + JDK25)) {
            await().atMost(Duration.ofSeconds(240)).pollInterval(Duration.ofMillis(250)).until(() -> {
                assertThat(host.isAlive()).as("host died; its log:%n%s", host.log()).isTrue();
                JsonNode hello = host.plugin("hello");
                return hello != null && hello.get("state").asString().equals("running");
            });
            long pid = host.plugin("hello").get("pid").asLong();
            String cmdline = new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")),
                    StandardCharsets.UTF_8);
            assertThat(cmdline).startsWith(JDK25.toString()).contains("--enable-native-access=ALL-UNNAMED");
            // JDK 25: the runtime's archive is an ahead-of-time cache, mapped without the -Xshare options it refuses.
            assertThat(host.log()).contains("class-data sharing on: ").contains("plugin-runtime.aot");
            assertThat(cmdline).contains("-XX:AOTCache=").doesNotContain("-Xshare:");
            Thread.sleep(1000); // the plugin's stderr reaches the host's log through a pump thread
            assertThat(host.log()).contains("[hello]").doesNotContain("restricted method");
            // Netty's refused interface probe, once logged with its stack trace into every start's output (16 lines)
            // because the runtime read its launch secret through Netty before it set Netty's logging up.
            assertThat(host.log()).doesNotContain("NetUtilInitializations").doesNotContain("[hello stderr]");
        }
    }

    /**
     * The host itself on JDK 25, as on 17: its plugins (on JDK 25 too, the host's own java) start, answer and are
     * filtered, and neither the host (JNA for libseccomp, Netty's epoll) nor a plugin warns about native access.
     */
    @Test
    void theHostRunsOnJdk25AsOn17() throws Exception {
        assertThat(JDK25).as("not available here: no JDK 25 at " + JDK25).isExecutable();
        Path plugins = Files.createDirectories(work.resolve("plugins"));
        Path samples = Path.of(System.getProperty("samples.dir", "../sample-plugins/target/plugins"));
        try (Stream<Path> jars = Files.list(samples)) {
            Files.copy(jars.filter(p -> p.getFileName().toString().startsWith("hello-")).findFirst().orElseThrow(),
                    plugins.resolve("hello.jar"));
        }
        try (HostProcess host = HostProcess.startOn(JDK25.getParent().getParent(), work, plugins,
                "--plugins.grants.hello=log")) {
            await().atMost(Duration.ofSeconds(240)).pollInterval(Duration.ofMillis(250)).until(() -> {
                assertThat(host.isAlive()).as("host died; its log:%n%s", host.log()).isTrue();
                JsonNode hello = host.plugin("hello");
                return hello != null && hello.get("state").asString().equals("running");
            });
            assertThat(host.log()).contains("Java 25");
            assertThat(host.post("/api/plugins/hello/invoke/greet", "{\"name\":\"Ada\"}").body())
                    .contains("Hello, Ada!");
            assertThat(host.post("/api/plugins/hello/invoke/probe", "").body()).contains("\"socket\":\"denied");
            assertThat(host.get("/actuator/prometheus").body())
                    .containsPattern("plugin_syscall_denied_total\\{plugin=\"hello\",syscall=\"socket\"} [1-9]");
            Thread.sleep(1000);
            assertThat(host.log()).doesNotContain("restricted method");
        }
    }
}
