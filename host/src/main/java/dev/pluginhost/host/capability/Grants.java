package dev.pluginhost.host.capability;

import dev.pluginhost.host.PluginHostProperties;
import dev.pluginhost.host.discovery.PluginDescriptor;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Effective grants: what the manifest requests and the operator allows ({@code plugins.grants.<id>}, else
 * {@code plugins.default-grants}), plus {@code log}, which every plugin has.
 */
public final class Grants {

    private Grants() {
    }

    public static PluginGrants effective(PluginDescriptor plugin, PluginHostProperties properties) {
        return PluginGrants.effective(requested(plugin), operatorGrants(plugin.id(), properties));
    }

    /** @return requested capabilities the operator has not granted, for the start-up report */
    public static Set<String> withheld(PluginDescriptor plugin, PluginHostProperties properties) {
        Set<String> withheld = new TreeSet<>(plugin.capabilities());
        withheld.removeAll(effective(plugin, properties).names());
        return withheld;
    }

    static Set<Grant> requested(PluginDescriptor plugin) {
        return plugin.capabilities().stream().map(Grant::parse).collect(Collectors.toSet());
    }

    static List<Grant> operatorGrants(String pluginId, PluginHostProperties properties) {
        List<String> own = properties.getGrants().get(pluginId);
        return (own != null ? own : properties.getDefaultGrants()).stream()
                .filter(s -> !s.isBlank()).map(Grant::parse).toList();
    }
}
