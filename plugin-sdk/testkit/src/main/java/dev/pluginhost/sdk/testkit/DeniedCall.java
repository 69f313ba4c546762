package dev.pluginhost.sdk.testkit;

/**
 * A capability call the test host refused, as the real host would count it in
 * {@code plugin_capability_denied_total}.
 *
 * @param capability the capability that was missing: {@code kv}, {@code events.publish:orders.created},
 *     {@code http:api.example.com}, ...
 * @param method the refused method, for example {@code Get} or {@code Fetch}
 * @param message the message the plugin received
 */
public record DeniedCall(String capability, String method, String message) {
}
