package dev.pluginhost.host;

import dev.pluginhost.host.capability.EventBus;
import dev.pluginhost.host.lifecycle.PluginInstance;
import dev.pluginhost.host.lifecycle.PluginManager;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * The host as an embedding application sees it: invoke plugins from Java, and exchange events with them. Inject it
 * like any other bean.
 */
public final class PluginHost {

    private final PluginManager manager;
    private final EventBus events;

    public PluginHost(PluginManager manager, EventBus events) {
        this.manager = manager;
        this.events = events;
    }

    /** @return every installed plugin with its state */
    public Collection<PluginInstance> plugins() {
        return manager.plugins();
    }

    /**
     * Invokes a plugin's operation.
     *
     * @return the plugin's result: a reply or a failure with its code and message
     */
    public CompletableFuture<PluginReply> invoke(String pluginId, String operation, byte[] payload,
                                                 String contentType) {
        return manager.invoke(pluginId, operation, payload, contentType).thenApply(PluginReply::of);
    }

    /**
     * Invokes an operation with a JSON payload and waits for the reply's text.
     *
     * @throws PluginInvocationException when the plugin answers with a failure
     */
    public String invokeJson(String pluginId, String operation, String json, Duration timeout)
            throws InterruptedException, ExecutionException, TimeoutException {
        PluginReply reply = invoke(pluginId, operation, json.getBytes(StandardCharsets.UTF_8),
                "application/json").get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (reply.failed()) {
            throw new PluginInvocationException(pluginId, operation, reply.failureCode(), reply.failureMessage());
        }
        return reply.text();
    }

    /** Publishes an event from the application ({@code source} is {@code host}) to subscribed plugins. */
    public String publish(String topic, String json) {
        return events.publish("host", topic, json.getBytes(StandardCharsets.UTF_8), "application/json");
    }

    /**
     * Receives events plugins publish.
     *
     * @param pattern a topic, a prefix ending in {@code .*}, or {@code *}
     * @param listener called on the publishing thread: hand off, do not block
     */
    public EventBus.Subscription subscribe(String pattern, Consumer<PluginEvent> listener) {
        return events.subscribe(pattern, event -> listener.accept(PluginEvent.of(event)));
    }

    /** A plugin answered an invocation with a failure. */
    public static final class PluginInvocationException extends RuntimeException {

        private static final long serialVersionUID = 1L;

        private final String code;

        public PluginInvocationException(String plugin, String operation, String code, String message) {
            super("plugin '" + plugin + "' operation '" + operation + "' failed (" + code + "): " + message);
            this.code = code;
        }

        /** @return BAD_REQUEST, UNKNOWN_OPERATION, CAPABILITY_DENIED or PLUGIN_ERROR */
        public String code() {
            return code;
        }
    }
}
