package dev.pluginhost.host.capability;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.ByteString;
import com.sun.net.httpserver.HttpServer;
import dev.pluginhost.contract.v1.HttpRequest;
import dev.pluginhost.contract.v1.HttpResponse;
import dev.pluginhost.fuzz.FuzzBounds;
import io.grpc.Status;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Fuzz target: the grants an operator or a manifest writes ({@code NAME}, {@code NAME:SCOPE}, the {@code http}
 * scopes) and the {@code http} capability's requests as the host receives them (method, URL, headers, body), sent
 * by the host's own client to a local server. A grant text is a grant that reads back the same or a refusal naming
 * it. A request ends in the server's answer or in INVALID_ARGUMENT, PERMISSION_DENIED, UNAVAILABLE or
 * DEADLINE_EXCEEDED, never an exception; within {@link FuzzBounds}. A request reaches the local server only through a
 * grant of its address and port (a name grant never does, even for a name that resolves to it), and the headers the
 * server receives are the ones the plugin sent and the client's own: a plugin's header cannot forge another.
 */
class HttpRequestFuzzTest {

    private static final Set<Status.Code> DOCUMENTED = Set.of(Status.Code.INVALID_ARGUMENT,
            Status.Code.PERMISSION_DENIED, Status.Code.UNAVAILABLE, Status.Code.DEADLINE_EXCEEDED);
    /** What the host's client adds by itself. */
    private static final Set<String> CLIENT_HEADERS = Set.of("host", "connection", "user-agent", "accept-encoding",
            "content-length", "content-type", "transfer-encoding", "expect", "upgrade");

    private static HttpServer server;
    private static int port;
    /** Numbers each input's request ({@link #SEQUENCE} header), so a late request of an earlier one is not its. */
    private static final AtomicLong INPUTS = new AtomicLong();
    private static final String SEQUENCE = "X-Fuzz-Input";
    /** The headers of each request the server received, by input number. */
    private static final Map<String, List<Map<String, List<String>>>> RECEIVED = new ConcurrentHashMap<>();
    private static CloseableHttpClient client;
    private static final CapabilityCatalog CATALOG = new CapabilityCatalog(Map.of());

    @BeforeAll
    static void serve() throws IOException {
        // Names resolve from src/test/resources/fuzz-hosts (-Djdk.net.hosts.file, set for the fuzz execution in the
        // pom: the JDK reads it once, at start), never through DNS: the fuzzer's names must not leave the machine.
        assertThat(InetAddress.getByName("local.example.test").isLoopbackAddress())
                .as("-Djdk.net.hosts.file=src/test/resources/fuzz-hosts is in effect").isTrue();
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext("/", exchange -> {
            Map<String, List<String>> headers = new ConcurrentHashMap<>();
            exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), List.copyOf(v)));
            String input = exchange.getRequestHeaders().getFirst(SEQUENCE);
            RECEIVED.computeIfAbsent(input == null ? "" : input, k -> new CopyOnWriteArrayList<>()).add(headers);
            exchange.getRequestBody().readAllBytes();
            byte[] body = "ok".getBytes();
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        port = server.getAddress().getPort();
        client = CapabilityServices.httpClient();
    }

    @AfterAll
    static void stop() throws IOException {
        server.stop(0);
        client.close();
    }

    @FuzzTest
    void grantsAndRequestsAreCheckedAsDocumented(FuzzedDataProvider data) {
        List<String> scopes = List.of("127.0.0.1:" + port, "127.0.0.0/8:" + port, "local.example.test",
                "local.example.test:" + port, "*", "*.example.test:" + port, "10.0.0.0/8", "[::1]:" + port,
                "api.example.com");
        Set<Grant> granted = new HashSet<>();
        for (int i = data.consumeInt(0, 3); i > 0; i--) {
            String text = data.consumeBoolean() ? "http:" + data.pickValue(scopes) : data.consumeString(40);
            Grant grant = grant(text);
            if (grant != null && grant.capability().equals(CapabilityCatalog.HTTP)) {
                granted.add(grant);
            }
        }
        // Jazzer's SSRF detector flags any connection the host makes that this input's grants do not allow.
        Set<String> grantedScopes = new HashSet<>();
        granted.forEach(g -> grantedScopes.add(g.scope()));
        BugDetectors.allowNetworkConnections((host, connectPort) -> granted(grantedScopes, host, connectPort));
        PluginConnection connection = TestConnections.of("fuzzed", new PluginGrants(granted));
        HttpService service = new HttpService(connection, client,
                new HttpService.HttpLimits(Duration.ofSeconds(1), Duration.ofSeconds(1), 1024));

        HttpRequest.Builder request = HttpRequest.newBuilder()
                .setMethod(data.consumeBoolean() ? data.pickValue(List.of("GET", "post", "HEAD", "TRACE", "CONNECT",
                        "")) : data.consumeString(10))
                .setUrl(url(data))
                .setTimeoutMs(data.consumeInt(0, 1500));
        for (int i = data.consumeInt(0, 3); i > 0; i--) {
            request.putHeaders(data.consumeBoolean() ? data.pickValue(List.of("X-A", "Host", "content-length",
                    "Transfer-Encoding", "X-B\r\nX-Injected", "")) : data.consumeString(30), data.consumeString(60));
        }
        // A request ends at its deadline on the host's side, but may still reach the server after the next input
        // began: each input's request carries its number (found when a late request was taken for the next one's).
        String number = Long.toString(INPUTS.incrementAndGet());
        request.putHeaders(SEQUENCE, number);
        request.setBody(ByteString.copyFrom(data.consumeRemainingAsBytes()));
        HttpRequest sent = request.build();
        RECEIVED.clear();
        Answer<HttpResponse> answer = new Answer<>();
        String input = granted + " " + sent;
        FuzzBounds.run(input, NoRefusal.class, Duration.ofSeconds(5), FuzzBounds.BYTES,
                () -> service.fetch(sent, answer));
        List<Map<String, List<String>>> received = RECEIVED.getOrDefault(number, List.of());
        boolean reached = !received.isEmpty();
        if (answer.error != null) {
            Status status = Status.fromThrowable(answer.error);
            assertThat(status.getCode()).as("%s on %s", status, FuzzBounds.shorten(input)).isIn(DOCUMENTED);
            assertThat(status.getDescription()).isNotBlank();
        } else {
            assertThat(answer.completed).as("answered: %s", FuzzBounds.shorten(input)).isTrue();
        }
        if (reached) {
            assertThat(granted.stream().map(Grant::scope)).as("reached the local server: %s",
                    FuzzBounds.shorten(input)).containsAnyOf("127.0.0.1:" + port, "127.0.0.0/8:" + port);
            Set<String> ours = new HashSet<>(CLIENT_HEADERS);
            sent.getHeadersMap().keySet().forEach(k -> ours.add(k.toLowerCase(Locale.ROOT)));
            for (Map<String, List<String>> headers : received) {
                assertThat(ours).as("headers received for %s: %s", FuzzBounds.shorten(input), headers)
                        .containsAll(headers.keySet());
            }
        }
    }

    /**
     * What the grants allow the host to connect to, read from the documented rules, not from the host's allowlist:
     * the local server (the oracle in the test checks that it is reached only through a loopback grant with its
     * port), an address of 10.0.0.0/8 on 80 or 443 through {@code http:10.0.0.0/8}, a global address on 80 or 443
     * through a name grant ({@code http:*}). Names resolve from the fuzz hosts file, never DNS.
     */
    private static boolean granted(Set<String> scopes, String host, int connectPort) {
        if (connectPort == port) {
            return true;
        }
        if (connectPort != 80 && connectPort != 443) {
            return false;
        }
        InetAddress address;
        try {
            address = InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            return false;
        }
        byte[] raw = address.getAddress();
        if (raw.length == 4 && raw[0] == 10) {
            return scopes.contains("10.0.0.0/8");
        }
        return scopes.contains("*") && AddressClass.of(address) == AddressClass.GLOBAL;
    }

    /** A grant text as an operator or manifest writes it: a grant that reads back the same, or a refusal naming it. */
    private static Grant grant(String text) {
        IllegalArgumentException refusal = FuzzBounds.run(text, IllegalArgumentException.class,
                () -> CATALOG.validate(text));
        if (refusal != null) {
            String trimmed = text.trim();
            int colon = trimmed.indexOf(':');
            String named = colon < 0 ? trimmed : trimmed.substring(colon + 1);
            assertThat(refusal.getMessage()).as("names the text %s", FuzzBounds.shorten(text))
                    .containsAnyOf(trimmed, named, colon < 0 ? trimmed : trimmed.substring(0, colon));
            return null;
        }
        Grant grant = CATALOG.validate(text);
        assertThat(CATALOG.validate(grant.toString())).as("reads back: %s", text).isEqualTo(grant);
        return grant;
    }

    private static String url(FuzzedDataProvider data) {
        if (data.consumeInt(0, 4) == 0) {
            return data.consumeString(80);
        }
        String scheme = data.pickValue(List.of("http", "https", "HTTP", "ftp", "file", ""));
        String host = data.pickValue(List.of("127.0.0.1", "local.example.test", "[::1]", "10.1.2.3",
                "169.254.169.254", "LOCAL.example.TEST", "127.1", "0x7f.0.0.1", "[::ffff:127.0.0.1]", "",
                "a@127.0.0.1", data.consumeString(20)));
        String portPart = data.pickValue(List.of(":" + port, "", ":80", ":99999", ":-1", ":", ":0" + port));
        return scheme + "://" + host + portPart + "/" + data.consumeString(30);
    }

    /** A service call has no documented exception: it answers on the stream. */
    static final class NoRefusal extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }
}
