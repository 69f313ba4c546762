package dev.pluginhost.host.capability;

import com.google.protobuf.ByteString;
import dev.pluginhost.contract.v1.HttpGrpc;
import dev.pluginhost.contract.v1.HttpRequest;
import dev.pluginhost.contract.v1.HttpResponse;
import dev.pluginhost.sandbox.Violation;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.hc.client5.http.ConnectTimeoutException;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.MessageConstraintException;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.util.Timeout;

/**
 * Capability {@code http}: the host makes the request for the plugin (whose JVM has no network), with a timeout and a
 * response size cap, only where its {@code http:} grants admit ({@link HttpAllowlist}): the URL's host, its port,
 * then every address the host resolves the host to. The connection goes to an address that was checked: the client
 * is handed that address ({@link HttpHost} with an address) and cannot resolve names itself, so DNS rebinding between
 * the check and the connection gets nothing, while TLS still uses the host name for SNI and certificate checks.
 * Redirects are returned, not followed: the plugin's next request to the new location is checked like any other.
 */
final class HttpService extends HttpGrpc.HttpImplBase {

    private static final Set<String> METHODS = Set.of("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD");
    /** Headers the client sets itself or that could smuggle requests. */
    private static final Set<String> RESTRICTED = Set.of("host", "connection", "content-length", "expect", "upgrade",
            "transfer-encoding");

    private final PluginConnection connection;
    private final CloseableHttpClient client;
    private final HttpLimits limits;

    /**
     * @param defaultTimeout used when the plugin asks for none
     * @param maxTimeout the most a plugin may ask for
     * @param maxResponseBytes larger bodies are cut and flagged as truncated
     */
    record HttpLimits(Duration defaultTimeout, Duration maxTimeout, int maxResponseBytes) {
    }

    HttpService(PluginConnection connection, CloseableHttpClient client, HttpLimits limits) {
        this.connection = connection;
        this.client = client;
        this.limits = limits;
    }

    @Override
    public void fetch(HttpRequest request, StreamObserver<HttpResponse> response) {
        URI uri;
        try {
            uri = URI.create(request.getUrl());
        } catch (IllegalArgumentException e) {
            uri = null;
        }
        String asked = uri == null || uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
        Status ungranted = CallGuard.ungranted(connection, CapabilityCatalog.HTTP, "Fetch", asked,
                HttpGrpc.SERVICE_NAME);
        if (ungranted != null) {
            response.onError(ungranted.asException());
            return;
        }
        if (uri == null) {
            response.onError(Status.INVALID_ARGUMENT.withDescription("not a URL: " + request.getUrl()).asException());
            return;
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
            response.onError(Status.INVALID_ARGUMENT.withDescription("only http and https URLs with a host: "
                    + request.getUrl()).asException());
            return;
        }
        String named = uri.getHost().toLowerCase(Locale.ROOT);
        String host = named.startsWith("[") ? named.substring(1, named.length() - 1) : named;
        HttpAllowlist allowlist = new HttpAllowlist(connection.grants().scopes(CapabilityCatalog.HTTP));
        if (!allowlist.admitsHost(host)) {
            connection.metrics().httpDenied(connection.pluginId(), "host");
            response.onError(CallGuard.denied(connection, CapabilityCatalog.HTTP, "Fetch", named,
                    HttpGrpc.SERVICE_NAME).asException());
            return;
        }
        String method = request.getMethod().isEmpty() ? "GET" : request.getMethod().toUpperCase(Locale.ROOT);
        if (!METHODS.contains(method)) {
            response.onError(Status.INVALID_ARGUMENT.withDescription("method " + method + " is not one of "
                    + METHODS).asException());
            return;
        }
        String badHeader = badHeader(request.getHeadersMap());
        if (badHeader != null) {
            response.onError(Status.INVALID_ARGUMENT.withDescription(badHeader).asException());
            return;
        }
        int port = uri.getPort() >= 0 ? uri.getPort() : scheme.equals("https") ? 443 : 80;
        String target = scheme + "://" + named + ":" + port;
        HttpAllowlist.Refusal refusal = allowlist.checkPort(host, port);
        if (refusal != null) {
            refuse(refusal, target, response);
            return;
        }
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(host); // the only resolution: the client is handed these
        } catch (UnknownHostException e) {
            response.onError(Status.UNAVAILABLE.withDescription(method + " " + target + " failed: cannot resolve "
                    + named).asException());
            return;
        }
        for (InetAddress address : addresses) {
            refusal = allowlist.checkAddress(host, address, port);
            if (refusal != null) {
                refuse(refusal, target, response);
                return;
            }
        }
        Duration timeout = request.getTimeoutMs() == 0 ? limits.defaultTimeout()
                : Duration.ofMillis(Math.min(request.getTimeoutMs(), limits.maxTimeout().toMillis()));
        HttpUriRequestBase outbound = new HttpUriRequestBase(method, uri);
        outbound.setConfig(RequestConfig.custom().setResponseTimeout(Timeout.of(timeout))
                .setConnectionRequestTimeout(Timeout.of(timeout)).build());
        if (!request.getBody().isEmpty()) {
            outbound.setEntity(new ByteArrayEntity(request.getBody().toByteArray(), null));
        }
        for (Map.Entry<String, String> header : request.getHeadersMap().entrySet()) {
            if (!RESTRICTED.contains(header.getKey().toLowerCase(Locale.ROOT))) {
                outbound.addHeader(header.getKey(), header.getValue());
            }
        }
        // The client's own timeouts leave gaps (its connect timeout, which also bounds a TLS handshake, is fixed):
        // the request is cancelled when its deadline passes, whatever it is waiting for (found by
        // HttpRequestFuzzTest: an https request to a plain-http port took 5 s under a 1 s deadline).
        java.util.concurrent.ScheduledFuture<?> deadline = DEADLINES.schedule(() -> {
            outbound.cancel();
        }, timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        try {
            response.onNext(send(outbound, scheme, host, port, addresses, timeout));
            response.onCompleted();
        } catch (MessageConstraintException e) {
            response.onError(Status.UNAVAILABLE.withDescription(method + " " + target + " failed: the response's "
                    + "head is over the host's limit (at most " + CapabilityServices.MAX_RESPONSE_HEADERS
                    + " header lines of at most " + CapabilityServices.MAX_RESPONSE_LINE + " characters): "
                    + e.getMessage()).asException());
        } catch (InterruptedIOException e) {
            response.onError(Status.DEADLINE_EXCEEDED.withDescription(method + " " + target + " took longer than "
                    + timeout).asException());
        } catch (IOException e) {
            response.onError((outbound.isCancelled() ? Status.DEADLINE_EXCEEDED.withDescription(method + " "
                    + target + " took longer than " + timeout) : Status.UNAVAILABLE.withDescription(method + " "
                    + target + " failed: " + e)).asException());
        } catch (RuntimeException e) {
            // The deadline's cancel can land while the client sets up the connection, which then fails inside the
            // client on the endpoint the cancel released (found by HttpRequestFuzzTest under a 32 ms deadline:
            // IllegalStateException "Endpoint not acquired / already released", then NullPointerException
            // "Connection" in DefaultHttpClientConnectionOperator.connect). A cancelled request is a deadline
            // whatever the client threw; an exception without the cancel is a bug and propagates.
            if (!outbound.isCancelled()) {
                throw e;
            }
            response.onError(Status.DEADLINE_EXCEEDED.withDescription(method + " " + target + " took longer than "
                    + timeout).asException());
        } finally {
            deadline.cancel(false);
        }
    }

    /**
     * A header's name must be a token and its value free of control characters but tab (RFC 9110, 5.1 and 5.5).
     * Otherwise the line written differs from the header checked: the name {@code Host:evil} reached the server as a
     * Host header past {@link #RESTRICTED} (found by HttpRequestFuzzTest with the name {@code .examp:e.}).
     *
     * @return why the headers are refused, or null
     */
    static String badHeader(Map<String, String> headers) {
        for (Map.Entry<String, String> header : headers.entrySet()) {
            String name = header.getKey();
            if (name.isEmpty() || !name.chars().allMatch(HttpService::tokenChar)) {
                return "header name '" + shown(name) + "' is not a token (letters, digits and !#$%&'*+-.^_`|~)";
            }
            if (header.getValue().chars().anyMatch(c -> c < 0x20 && c != '\t' || c == 0x7f)) {
                return "the value of header " + name + " holds a control character";
            }
        }
        return null;
    }

    private static boolean tokenChar(int c) {
        return c < 0x80 && (Character.isLetterOrDigit(c) || "!#$%&'*+-.^_`|~".indexOf(c) >= 0);
    }

    /** A plugin's text in a message: at most 64 characters, control characters escaped as in a violation's. */
    private static String shown(String text) {
        return Violation.printable(text.length() > 64 ? text.substring(0, 64) + "..." : text);
    }

    /** Cancels requests whose deadline passed; one daemon thread for every plugin's requests. */
    private static final java.util.concurrent.ScheduledExecutorService DEADLINES =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(task -> {
                Thread thread = new Thread(task, "http-deadlines");
                thread.setDaemon(true);
                return thread;
            });

    /**
     * Sends to the checked addresses in turn until one accepts the connection (nothing is sent before that, so
     * trying the next is safe).
     */
    private HttpResponse send(HttpUriRequestBase outbound, String scheme, String host, int port,
                              InetAddress[] addresses, Duration timeout) throws IOException {
        long giveUp = System.nanoTime() + timeout.toNanos();
        for (int i = 0; ; i++) {
            HttpHost pinned = new HttpHost(scheme, addresses[i], host, port);
            try (ClassicHttpResponse answer = client.executeOpen(pinned, outbound, null)) {
                HttpResponse.Builder result = HttpResponse.newBuilder().setStatus(answer.getCode());
                // Lines of one name joined as "a, b" in one builder per name: joining by concatenation copied every
                // earlier line again for each line (quadratic in the lines of one name).
                Map<String, StringBuilder> headers = new LinkedHashMap<>();
                for (Header header : answer.getHeaders()) {
                    StringBuilder joined = headers.get(header.getName().toLowerCase(Locale.ROOT));
                    if (joined == null) {
                        headers.put(header.getName().toLowerCase(Locale.ROOT), new StringBuilder(header.getValue()));
                    } else {
                        joined.append(", ").append(header.getValue());
                    }
                }
                headers.forEach((name, value) -> result.putHeaders(name, value.toString()));
                HttpEntity entity = answer.getEntity();
                if (entity != null) {
                    try (InputStream body = entity.getContent()) {
                        byte[] bytes = body.readNBytes(limits.maxResponseBytes());
                        result.setBody(ByteString.copyFrom(bytes));
                        if (bytes.length == limits.maxResponseBytes() && body.read() >= 0) {
                            result.setTruncated(true);
                            outbound.cancel(); // drop the connection rather than read the rest of the body
                        }
                    }
                }
                return result.build();
            } catch (ConnectException | ConnectTimeoutException e) {
                if (i == addresses.length - 1 || System.nanoTime() - giveUp > 0) {
                    throw e;
                }
            }
        }
    }

    private void refuse(HttpAllowlist.Refusal refusal, String target, StreamObserver<HttpResponse> response) {
        String plugin = connection.pluginId();
        connection.metrics().capabilityDenied(plugin, CapabilityCatalog.HTTP, "Fetch");
        connection.metrics().httpDenied(plugin, refusal.reason());
        response.onError(Status.PERMISSION_DENIED.withDescription("plugin '" + plugin + "' may not use capability "
                + "'http' for " + target + " (" + HttpGrpc.SERVICE_NAME + "/Fetch): " + refusal.message()
                + " (the manifest requests it in Plugin-Capabilities and the operator adds it to plugins.grants."
                + plugin + ")").asException());
    }
}
