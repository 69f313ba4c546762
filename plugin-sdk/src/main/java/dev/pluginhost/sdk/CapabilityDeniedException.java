package dev.pluginhost.sdk;

/**
 * The host refused a capability call because the plugin was not granted that capability. The message names the
 * plugin, the capability and the operator setting that would grant it. Every refusal is also counted on the host
 * ({@code plugin_capability_denied_total}).
 *
 * <p>{@link #capability()} names the grant that was missing: {@code kv}, {@code config},
 * {@code events.publish:orders.created}, {@code events.subscribe:orders.*}, {@code http:api.example.com}, or an
 * application-defined capability. Thrown out of an {@link Operation}, it becomes a {@code CAPABILITY_DENIED} failure
 * for the caller.
 */
public class CapabilityDeniedException extends Exception {

    private static final long serialVersionUID = 1L;

    /** The refused capability, for example {@code kv}. */
    private final String capability;

    /**
     * @param capability the capability that was refused, for example {@code kv}
     * @param message the host's explanation
     */
    public CapabilityDeniedException(String capability, String message) {
        super(message);
        this.capability = capability;
    }

    /** @return the capability that was refused */
    public String capability() {
        return capability;
    }
}
