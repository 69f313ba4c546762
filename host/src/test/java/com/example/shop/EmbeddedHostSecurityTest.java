package com.example.shop;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
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
}
