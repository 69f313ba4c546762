package dev.pluginhost.host.capability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pluginhost.host.LocalHttpServer;
import dev.pluginhost.contract.v1.HttpRequest;
import dev.pluginhost.contract.v1.HttpResponse;
import io.grpc.Status;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.HttpHost;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/**
 * A plugin's header names and values reach the server as the headers the host checked, with a real local server:
 * a name holding ':' would be written as another header (found by HttpRequestFuzzTest), so it is refused.
 */
class HttpHeadersTest {

    private final List<Map<String, List<String>>> received = new CopyOnWriteArrayList<>();
    @AutoClose
    private final LocalHttpServer server = LocalHttpServer.start(0).answer("/", null, exchange -> {
        received.add(Map.copyOf(exchange.getRequestHeaders()));
        return "ok";
    });
    @AutoClose
    private final CloseableHttpClient client = CapabilityServices.httpClient();

    @Test
    void withoutTheCheckANameWithAColonForgesTheHostHeader() throws Exception {
        int port = server.port();
        HttpGet get = new HttpGet("http://127.0.0.1:" + port + "/");
        get.addHeader("Host:evil.example", "");
        try (ClassicHttpResponse response = client.executeOpen(new HttpHost("http", InetAddress.getByName(
                "127.0.0.1"), "127.0.0.1", port), get, null)) {
            assertThat(response.getCode()).isEqualTo(200);
        }
        assertThat(received.get(0).get("Host")).as("the server saw a second Host header").hasSize(2)
                .anyMatch(h -> h.startsWith("evil.example"));
    }

    @Test
    void theCapabilityRefusesSuchANameAndSendsNothing() {
        Answer<HttpResponse> answer = fetch("Host:evil.example", "");
        assertThat(Status.fromThrowable(answer.error).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(answer.error.getMessage()).contains("header name 'Host:evil.example' is not a token");
        assertThat(received).isEmpty();
    }

    @Test
    void aValueWithALineBreakOrAnEmptyNameIsRefused() {
        assertThat(fetch("X-A", "v\r\nHost: evil.example").error.getMessage())
                .contains("the value of header X-A holds a control character");
        assertThat(fetch("", "v").error.getMessage()).contains("header name '' is not a token");
        assertThat(received).isEmpty();
    }

    @Test
    void ordinaryHeadersPass() {
        Answer<HttpResponse> answer = fetch("X-Trace_id.1", "a b;c=1");
        assertThat(answer.error).isNull();
        assertThat(answer.values).singleElement().extracting(HttpResponse::getStatus).isEqualTo(200);
        assertThat(received.get(0)).hasEntrySatisfying("X-trace_id.1", v -> assertThat(v).containsExactly("a b;c=1"));
    }

    private Answer<HttpResponse> fetch(String name, String value) {
        int port = server.port();
        Grant grant = new CapabilityCatalog(Map.of()).validate("http:127.0.0.1:" + port);
        HttpService service = new HttpService(TestConnections.of("p", new PluginGrants(Set.of(grant))), client,
                new HttpService.HttpLimits(Duration.ofSeconds(5), Duration.ofSeconds(5), 1024));
        Answer<HttpResponse> answer = new Answer<>();
        service.fetch(HttpRequest.newBuilder().setUrl("http://127.0.0.1:" + port + "/").putHeaders(name, value)
                .build(), answer);
        return answer;
    }
}
