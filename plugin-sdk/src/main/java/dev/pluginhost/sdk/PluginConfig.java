package dev.pluginhost.sdk;

import java.util.Map;
import java.util.Optional;

/**
 * Capability {@code config}: the plugin's own configuration, set by the operator as host properties
 * {@code plugins.config.<plugin-id>.<key>=<value>}. A plugin sees only its own keys. Every method asks the host, so
 * a value is as fresh as the host's configuration. Every method throws {@link CapabilityDeniedException} when the
 * operator did not grant {@code config} to this plugin.
 *
 * <pre>{@code
 * String greeting = context.config().get("greeting", "Hello");
 * }</pre>
 */
public interface PluginConfig {

    /**
     * @param key the key, without the {@code plugins.config.<plugin-id>.} prefix
     * @return the value, or empty when the operator did not set the key
     * @throws CapabilityDeniedException when {@code config} is not granted
     */
    Optional<String> get(String key) throws CapabilityDeniedException;

    /**
     * @param key the key, without the {@code plugins.config.<plugin-id>.} prefix
     * @param defaultValue returned when the operator did not set the key
     * @return the value, or {@code defaultValue}
     * @throws CapabilityDeniedException when {@code config} is not granted
     */
    default String get(String key, String defaultValue) throws CapabilityDeniedException {
        return get(key).orElse(defaultValue);
    }

    /**
     * @return every key the operator set for this plugin, sorted by key; unmodifiable
     * @throws CapabilityDeniedException when {@code config} is not granted
     */
    Map<String, String> all() throws CapabilityDeniedException;
}
