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
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
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
        return start(Deployment.ROOT, workDir, pluginsDir, List.of(), extraArgs);
    }

    /** @param jvmOptions options of the host's own JVM, e.g. {@code -Djdk.net.hosts.file=...} */
    static HostProcess start(Path workDir, Path pluginsDir, List<String> jvmOptions, String... extraArgs)
            throws IOException {
        return start(Deployment.ROOT, workDir, pluginsDir, jvmOptions, extraArgs);
    }

    static HostProcess start(Deployment deployment, Path workDir, Path pluginsDir, String... extraArgs)
            throws IOException {
        return start(deployment, workDir, pluginsDir, List.of(), extraArgs);
    }

    /**
     * Starts the packaged host as it runs in a deployment. An unprivileged deployment runs it as uid 1001 on copies
     * of the host jar and the plugins, in folders that uid owns: it may not reach the checkout.
     */
    static HostProcess start(Deployment deployment, Path workDir, Path pluginsDir, List<String> jvmOptions,
                             String... extraArgs)
            throws IOException {
        Path jar = Path.of(System.getProperty("host.jar", "target/pluginhost.jar")).toAbsolutePath();
        assertThat(jar).as("the packaged host (run 'mvn verify', not only 'mvn test')").exists();
        int port = freePort();
        // JUnit makes temporary folders private (0700); plugin JVMs run as another uid and must reach their data
        // folder below this one, as they would below any operator-chosen plugins.data-dir.
        Files.setPosixFilePermissions(workDir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path data = workDir.resolve("data");
        if (deployment.unprivileged) {
            Path own = Files.createDirectories(workDir.resolve("deployed"));
            jar = Files.copy(jar, own.resolve("pluginhost.jar"), StandardCopyOption.REPLACE_EXISTING);
            Path plugins = Files.createDirectories(own.resolve("plugins"));
            try (var jars = Files.list(pluginsDir)) {
                for (Path p : jars.filter(Files::isRegularFile).toList()) {
                    Files.copy(p, plugins.resolve(p.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            pluginsDir = plugins;
            data = Files.createDirectories(own.resolve("data"));
            try (var all = Files.walk(own)) {
                for (Path p : all.toList()) {
                    Files.setAttribute(p, "unix:uid", Deployment.UID);
                    Files.setAttribute(p, "unix:gid", Deployment.UID);
                }
            }
        }
        Path log = workDir.resolve("host.log");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", jar.toString(),
                "--server.port=" + port,
                "--plugins.dir=" + pluginsDir,
                "--plugins.data-dir=" + data));
        command.addAll(List.of(extraArgs));
        Path scripts = Files.createDirectories(workDir.resolve("harness"));
        ProcessBuilder builder = new ProcessBuilder();
        builder.command(deployment.wrap(command, scripts, builder.environment()));
        Process process = builder
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

    /** @return the host's JVM: the process itself, or its descendant when a deployment's wrapper forks first */
    long javaPid() {
        if (process.info().command().orElse("").endsWith("/java")) {
            return process.pid();
        }
        return process.descendants().filter(p -> p.info().command().orElse("").endsWith("/java"))
                .filter(p -> p.info().arguments().map(a -> List.of(a).contains("-jar")).orElse(false))
                .mapToLong(ProcessHandle::pid).findFirst().orElse(process.pid());
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** SIGKILL: the host gets no chance to clean up. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
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
