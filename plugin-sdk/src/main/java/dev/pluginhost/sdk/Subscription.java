package dev.pluginhost.sdk;

/**
 * An active subscription, returned by {@link PluginEvents#subscribe(String, EventHandler)}. Subscriptions end by
 * themselves when the plugin stops; close one to stop receiving earlier.
 */
public interface Subscription extends AutoCloseable {

    /** @return the topic pattern this subscription receives */
    String pattern();

    /** Stops the subscription. Events already being handled finish; no new ones are delivered. Idempotent. */
    @Override
    void close();
}
