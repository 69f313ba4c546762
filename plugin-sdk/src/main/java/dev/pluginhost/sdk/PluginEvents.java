package dev.pluginhost.sdk;

/**
 * Capability {@code events}: publish to and subscribe on topics. Grants are scoped by topic pattern:
 * {@code events.publish:orders.*} lets a plugin publish to {@code orders.created}, {@code orders.paid}, ...;
 * {@code events.subscribe:orders.*} lets it receive them. A pattern is a topic, a prefix ending in {@code .*}
 * (matching every topic below that prefix), or {@code *} (every topic).
 *
 * <pre>{@code
 * context.events().subscribe("orders.*", event -> {
 *     Order order = event.json(Order.class);
 *     context.log().info("{} on {}", order.id(), event.topic());
 * });
 * context.events().publish("orders.audited", Map.of("id", 42));
 * }</pre>
 */
public interface PluginEvents {

    /**
     * Publishes a value. The payload follows the rules of an operation's reply: a {@link CharSequence} is sent as
     * UTF-8 text ({@code text/plain}), a {@code byte[]} as is ({@code application/octet-stream}), anything else as
     * JSON ({@code application/json}).
     *
     * @param topic the topic, for example {@code orders.created}
     * @param value the payload
     * @return the id the host gave the event
     * @throws CapabilityDeniedException when no {@code events.publish:<pattern>} grant covers the topic; its
     *     {@link CapabilityDeniedException#capability()} is {@code events.publish:<topic>}
     */
    String publish(String topic, Object value) throws CapabilityDeniedException;

    /**
     * Publishes raw bytes with an explicit media type.
     *
     * @param topic the topic, for example {@code orders.created}
     * @param payload the payload
     * @param contentType its media type, for example {@code application/cbor}
     * @return the id the host gave the event
     * @throws CapabilityDeniedException when no {@code events.publish:<pattern>} grant covers the topic
     */
    String publish(String topic, byte[] payload, String contentType) throws CapabilityDeniedException;

    /**
     * Starts receiving the events whose topic matches {@code pattern}, for the plugin's lifetime or until the
     * subscription is closed. Usually called in {@link Plugin#start(PluginContext)}.
     *
     * @param pattern a topic, a prefix ending in {@code .*}, or {@code *}
     * @param handler called for each event, off the transport thread (see {@link EventHandler})
     * @return the subscription
     * @throws CapabilityDeniedException when no {@code events.subscribe:<pattern>} grant covers the pattern; its
     *     {@link CapabilityDeniedException#capability()} is {@code events.subscribe:<pattern>}
     * @throws IllegalArgumentException when the pattern is malformed
     */
    Subscription subscribe(String pattern, EventHandler handler) throws CapabilityDeniedException;
}
