package dev.pluginhost.sdk;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Capability {@code http}: outbound HTTP, performed by the host on the plugin's behalf (the plugin's JVM has no
 * network of its own). Grants name the allowed hosts, one grant per host: {@code http:api.example.com}. The host
 * applies a timeout and a response size cap.
 *
 * <pre>{@code
 * PluginHttp.Response response = context.http()
 *         .get("https://api.example.com/weather?city=Oslo")
 *         .header("accept", "application/json")
 *         .send();
 * if (response.status() == 200) {
 *     Weather weather = response.json(Weather.class);
 * }
 * }</pre>
 *
 * <p>An HTTP error status (404, 500, ...) is a normal {@link Response}. A URL whose host is not granted throws
 * {@link CapabilityDeniedException} with {@link CapabilityDeniedException#capability()} {@code http:<host>}; so does
 * a port other than 80 and 443 that no grant names ({@code http:<host>:<port>}), and a host that resolves to a
 * non-global address (loopback, private, link-local, ...) that no grant names ({@code http:10.0.0.0/8}); the message
 * says which. A timeout or an unreachable remote throws {@link IOException}.
 */
public interface PluginHttp {

    /**
     * @param url an {@code http} or {@code https} URL
     * @return a GET request to complete and {@link Call#send() send}
     */
    default Call get(String url) {
        return request("GET", url);
    }

    /**
     * @param url an {@code http} or {@code https} URL
     * @return a POST request to complete and {@link Call#send() send}
     */
    default Call post(String url) {
        return request("POST", url);
    }

    /**
     * @param method GET, POST, PUT, DELETE, PATCH or HEAD
     * @param url an {@code http} or {@code https} URL
     * @return a request to complete and {@link Call#send() send}
     */
    default Call request(String method, String url) {
        return new Call(this, method, url);
    }

    /**
     * Performs a request; {@link Call#send()} calls this.
     *
     * @param call the request
     * @return the response, whatever its status
     * @throws CapabilityDeniedException when the grants do not admit the URL's host, its port or an address it
     *     resolves to
     * @throws IOException when the request timed out or the remote could not be reached
     */
    Response send(Call call) throws CapabilityDeniedException, IOException;

    /** An HTTP request being built. Not thread-safe; build and send it on one thread. */
    final class Call {

        private final PluginHttp http;
        private final String method;
        private final String url;
        private final Map<String, String> headers = new LinkedHashMap<>();
        private byte[] body = new byte[0];
        private Duration timeout = Duration.ZERO;

        /**
         * Use {@link PluginHttp#request(String, String)} and its shortcuts instead.
         *
         * @param http the client that will send it
         * @param method the HTTP method
         * @param url the URL
         */
        public Call(PluginHttp http, String method, String url) {
            this.http = Objects.requireNonNull(http, "http");
            this.method = Objects.requireNonNull(method, "method").toUpperCase(Locale.ROOT);
            this.url = Objects.requireNonNull(url, "url");
        }

        /**
         * Sets a header, replacing an earlier value of the same name.
         *
         * @param name the header name
         * @param value the value
         * @return this request
         */
        public Call header(String name, String value) {
            headers.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /**
         * @param body the request body
         * @return this request
         */
        public Call body(byte[] body) {
            this.body = body.clone();
            return this;
        }

        /**
         * Sets a UTF-8 text body and, unless already set, {@code content-type: text/plain; charset=utf-8}.
         *
         * @param text the request body
         * @return this request
         */
        public Call body(String text) {
            this.body = text.getBytes(StandardCharsets.UTF_8);
            headers.putIfAbsent("content-type", "text/plain; charset=utf-8");
            return this;
        }

        /**
         * Sets a JSON body (the already-serialised JSON text) and, unless already set,
         * {@code content-type: application/json}.
         *
         * @param json the JSON text
         * @return this request
         */
        public Call jsonBody(String json) {
            this.body = json.getBytes(StandardCharsets.UTF_8);
            headers.putIfAbsent("content-type", "application/json");
            return this;
        }

        /**
         * @param timeout how long the host may take; zero for the host's default. The host caps it at its maximum.
         * @return this request
         */
        public Call timeout(Duration timeout) {
            this.timeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /**
         * Sends the request through the host.
         *
         * @return the response, whatever its status
         * @throws CapabilityDeniedException when the grants do not admit the URL's host ({@code http:<host>}), its
         *     port or an address it resolves to
         * @throws IOException when the request timed out or the remote could not be reached
         */
        public Response send() throws CapabilityDeniedException, IOException {
            return http.send(this);
        }

        /** @return the HTTP method, upper case */
        public String method() {
            return method;
        }

        /** @return the URL */
        public String url() {
            return url;
        }

        /** @return the headers set so far, in the order they were set; unmodifiable */
        public Map<String, String> headers() {
            return Collections.unmodifiableMap(headers);
        }

        /** @return a copy of the body; empty when none was set */
        public byte[] body() {
            return body.clone();
        }

        /** @return the timeout; zero for the host's default */
        public Duration timeout() {
            return timeout;
        }
    }

    /** An HTTP response as the host received it. Immutable. */
    final class Response {

        private final int status;
        private final Map<String, String> headers;
        private final byte[] body;
        private final boolean truncated;
        private final JsonReader json;

        /**
         * Created by the runtime (and by the test kit).
         *
         * @param status the HTTP status
         * @param headers the response headers
         * @param body the body
         * @param truncated whether the host cut the body at its size cap
         * @param json how {@link #json(Class)} reads the body
         */
        public Response(int status, Map<String, String> headers, byte[] body, boolean truncated, JsonReader json) {
            this.status = status;
            TreeMap<String, String> sorted = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            sorted.putAll(headers);
            this.headers = Collections.unmodifiableMap(sorted);
            this.body = body.clone();
            this.truncated = truncated;
            this.json = json;
        }

        /** @return the HTTP status, for example 200 */
        public int status() {
            return status;
        }

        /** @return the response headers; names compare case-insensitively; unmodifiable */
        public Map<String, String> headers() {
            return headers;
        }

        /**
         * @param name a header name, in any case
         * @return its value, or empty
         */
        public Optional<String> header(String name) {
            return Optional.ofNullable(headers.get(name));
        }

        /** @return a copy of the body */
        public byte[] body() {
            return body.clone();
        }

        /** @return the body decoded as UTF-8 */
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        /**
         * Reads the body as JSON into a class or record, field by field.
         *
         * @param type the class to read into
         * @param <T> the type read
         * @return the value; {@code null} when the body is empty
         * @throws IllegalArgumentException when the body is not JSON of that shape
         */
        public <T> T json(Class<T> type) {
            return json.read(text(), type);
        }

        /** @return whether the host cut the body at its response size cap */
        public boolean truncated() {
            return truncated;
        }

        @Override
        public String toString() {
            return "HTTP " + status + " (" + body.length + " bytes" + (truncated ? ", truncated" : "") + ")";
        }
    }

    /** How a {@link Response} reads JSON; supplied by the runtime so the API needs no JSON library. */
    @FunctionalInterface
    interface JsonReader {

        /**
         * @param text JSON text
         * @param type the class to read into
         * @param <T> the type read
         * @return the value; {@code null} for blank text
         * @throws IllegalArgumentException when the text is not JSON of that shape
         */
        <T> T read(String text, Class<T> type);
    }
}
