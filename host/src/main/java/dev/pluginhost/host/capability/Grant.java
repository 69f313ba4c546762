package dev.pluginhost.host.capability;

import java.util.regex.Pattern;

/**
 * One capability grant or request, as written in manifests ({@code Plugin-Capabilities}) and operator properties
 * ({@code plugins.grants.<id>}): {@code NAME} or {@code NAME:SCOPE}, e.g. {@code kv}, {@code http:api.example.com},
 * {@code events.publish:orders.*}. The scope of {@code http} is described in {@link HttpGrant}.
 *
 * @param capability the capability's name
 * @param scope what it is limited to (a host or topic pattern), or empty for unscoped capabilities
 */
public record Grant(String capability, String scope) {

    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]*(\\.[a-z][a-z0-9-]*)*");
    private static final Pattern SCOPE = Pattern.compile("[A-Za-z0-9*][A-Za-z0-9.*_-]{0,252}");

    /**
     * @param text {@code NAME} or {@code NAME:SCOPE}
     * @return the grant
     * @throws IllegalArgumentException naming the text when it is malformed
     */
    public static Grant parse(String text) {
        String trimmed = text.trim();
        int colon = trimmed.indexOf(':');
        String name = colon < 0 ? trimmed : trimmed.substring(0, colon);
        String scope = colon < 0 ? "" : trimmed.substring(colon + 1);
        if (colon >= 0 && name.equals(CapabilityCatalog.HTTP)) {
            HttpGrant.parse(scope); // hosts, addresses, ranges and ports: it says what is wrong
        } else if (!NAME.matcher(name).matches() || (colon >= 0 && !SCOPE.matcher(scope).matches())) {
            throw new IllegalArgumentException("'" + trimmed + "' is not a capability: write NAME or NAME:SCOPE, "
                    + "e.g. kv, http:api.example.com, events.publish:orders.*");
        }
        return new Grant(name, scope);
    }

    /** @return whether this operator grant covers a plugin's request */
    public boolean covers(Grant requested) {
        return capability.equals(requested.capability) && (scope.equals(requested.scope) || scope.equals("*"));
    }

    @Override
    public String toString() {
        return scope.isEmpty() ? capability : capability + ":" + scope;
    }
}
