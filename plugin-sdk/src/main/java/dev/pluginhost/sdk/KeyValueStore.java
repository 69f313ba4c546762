package dev.pluginhost.sdk;

import java.util.List;
import java.util.Optional;

/**
 * Capability {@code kv}: a persistent key-value store private to this plugin. Keys are UTF-8 strings; values are
 * bytes. A write that returns has been made durable by the host. Every method throws
 * {@link CapabilityDeniedException} when the operator did not grant {@code kv} to this plugin.
 */
public interface KeyValueStore {

    /**
     * @param key the key
     * @return the value, or empty when the key is absent
     * @throws CapabilityDeniedException when {@code kv} is not granted
     */
    Optional<byte[]> get(String key) throws CapabilityDeniedException;

    /**
     * Stores a value, replacing any previous one.
     *
     * @param key the key
     * @param value the value
     * @throws CapabilityDeniedException when {@code kv} is not granted
     */
    void put(String key, byte[] value) throws CapabilityDeniedException;

    /**
     * @param key the key
     * @return whether the key existed
     * @throws CapabilityDeniedException when {@code kv} is not granted
     */
    boolean delete(String key) throws CapabilityDeniedException;

    /**
     * @param prefix the prefix keys must start with; empty for all
     * @return the matching keys, in order
     * @throws CapabilityDeniedException when {@code kv} is not granted
     */
    List<String> list(String prefix) throws CapabilityDeniedException;

    /**
     * Writes {@code value} only if the current value equals {@code expected}.
     *
     * @param key the key
     * @param expected the value the key must hold now, or {@code null} for "must be absent"
     * @param value the new value
     * @return whether the value was written
     * @throws CapabilityDeniedException when {@code kv} is not granted
     */
    boolean compareAndSet(String key, byte[] expected, byte[] value) throws CapabilityDeniedException;
}
