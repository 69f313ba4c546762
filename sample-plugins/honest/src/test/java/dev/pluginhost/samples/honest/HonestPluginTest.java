package dev.pluginhost.samples.honest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pluginhost.sdk.testkit.PluginTest;
import dev.pluginhost.sdk.testkit.TestHost;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The test kit runs the plugin in the runtime's class-loader arrangement: drivers the plugin bundles are found by
 * DriverManager only because the plugin's loader is the context class loader, as in the real host (HonestPluginIT).
 * Without that (the runtime before issue 12), DriverManager binds the drivers to the test's own loader, which the
 * plugin's classes do not accept: "No suitable driver", here as in the host.
 */
@PluginTest(plugin = HonestPlugin.class)
class HonestPluginTest {

    @Test
    void bundledJdbcDriversAreFoundThroughDriverManager(TestHost host) {
        assertThat(host.invoke("start").text()).startsWith("ok SQLite");
        @SuppressWarnings("unchecked")
        Map<String, String> jdbc = host.invoke("jdbc").json(Map.class);
        assertThat(jdbc.get("h2")).startsWith("ok H2 rows=");
        assertThat(jdbc.get("sqlite")).startsWith("ok SQLite rows=");
    }

    @Test
    void thePluginClassComesFromItsOwnLoader(TestHost host) {
        assertThat(host.plugin().getClass().getClassLoader().getName()).isEqualTo("plugin");
        assertThat(host.plugin().getClass()).isNotSameAs(HonestPlugin.class);
    }

    @Test
    void ordinaryFileFeaturesWork(TestHost host) {
        assertThat(host.invoke("watch").text()).isEqualTo("event ENTRY_CREATE");
        assertThat(host.invoke("chmod").text()).isEqualTo("setExecutable=true canExecute=true");
        @SuppressWarnings("unchecked")
        Map<String, String> files = host.invoke("files").json(Map.class);
        assertThat(files).containsEntry("link", "hard.txt").containsEntry("setLastModifiedTime", "1000000000000");
        assertThat(files.get("symlink")).endsWith("file.txt");
    }
}
