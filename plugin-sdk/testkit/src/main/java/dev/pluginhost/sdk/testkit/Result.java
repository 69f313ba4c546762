package dev.pluginhost.sdk.testkit;

import dev.pluginhost.sdk.runtime.Json;
import java.nio.charset.StandardCharsets;

/**
 * What an invocation returned: a reply (the operation's return value) or a failure (what it threw, as the host's
 * caller would see it). {@link #text()}, {@link #bytes()} and {@link #json(Class)} fail the test with the failure's
 * code and message when the invocation failed, so a happy-path assertion reads in one line.
 */
public final class Result {

    private final boolean ok;
    private final byte[] payload;
    private final String contentType;
    private final String code;
    private final String message;

    private Result(boolean ok, byte[] payload, String contentType, String code, String message) {
        this.ok = ok;
        this.payload = payload;
        this.contentType = contentType;
        this.code = code;
        this.message = message;
    }

    static Result reply(byte[] payload, String contentType) {
        return new Result(true, payload, contentType, "", "");
    }

    static Result failure(String code, String message) {
        return new Result(false, new byte[0], "", code, message);
    }

    /** @return whether the operation returned a reply */
    public boolean isOk() {
        return ok;
    }

    /**
     * @return the failure code: {@code UNKNOWN_OPERATION}, {@code BAD_REQUEST}, {@code CAPABILITY_DENIED} or
     *     {@code PLUGIN_ERROR}; empty for a reply
     */
    public String failureCode() {
        return code;
    }

    /** @return the failure message; empty for a reply */
    public String failureMessage() {
        return message;
    }

    /** @return the reply's media type: {@code application/json}, {@code text/plain; charset=utf-8}, ... */
    public String contentType() {
        return contentType;
    }

    /**
     * @return the reply's bytes
     * @throws AssertionError when the invocation failed
     */
    public byte[] bytes() {
        requireOk();
        return payload.clone();
    }

    /**
     * @return the reply decoded as UTF-8
     * @throws AssertionError when the invocation failed
     */
    public String text() {
        requireOk();
        return new String(payload, StandardCharsets.UTF_8);
    }

    /**
     * Reads the reply as JSON.
     *
     * @param type the class to read into; {@code java.util.Map.class} for a generic object
     * @param <T> the type read
     * @return the value; {@code null} for an empty reply
     * @throws AssertionError when the invocation failed
     */
    public <T> T json(Class<T> type) {
        return Json.read(text(), type);
    }

    private void requireOk() {
        if (!ok) {
            throw new AssertionError("the invocation failed: " + code + ": " + message);
        }
    }

    @Override
    public String toString() {
        return ok ? "reply (" + contentType + "): " + new String(payload, StandardCharsets.UTF_8)
                : "failure " + code + ": " + message;
    }
}
