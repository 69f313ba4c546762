package dev.pluginhost.host.capability;

import dev.pluginhost.sdk.contract.Scopes;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * One plugin's effective grants: what its manifest requests and the operator allows, plus {@code log}.
 */
public final class PluginGrants {

    private final Set<Grant> grants;

    public PluginGrants(Set<Grant> grants) {
        this.grants = Set.copyOf(grants);
    }

    /**
     * @param requested the manifest's requests
     * @param operator what the operator grants this plugin ({@code plugins.grants.<id>}, else the default)
     */
    public static PluginGrants effective(Set<Grant> requested, List<Grant> operator) {
        Set<Grant> granted = new java.util.HashSet<>();
        granted.add(new Grant(CapabilityCatalog.LOG, ""));
        for (Grant request : requested) {
            if (operator.stream().anyMatch(g -> g.covers(request))) {
                granted.add(request);
            }
        }
        return new PluginGrants(granted);
    }

    /** @return whether any grant of this capability is held, whatever its scope */
    public boolean has(String capability) {
        return grants.stream().anyMatch(g -> g.capability().equals(capability));
    }

    /** @return whether a grant of this capability admits the value (a topic, a host, a subscription pattern) */
    public boolean admits(String capability, String value) {
        return grants.stream().anyMatch(g -> g.capability().equals(capability) && Scopes.admits(g.scope(), value));
    }

    /** @return the scopes of this capability's grants, e.g. the hosts of {@code http} */
    public List<String> scopes(String capability) {
        return grants.stream().filter(g -> g.capability().equals(capability)).map(Grant::scope).sorted().toList();
    }

    public Set<String> names() {
        return grants.stream().map(Grant::toString).collect(Collectors.toCollection(TreeSet::new));
    }
}
