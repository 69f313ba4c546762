package dev.pluginhost.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pluginhost.host.capability.KvStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcConnectionPool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.support.StaticListableBeanFactory;

/**
 * Where the kv capability keeps its data: in the application's pooled DataSource when it has one, else in an H2
 * file of the host's own under plugins.data-dir.
 */
class KvStoreSourceTest {

    @TempDir
    Path data;

    @TempDir
    Path app;

    /** @return the kv store the auto-configuration makes when the application has this DataSource */
    private KvStore storeWith(DataSource application) throws Exception {
        StaticListableBeanFactory beans = new StaticListableBeanFactory();
        beans.addBean("dataSource", application);
        return new PluginHostAutoConfiguration().pluginKvStore(properties(), beans.getBeanProvider(DataSource.class));
    }

    @Test
    void theApplicationsDataSourceServesWhenThereIsOne() throws Exception {
        JdbcConnectionPool application = JdbcConnectionPool.create("jdbc:h2:file:" + app.resolve("app"), "sa", "");
        try {
            KvStore kv = storeWith(application);
            kv.put("p", "k", "v".getBytes(StandardCharsets.UTF_8));
            try (Connection c = application.getConnection(); Statement s = c.createStatement();
                 ResultSet r = s.executeQuery("SELECT v FROM plugin_kv WHERE plugin = 'p' AND k = 'k'")) {
                assertThat(r.next()).as("the value is in the application's database").isTrue();
                assertThat(new String(r.getBytes(1), StandardCharsets.UTF_8)).isEqualTo("v");
            }
            assertThat(data.resolve(".kv")).as("no H2 file of the host's own").doesNotExist();
        } finally {
            application.dispose();
        }
    }

    @Test
    void anInMemoryDataSourceAsSpringBootMakesUpWithoutAUrlIsNotUsed() throws Exception {
        JdbcConnectionPool madeUp = JdbcConnectionPool.create("jdbc:h2:mem:" + java.util.UUID.randomUUID()
                + ";DB_CLOSE_DELAY=-1", "sa", "");
        try {
            KvStore kv = storeWith(madeUp);
            kv.put("p", "k", "v".getBytes(StandardCharsets.UTF_8));
            try (Connection c = madeUp.getConnection(); Statement s = c.createStatement();
                 ResultSet r = s.executeQuery("SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES "
                         + "WHERE TABLE_NAME = 'PLUGIN_KV'")) {
                r.next();
                assertThat(r.getInt(1)).as("nothing in the in-memory database").isZero();
            }
            assertThat(data.resolve(".kv")).as("the host's own H2 file instead").isDirectory();
        } finally {
            madeUp.dispose();
        }
    }

    @Test
    void aQuotaIsCountedInTheDatabaseAndAWriteOverItChangesNothing() throws Exception {
        KvStore kv = new PluginHostAutoConfiguration().pluginKvStore(properties(),
                new StaticListableBeanFactory().getBeanProvider(DataSource.class));
        kv.put("p", "a", new byte[10], 22);
        assertThat(kv.usedBytes("p")).isEqualTo(11);
        assertThatThrownBy(() -> kv.put("p", "b", new byte[11], 22))
                .isInstanceOfSatisfying(KvStore.QuotaExceededException.class,
                        e -> assertThat(e.bytesAfter()).isEqualTo(23));
        assertThat(kv.get("p", "b")).isEmpty();
        kv.put("p", "a", new byte[21], 22); // replacing a value counts only the difference
        assertThatThrownBy(() -> kv.compareAndSet("p", "a", new byte[21], new byte[22], 22))
                .isInstanceOf(KvStore.QuotaExceededException.class);
        assertThat(kv.get("p", "a")).hasValueSatisfying(v -> assertThat(v).hasSize(21));
    }

    @Test
    void withoutOneTheHostKeepsAnH2FileUnderItsDataFolder() throws Exception {
        KvStore kv = new PluginHostAutoConfiguration().pluginKvStore(properties(),
                new StaticListableBeanFactory().getBeanProvider(DataSource.class));
        kv.put("p", "k", "v".getBytes(StandardCharsets.UTF_8));
        assertThat(kv.get("p", "k")).hasValueSatisfying(v -> assertThat(v).asString().isEqualTo("v"));
        try (var files = Files.list(data.resolve(".kv"))) {
            assertThat(files.map(f -> f.getFileName().toString())).anyMatch(n -> n.startsWith("kv."));
        }
    }

    private PluginHostProperties properties() {
        PluginHostProperties properties = new PluginHostProperties();
        properties.setDataDir(data);
        return properties;
    }
}
