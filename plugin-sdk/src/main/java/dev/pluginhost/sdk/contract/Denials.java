package dev.pluginhost.sdk.contract;

/**
 * The message of a refused capability call (PERMISSION_DENIED, and the plugin's {@code CapabilityDeniedException}):
 * it names the plugin, the capability (with the refused scope), the call, the reason and the property that would
 * grant it.
 */
public final class Denials {

    /** The plugin's manifest requests the capability; the operator did not grant it. */
    public static final String NOT_GRANTED = "the operator has not granted it";

    /** Neither the manifest requests it nor the operator granted it. */
    public static final String NOT_REQUESTED =
            "its manifest does not request it (add it to Plugin-Capabilities) and the operator has not granted it";

    private Denials() {
    }

    /**
     * @param plugin the plugin's id
     * @param capability the capability, with the refused scope: {@code kv}, {@code events.publish:orders.created}
     * @param service the gRPC service called, e.g. {@code pluginhost.v1.KeyValue}
     * @param method its method, e.g. {@code Get}
     * @param reason why: {@link #NOT_GRANTED}, {@link #NOT_REQUESTED}
     * @return the refusal's message
     */
    public static String message(String plugin, String capability, String service, String method, String reason) {
        return "plugin '" + plugin + "' may not use capability '" + capability + "' (" + service + "/" + method
                + "): " + reason + "; grant it with " + howToGrant(plugin, capability);
    }

    /** @return the property an operator sets to grant a capability to a plugin */
    public static String howToGrant(String plugin, String capability) {
        return "plugins.grants." + plugin + "=" + capability;
    }
}
