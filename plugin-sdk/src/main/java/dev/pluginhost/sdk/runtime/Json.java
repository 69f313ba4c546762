package dev.pluginhost.sdk.runtime;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;

/**
 * JSON for request payloads and replies, as the runtime reads and writes them (Gson, already on the runtime's class
 * path through gRPC; no HTML escaping, nulls kept). Public for the test kit, which must read and write exactly alike.
 */
public final class Json {

    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().serializeNulls().create();

    private Json() {
    }

    /**
     * @param text JSON, or blank for {@code null}
     * @param type the class to read into
     * @param <T> the type read
     * @return the value, or {@code null} for a blank text
     * @throws IllegalArgumentException when the text is not JSON of that shape
     */
    public static <T> T read(String text, Class<T> type) {
        if (text.isBlank()) {
            return null;
        }
        try {
            return GSON.fromJson(text, type);
        } catch (JsonParseException | IllegalStateException | NullPointerException | NumberFormatException
                 | ClassCastException e) {
            // Gson's lenient reader lets some malformed text through to the objects it builds, which then fail
            // otherwise: e.g. "[[,e4..." reaches a map as a null key (NullPointerException; found by
            // InvocationFuzzTest). The caller's bytes are wrong either way: BAD_REQUEST, not the plugin's error.
            throw new IllegalArgumentException("payload is not JSON of the shape " + type.getSimpleName() + ": "
                    + e.getMessage(), e);
        }
    }

    /**
     * @param value any value Gson can write
     * @return its JSON
     */
    public static String write(Object value) {
        return GSON.toJson(value);
    }
}
