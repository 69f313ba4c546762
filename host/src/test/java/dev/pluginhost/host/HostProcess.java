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
 *
 * <p>The host is started with a known test user, {@code operator} (role OPERATOR, HTTP Basic), an operator API token
 * and a viewer API token (roles OPERATOR and VIEWER, Bearer); {@link #get}, {@link #post} and {@link #json} call with
 * the operator's token, {@link #as} with other credentials or none. The token, not the password: Spring Security
 * checks a password with BCrypt on every request, and the tests' polling made that a good part of their CPU time.
 * {@link #startWithoutCredentials} configures none, as an operator who set nothing would.
 */
final class HostProcess implements AutoCloseable {

    static final JsonMapper JSON = JsonMapper.builder().build();

    private final Process process;
    private final int port;
    private final Path log;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String password;
    private final String viewerToken;
    private final String operatorToken;

    /** The test user's name, the runnable host's default. */
    static final String OPERATOR = "operator";

    private HostProcess(Process process, int port, Path log, String password, String viewerToken,
                        String operatorToken) {
        this.process = process;
        this.port = port;
        this.log = log;
        this.password = password;
        this.viewerToken = viewerToken;
        this.operatorToken = operatorToken;
    }

    /** Starts the host with the test user and the viewer token; {@code extraArgs} come last and may override. */
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

    /** Starts the packaged host on another JDK (its plugins run on that JDK too, unless plugins.java says otherwise). */
    static HostProcess startOn(Path javaHome, Path workDir, Path pluginsDir, String... extraArgs) throws IOException {
        return start(Deployment.ROOT, javaHome, workDir, pluginsDir, List.of(), true, List.of(extraArgs));
    }

    static HostProcess start(Deployment deployment, Path workDir, Path pluginsDir, List<String> jvmOptions,
                             String... extraArgs) throws IOException {
        return start(deployment, Path.of(System.getProperty("java.home")), workDir, pluginsDir, jvmOptions, true,
                List.of(extraArgs));
    }

    /** Starts the host with no credentials configured at all: it must generate a password and stay closed. */
    static HostProcess startWithoutCredentials(Path workDir, Path pluginsDir, String... extraArgs)
            throws IOException {
        return start(Deployment.ROOT, Path.of(System.getProperty("java.home")), workDir, pluginsDir, List.of(),
                false, List.of(extraArgs));
    }

    private static String random() {
        byte[] bytes = new byte[24];
        new java.security.SecureRandom().nextBytes(bytes);
        return java.util.HexFormat.of().formatHex(bytes);
    }

    static String sha256(String token) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(token.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Starts the packaged host as it runs in a deployment, with the test user and the viewer token when
     * {@code credentials} ({@code extraArgs} come last and may override). An unprivileged deployment runs it as uid
     * 1001 on copies of the host jar and the plugins, in folders that uid owns: it may not reach the checkout.
     */
    private static HostProcess start(Deployment deployment, Path javaHome, Path workDir, Path pluginsDir,
                                     List<String> jvmOptions, boolean credentials, List<String> extraArgs)
            throws IOException {
        String password = credentials ? random() : null;
        String viewerToken = credentials ? random() : null;
        String operatorToken = credentials ? random() : null;
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
                javaHome.resolve("bin/java").toString(), "-Xmx512m"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", jar.toString(),
                "--server.port=" + port,
                "--plugins.dir=" + pluginsDir));
        // A test may choose the data folder itself (Spring joins a repeated option's values, so only one is given).
        if (extraArgs.stream().noneMatch(a -> a.startsWith("--plugins.data-dir="))) {
            command.add("--plugins.data-dir=" + data);
            if (!deployment.unprivileged && extraArgs.stream()
                    .noneMatch(a -> a.startsWith("--plugins.runtime-archive-dir="))) {
                // One runtime archive for the whole test run, trained by the first host (a JVM run each otherwise).
                command.add("--plugins.runtime-archive-dir=" + Path.of(System.getProperty("runtime.archives",
                        "target/it-runtime-archives")).toAbsolutePath());
            }
        }
        if (credentials) {
            // The password goes in the environment, as the README tells operators (a command line is public in ps).
            command.addAll(List.of("--plugins.api.tokens.test-viewer.sha256=" + sha256(viewerToken),
                    "--plugins.api.tokens.test-viewer.role=VIEWER",
                    "--plugins.api.tokens.operator.sha256=" + sha256(operatorToken),
                    "--plugins.api.tokens.operator.role=OPERATOR"));
        }
        command.addAll(extraArgs);
        Path scripts = Files.createDirectories(workDir.resolve("harness"));
        ProcessBuilder builder = new ProcessBuilder();
        builder.environment().remove("SPRING_SECURITY_USER_PASSWORD");
        if (password != null) {
            builder.environment().put("SPRING_SECURITY_USER_PASSWORD", password);
        }
        builder.command(deployment.wrap(command, scripts, builder.environment()));
        Process process = builder
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        return new HostProcess(process, port, log, password, viewerToken, operatorToken);
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

    /**
     * Waits until every plugin named is running; on a timeout, or as soon as the host dies, the error carries the
     * host's log, which says why.
     */
    void awaitRunning(Duration timeout, String... ids) {
        try {
            org.awaitility.Awaitility.await().atMost(timeout).ignoreExceptions().failFast("the host died", () ->
                    !isAlive()).until(() -> java.util.Arrays.stream(ids).allMatch(this::running));
        } catch (org.awaitility.core.ConditionTimeoutException | org.awaitility.core.TerminalFailureException e) {
            String log;
            try {
                log = log();
            } catch (IOException io) {
                log = "(unreadable: " + io + ")";
            }
            throw new AssertionError(String.join(", ", ids) + " not running; the host's log:\n" + log, e);
        }
    }

    /**
     * @return the plugin's text in an invoke reply: the host wraps a reply that is not JSON in JSON it writes,
     *     {@code {"contentType", "text"}}; a JSON reply comes as it is
     */
    static String replyText(String body) {
        JsonNode reply = JSON.readTree(body);
        return reply.isObject() && reply.has("contentType") && reply.has("text") ? reply.get("text").asString()
                : body;
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

    /** @return the host's exit code, or null if it still runs after {@code timeout} */
    Integer awaitExit(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
                ? process.exitValue() : null;
    }

    String log() throws IOException {
        return Files.readString(log);
    }

    /** @return the test operator's password (null when started without credentials) */
    String password() {
        return password;
    }

    /** @return the value of an Authorization header for the test operator (its API token) */
    String operatorAuthorization() {
        return "Bearer " + operatorToken;
    }

    /** @return the value of an Authorization header for the test user's password (HTTP Basic) */
    String passwordAuthorization() {
        return "Basic " + java.util.Base64.getEncoder().encodeToString((OPERATOR + ":" + password)
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** @return the value of an Authorization header for the test viewer (its API token) */
    String viewerAuthorization() {
        return "Bearer " + viewerToken;
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return as(password == null ? null : operatorAuthorization()).get(path);
    }

    HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        return as(password == null ? null : operatorAuthorization()).post(path, body);
    }

    /** @param authorization an Authorization header value, or null to call anonymously */
    Client as(String authorization) {
        return new Client(authorization);
    }

    Client anonymous() {
        return new Client(null);
    }

    Client viewer() {
        return new Client(viewerAuthorization());
    }

    /** Calls the API with one set of credentials (or none). */
    final class Client {
        private final String authorization;

        private Client(String authorization) {
            this.authorization = authorization;
        }

        HttpResponse<String> get(String path) throws IOException, InterruptedException {
            return http.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
        }

        HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
            return http.send(request(path).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        }

        private HttpRequest.Builder request(String path) {
            HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30));
            return authorization == null ? request : request.header("Authorization", authorization);
        }
    }

    JsonNode json(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = get(path);
        assertThat(response.statusCode()).as("GET %s: %s", path, response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    /** @return whether the plugin is listed and running */
    boolean running(String id) {
        JsonNode plugin = plugin(id);
        return plugin != null && plugin.get("state").asString().equals("running");
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
        // A deployment's wrapper may fork before it execs the host (no-userns.py waits for its child): stop the host
        // JVM itself, not only the process this harness started, or it outlives the test.
        List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
        tree.add(process.toHandle());
        for (ProcessHandle p : tree) {
            p.destroy();
        }
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
        for (ProcessHandle p : tree) {
            long left = Math.max(0, deadline - System.nanoTime());
            try {
                p.onExit().get(left, java.util.concurrent.TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                p.destroyForcibly();
            }
        }
        process.waitFor();
    }

    /** POSTs bytes of a type, as the test operator (the fleet's jar upload). */
    HttpResponse<String> postBytes(String path, String contentType, byte[] body)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (password != null) {
            request.header("Authorization", operatorAuthorization());
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** DELETE, as the test operator. */
    HttpResponse<String> delete(String path) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30)).DELETE();
        if (password != null) {
            request.header("Authorization", operatorAuthorization());
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
