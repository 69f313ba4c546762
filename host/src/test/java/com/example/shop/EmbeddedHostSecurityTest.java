package com.example.shop;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * An application that embeds the host keeps its own web security: the host's default chain backs off when the
 * application defines a {@link SecurityFilterChain}, so what the application closed (its health endpoint) stays
 * closed. Without a chain of its own, the host's default applies (health open, the API closed).
 */
class EmbeddedHostSecurityTest {

    @TempDir
    static Path work;

    static int status(int port, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** A call with a Bearer token: GET without a body, anything else with a JSON one. */
    static HttpResponse<String> call(int port, String token, String method, String path, String json)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Bearer " + token);
        request = json == null ? request.method(method, HttpRequest.BodyPublishers.noBody())
                : request.header("Content-Type", "application/json")
                        .method(method, HttpRequest.BodyPublishers.ofString(json));
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The shop application with the host embedded, on its port. */
    abstract class Embedded {

        /** Each application (each nested class's context) its own folders: two hosts must not share one kv store. */
        @DynamicPropertySource
        static void plugins(DynamicPropertyRegistry registry) throws IOException {
            Path app = Files.createTempDirectory(work, "app");
            String plugins = Files.createDirectory(app.resolve("plugins")).toString();
            String data = Files.createDirectory(app.resolve("data")).toString();
            registry.add("plugins.dir", () -> plugins);
            registry.add("plugins.data-dir", () -> data);
        }

        @LocalServerPort
        int port;

        @Autowired
        ApplicationContext context;
    }

    @Nested
    @SpringBootTest(classes = ShopApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
    class WithItsOwnChain extends Embedded {

        @Test
        void whatTheApplicationClosedStaysClosed() throws Exception {
            assertThat(context.getBeansOfType(SecurityFilterChain.class)).as("the application's chain only")
                    .containsOnlyKeys("shopSecurityFilterChain");
            assertThat(status(port, "/actuator/health")).isEqualTo(401);
            assertThat(status(port, "/api/plugins")).as("the API's rules, included by the shop").isEqualTo(401);
        }
    }

    @Nested
    @SpringBootTest(classes = ShopApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
            properties = "shop.own-security=false")
    class WithoutAChainOfItsOwn extends Embedded {

        @Test
        void theHostsDefaultApplies() throws Exception {
            assertThat(context.getBeansOfType(SecurityFilterChain.class))
                    .containsOnlyKeys("pluginHostSecurityFilterChain");
            assertThat(status(port, "/actuator/health")).isEqualTo(200);
            assertThat(status(port, "/api/plugins")).isEqualTo(401);
        }
    }
    /**
     * An operator exposes more of Actuator than the host's four read endpoints ({@code exposure.include=*} is one line
     * in a guide): a VIEWER token (a dashboard's, a scraper's) must not get what that adds. On main {@code /actuator/**}
     * was VIEWER for every method: the token switched the API's audit log off (POST /actuator/loggers, 204, effective
     * level OFF; seen by hand on the packaged host too) and read the environment and the threads' stacks.
     */
    @Nested
    @SpringBootTest(classes = ShopApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
            properties = {"shop.own-security=false", "management.endpoints.web.exposure.include=*",
                    // printf %s viewer-token | sha256sum, and operator-token
                    "plugins.api.tokens.dashboard.sha256="
                            + "d036bd6d01a1cae081d39a2f8dab751dc042de814fd60df31fcb553170950f29",
                    "plugins.api.tokens.dashboard.role=VIEWER",
                    "plugins.api.tokens.admin.sha256="
                            + "0850123315d21ab90f4f7236408a52ef6dbd6a02a6550e5c10dc73f4d993680e",
                    "plugins.api.tokens.admin.role=OPERATOR"})
    class WithMoreOfActuatorExposed extends Embedded {

        static final String AUDIT = "/actuator/loggers/dev.pluginhost.host.api.audit";

        @Test
        void aViewerReadsTheHostsFourEndpointsAndNothingTheOperatorAddedLater() throws Exception {
            String viewer = "viewer-token";
            assertThat(call(port, viewer, "GET", "/actuator/health", null).statusCode()).isEqualTo(200);
            assertThat(call(port, viewer, "GET", "/actuator/info", null).statusCode()).isEqualTo(200);
            assertThat(call(port, viewer, "GET", "/actuator/metrics", null).statusCode()).isEqualTo(200);
            assertThat(call(port, viewer, "GET", "/actuator/metrics/jvm.threads.live", null).statusCode())
                    .isEqualTo(200);

            HttpResponse<String> silence = call(port, viewer, "POST", AUDIT, "{\"configuredLevel\":\"OFF\"}");
            assertThat(silence.statusCode()).as("a viewer switches the audit off: %s", silence.body()).isEqualTo(403);
            for (String path : List.of("/actuator/env", "/actuator/configprops", "/actuator/threaddump",
                    "/actuator/beans", "/actuator/mappings", AUDIT)) {
                assertThat(call(port, viewer, "GET", path, null).statusCode()).as(path).isEqualTo(403);
            }

            // The endpoint works, for an operator: the 403s above are the rule, not a missing endpoint.
            assertThat(call(port, "operator-token", "GET", AUDIT, null).body()).as("audit level unchanged")
                    .doesNotContain("OFF");
            assertThat(call(port, "operator-token", "POST", AUDIT, "{\"configuredLevel\":\"DEBUG\"}").statusCode())
                    .isEqualTo(204);
            assertThat(call(port, "operator-token", "GET", AUDIT, null).body()).contains("\"configuredLevel\":\"DEBUG\"");
        }
    }
}
