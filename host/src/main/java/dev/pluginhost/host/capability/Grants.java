package dev.pluginhost.host.capability;

import dev.pluginhost.host.PluginHostProperties;
import dev.pluginhost.host.discovery.PluginDescriptor;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Effective grants: what the manifest requests and the operator allows ({@code plugins.grants.<id>}, else
 * {@code plugins.default-grants}), plus {@code log}, which every plugin has.
 */
public final class Grants {

    private Grants() {
    }

    public static Set<String> effective(PluginDescriptor plugin, PluginHostProperties properties) {
        Collection<String> allowed = operatorGrants(plugin.id(), properties);
        Set<String> granted = new TreeSet<>();
        granted.add(Capability.LOG.id());
        for (String requested : plugin.capabilities()) {
            if (allowed.contains(requested)) {
                granted.add(requested);
            }
        }
        return Set.copyOf(granted);
    }

    /** @return requested capabilities the operator has not granted, for the start-up report */
    public static Set<String> withheld(PluginDescriptor plugin, PluginHostProperties properties) {
        Set<String> withheld = new TreeSet<>(plugin.capabilities());
        withheld.removeAll(effective(plugin, properties));
        return withheld;
    }

    static Collection<String> operatorGrants(String pluginId, PluginHostProperties properties) {
        List<String> own = properties.getGrants().get(pluginId);
        return (own != null ? own : properties.getDefaultGrants()).stream().map(String::trim).toList();
    }

    /** @return the property an operator sets to grant a capability to a plugin, for error messages */
    public static String howToGrant(String pluginId, String capability) {
        return "plugins.grants." + pluginId + "=" + capability;
    }
}
