package dev.pluginhost.sdk.runtime;

import java.nio.charset.StandardCharsets;

/**
 * How a plugin's values become payloads, for operation replies and published events alike: {@code null} is empty,
 * a {@code byte[]} goes as is, a {@link CharSequence} as UTF-8 text, anything else as JSON.
 */
final class Payloads {

    /** An encoded payload and its media type (empty for an empty payload). */
    record Encoded(byte[] bytes, String contentType) {
    }

    private Payloads() {
    }

    static Encoded encode(Object value) {
        if (value == null) {
            return new Encoded(new byte[0], "");
        }
        if (value instanceof byte[] bytes) {
            return new Encoded(bytes, "application/octet-stream");
        }
        if (value instanceof CharSequence text) {
            return new Encoded(text.toString().getBytes(StandardCharsets.UTF_8), "text/plain; charset=utf-8");
        }
        return new Encoded(Json.write(value).getBytes(StandardCharsets.UTF_8), "application/json");
    }
}
