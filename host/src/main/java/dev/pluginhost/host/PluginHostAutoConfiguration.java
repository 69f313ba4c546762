package dev.pluginhost.host;

import dev.pluginhost.host.capability.CapabilityServices;
import dev.pluginhost.host.capability.EventBus;
import dev.pluginhost.host.capability.FleetEvents;
import dev.pluginhost.host.capability.JdbcKvStore;
import dev.pluginhost.host.capability.KvStore;
import dev.pluginhost.host.discovery.ManifestReader;
import dev.pluginhost.host.lifecycle.FleetPlugins;
import dev.pluginhost.host.lifecycle.PluginHostLifecycle;
import dev.pluginhost.host.lifecycle.PluginManager;
import dev.pluginhost.host.metrics.PluginMetrics;
import dev.pluginhost.host.web.FleetController;
import dev.pluginhost.host.web.PluginController;
import dev.pluginhost.host.web.PluginsHealth;
import dev.pluginhost.host.web.PluginsInfo;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcConnectionPool;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
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

    /**
     * The kv capability's store: in the application's pooled {@code DataSource} when it has one (Spring Boot's
     * HikariCP from {@code spring.datasource.*}, say; PostgreSQL for replicas that share plugin state, see
     * docs/fleet.md), else in an embedded H2 file under {@code plugins.data-dir}. An in-memory database does not
     * count as one: it is what Spring Boot makes up when {@code spring.datasource.url} is not set and H2 is on the
     * class path, and plugin state kept there would not survive a restart.
     */
    @Bean
    @ConditionalOnMissingBean
    public KvStore pluginKvStore(PluginHostProperties properties, ObjectProvider<DataSource> application)
            throws IOException {
        DataSource dataSource = application.getIfUnique();
        if (dataSource != null && !inMemory(dataSource)) {
            return new JdbcKvStore(dataSource);
        }
        Path dir = JdbcKvStore.privateFolder(properties.getDataDir().toAbsolutePath().resolve(".kv"));
        // WRITE_DELAY=0: a put is on disk when the plugin gets its acknowledgement, even if the host is killed.
        // Pooled: opening an embedded H2 connection per call costs milliseconds (measured in docs/benchmarks.md).
        JdbcConnectionPool h2 = JdbcConnectionPool.create("jdbc:h2:file:" + dir.resolve("kv") + ";WRITE_DELAY=0",
                "sa", "");
        h2.setMaxConnections(16);
        JdbcKvStore store = new JdbcKvStore(h2);
        JdbcKvStore.privateFiles(dir);
        return store;
    }

    private static boolean inMemory(DataSource dataSource) {
        try (Connection c = dataSource.getConnection()) {
            return c.getMetaData().getURL().startsWith("jdbc:h2:mem:");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot reach the application's DataSource (spring.datasource.*) for "
                    + "the kv store: " + e.getMessage(), e);
        }
    }

    /**
     * Topics shared by plugins and the application; publish and subscribe through {@link PluginHost}. With a
     * PostgreSQL {@code DataSource} the plugins' events span the fleet (docs/fleet.md); else they stay in memory.
     * Depends on the kv store: its construction brings the shared schema up to date.
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public EventBus pluginEventBus(PluginHostProperties properties, ObjectProvider<DataSource> application,
                                   KvStore kv) {
        DataSource postgres = postgres(application);
        return new EventBus(properties.getEvents(),
                postgres == null ? null : new FleetEvents(postgres, properties.getFleet()));
    }

    /** The fleet's plugin set (POST /api/plugins): with a PostgreSQL {@code DataSource} only. */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public FleetPlugins pluginFleetPlugins(PluginHostProperties properties, ObjectProvider<DataSource> application,
                                           CapabilityServices services, KvStore kv) throws IOException {
        DataSource postgres = postgres(application);
        return postgres == null ? FleetPlugins.none() : new FleetPlugins(postgres,
                new ManifestReader(properties.getMaxJarSize().toBytes(), services.catalog()), properties);
    }

    /** @return the application's DataSource when it is PostgreSQL: replicas share events and plugins through it */
    private static DataSource postgres(ObjectProvider<DataSource> application) {
        DataSource dataSource = application.getIfUnique();
        if (dataSource == null) {
            return null;
        }
        try (Connection c = dataSource.getConnection()) {
            return "PostgreSQL".equals(c.getMetaData().getDatabaseProductName()) ? dataSource : null;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot reach the application's DataSource (spring.datasource.*): "
                    + e.getMessage(), e);
        }
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public CapabilityServices pluginCapabilityServices(PluginHostProperties properties, KvStore kv, EventBus events,
            ObjectProvider<CapabilityServices.ApplicationCapability> applicationCapabilities) {
        return new CapabilityServices(kv, events, properties.getConfig(),
                applicationCapabilities.orderedStream().toList(), properties.getLimits());
    }

    @Bean
    @ConditionalOnMissingBean
    public PluginManager pluginManager(PluginHostProperties properties, PluginMetrics metrics,
                                       CapabilityServices services) {
        return new PluginManager(properties, new ManifestReader(properties.getMaxJarSize().toBytes(), services.catalog()),
                metrics, services);
    }

    @Bean
    @ConditionalOnMissingBean
    public PluginHost pluginHost(PluginManager manager, EventBus events) {
        return new PluginHost(manager, events);
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

    @Bean
    @ConditionalOnWebApplication
    public FleetController fleetController(EventBus events, PluginHostProperties properties,
                                           FleetPlugins plugins) {
        return new FleetController(events, properties, plugins);
    }

    /** Health per plugin under {@code /actuator/health/plugins}. */
    @Bean
    @ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthContributor")
    public PluginsHealth pluginsHealthContributor(PluginManager manager) {
        return new PluginsHealth(manager);
    }

    @Bean
    @ConditionalOnClass(name = "org.springframework.boot.actuate.info.InfoContributor")
    public PluginsInfo pluginsInfoContributor(PluginManager manager) {
        return new PluginsInfo(manager);
    }
}
