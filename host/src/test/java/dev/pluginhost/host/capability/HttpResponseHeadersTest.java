package dev.pluginhost.host.capability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pluginhost.contract.v1.HttpRequest;
import dev.pluginhost.contract.v1.HttpResponse;
import io.grpc.Status;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The response headers of an {@code http} request, as a server the plugin's author controls (the usual grant: the
 * vendor's own API) can send them: the host reads them into its memory before the plugin sees any, so their size is
 * the host's to bound, as the body's is ({@code plugins.limits.http-max-response-bytes}). A real local server
 * writing raw HTTP/1.1, the real client of the capability.
 */
class HttpResponseHeadersTest {

    private final CloseableHttpClient client = CapabilityServices.httpClient();
    private ServerSocket listening;

    @AfterEach
    void close() throws IOException {
        client.close();
        if (listening != null) {
            listening.close();
        }
    }

    /**
     * Endless header lines, each another name: the client took every one (on main it read all 64 MiB offered, in
     * about 2 s, and handed the plugin 65 536 headers), held in the host's heap until the call ended; at the
     * deadline (30 s at most) and the speed of a fast network that is gigabytes per call, and a plugin has 32 calls.
     * Now a response with more than {@link CapabilityServices#MAX_RESPONSE_HEADERS} header lines, or a line over
     * {@link CapabilityServices#MAX_RESPONSE_LINE} characters, fails the call, naming the limit.
     */
    @Test
    void endlessResponseHeadersAreCutOff() throws Exception {
        AtomicLong written = serve(64 << 20, i -> "X-" + i);
        long started = System.nanoTime();
        Answer<HttpResponse> answer = fetch();
        long millis = (System.nanoTime() - started) / 1_000_000;
        System.out.printf("endless headers: the server wrote %d MiB in %d ms; answer: %s%n", written.get() >> 20,
                millis, answer.error != null ? answer.error.getMessage()
                        : answer.values.get(0).getHeadersCount() + " headers");
        assertThat(answer.error).as("the call fails").isNotNull();
        assertThat(Status.fromThrowable(answer.error).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(answer.error.getMessage()).contains("at most " + CapabilityServices.MAX_RESPONSE_HEADERS
                + " header lines");
        // What the kernel's socket buffers hold, at most, beyond what the client read.
        assertThat(written.get() >> 20).as("MiB the host let the server send").isLessThan(16);
    }

    /**
     * Repeated header lines of one name are joined by the host ({@code a, b}) one at a time: every line copied all
     * the lines before it. On main 4 MiB of one name (4 096 lines of 1 KiB) took 11.5 s of the host's CPU (the
     * printed time), spent after the response was read, so outside the call's deadline; the cost grows with the
     * square of the size. Now the call fails after {@link CapabilityServices#MAX_RESPONSE_HEADERS} lines, and the
     * join is linear.
     */
    @Test
    void repeatedHeadersCannotMakeTheJoinQuadratic() throws Exception {
        AtomicLong written = serve(4 << 20, i -> "X-Same");
        long started = System.nanoTime();
        Answer<HttpResponse> answer = fetch();
        long millis = (System.nanoTime() - started) / 1_000_000;
        System.out.printf("repeated header: the server wrote %d MiB; the call took %d ms; answer: %s%n",
                written.get() >> 20, millis, answer.error != null ? answer.error.getMessage()
                        : answer.values.get(0).getHeadersCount() + " headers");
        assertThat(answer.error).as("the call fails").isNotNull();
        assertThat(answer.error.getMessage()).contains("at most " + CapabilityServices.MAX_RESPONSE_HEADERS
                + " header lines");
        assertThat(written.get() >> 20).as("MiB the host let the server send").isLessThan(2);
    }

    private Answer<HttpResponse> fetch() {
        Grant grant = new CapabilityCatalog(Map.of()).validate("http:127.0.0.1:" + listening.getLocalPort());
        HttpService service = new HttpService(TestConnections.of("p", new PluginGrants(Set.of(grant))), client,
                new HttpService.HttpLimits(Duration.ofSeconds(20), Duration.ofSeconds(20), 1024));
        Answer<HttpResponse> answer = new Answer<>();
        service.fetch(HttpRequest.newBuilder().setUrl("http://127.0.0.1:" + listening.getLocalPort() + "/").build(),
                answer);
        return answer;
    }

    /**
     * Answers one request with a status line, header lines of 1 KiB (named by {@code names}) up to {@code bytes},
     * then an empty body; stops when the client closes the connection.
     *
     * @return the bytes written so far
     */
    private AtomicLong serve(long bytes, java.util.function.IntFunction<String> names) throws IOException {
        listening = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
        AtomicLong written = new AtomicLong();
        Thread server = new Thread(() -> {
            try (Socket socket = listening.accept(); OutputStream out = socket.getOutputStream()) {
                InputStream in = socket.getInputStream();
                in.read(new byte[8192]); // the request
                out.write("HTTP/1.1 200 OK\r\n".getBytes(StandardCharsets.US_ASCII));
                String value = "v".repeat(1000);
                for (int i = 0; written.get() < bytes; i++) {
                    byte[] line = (names.apply(i) + ": " + value + "\r\n").getBytes(StandardCharsets.US_ASCII);
                    out.write(line);
                    written.addAndGet(line.length);
                }
                out.write("Content-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            } catch (IOException e) {
                // the client hung up
            }
        }, "endless-headers");
        server.setDaemon(true);
        server.start();
        return written;
    }
}
