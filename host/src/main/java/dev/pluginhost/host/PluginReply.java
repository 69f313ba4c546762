package dev.pluginhost.host;

import java.nio.charset.StandardCharsets;

/**
 * A plugin's answer to an invocation from the application ({@link PluginHost#invoke}): a reply with its payload, or
 * a failure with its code and message.
 *
 * @param payload the reply's bytes; empty for a failure
 * @param contentType the reply's media type, e.g. {@code application/json}; empty for a failure
 * @param failureCode null for a reply; else BAD_REQUEST, UNKNOWN_OPERATION, CAPABILITY_DENIED or PLUGIN_ERROR
 * @param failureMessage null for a reply; else what the plugin or its runtime said
 */
public record PluginReply(byte[] payload, String contentType, String failureCode, String failureMessage) {

    /** @return whether the plugin answered with a failure */
    public boolean failed() {
        return failureCode != null;
    }

    /** @return the reply's payload decoded as UTF-8 */
    public String text() {
        return new String(payload, StandardCharsets.UTF_8);
    }

    static PluginReply of(dev.pluginhost.contract.v1.InvocationResult result) {
        return result.hasFailure()
                ? new PluginReply(new byte[0], "", result.getFailure().getCode(), result.getFailure().getMessage())
                : new PluginReply(result.getReply().getPayload().toByteArray(), result.getReply().getContentType(),
                        null, null);
    }
}
