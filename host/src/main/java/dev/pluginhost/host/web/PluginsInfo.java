package dev.pluginhost.host.web;

import dev.pluginhost.host.capability.PluginConnection;
import dev.pluginhost.host.lifecycle.PluginManager;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.boot.actuate.info.Info;
import org.springframework.boot.actuate.info.InfoContributor;

/** {@code /actuator/info}: the contract versions this host serves and how many plugins are in each state. */
public final class PluginsInfo implements InfoContributor {

    private final PluginManager manager;

    public PluginsInfo(PluginManager manager) {
        this.manager = manager;
    }

    @Override
    public void contribute(Info.Builder builder) {
        Map<String, Integer> states = new TreeMap<>();
        manager.plugins().forEach(p -> states.merge(p.state().name().toLowerCase(), 1, Integer::sum));
        Map<String, Object> plugins = new LinkedHashMap<>();
        plugins.put("contract", PluginConnection.HOST_CONTRACT.toString());
        plugins.put("installed", manager.plugins().size());
        plugins.put("states", states);
        plugins.put("rejected", manager.rejections().size());
        builder.withDetail("plugins", plugins);
    }
}
