package dev.pluginhost.sdk.testkit;

import dev.pluginhost.sdk.Plugin;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs a plugin against an in-process {@link TestHost} for every test method, and injects that host as a parameter:
 *
 * <pre>{@code
 * @PluginTest(plugin = HelloPlugin.class, grants = "kv", config = "greeting=Hi")
 * class HelloPluginTest {
 *     @Test
 *     void greets(TestHost host) {
 *         assertThat(host.invoke("greet", "{\"name\":\"Ada\"}").text()).contains("Hello, Ada!");
 *     }
 * }
 * }</pre>
 *
 * <p>Each test method gets a fresh host and a freshly started plugin (empty key-value store, no events, no logs); the
 * plugin is stopped after the method. On a method, the annotation replaces the one on the class for that method.
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@ExtendWith(PluginTestExtension.class)
public @interface PluginTest {

    /** @return the plugin class, with a public no-argument constructor, as named by {@code Plugin-Class} */
    Class<? extends Plugin> plugin();

    /**
     * @return the plugin id; empty for one derived from the class name ({@code HelloPlugin} → {@code hello},
     *     {@code OrderAuditPlugin} → {@code order-audit})
     */
    String id() default "";

    /**
     * @return the capabilities granted, as an operator would grant them: {@code kv}, {@code config},
     *     {@code events.publish:orders.*}, {@code events.subscribe:*}, {@code http:api.example.com}, or an
     *     application capability's name; {@code log} is always granted
     */
    String[] grants() default {};

    /** @return the plugin's configuration, as {@code key=value} entries (needs the {@code config} grant to read) */
    String[] config() default {};
}
