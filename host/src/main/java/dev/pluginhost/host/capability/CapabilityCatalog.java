package dev.pluginhost.host.capability;

import dev.pluginhost.contract.v1.ConfigGrpc;
import dev.pluginhost.contract.v1.EventsGrpc;
import dev.pluginhost.contract.v1.HttpGrpc;
import dev.pluginhost.contract.v1.KeyValueGrpc;
import dev.pluginhost.contract.v1.LogGrpc;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The capabilities this host knows: the standard ones of the contract and those the embedding application adds.
 * Each maps to one gRPC service (for {@code events}, one method each); a call to it is a use of the capability.
 */
public final class CapabilityCatalog {

    public static final String LOG = "log";
    public static final String KV = "kv";
    public static final String CONFIG = "config";
    public static final String EVENTS_PUBLISH = "events.publish";
    public static final String EVENTS_SUBSCRIBE = "events.subscribe";
    public static final String HTTP = "http";

    /** Capabilities whose grants must name a scope (a topic or host pattern). */
    private static final Set<String> SCOPED = Set.of(EVENTS_PUBLISH, EVENTS_SUBSCRIBE, HTTP);

    /** Service name → capability; "service/method" keys override per method. */
    private final Map<String, String> byService = new TreeMap<>();
    /** Full method name → its capability, as {@link #capabilityOf} answered it. */
    private final Map<String, Optional<String>> resolved = new ConcurrentHashMap<>();

    public CapabilityCatalog(Map<String, String> applicationCapabilities) {
        byService.put(LogGrpc.SERVICE_NAME, LOG);
        byService.put(KeyValueGrpc.SERVICE_NAME, KV);
        byService.put(ConfigGrpc.SERVICE_NAME, CONFIG);
        byService.put(EventsGrpc.getPublishMethod().getFullMethodName(), EVENTS_PUBLISH);
        byService.put(EventsGrpc.getSubscribeMethod().getFullMethodName(), EVENTS_SUBSCRIBE);
        byService.put(HttpGrpc.SERVICE_NAME, HTTP);
        applicationCapabilities.forEach((name, service) -> {
            Grant.parse(name);
            if (names().contains(name)) {
                throw new IllegalArgumentException("application capability '" + name + "' clashes with a known one");
            }
            byService.put(service, name);
        });
    }

    /** @return whether a grant of this capability names a scope (a topic or host pattern) */
    public static boolean scoped(String capability) {
        return SCOPED.contains(capability);
    }

    /**
     * @return the capability a call uses, or empty when no capability is behind that method. Asked on every call (by
     *     the guard and the metrics): the answer is kept per method, one lookup instead of two tree walks and a
     *     substring; the methods are those of the services the host serves, a fixed set.
     */
    public Optional<String> capabilityOf(String fullMethodName) {
        return resolved.computeIfAbsent(fullMethodName, this::lookUp);
    }

    private Optional<String> lookUp(String fullMethodName) {
        String direct = byService.get(fullMethodName);
        if (direct != null) {
            return Optional.of(direct);
        }
        int slash = fullMethodName.indexOf('/');
        return Optional.ofNullable(byService.get(slash < 0 ? fullMethodName : fullMethodName.substring(0, slash)));
    }

    public Set<String> names() {
        return new TreeSet<>(byService.values());
    }

    /**
     * Checks a requested or granted capability.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public Grant validate(String text) {
        Grant grant = Grant.parse(text);
        if (!names().contains(grant.capability())) {
            throw new IllegalArgumentException("unknown capability '" + grant.capability() + "' (known: " + names()
                    + ")");
        }
        if (SCOPED.contains(grant.capability()) && grant.scope().isEmpty()) {
            throw new IllegalArgumentException("capability '" + grant.capability() + "' needs a scope, e.g. "
                    + grant.capability() + (grant.capability().equals(HTTP) ? ":api.example.com" : ":orders.*"));
        }
        if (!SCOPED.contains(grant.capability()) && !grant.scope().isEmpty()) {
            throw new IllegalArgumentException("capability '" + grant.capability() + "' takes no scope");
        }
        return grant;
    }
}
