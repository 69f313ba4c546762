package dev.pluginhost.host.capability;

import java.util.List;
import java.util.Optional;

/**
 * Storage behind the {@code kv} capability. Every method takes the plugin id first: the capability fills it in from
 * the connection, so a plugin can never name another plugin's keys.
 */
public interface KvStore {

    Optional<byte[]> get(String plugin, String key);

    /** Returns once the value is durable. */
    void put(String plugin, String key, byte[] value);

    boolean delete(String plugin, String key);

    List<String> list(String plugin, String prefix, int limit);

    /** @return the bytes a plugin's keys and values take, for its quota */
    long usedBytes(String plugin);

    /** @param expected the current value, or null for "absent" */
    boolean compareAndSet(String plugin, String key, byte[] expected, byte[] value);
}
