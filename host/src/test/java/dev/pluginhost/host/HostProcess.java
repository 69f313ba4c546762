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
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
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
 *
 * <p>A test class that needs one host for all its tests declares it once, {@link #forClass}: the harness makes its
 * work folder, starts it, waits for its plugins and stops it.
 */
final class HostProcess implements AutoCloseable, BeforeAllCallback, AfterAllCallback {

    static final JsonMapper JSON = JsonMapper.builder().build();

    /** The started process, its port, its log file and the test user's credentials (null without credentials). */
    private record Started(Process process, int port, Path log, String password, String viewerToken,
                           String operatorToken) {
    }

    /** Set at start; a host declared with {@link #forClass} takes it over from the host its plan starts. */
    private Started started;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** How a test class starts its host in the work folder the harness made for it. */
    @FunctionalInterface
    interface Plan {
        HostProcess start(Path work) throws Exception;
    }

    private Plan plan;
    private Duration timeout;
    private String[] running;
    private Path work;

    /** The test user's name, the runnable host's default. */
    static final String OPERATOR = "operator";

    private HostProcess(Started started) {
        this.started = started;
    }

    private HostProcess(Plan plan, Duration timeout, String[] running) {
        this.plan = plan;
        this.timeout = timeout;
        this.running = running;
    }

    /**
     * One host for a test class, as a JUnit extension ({@code @RegisterExtension static final HostProcess host}):
     * before all its tests the plan starts it in a new work folder ({@link #work}) and the plugins named are waited
     * for (with none named, the API); after them it is stopped and the folder deleted.
     */
    static HostProcess forClass(Plan plan, Duration timeout, String... running) {
        return new HostProcess(plan, timeout, running);
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        work = Files.createTempDirectory("pluginhost-it");
        started = plan.start(work).started;
        awaitRunning(timeout, running);
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        try {
            if (started != null) {
                close();
            }
        } finally {
            try (var all = Files.walk(work)) {
                for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** @return the work folder of a host declared with {@link #forClass} */
    Path work() {
        return work;
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
        // C1 only: a test host's start costs half the CPU (measured, JDK 17, 3 starts each, interleaved: 12.5-14.7 s
        // of the host JVM's own CPU against 23-27 s with C2 as well), and the ITs start ~60 hosts on 2 cores. The
        // JIT tier changes speed only, no behaviour; the benchmarks run the host with the JVM's defaults.
        List<String> command = new ArrayList<>(List.of(
                javaHome.resolve("bin/java").toString(), "-Xmx512m", "-XX:TieredStopAtLevel=1"));
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
        return new HostProcess(new Started(process, port, log, password, viewerToken, operatorToken));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    int port() {
        return started.port();
    }

    long pid() {
        return started.process().pid();
    }

    /**
     * Waits until every plugin named is running; on a timeout, or as soon as the host dies, the error carries the
     * host's log, which says why.
     */
    void awaitRunning(Duration timeout, String... ids) {
        try {
            org.awaitility.Awaitility.await().atMost(timeout).ignoreExceptions().failFast("the host died", () ->
                    !isAlive()).until(() -> ids.length == 0 ? json("/api/plugins") != null
                            : java.util.Arrays.stream(ids).allMatch(this::running));
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
        if (started.process().info().command().orElse("").endsWith("/java")) {
            return started.process().pid();
        }
        return started.process().descendants().filter(p -> p.info().command().orElse("").endsWith("/java"))
                .filter(p -> p.info().arguments().map(a -> List.of(a).contains("-jar")).orElse(false))
                .mapToLong(ProcessHandle::pid).findFirst().orElse(started.process().pid());
    }

    boolean isAlive() {
        return started.process().isAlive();
    }

    /** SIGKILL: the host gets no chance to clean up. */
    void kill() throws InterruptedException {
        started.process().destroyForcibly();
        started.process().waitFor();
    }

    /** @return the host's exit code, or null if it still runs after {@code timeout} */
    Integer awaitExit(Duration timeout) throws InterruptedException {
        return started.process().waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
                ? started.process().exitValue() : null;
    }

    String log() throws IOException {
        return Files.readString(started.log());
    }

    /** @return the test operator's password (null when started without credentials) */
    String password() {
        return started.password();
    }

    /** @return the value of an Authorization header for the test operator (its API token) */
    String operatorAuthorization() {
        return "Bearer " + started.operatorToken();
    }

    /** @return the value of an Authorization header for the test user's password (HTTP Basic) */
    String passwordAuthorization() {
        return "Basic " + java.util.Base64.getEncoder().encodeToString((OPERATOR + ":" + started.password())
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** @return the value of an Authorization header for the test viewer (its API token) */
    String viewerAuthorization() {
        return "Bearer " + started.viewerToken();
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return as(started.password() == null ? null : operatorAuthorization()).get(path);
    }

    HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        return as(started.password() == null ? null : operatorAuthorization()).post(path, body);
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
        return URI.create("http://localhost:" + started.port() + path);
    }

    @Override
    public void close() throws InterruptedException {
        // A deployment's wrapper may fork before it execs the host (no-userns.py waits for its child): stop the host
        // JVM itself, not only the process this harness started, or it outlives the test.
        List<ProcessHandle> tree = new ArrayList<>(started.process().descendants().toList());
        tree.add(started.process().toHandle());
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
        started.process().waitFor();
    }

    /** POSTs bytes of a type, as the test operator (the fleet's jar upload). */
    HttpResponse<String> postBytes(String path, String contentType, byte[] body)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (started.password() != null) {
            request.header("Authorization", operatorAuthorization());
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** DELETE, as the test operator. */
    HttpResponse<String> delete(String path) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30)).DELETE();
        if (started.password() != null) {
            request.header("Authorization", operatorAuthorization());
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
