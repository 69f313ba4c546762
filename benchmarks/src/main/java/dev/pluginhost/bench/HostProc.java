package dev.pluginhost.bench;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The packaged host (pluginhost.jar) as a real process, as an operator starts it, driven over its HTTP API. */
final class HostProc implements AutoCloseable {

    final Process process;
    final int port;
    final Path log;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /**
     * The API asks for credentials: an OPERATOR API token of this run's choosing, as automation uses the API. Not HTTP
     * Basic: Spring Security checks a password with BCrypt on every request (tens of milliseconds of CPU by design, and
     * measured as most of the API's latency under load), which would time the password hash, not the host.
     */
    private final String authorization;

    private HostProc(Process process, int port, Path log, String token) {
        this.process = process;
        this.port = port;
        this.log = log;
        this.authorization = "Bearer " + token;
    }

    static HostProc start(Ctx ctx, Path work, Path plugins, String... extra) throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path log = work.resolve("host.log");
        List<String> cmd = new ArrayList<>(List.of(ctx.java.toString(), "-Xmx512m", "-jar", ctx.hostJar().toString(),
                "--server.port=" + port, "--plugins.dir=" + plugins, "--plugins.data-dir=" + work.resolve("data"),
                "--plugins.watch=false"));
        if (List.of(extra).stream().anyMatch(e -> e.startsWith("--plugins.watch="))) {
            cmd.remove("--plugins.watch=false"); // the caller's choice (a repeated option would bind as a list)
        }
        byte[] secret = new byte[18];
        new SecureRandom().nextBytes(secret);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        // The host keeps only the token's SHA-256, so the command line may show it.
        cmd.add("--plugins.api.tokens.bench.sha256=" + sha256(token));
        cmd.add("--plugins.api.tokens.bench.role=OPERATOR");
        cmd.addAll(List.of(extra));
        ProcessBuilder builder = new ProcessBuilder(cmd);
        Process p = builder.directory(work.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return new HostProc(p, port, log, token);
    }

    private static String sha256(String token) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    long pid() {
        return process.pid();
    }

    URI uri(String path) {
        return URI.create("http://localhost:" + port + path);
    }

    /** A request to the API with the operator's credentials. */
    HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(uri(path)).header("Authorization", authorization);
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(60))
                .header("Authorization", authorization).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(120))
                .header("Authorization", authorization)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    JsonObject postJson(String path, String body) throws IOException, InterruptedException {
        HttpResponse<String> r = post(path, body);
        if (r.statusCode() != 200) {
            throw new IllegalStateException("POST " + path + ": " + r.statusCode() + " " + r.body());
        }
        return JsonParser.parseString(r.body()).getAsJsonObject();
    }

    /** id → plugin entry of GET /api/plugins, or null while the API is not up. */
    Map<String, JsonObject> plugins() {
        try {
            HttpResponse<String> r = get("/api/plugins");
            if (r.statusCode() != 200) {
                return null;
            }
            Map<String, JsonObject> out = new HashMap<>();
            JsonArray a = JsonParser.parseString(r.body()).getAsJsonArray();
            for (JsonElement e : a) {
                JsonObject o = e.getAsJsonObject();
                out.put(o.get("id").getAsString(), o);
            }
            return out;
        } catch (IOException | InterruptedException | RuntimeException e) {
            return null;
        }
    }

    static String state(JsonObject plugin) {
        return plugin == null ? null : plugin.get("state").getAsString();
    }

    static Instant since(JsonObject plugin) {
        return Instant.parse(plugin.get("since").getAsString());
    }

    /** Waits until {@code count} plugins are listed and every one is running. */
    void awaitRunning(int count, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("host died: " + tail());
            }
            Map<String, JsonObject> p = plugins();
            if (p != null && p.size() >= count && p.values().stream().allMatch(o -> "running".equals(state(o)))) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("plugins not running within " + timeout + ": " + plugins() + "\n" + tail());
    }

    String tail() throws IOException {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    }

    /** Host JVM RSS, and the summed RSS of its descendants (launchers and plugin JVMs), in MiB. */
    double[] rss() {
        double host = Procs.rssMiB(pid());
        double children = 0;
        for (long d : Procs.descendants(pid())) {
            double r = Procs.rssMiB(d);
            if (!Double.isNaN(r)) {
                children += r;
            }
        }
        return new double[] {host, children};
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }
}
