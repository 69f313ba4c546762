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
    default void put(String plugin, String key, byte[] value) {
        put(plugin, key, value, Long.MAX_VALUE);
    }

    /**
     * Returns once the value is durable.
     *
     * @param maxTotalBytes the plugin's quota: its keys and values after the write, counted in the store (so by every
     *     host that shares it)
     * @throws QuotaExceededException if the write would take the plugin over it; nothing is written
     */
    void put(String plugin, String key, byte[] value, long maxTotalBytes);

    boolean delete(String plugin, String key);

    List<String> list(String plugin, String prefix, int limit);

    /** @return the bytes a plugin's keys and values take, for its quota */
    long usedBytes(String plugin);

    /**
     * @param expected the current value, or null for "absent"
     * @param maxTotalBytes as for {@link #put(String, String, byte[], long)}
     * @throws QuotaExceededException if the swap would take the plugin over its quota; nothing is written
     */
    boolean compareAndSet(String plugin, String key, byte[] expected, byte[] value, long maxTotalBytes);

    /** A write over the plugin's quota. */
    final class QuotaExceededException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        private final long bytesAfter;

        public QuotaExceededException(long bytesAfter) {
            super("the write would take " + bytesAfter + " bytes");
            this.bytesAfter = bytesAfter;
        }

        /** @return the bytes the plugin's keys and values would have taken after the write */
        public long bytesAfter() {
            return bytesAfter;
        }
    }
}
