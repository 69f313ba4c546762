package dev.pluginhost.sdk;

/**
 * The payload of one invocation, as the caller sent it.
 */
public interface Request {

    /** @return the name of the operation being invoked */
    String operation();

    /** @return the media type the caller declared, for example {@code application/json}; never null */
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
     * @throws IllegalArgumentException when the payload is not JSON of that shape (reported as a bad request)
     */
    <T> T json(Class<T> type);
}
