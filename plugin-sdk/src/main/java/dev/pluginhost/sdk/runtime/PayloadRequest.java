package dev.pluginhost.sdk.runtime;

import dev.pluginhost.sdk.Request;
import java.nio.charset.StandardCharsets;

/** A {@link Request} over an invocation's bytes. */
record PayloadRequest(String operation, String contentType, byte[] payload) implements Request {

    @Override
    public byte[] bytes() {
        return payload.clone();
    }

    @Override
    public String text() {
        return new String(payload, StandardCharsets.UTF_8);
    }

    @Override
    public <T> T json(Class<T> type) {
        return Json.read(text(), type);
    }
}
