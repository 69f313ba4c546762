package dev.pluginhost.host;

import dev.pluginhost.host.capability.JdbcKvStore;
import dev.pluginhost.host.capability.KvStore;
import dev.pluginhost.host.discovery.ManifestReader;
import dev.pluginhost.host.discovery.PluginScanner;
import dev.pluginhost.host.lifecycle.PluginHostLifecycle;
import dev.pluginhost.host.lifecycle.PluginManager;
import dev.pluginhost.host.metrics.PluginMetrics;
import dev.pluginhost.host.web.PluginController;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.h2.jdbcx.JdbcDataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * The plugin host as auto-configuration: an application that has this module on its class path gets the plugin
 * manager, the management API and the plugin meters, configured under {@code plugins.*}.
 */
@AutoConfiguration
@EnableConfigurationProperties(PluginHostProperties.class)
public class PluginHostAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    public PluginMetrics pluginMetrics(ObjectProvider<MeterRegistry> registry) {
        return new PluginMetrics(registry.getIfAvailable(() -> Metrics.globalRegistry));
    }

    /** The kv capability's store: an embedded H2 file under {@code plugins.data-dir} unless the application has one. */
    @Bean
    @ConditionalOnMissingBean
    public KvStore pluginKvStore(PluginHostProperties properties) throws IOException {
        Path dir = Files.createDirectories(properties.getDataDir().resolve(".kv")).toAbsolutePath();
        JdbcDataSource h2 = new JdbcDataSource();
        // WRITE_DELAY=0: a put is on disk when the plugin gets its acknowledgement, even if the host is killed.
        h2.setURL("jdbc:h2:file:" + dir.resolve("kv") + ";WRITE_DELAY=0");
        return new JdbcKvStore(h2);
    }

    @Bean
    @ConditionalOnMissingBean
    public PluginManager pluginManager(PluginHostProperties properties, PluginMetrics metrics, KvStore kv) {
        return new PluginManager(properties, new PluginScanner(new ManifestReader(properties.getMaxJarSize())),
                metrics, kv);
    }

    @Bean
    public PluginHostLifecycle pluginHostLifecycle(PluginManager manager) {
        return new PluginHostLifecycle(manager);
    }

    @Bean
    @ConditionalOnWebApplication
    public PluginController pluginController(PluginManager manager) {
        return new PluginController(manager);
    }
}
