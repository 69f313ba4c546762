package dev.pluginhost.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pluginhost.host.fixtures.HtmlReplyPlugin;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;

/**
 * The management API against the real packaged host (issue 10 and 11a): it needs credentials, each endpoint a role,
 * it listens on loopback only, it never runs open, probes stay readable, every action is audited, and a plugin
 * cannot choose the content type of the API's reply.
 */
class ManagementApiIT {

    @RegisterExtension
    static final HostProcess host = HostProcess.forClass(work -> HostProcess.start(work,
            PluginsFolder.in(work).sample("hello").write("html", HtmlReplyPlugin.class, "log").path()),
            Duration.ofSeconds(180), "hello", "html");

    @Test
    void stoppingAPluginNeedsAnOperator() throws Exception {
        HttpResponse<String> anonymous = host.anonymous().post("/api/plugins/hello/stop", "");
        assertThat(anonymous.statusCode()).as(anonymous.body()).isEqualTo(401);
        assertThat(anonymous.headers().firstValue("WWW-Authenticate")).as("no Basic challenge for browsers")
                .hasValue("Bearer realm=\"pluginhost\"");
        assertThat(host.as("Basic " + java.util.Base64.getEncoder().encodeToString("operator:wrong".getBytes()))
                .post("/api/plugins/hello/stop", "").statusCode()).as("wrong password").isEqualTo(401);
        assertThat(host.as("Bearer not-a-token").post("/api/plugins/hello/stop", "").statusCode())
                .as("unknown token").isEqualTo(401);
        HttpResponse<String> viewer = host.viewer().post("/api/plugins/hello/stop", "");
        assertThat(viewer.statusCode()).as(viewer.body()).isEqualTo(403);
        assertThat(host.viewer().post("/api/plugins/hello/invoke/greet", "{\"name\":\"Ada\"}").statusCode())
                .as("invoking uses the plugin's grants: operators only").isEqualTo(403);
        assertThat(host.plugin("hello").get("state").asString()).as("still running").isEqualTo("running");
        assertThat(host.viewer().get("/api/plugins/hello").statusCode()).as("a viewer reads").isEqualTo(200);
        assertThat(host.viewer().get("/api/plugins/hello/logs").statusCode()).isEqualTo(200);
        assertThat(host.anonymous().get("/api/plugins").statusCode()).as("anonymous reads nothing").isEqualTo(401);
        assertThat(host.anonymous().get("/api/plugins/hello/violations").statusCode()).isEqualTo(401);

        // The test user's password (HTTP Basic) here; the harness's other calls use the operator's token.
        HttpResponse<String> operator = host.as(host.passwordAuthorization()).post("/api/plugins/hello/stop", "");
        assertThat(operator.statusCode()).as(operator.body()).isEqualTo(200);
        assertThat(host.plugin("hello").get("state").asString()).isEqualTo("stopped");
        assertThat(host.post("/api/plugins/hello/start", "").statusCode()).isEqualTo(202);

        // Audited: who, what, outcome in the log; counted by action and outcome.
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(host.log())
                .containsPattern("api\\.audit.*anonymous POST /api/plugins/hello/stop -> 401 unauthenticated")
                .containsPattern("api\\.audit.*token:test-viewer POST /api/plugins/hello/stop -> 403 forbidden")
                .containsPattern("api\\.audit.* operator POST /api/plugins/hello/stop -> 200 ok \\(stop, \\d+ ms, "
                        + "from 127\\.0\\.0\\.1\\)"));
        String metrics = host.get("/actuator/prometheus").body();
        assertThat(HostEndToEndIT.counter(metrics, "plugin_api_actions_total", "action=\"stop\"",
                "outcome=\"unauthenticated\"")).isEqualTo(3.0);
        assertThat(HostEndToEndIT.counter(metrics, "plugin_api_actions_total", "action=\"stop\"",
                "outcome=\"forbidden\"")).isEqualTo(1.0);
        assertThat(HostEndToEndIT.counter(metrics, "plugin_api_actions_total", "action=\"stop\"",
                "outcome=\"ok\"")).isEqualTo(1.0);
    }

    /** Read from the kernel: every listening socket on the host's port is bound to 127.0.0.1 (issue 10). */
    @Test
    void theHostListensOnLoopbackOnly() throws Exception {
        List<String> listening = new ArrayList<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            for (String line : Files.readAllLines(Path.of(table)).subList(1, Files.readAllLines(Path.of(table)).size())) {
                String[] f = line.trim().split("\\s+");
                String[] local = f[1].split(":");
                if (Integer.parseInt(local[1], 16) == host.port() && f[3].equals("0A")) { // 0A: LISTEN
                    listening.add(table + " " + local[0]);
                }
            }
        }
        Process ss = new ProcessBuilder("ss", "-ltnH", "sport = :" + host.port()).redirectErrorStream(true).start();
        String ssOut = new String(ss.getInputStream().readAllBytes());
        ss.waitFor();
        System.out.println("ss -ltn for port " + host.port() + ":\n" + ssOut);
        // Java listens on an IPv6 socket where it can: 127.0.0.1 is then ::ffff:127.0.0.1, still loopback only.
        assertThat(listening).as("ss says:%n%s", ssOut).isNotEmpty().allMatch(l -> l.equals("/proc/net/tcp 0100007F")
                || l.equals("/proc/net/tcp6 0000000000000000FFFF00000100007F"));
    }

    @Test
    void probesAndScrapesNeedNoCredentialsTheRestDoes() throws Exception {
        for (String path : List.of("/actuator/health", "/actuator/health/liveness", "/actuator/health/readiness",
                "/actuator/prometheus")) {
            assertThat(host.anonymous().get(path).statusCode()).as(path).isEqualTo(200);
        }
        assertThat(host.anonymous().get("/actuator/health").body()).as("details only with credentials")
                .doesNotContain("hello");
        assertThat(host.get("/actuator/health").body()).contains("hello");
        assertThat(host.anonymous().get("/actuator/info").statusCode()).isEqualTo(401);
        assertThat(host.anonymous().get("/actuator/metrics").statusCode()).isEqualTo(401);
        assertThat(host.viewer().get("/actuator/info").statusCode()).isEqualTo(200);
    }

    /**
     * A caller with no credentials sends a form body with DELETE, PUT or PATCH: the host must refuse it (401) without
     * reading the body. On main Spring Boot's FormContentFilter, which runs before Spring Security, read such a body
     * whole into one string first, whatever its size: by hand, one anonymous DELETE of 138 MB ended in
     * OutOfMemoryError in a host with a 512 MB heap. Here 1 MiB of a declared 64 MiB is sent and then nothing: the
     * answer must come without the rest (on main the filter waits for it).
     */
    @Test
    void anAnonymousFormBodyIsRefusedWithoutBeingRead() throws Exception {
        for (String method : List.of("DELETE", "PUT", "PATCH")) {
            try (java.net.Socket socket = new java.net.Socket("127.0.0.1", host.port())) {
                socket.setSoTimeout(15_000);
                java.io.OutputStream out = socket.getOutputStream();
                out.write((method + " /api/plugins/hello HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                        + "application/x-www-form-urlencoded\r\nContent-Length: " + (64 << 20) + "\r\n\r\n")
                        .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                byte[] chunk = ("a=" + "b".repeat((1 << 20) - 2)).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                out.write(chunk);
                out.flush();
                String status;
                try {
                    status = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
                            java.nio.charset.StandardCharsets.US_ASCII)).readLine();
                } catch (java.net.SocketTimeoutException e) {
                    status = "no answer in 15 s: the host is reading the body before it authenticates the caller";
                }
                assertThat(status).as(method).startsWith("HTTP/1.1 401");
            }
        }
        host.awaitRunning(Duration.ofSeconds(60), "hello"); // the host still serves (another test may restart hello)
    }

    /** Issue 11a: the plugin's modified runtime declares text/html; the API answers with JSON it wrote. */
    @Test
    void aPluginCannotChooseTheContentTypeOfTheApisReply() throws Exception {
        HttpResponse<String> reply = host.post("/api/plugins/html/invoke/page", "");
        assertThat(reply.statusCode()).as(reply.body()).isEqualTo(200);
        assertThat(reply.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(reply.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        JsonNode json = HostProcess.JSON.readTree(reply.body());
        assertThat(json.get("contentType").asString()).as("the plugin did declare it").isEqualTo("text/html");
        assertThat(json.get("text").asString()).isEqualTo(HtmlReplyPlugin.PAGE);

        HttpResponse<String> greet = host.post("/api/plugins/hello/invoke/greet", "{\"name\":\"Ada\"}");
        assertThat(greet.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(greet.body()).as("JSON replies read as the plugin wrote them").isEqualTo(
                "{\"greeting\":\"Hello, Ada!\"}");
    }

    /** Nothing configured: a generated password, logged; nothing anonymous, and with the property no probes either. */
    @Test
    void withNoCredentialsTheHostGeneratesAPasswordAndStaysClosed() throws Exception {
        Path other = Files.createDirectories(host.work().resolve("bare"));
        try (HostProcess bare = HostProcess.startWithoutCredentials(other,
                Files.createDirectories(other.resolve("plugins")), "--plugins.api.anonymous-probes=false")) {
            await().atMost(Duration.ofSeconds(180)).ignoreExceptions().until(() -> {
                assertThat(bare.isAlive()).as("host died; its log:%n%s", bare.log()).isTrue();
                return bare.anonymous().get("/actuator/health").statusCode() > 0;
            });
            Matcher generated = Pattern.compile("Using generated security password: (\\S+)").matcher(bare.log());
            assertThat(generated.find()).as("host log:%n%s", bare.log()).isTrue();
            assertThat(bare.anonymous().get("/api/plugins").statusCode()).isEqualTo(401);
            assertThat(bare.anonymous().get("/actuator/health").statusCode()).as("probes closed").isEqualTo(401);
            assertThat(bare.anonymous().get("/actuator/prometheus").statusCode()).isEqualTo(401);
            String basic = "Basic " + java.util.Base64.getEncoder().encodeToString(("operator:" + generated.group(1))
                    .getBytes());
            assertThat(bare.as(basic).get("/api/plugins").statusCode()).as("the generated user").isEqualTo(200);
            assertThat(bare.as(basic).get("/actuator/prometheus").statusCode()).isEqualTo(200);
            assertThat(bare.as(basic).post("/api/plugins/nothing/stop", "").statusCode())
                    .as("an OPERATOR: past authorization, the plugin is unknown").isEqualTo(404);
        }
    }
}
