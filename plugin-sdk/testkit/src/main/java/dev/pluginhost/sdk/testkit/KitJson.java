package dev.pluginhost.sdk.testkit;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;

/** JSON as the runtime reads and writes it (Gson, no HTML escaping, nulls kept). */
final class KitJson {

    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().serializeNulls().create();

    private KitJson() {
    }

    static <T> T read(String text, Class<T> type) {
        if (text.isBlank()) {
            return null;
        }
        try {
            return GSON.fromJson(text, type);
        } catch (JsonParseException e) {
            throw new IllegalArgumentException("not JSON of the shape " + type.getSimpleName() + ": " + e.getMessage()
                    + "\n" + text, e);
        }
    }

    static String write(Object value) {
        return GSON.toJson(value);
    }
}
