package dev.pluginhost.sdk;

/**
 * One named operation of a plugin, registered with {@link PluginContext#operation(String, Operation)} and invoked by
 * the host (for example through {@code POST /api/plugins/{id}/invoke/{operation}}).
 *
 * <p>The returned value becomes the reply: a {@link String} is sent as UTF-8 text, a {@code byte[]} as is, {@code null}
 * as an empty reply, and anything else as JSON. Exceptions become failures the caller sees:
 * {@link IllegalArgumentException} as a bad request, {@link CapabilityDeniedException} as a denied capability, any
 * other as a plugin error. Operations may run concurrently.
 */
@FunctionalInterface
public interface Operation {

    /**
     * Handles one invocation.
     *
     * @param request the invocation's payload
     * @return the reply (see the type's description)
     * @throws Exception reported to the caller as a failure
     */
    Object handle(Request request) throws Exception;
}
