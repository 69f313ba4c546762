package dev.pluginhost.host.capability;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The capabilities a plugin can request in its manifest and an operator can grant. Each is one gRPC service of the
 * {@code pluginhost.v1} contract; a call to a service is a use of its capability.
 */
public enum Capability {

    /** Structured log records into the host's log. Always granted. */
    LOG("log", "pluginhost.v1.Log"),
    /** A persistent key-value store private to the plugin. */
    KV("kv", "pluginhost.v1.KeyValue");

    private final String id;
    private final String service;

    Capability(String id, String service) {
        this.id = id;
        this.service = service;
    }

    /** @return the name used in manifests, grants and metric labels */
    public String id() {
        return id;
    }

    /** @return the fully qualified gRPC service name */
    public String service() {
        return service;
    }

    public static Optional<Capability> byName(String name) {
        return Arrays.stream(values()).filter(c -> c.id.equals(name)).findFirst();
    }

    public static Optional<Capability> byService(String service) {
        return Arrays.stream(values()).filter(c -> c.service.equals(service)).findFirst();
    }

    public static List<String> names() {
        return Arrays.stream(values()).map(Capability::id).toList();
    }
}
