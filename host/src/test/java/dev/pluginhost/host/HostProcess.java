package dev.pluginhost.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The packaged host ({@code target/pluginhost.jar}) running as a real process, as an operator would start it, with an
 * HTTP client for its API. Used by the end-to-end tests.
 */
final class HostProcess implements AutoCloseable {

    static final JsonMapper JSON = JsonMapper.builder().build();

    private final Process process;
    private final int port;
    private final Path log;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private HostProcess(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    static HostProcess start(Path workDir, Path pluginsDir, String... extraArgs) throws IOException {
        Path jar = Path.of(System.getProperty("host.jar", "target/pluginhost.jar")).toAbsolutePath();
        assertThat(jar).as("the packaged host (run 'mvn verify', not only 'mvn test')").exists();
        int port = freePort();
        // JUnit makes temporary folders private (0700); plugin JVMs run as another uid and must reach their data
        // folder below this one, as they would below any operator-chosen plugins.data-dir.
        java.nio.file.Files.setPosixFilePermissions(workDir,
                java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Path log = workDir.resolve("host.log");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-jar", jar.toString(),
                "--server.port=" + port,
                "--plugins.dir=" + pluginsDir,
                "--plugins.data-dir=" + workDir.resolve("data")));
        command.addAll(List.of(extraArgs));
        Process process = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        return new HostProcess(process, port, log);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    int port() {
        return port;
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** SIGKILL: the host gets no chance to clean up. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** @return the host's exit code, or null if it still runs after {@code timeout} */
    Integer awaitExit(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
                ? process.exitValue() : null;
    }

        String log() throws IOException {
        return Files.readString(log);
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    JsonNode json(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = get(path);
        assertThat(response.statusCode()).as("GET %s: %s", path, response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    /** @return the plugin's entry in GET /api/plugins, or null while the API is not up */
    JsonNode plugin(String id) {
        try {
            for (JsonNode plugin : json("/api/plugins")) {
                if (id.equals(plugin.get("id").asString())) {
                    return plugin;
                }
            }
        } catch (IOException | InterruptedException | AssertionError e) {
            return null;
        }
        return null;
    }

    private URI uri(String path) {
        return URI.create("http://localhost:" + port + path);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }
}
