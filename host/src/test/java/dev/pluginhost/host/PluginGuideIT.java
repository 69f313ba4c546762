package dev.pluginhost.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A new plugin author's first ten minutes, as docs/plugin-guide.md tells them: the commands of its "Zero to a running
 * plugin" block are read from the guide and run one by one in a copy of this repository — install the SDK, create a
 * plugin from the template and test it with the test kit, package the host, drop the plugin into a running host,
 * invoke it — and the answer must be the one the guide shows. Two deviations, both forced by a shared machine: the host
 * gets a free port instead of 8080, and the guide's /tmp paths are used as they are (cleaned first). Each command runs in
 * its own shell, so what a command {@code export}s is carried to the commands after it, as one terminal would.
 */
class PluginGuideIT {

    @TempDir
    Path copy;

    @Test
    void theGuidesCommandsWorkAsWritten() throws Exception {
        Path repo = Path.of(System.getProperty("repo.dir", "..")).toAbsolutePath().normalize();
        String guide = Files.readString(repo.resolve("docs/plugin-guide.md"));
        Matcher block = Pattern.compile("## 1\\. Zero to a running plugin.*?```sh\\n(.*?)```", Pattern.DOTALL)
                .matcher(guide);
        assertThat(block.find()).as("the guide's first command block").isTrue();
        List<String> commands = commands(block.group(1));
        String expected = block.group(1).lines().filter(l -> l.startsWith("# {")).findFirst()
                .orElseThrow(() -> new AssertionError("the guide shows no expected answer")).substring(2).trim();
        copyRepository(repo, copy);
        // A checkout is normally world-traversable; JUnit's temporary folder is not, and plugin JVMs run as another
        // uid that must reach its data folder below the working directory.
        Files.setPosixFilePermissions(copy, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        run(copy, Map.of(), "rm -rf /tmp/my-plugin /tmp/my-plugins");

        int port = freePort();
        Map<String, String> env = new HashMap<>();
        Process host = null;
        try {
            for (String command : commands) {
                if (command.startsWith("export ")) {
                    String name = command.substring("export ".length(), command.indexOf('='));
                    env.put(name, run(copy, env, command + "; printf %s \"$" + name + "\""));
                } else if (command.contains("java -jar host/target/pluginhost.jar")) {
                    ProcessBuilder builder = new ProcessBuilder("bash", "-c", command + " --server.port=" + port);
                    builder.environment().putAll(env);
                    host = builder.directory(copy.toFile()).redirectErrorStream(true)
                            .redirectOutput(copy.resolve("host.log").toFile()).start();
                    Process started = host;
                    await().atMost(Duration.ofSeconds(90)).alias("the guide's plugin running; host log: "
                            + copy.resolve("host.log")).pollInterval(Duration.ofMillis(500)).until(() -> {
                        assertThat(started.isAlive()).as("host died: %s", log(copy)).isTrue();
                        Process curl = new ProcessBuilder("curl", "-s", "-u", "operator:"
                                + env.getOrDefault("PLUGINHOST_PASSWORD", ""), "localhost:" + port + "/api/plugins")
                                .start();
                        String plugins = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                        return curl.waitFor() == 0 && plugins.contains("\"running\"");
                    });
                } else if (command.startsWith("curl ")) {
                    String answer = run(copy, env, command.replace("localhost:8080", "localhost:" + port));
                    assertThat(answer.trim()).as("host log:%n%s", log(copy)).isEqualTo(expected);
                } else {
                    run(copy, env, command);
                }
            }
        } finally {
            if (host != null) {
                host.destroy();
                if (!host.waitFor(20, TimeUnit.SECONDS)) {
                    host.destroyForcibly();
                }
            }
        }
        assertThat(commands).as("the block ran end to end").anyMatch(c -> c.startsWith("curl "));
    }

    /** The block's commands: comments and blank lines dropped, backslash continuations joined. */
    static List<String> commands(String block) {
        List<String> commands = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : block.lines().toList()) {
            String trimmed = line.trim();
            if (current.length() == 0 && (trimmed.isEmpty() || trimmed.startsWith("#"))) {
                continue;
            }
            if (trimmed.endsWith("\\")) {
                current.append(trimmed, 0, trimmed.length() - 1).append(' ');
            } else {
                commands.add(current.append(trimmed).toString());
                current.setLength(0);
            }
        }
        return commands;
    }

    private static String run(Path dir, Map<String, String> env, String command)
            throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder("bash", "-c", command);
        builder.environment().putAll(env);
        Process process = builder.directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(10, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("timed out: " + command);
        }
        assertThat(process.exitValue()).as("'%s' failed:%n%s", command, output).isZero();
        return output;
    }

    /** The repository's tracked files, as a newcomer's clean checkout would have them. */
    private static void copyRepository(Path repo, Path target) throws IOException, InterruptedException {
        Process ls = new ProcessBuilder("git", "ls-files", "-z").directory(repo.toFile()).start();
        String files = new String(ls.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(ls.waitFor()).isZero();
        for (String file : files.split("\0")) {
            if (file.isEmpty()) {
                continue;
            }
            Path from = repo.resolve(file);
            if (!Files.isRegularFile(from)) {
                continue;
            }
            Path to = target.resolve(file);
            Files.createDirectories(to.getParent());
            Files.copy(from, to, StandardCopyOption.COPY_ATTRIBUTES);
        }
    }

    private static String log(Path dir) {
        try {
            return Files.readString(dir.resolve("host.log"));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
