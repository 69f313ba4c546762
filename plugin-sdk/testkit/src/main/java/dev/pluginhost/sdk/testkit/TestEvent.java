package dev.pluginhost.sdk.testkit;

import dev.pluginhost.sdk.runtime.Json;
import java.nio.charset.StandardCharsets;

/**
 * An event the plugin published.
 *
 * @param id the id the test host gave it
 * @param topic the topic
 * @param contentType the payload's media type
 * @param payload the payload
 */
public record TestEvent(String id, String topic, String contentType, byte[] payload) {

    /** @return the payload decoded as UTF-8 */
    public String text() {
        return new String(payload, StandardCharsets.UTF_8);
    }

    /**
     * @param type the class to read into; {@code java.util.Map.class} for a generic object
     * @param <T> the type read
     * @return the payload read as JSON
     */
    public <T> T json(Class<T> type) {
        return Json.read(text(), type);
    }

    @Override
    public String toString() {
        return topic + " (" + contentType + "): " + text();
    }
}
