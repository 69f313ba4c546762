package dev.pluginhost.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Issue 12, the compatibility matrix: the real packaged host runs the 'compat' test plugin (one shaded jar bundling
 * twenty widely used libraries, four of them with native code) under its default policy. Every operation does a
 * small real piece of work whose answer is checked here, and none of it is a run-phase violation. The table (library,
 * version, operation, result, run-phase violations) is written to target/compatibility.md and must match
 * docs/compatibility.md, so the documented matrix is the one this build ran.
 */
class CompatibilityIT {

    /** What each operation must answer: the plugin's own check passed and the work came out as expected. */
    static final Map<String, String> EXPECTED = new LinkedHashMap<>();

    static {
        String sha256 = sha256Hex("pluginhost");
        EXPECTED.put("h2", "ok H2 sum=6");
        EXPECTED.put("sqlite", "ok SQLite sum=6");
        EXPECTED.put("snappy", "ok 10000 bytes -> \\d+ -> 10000, equal");
        EXPECTED.put("zstd", "ok 10000 bytes -> \\d+ -> 10000, equal");
        EXPECTED.put("lz4", "ok 10000 bytes -> \\d+ -> 10000, equal");
        EXPECTED.put("compress", Pattern.quote("ok [a.txt=content of a.txt, dir/b.txt=content of dir/b.txt]"));
        EXPECTED.put("bouncycastle", "ok BC Ed25519 signature 64 bytes, verified=true");
        EXPECTED.put("lucene", "ok \\w+Directory docs=3 hits\\(sandbox\\)=2");
        EXPECTED.put("jackson", Pattern.quote("ok {\"name\":\"jackson\",\"values\":[1,2,3]} -> 6"));
        EXPECTED.put("gson", Pattern.quote("ok {\"values\":[1,2,3]} -> 6"));
        EXPECTED.put("woodstox", Pattern.quote("ok [h2, sqlite, lucene]"));
        EXPECTED.put("snakeyaml", Pattern.quote("ok name=compat libraries=[h2, sqlite, lucene]"));
        EXPECTED.put("jsoup", "ok title=Matrix li=3 ok=2");
        EXPECTED.put("mustache", "ok Hello mustache, a, b!");
        EXPECTED.put("freemarker", "ok Hello freemarker, a, b!");
        EXPECTED.put("pdfbox", "ok pages=1 text=Honest plugins just work");
        EXPECTED.put("rhino", "ok 14");
        EXPECTED.put("caffeine", "ok sum=9 loads=3 hits=2");
        EXPECTED.put("guava", Pattern.quote("ok [a, b x 2, c] sha256=" + sha256));
        EXPECTED.put("codec", "ok sha256=" + sha256 + " hex=6f6b");
        EXPECTED.put("http", "ok status=200 greeting=hello from the test");
    }

    @TempDir
    static Path work;

    @AutoClose
    static LocalHttpServer remote;
    @AutoClose
    static HostProcess host;

    @BeforeAll
    static void start() throws Exception {
        Path jar = PluginsFolder.fixtureJar("compat");
        // The plugin requests http:127.0.0.1:<port> (a loopback address needs a grant naming it): serve that port.
        String capabilities;
        try (JarFile file = new JarFile(jar.toFile())) {
            capabilities = file.getManifest().getMainAttributes().getValue("Plugin-Capabilities");
        }
        Matcher http = Pattern.compile("http:127\\.0\\.0\\.1:(\\d+)").matcher(capabilities);
        assertThat(http.find()).as("compat's manifest requests http:127.0.0.1:<port>: " + capabilities).isTrue();
        int port = Integer.parseInt(http.group(1));
        try {
            remote = LocalHttpServer.serve(port, "/compat", "application/json",
                    "{\"greeting\":\"hello from the test\"}");
        } catch (java.net.BindException e) {
            throw new AssertionError("port " + port + " (compat.http.port in sample-plugins/compat/pom.xml) is in use "
                    + "on this machine: the compatibility matrix's http row needs it", e);
        }
        host = HostProcess.start(work, PluginsFolder.in(work).fixture("compat").path(),
                "--plugins.grants.compat=log,http:127.0.0.1:" + port);
        host.awaitRunning(Duration.ofSeconds(300), "compat");
    }

    @Test
    void everyLibraryWorksUnderTheDefaultPolicyWithoutAViolation() throws Exception {
        JsonNode libraries = HostProcess.JSON.readTree(invoke("libraries").body());
        List<String> operations = new ArrayList<>();
        libraries.propertyNames().forEach(operations::add);
        assertThat(operations).as("the plugin's libraries and this test's expectations")
                .containsExactlyInAnyOrderElementsOf(EXPECTED.keySet());

        String http = "http://127.0.0.1:" + remote.port() + "/compat";
        StringBuilder table = new StringBuilder(
                "| library | version | operation | result | run-phase violations |\n|---|---|---|---|---|\n");
        List<String> failures = new ArrayList<>();
        List<String> documented = new ArrayList<>();
        int before = runPhaseViolations().size();
        for (String operation : EXPECTED.keySet()) {
            String[] library = libraries.get(operation).asString().split("\\|", 2);
            var response = invoke(operation, operation.equals("http") ? http : "");
            String result = response.statusCode() == 200 ? response.body() : "HTTP " + response.statusCode() + " "
                    + response.body();
            int after = runPhaseViolations().size();
            boolean ok = response.statusCode() == 200 && result.matches(EXPECTED.get(operation)) && after == before;
            if (!ok) {
                failures.add(operation + ": " + result + " (run-phase violations " + (after - before) + ")");
            }
            table.append("| ").append(library[0]).append(" | ").append(library[1]).append(" | `").append(operation)
                    .append("` | ").append(ok ? "works" : "FAILS").append(": ").append(cell(result)).append(" | ")
                    .append(after - before).append(" |\n");
            documented.add("| " + library[0] + " | " + library[1] + " | `" + operation + "` | works: ");
            before = after;
        }
        Files.writeString(Path.of("target", "compatibility.md"), table);

        assertThat(failures).as("failed operations; the table:\n" + table + "\nthe host's log:\n" + host.log())
                .isEmpty();
        assertThat(runPhaseViolations()).as("run-phase violations of compat").isEmpty();
        assertThat(host.get("/actuator/prometheus").body().lines()
                .filter(l -> l.startsWith("plugin_syscall_denied_total") && l.contains("plugin=\"compat\"")))
                .as("plugin_syscall_denied_total for compat").isEmpty();
        String docs = Files.readString(Path.of(System.getProperty("repo.dir", ".."), "docs", "compatibility.md"));
        assertThat(documented).as("rows of docs/compatibility.md (paste them from target/compatibility.md)")
                .allSatisfy(row -> assertThat(docs).contains(row));
        long nativeLibraries = operations.stream().filter(o -> libraries.get(o).asString().contains("native")).count();
        assertThat(operations).as("libraries in the matrix").hasSizeGreaterThanOrEqualTo(15);
        assertThat(nativeLibraries).as("libraries with native code in the matrix").isGreaterThanOrEqualTo(3);
    }

    private static HttpResponseLike invoke(String operation) throws Exception {
        return invoke(operation, "");
    }

    private static HttpResponseLike invoke(String operation, String body) throws Exception {
        var response = host.post("/api/plugins/compat/invoke/" + operation, body);
        if (response.statusCode() != 200) {
            return new HttpResponseLike(response.statusCode(), response.body());
        }
        return new HttpResponseLike(200, HostProcess.replyText(response.body()));
    }

    record HttpResponseLike(int statusCode, String body) {}

    private static List<String> runPhaseViolations() throws Exception {
        List<String> run = new ArrayList<>();
        for (JsonNode violation : host.json("/api/plugins/compat/violations")) {
            if (violation.get("phase").asString().equals("run")) {
                run.add(violation.toString());
            }
        }
        return run;
    }

    /** A result as a table cell: one line, pipes escaped, long answers shortened. */
    private static String cell(String result) {
        String line = result.replace("\n", " ").replace("|", "\\|");
        return line.length() > 120 ? line.substring(0, 117) + "..." : line;
    }

    private static String sha256Hex(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
