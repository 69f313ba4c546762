package dev.pluginhost.sdk;

/**
 * Receives the events of one subscription. Handlers run on the plugin runtime's event thread, never on the transport
 * thread, one event at a time per subscription and in the order the host sent them; a slow handler delays only its
 * own subscription. An exception is logged (through the {@code log} capability) and the next event is delivered.
 */
@FunctionalInterface
public interface EventHandler {

    /**
     * Handles one event.
     *
     * @param event the event
     * @throws Exception logged; delivery continues
     */
    void handle(Event event) throws Exception;
}
