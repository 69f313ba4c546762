package dev.pluginhost.sdk.testkit;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * The test host's stand-in for the internet: the plugin's {@code http} capability answers from here. The grants still
 * apply first, exactly as on the real host: a URL whose host is not granted ({@code http:<host>}) is refused and
 * recorded in {@link TestHost#deniedCalls()} before any fake response is looked up.
 *
 * <pre>{@code
 * host.http().respond("GET", "https://api.example.com/weather?city=Oslo", 200, "{\"celsius\":4.5}");
 * host.http().unreachable("https://api.example.com/down");
 * }</pre>
 *
 * A request with no registered response gets a 404 with a body that says so.
 */
public final class FakeHttp {

    /**
     * A request the plugin sent through the {@code http} capability.
     *
     * @param method the HTTP method
     * @param url the URL
     * @param headers the request headers
     * @param body the request body
     */
    public record Request(String method, String url, Map<String, String> headers, byte[] body) {

        /** @return the body decoded as UTF-8 */
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /**
     * A canned response.
     *
     * @param status the HTTP status
     * @param headers the response headers
     * @param body the body
     */
    public record Response(int status, Map<String, String> headers, byte[] body) {

        /**
         * @param status the HTTP status
         * @param body the body, as UTF-8; sent with {@code content-type: application/json} when it starts with
         *     <code>{</code> or {@code [}, else {@code text/plain}
         * @return the response
         */
        public static Response of(int status, String body) {
            String trimmed = body.stripLeading();
            String type = trimmed.startsWith("{") || trimmed.startsWith("[") ? "application/json"
                    : "text/plain; charset=utf-8";
            return new Response(status, Map.of("content-type", type), body.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** Marks a URL as unreachable: the plugin gets an {@code IOException}. */
    static final Response UNREACHABLE = new Response(-1, Map.of(), new byte[0]);

    private final Map<String, Response> responses = new ConcurrentHashMap<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private volatile Function<Request, Response> fallback;

    FakeHttp() {
    }

    /**
     * Answers one method and URL (exactly, query included).
     *
     * @param method the HTTP method
     * @param url the full URL
     * @param status the HTTP status
     * @param body the body (see {@link Response#of(int, String)})
     * @return this
     */
    public FakeHttp respond(String method, String url, int status, String body) {
        return respond(method, url, Response.of(status, body));
    }

    /**
     * Answers one method and URL (exactly, query included).
     *
     * @param method the HTTP method
     * @param url the full URL
     * @param response the response
     * @return this
     */
    public FakeHttp respond(String method, String url, Response response) {
        responses.put(key(method, url), response);
        return this;
    }

    /**
     * Answers every request that has no response of its own.
     *
     * @param handler computes the response
     * @return this
     */
    public FakeHttp fallback(Function<Request, Response> handler) {
        this.fallback = handler;
        return this;
    }

    /**
     * Makes a URL unreachable, for every method: the plugin's request fails with an {@code IOException}, as when the
     * real host cannot reach the remote.
     *
     * @param url the full URL
     * @return this
     */
    public FakeHttp unreachable(String url) {
        for (String method : List.of("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD")) {
            responses.put(key(method, url), UNREACHABLE);
        }
        return this;
    }

    /** @return the requests that reached the fake internet (granted ones only), in order */
    public List<Request> requests() {
        return List.copyOf(requests);
    }

    Response answer(Request request) {
        requests.add(request);
        Response response = responses.get(key(request.method(), request.url()));
        if (response != null) {
            return response;
        }
        Function<Request, Response> handler = fallback;
        if (handler != null) {
            return handler.apply(request);
        }
        return Response.of(404, "test kit: no fake response for " + request.method() + " " + request.url()
                + "; register one with host.http().respond(...)");
    }

    private static String key(String method, String url) {
        return method.toUpperCase(Locale.ROOT) + " " + url;
    }
}
