package dev.pluginhost.sdk.runtime;

import com.google.protobuf.ByteString;
import dev.pluginhost.contract.v1.HttpGrpc;
import dev.pluginhost.contract.v1.HttpRequest;
import dev.pluginhost.contract.v1.HttpResponse;
import dev.pluginhost.sdk.CapabilityDeniedException;
import dev.pluginhost.sdk.PluginHttp;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** {@link PluginHttp} over the {@code http} capability: the host performs the request. */
final class RemoteHttp implements PluginHttp {

    private static final Set<String> METHODS = Set.of("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD");
    /** Without a timeout of its own, a request waits this long for the host (which applies its own default). */
    private static final long DEFAULT_WAIT_MS = 120_000;

    private final HttpGrpc.HttpBlockingStub stub;

    RemoteHttp(Channel channel) {
        this.stub = HttpGrpc.newBlockingStub(channel);
    }

    @Override
    public Response send(Call call) throws CapabilityDeniedException, IOException {
        String host = hostOf(call.url());
        if (!METHODS.contains(call.method())) {
            throw new IllegalArgumentException("HTTP method " + call.method() + " is not supported; use one of "
                    + METHODS);
        }
        long timeoutMs = call.timeout().toMillis();
        HttpRequest request = HttpRequest.newBuilder()
                .setMethod(call.method())
                .setUrl(call.url())
                .putAllHeaders(call.headers())
                .setBody(ByteString.copyFrom(call.body()))
                .setTimeoutMs((int) Math.min(Integer.MAX_VALUE, Math.max(0, timeoutMs)))
                .build();
        HttpResponse response;
        try {
            response = stub.withDeadlineAfter(timeoutMs > 0 ? timeoutMs + 5_000 : DEFAULT_WAIT_MS,
                    TimeUnit.MILLISECONDS).fetch(request);
        } catch (StatusRuntimeException e) {
            Status.Code code = e.getStatus().getCode();
            if (code == Status.Code.DEADLINE_EXCEEDED) {
                throw new HttpTimeoutException(call.method() + " " + call.url() + " timed out: "
                        + e.getStatus().getDescription());
            }
            if (code == Status.Code.UNAVAILABLE) {
                throw new IOException(call.method() + " " + call.url() + " failed: "
                        + e.getStatus().getDescription(), e);
            }
            throw Denials.translate("http:" + host, e);
        }
        return new Response(response.getStatus(), response.getHeadersMap(), response.getBody().toByteArray(),
                response.getTruncated(), Json::read);
    }

    static String hostOf(String url) {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a URL: " + url, e);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
            throw new IllegalArgumentException("not an http or https URL with a host: " + url);
        }
        return uri.getHost().toLowerCase(Locale.ROOT);
    }
}
