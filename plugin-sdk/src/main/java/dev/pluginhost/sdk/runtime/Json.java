package dev.pluginhost.sdk.runtime;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;

/** JSON for request payloads and replies; Gson is already on the runtime's class path through gRPC. */
final class Json {

    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().serializeNulls().create();

    private Json() {
    }

    static <T> T read(String text, Class<T> type) {
        if (text.isBlank()) {
            return null;
        }
        try {
            return GSON.fromJson(text, type);
        } catch (JsonParseException e) {
            throw new IllegalArgumentException("payload is not JSON of the shape " + type.getSimpleName() + ": "
                    + e.getMessage(), e);
        }
    }

    static String write(Object value) {
        return GSON.toJson(value);
    }
}
