package dev.pluginhost.host.capability;

import dev.pluginhost.contract.v1.HttpGrpc;
import dev.pluginhost.contract.v1.HttpRequest;
import dev.pluginhost.contract.v1.HttpResponse;
import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Capability {@code http}: the host makes the request for the plugin (whose JVM has no network), only to hosts its
 * {@code http:} grants admit, with a timeout and a response size cap. Redirects are returned, not followed: a
 * redirect to another host would otherwise bypass the allowlist.
 */
final class HttpService extends HttpGrpc.HttpImplBase {

    private static final Set<String> METHODS = Set.of("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD");
    /** Headers the JDK client sets itself or that could smuggle requests. */
    private static final Set<String> RESTRICTED = Set.of("host", "connection", "content-length", "expect", "upgrade",
            "transfer-encoding");

    private final PluginConnection connection;
    private final HttpClient client;
    private final HttpLimits limits;

    /**
     * @param defaultTimeout used when the plugin asks for none
     * @param maxTimeout the most a plugin may ask for
     * @param maxResponseBytes larger bodies are cut and flagged as truncated
     */
    record HttpLimits(Duration defaultTimeout, Duration maxTimeout, int maxResponseBytes) {
    }

    HttpService(PluginConnection connection, HttpClient client, HttpLimits limits) {
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
            response.onError(Status.INVALID_ARGUMENT.withDescription("not a URL: " + request.getUrl()).asException());
            return;
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
            response.onError(Status.INVALID_ARGUMENT.withDescription("only http and https URLs with a host: "
                    + request.getUrl()).asException());
            return;
        }
        String host = uri.getHost().toLowerCase(Locale.ROOT);
        if (!connection.grants().admits(CapabilityCatalog.HTTP, host)) {
            response.onError(CallGuard.denied(connection, CapabilityCatalog.HTTP, "Fetch", host,
                    HttpGrpc.SERVICE_NAME).asException());
            return;
        }
        String method = request.getMethod().isEmpty() ? "GET" : request.getMethod().toUpperCase(Locale.ROOT);
        if (!METHODS.contains(method)) {
            response.onError(Status.INVALID_ARGUMENT.withDescription("method " + method + " is not one of "
                    + METHODS).asException());
            return;
        }
        Duration timeout = request.getTimeoutMs() == 0 ? limits.defaultTimeout()
                : Duration.ofMillis(Math.min(request.getTimeoutMs(), limits.maxTimeout().toMillis()));
        java.net.http.HttpRequest.Builder outbound = java.net.http.HttpRequest.newBuilder(uri).timeout(timeout)
                .method(method, request.getBody().isEmpty() ? java.net.http.HttpRequest.BodyPublishers.noBody()
                        : java.net.http.HttpRequest.BodyPublishers.ofByteArray(request.getBody().toByteArray()));
        for (Map.Entry<String, String> header : request.getHeadersMap().entrySet()) {
            if (!RESTRICTED.contains(header.getKey().toLowerCase(Locale.ROOT))) {
                outbound.header(header.getKey(), header.getValue());
            }
        }
        try {
            java.net.http.HttpResponse<InputStream> answer = client.send(outbound.build(),
                    java.net.http.HttpResponse.BodyHandlers.ofInputStream());
            HttpResponse.Builder result = HttpResponse.newBuilder().setStatus(answer.statusCode());
            answer.headers().map().forEach((name, values) -> result.putHeaders(name, String.join(", ", values)));
            try (InputStream body = answer.body()) {
                byte[] bytes = body.readNBytes(limits.maxResponseBytes());
                result.setBody(ByteString.copyFrom(bytes));
                result.setTruncated(bytes.length == limits.maxResponseBytes() && body.read() >= 0);
            }
            response.onNext(result.build());
            response.onCompleted();
        } catch (HttpTimeoutException e) {
            response.onError(Status.DEADLINE_EXCEEDED.withDescription(method + " " + uri + " took longer than "
                    + timeout).asException());
        } catch (IOException e) {
            response.onError(Status.UNAVAILABLE.withDescription(method + " " + uri + " failed: " + e).asException());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            response.onError(Status.CANCELLED.withDescription("interrupted").asException());
        }
    }
}
