package dev.pluginhost.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Issue 10 #8: every plugin's launch secret (and socket path) was on its launcher's command line, which every user
 * on the machine can read in /proc/<pid>/cmdline; a uid-65534 process outside the sandbox could race the plugin to
 * the handshake. With the packaged host running two real sandboxed plugins, the secret of each is taken from the one
 * place it is meant to be, its launcher's own environment (readable by the host's uid only), and then looked for
 * everywhere else: every process's cmdline on the machine, and the plugin JVM's environ. The plugins' handshakes
 * authenticated (they are running).
 */
class LaunchSecretIT {
    private static final Pattern SECRET = Pattern.compile("PLUGIN_LAUNCH_SECRET=([^\\x00]+)");

    @TempDir
    Path work;

    @Test
    void noSecretOnAnyCommandLineOrInAPluginsEnvironment() throws Exception {
        Path plugins = Files.createDirectories(work.resolve("plugins"));
        Path samples = Path.of(System.getProperty("samples.dir", "../sample-plugins/target/plugins"));
        try (Stream<Path> jars = Files.list(samples)) {
            for (Path jar : jars.filter(p -> p.getFileName().toString().matches("(hello|markdown)-.*\\.jar"))
                    .toList()) {
                Files.copy(jar, plugins.resolve(jar.getFileName()));
            }
        }
        Path settings = Path.of(System.getProperty("repo.dir", "..")).resolve("sample-plugins/samples.properties")
                .toAbsolutePath().normalize();
        try (HostProcess host = HostProcess.start(work, plugins,
                "--spring.config.additional-location=file:" + settings)) {
            List<Long> pids = new ArrayList<>();
            await().atMost(Duration.ofSeconds(240)).pollInterval(Duration.ofMillis(250)).until(() -> {
                assertThat(host.isAlive()).as("host died; its log:%n%s", host.log()).isTrue();
                pids.clear();
                for (String id : List.of("hello", "markdown")) {
                    JsonNode p = host.plugin(id);
                    if (p == null || !p.get("state").asString().equals("running")) {
                        return false;
                    }
                    pids.add(p.get("pid").asLong());
                }
                return true;
            });
            for (long pid : pids) {
                long launcher = parent(pid);
                String launcherEnviron = read(Path.of("/proc", Long.toString(launcher), "environ"));
                Matcher m = SECRET.matcher(launcherEnviron);
                assertThat(m.find()).as("launcher %d of plugin %d carries the secret in its environment", launcher,
                        pid).isTrue();
                String secret = m.group(1);
                assertThat(secret).hasSizeGreaterThanOrEqualTo(32);
                assertThat(cmdlinesContaining(secret)).as("command lines holding plugin %d's secret", pid).isEmpty();
                assertThat(read(Path.of("/proc", Long.toString(pid), "environ"))).doesNotContain(secret)
                        .contains("PLUGIN_LAUNCH_SECRET_FD=");
            }
        }
    }

    private static long parent(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("PPid:")) {
                return Long.parseLong(line.substring(5).strip());
            }
        }
        throw new AssertionError("no PPid for " + pid);
    }

    private static String read(Path p) throws IOException {
        return new String(Files.readAllBytes(p), StandardCharsets.UTF_8);
    }

    private static List<String> cmdlinesContaining(String needle) throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    if (read(p.resolve("cmdline")).contains(needle)) {
                        found.add(p.getFileName() + ": " + read(p.resolve("cmdline")).replace('\0', ' '));
                    }
                } catch (IOException e) {
                    // exited meanwhile
                }
            }
        }
        return found;
    }
}
