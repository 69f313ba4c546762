package dev.pluginhost.host;

import java.nio.charset.StandardCharsets;

/**
 * An event a plugin published, as the application receives it ({@link PluginHost#subscribe}).
 *
 * @param id the id the host gave it
 * @param topic e.g. {@code orders.created}
 * @param source the publishing plugin's id, or {@code host}
 * @param timeMillis when it was published, in milliseconds since the epoch
 * @param contentType the payload's media type
 * @param payload the payload's bytes
 */
public record PluginEvent(String id, String topic, String source, long timeMillis, String contentType,
                          byte[] payload) {

    /** @return the payload decoded as UTF-8 */
    public String text() {
        return new String(payload, StandardCharsets.UTF_8);
    }

    static PluginEvent of(dev.pluginhost.contract.v1.Event event) {
        return new PluginEvent(event.getId(), event.getTopic(), event.getSource(), event.getTimeMs(),
                event.getContentType(), event.getPayload().toByteArray());
    }
}
