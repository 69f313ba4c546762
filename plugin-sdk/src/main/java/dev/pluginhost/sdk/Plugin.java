package dev.pluginhost.sdk;

/**
 * A plugin: the one class a plugin author writes, named by the {@code Plugin-Class} attribute of the jar's manifest.
 *
 * <p>The host starts every plugin in its own sandboxed JVM. There the runtime creates this class through its public
 * no-argument constructor, calls {@link #start(PluginContext)} once, and from then on routes invocations to the
 * operations the plugin registered. A minimal plugin:
 *
 * <pre>{@code
 * public final class HelloPlugin implements Plugin {
 *     record Greet(String name) {}
 *
 *     public void start(PluginContext context) {
 *         context.operation("greet", request -> {
 *             String name = request.json(Greet.class).name();
 *             context.log().info("greeting {}", name);
 *             return Map.of("greeting", "Hello, " + name + "!");
 *         });
 *     }
 * }
 * }</pre>
 */
public interface Plugin {

    /**
     * Called once, before the plugin is reported ready. Register operations here and acquire what the plugin needs.
     * An exception fails the start; the host reports its message as the plugin's last error.
     *
     * @param context the plugin's view of the host
     * @throws Exception when the plugin cannot start
     */
    void start(PluginContext context) throws Exception;

    /**
     * Called once when the host stops the plugin, after in-flight invocations had their grace period. The JVM exits
     * afterwards, so there is no need to clean up memory; flush what must be flushed.
     *
     * @throws Exception reported to the host's log; the plugin stops anyway
     */
    default void stop() throws Exception {
    }
}
