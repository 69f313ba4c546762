package dev.pluginhost.sdk;

/**
 * One event delivered to a {@link PluginEvents#subscribe(String, EventHandler) subscription}.
 */
public interface Event {

    /** @return the id the host gave the event when it was published */
    String id();

    /** @return the topic it was published to, for example {@code orders.created} */
    String topic();

    /** @return who published it: a plugin id, or {@code host} for the embedding application */
    String source();

    /** @return when it was published, in milliseconds since the epoch */
    long timeMillis();

    /** @return the media type of the payload, for example {@code application/json}; never null */
    String contentType();

    /** @return the raw payload; empty, never null */
    byte[] bytes();

    /** @return the payload decoded as UTF-8 */
    String text();

    /**
     * Reads the payload as JSON into a class or record, field by field.
     *
     * @param type the class to read into
     * @param <T> the type read
     * @return the value; {@code null} when the payload is empty
     * @throws IllegalArgumentException when the payload is not JSON of that shape
     */
    <T> T json(Class<T> type);
}
