package dev.pluginhost.host.capability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pluginhost.host.LocalHttpServer;
import java.net.InetAddress;
import java.net.UnknownHostException;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/**
 * The http capability's client connects to the address it is handed and never resolves a name itself: that is what
 * makes the address check immune to DNS rebinding (a second lookup could answer differently). A real local server.
 */
class HttpClientPinningTest {

    @AutoClose
    private final LocalHttpServer server = LocalHttpServer.start(0)
            .answer("/", null, exchange -> "host=" + exchange.getRequestHeaders().getFirst("Host"))
            .redirect("/moved", "http://169.254.169.254/latest/meta-data/");
    @AutoClose
    private final CloseableHttpClient client = CapabilityServices.httpClient();

    /** GET {@code path} from 127.0.0.1, the address handed over as checked, with {@code name} in the request. */
    private ClassicHttpResponse pinnedGet(String name, String path) throws Exception {
        int port = server.port();
        HttpHost pinned = new HttpHost("http", InetAddress.getByName("127.0.0.1"), name, port);
        return client.executeOpen(pinned, new HttpGet("http://" + name + ":" + port + path), null);
    }

    @Test
    void connectsToTheCheckedAddressAndSendsTheName() throws Exception {
        int port = server.port();
        // The name resolves nowhere: the request can only have reached the server through the address handed over.
        try (ClassicHttpResponse response = pinnedGet("rebound.vendor.invalid", "/")) {
            assertThat(response.getCode()).isEqualTo(200);
            assertThat(EntityUtils.toString(response.getEntity())).isEqualTo("host=rebound.vendor.invalid:" + port);
        }
    }

    @Test
    void neverResolvesANameItself() {
        int port = server.port();
        assertThatThrownBy(() -> client.executeOpen(new HttpHost("http", "localhost", port),
                new HttpGet("http://localhost:" + port + "/"), null).close())
                .isInstanceOf(UnknownHostException.class)
                .hasMessageContaining("connects only to addresses it has checked");
    }

    @Test
    void returnsRedirectsInsteadOfFollowingThem() throws Exception {
        try (ClassicHttpResponse response = pinnedGet("127.0.0.1", "/moved")) {
            assertThat(response.getCode()).isEqualTo(302);
            assertThat(response.getFirstHeader("Location").getValue()).contains("169.254.169.254");
        }
    }
}
