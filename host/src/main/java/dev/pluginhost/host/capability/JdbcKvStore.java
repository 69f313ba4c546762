package dev.pluginhost.host.capability;

import dev.pluginhost.sandbox.SafeFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;

/**
 * {@link KvStore} on a JDBC database: H2 (the single host's file) or PostgreSQL (shared by host replicas, see
 * docs/fleet.md). One table, {@code (plugin, key)} as primary key; the schema is Flyway's, in a history table of the
 * host's own ({@link #SCHEMA_HISTORY}) so that an application's own migrations are not disturbed. Every write is its
 * own transaction, committed before the method returns (acknowledged = committed), whatever the pool's auto-commit
 * setting; a plugin's writes lock its row in {@code plugin_kv_lock} first, so that its quota is counted in the
 * database, one write at a time across every host that shares it.
 */
public final class JdbcKvStore implements KvStore {

    /** A kv call never waits on the database longer than this: host-side handlers must not block forever. */
    static final int QUERY_TIMEOUT_SECONDS = 10;

    /** Flyway's history table for the kv schema, apart from the application's {@code flyway_schema_history}. */
    public static final String SCHEMA_HISTORY = "pluginhost_schema_history";

    /** The databases the store speaks; each upserts in its own dialect. */
    enum Dialect {
        H2("h2", "MERGE INTO plugin_kv (plugin, k, v) KEY (plugin, k) VALUES (?, ?, ?)",
                "MERGE INTO plugin_kv_lock (plugin) KEY (plugin) VALUES (?)"),
        POSTGRESQL("postgresql", "INSERT INTO plugin_kv (plugin, k, v) VALUES (?, ?, ?) "
                + "ON CONFLICT (plugin, k) DO UPDATE SET v = EXCLUDED.v",
                // DO UPDATE, not DO NOTHING: the row is locked whether this inserts it or finds it
                "INSERT INTO plugin_kv_lock (plugin) VALUES (?) ON CONFLICT (plugin) DO UPDATE SET plugin = EXCLUDED.plugin");

        final String folder;
        final String upsert;
        final String lock;

        Dialect(String folder, String upsert, String lock) {
            this.folder = folder;
            this.upsert = upsert;
            this.lock = lock;
        }

        static Dialect of(String productName) {
            return switch (productName) {
                case "H2" -> H2;
                case "PostgreSQL" -> POSTGRESQL;
                default -> throw new IllegalStateException("the kv store cannot use a " + productName
                        + " database (spring.datasource.*): PostgreSQL and H2 are supported");
            };
        }
    }

    private final DataSource dataSource;
    private final Dialect dialect;

    public JdbcKvStore(DataSource dataSource) {
        this.dataSource = dataSource;
        try (Connection c = dataSource.getConnection()) {
            this.dialect = Dialect.of(c.getMetaData().getDatabaseProductName());
        } catch (SQLException e) {
            throw new IllegalStateException("cannot reach the kv store's database: " + e.getMessage(), e);
        }
        migrate();
    }

    /**
     * Brings the schema to this version. Several hosts may start at once: Flyway serialises them (on PostgreSQL
     * with an advisory lock). Baseline 0 on a database that has tables but not this history: the application's own,
     * or a kv table made before Flyway managed it (the scripts create only what is missing).
     */
    private void migrate() {
        try {
            Flyway.configure(JdbcKvStore.class.getClassLoader())
                    .dataSource(dataSource)
                    .locations("classpath:dev/pluginhost/db/" + dialect.folder)
                    .table(SCHEMA_HISTORY)
                    .baselineOnMigrate(true)
                    .baselineVersion("0")
                    .load()
                    .migrate();
        } catch (FlywayException e) {
            throw new IllegalStateException("cannot migrate the kv store's schema: " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<byte[]> get(String plugin, String key) {
        return reading("get", c -> read(c, plugin, key));
    }

    @Override
    public void put(String plugin, String key, byte[] value, long maxTotalBytes) {
        inTransaction("put", plugin, c -> {
            checkQuota(c, plugin, key, value, maxTotalBytes);
            upsert(c, plugin, key, value);
            return null;
        });
    }

    @Override
    public boolean delete(String plugin, String key) {
        return inTransaction("delete", null, c -> {
            try (PreparedStatement s = prepare(c, "DELETE FROM plugin_kv WHERE plugin = ? AND k = ?")) {
                s.setString(1, plugin);
                s.setString(2, key);
                return s.executeUpdate() > 0;
            }
        });
    }

    @Override
    public List<String> list(String plugin, String prefix, int limit) {
        return reading("list", c -> {
            try (PreparedStatement s = prepare(c, "SELECT k FROM plugin_kv WHERE plugin = ? AND k >= ? "
                    + "ORDER BY k LIMIT ?")) {
                s.setString(1, plugin);
                s.setString(2, prefix);
                s.setInt(3, limit);
                List<String> keys = new ArrayList<>();
                try (ResultSet r = s.executeQuery()) {
                    while (r.next() && r.getString(1).startsWith(prefix)) {
                        keys.add(r.getString(1));
                    }
                }
                return keys;
            }
        });
    }

    @Override
    public long usedBytes(String plugin) {
        return reading("usedBytes", c -> usedBytes(c, plugin));
    }

    @Override
    public boolean compareAndSet(String plugin, String key, byte[] expected, byte[] value, long maxTotalBytes) {
        return inTransaction("compareAndSet", plugin, c -> {
            Optional<byte[]> current = read(c, plugin, key);
            boolean matches = expected == null ? current.isEmpty()
                    : current.isPresent() && Arrays.equals(current.get(), expected);
            if (!matches) {
                return false;
            }
            checkQuota(c, plugin, key, value, maxTotalBytes);
            upsert(c, plugin, key, value);
            return true;
        });
    }

    private interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /**
     * Runs {@code work} in one transaction, committed before this returns: a pool may hand out connections with
     * auto-commit off, and a write the plugin was told about must not wait for someone else's commit.
     *
     * @param lockPlugin a plugin whose lock row is taken first (its writes then run one at a time, fleet-wide), or
     *     null
     */
    /**
     * H2's "The database has been closed": an embedded H2 closes itself when a write fails (a full disk), and the
     * pool hands out a closed connection before it notices. A call that meets one runs once more on a fresh one.
     */
    private static final int DATABASE_IS_CLOSED = 90098;

    private <T> T reading(String operation, Work<T> work) {
        for (int attempt = 0; ; attempt++) {
            try (Connection c = dataSource.getConnection()) {
                return work.run(c);
            } catch (SQLException e) {
                if (attempt > 0 || e.getErrorCode() != DATABASE_IS_CLOSED) {
                    throw failure(operation, e);
                }
            }
        }
    }

    private <T> T inTransaction(String operation, String lockPlugin, Work<T> work) {
        try {
            return inTransactionOnce(operation, lockPlugin, work);
        } catch (IllegalStateException e) {
            if (e.getCause() instanceof SQLException sql && sql.getErrorCode() == DATABASE_IS_CLOSED) {
                return inTransactionOnce(operation, lockPlugin, work); // nothing was written: try once more
            }
            throw e;
        }
    }

    private <T> T inTransactionOnce(String operation, String lockPlugin, Work<T> work) {
        try (Connection c = dataSource.getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                if (lockPlugin != null) {
                    try (PreparedStatement s = prepare(c, dialect.lock)) {
                        s.setString(1, lockPlugin);
                        s.executeUpdate();
                    }
                }
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(autoCommit);
            }
        } catch (SQLException e) {
            throw failure(operation, e);
        }
    }

    /** The plugin's keys and values after the write must take at most {@code maxTotalBytes}. */
    private static void checkQuota(Connection c, String plugin, String key, byte[] value, long maxTotalBytes)
            throws SQLException {
        int keyBytes = key.getBytes(StandardCharsets.UTF_8).length;
        long replaced = read(c, plugin, key).map(old -> (long) keyBytes + old.length).orElse(0L);
        long after = usedBytes(c, plugin) - replaced + keyBytes + value.length;
        if (after > maxTotalBytes) {
            throw new QuotaExceededException(after);
        }
    }

    private void upsert(Connection c, String plugin, String key, byte[] value) throws SQLException {
        try (PreparedStatement s = prepare(c, dialect.upsert)) {
            s.setString(1, plugin);
            s.setString(2, key);
            s.setBytes(3, value);
            s.executeUpdate();
        }
    }

    private static Optional<byte[]> read(Connection c, String plugin, String key) throws SQLException {
        try (PreparedStatement s = prepare(c, "SELECT v FROM plugin_kv WHERE plugin = ? AND k = ?")) {
            s.setString(1, plugin);
            s.setString(2, key);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? Optional.of(r.getBytes(1)) : Optional.empty();
            }
        }
    }

    private static long usedBytes(Connection c, String plugin) throws SQLException {
        try (PreparedStatement s = prepare(c, "SELECT COALESCE(SUM(OCTET_LENGTH(k) + OCTET_LENGTH(v)), 0) "
                + "FROM plugin_kv WHERE plugin = ?")) {
            s.setString(1, plugin);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getLong(1);
            }
        }
    }

    /**
     * The folder of an embedded store's files (every plugin's kv data): the host's alone, 0700, created without
     * following links; an existing one is used only if it is a real folder of the host's user. Its parent, the data
     * folder, is made traversable only (0711): plugin JVMs pass through it to their own data folders.
     */
    public static Path privateFolder(Path dir) throws IOException {
        Path parent = dir.getParent();
        if (!Files.exists(parent, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(parent.getParent());
        }
        try {
            SafeFiles.directory(parent, PosixFilePermissions.fromString("rwx--x--x"));
            return SafeFiles.directory(dir, SafeFiles.OWNER_ONLY);
        } catch (IOException e) {
            throw new IOException("plugins.data-dir (the kv store's folder): " + e.getMessage(), e);
        }
    }

    /**
     * Makes the store's files 0600 once the database made them (H2 creates them with the process umask). The folder
     * being 0700 is what keeps out the files H2 creates later (trace, temporary files).
     */
    public static void privateFiles(Path dir) throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path file : files) {
                if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                    Files.getFileAttributeView(file, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                            .setPermissions(PosixFilePermissions.fromString("rw-------"));
                }
            }
        }
    }

    private static PreparedStatement prepare(Connection c, String sql) throws SQLException {
        return Statements.prepare(c, sql, QUERY_TIMEOUT_SECONDS);
    }

    private static IllegalStateException failure(String operation, SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (String.valueOf(t.getMessage()).contains("No space left on device")) {
                return new IllegalStateException("kv " + operation + " failed: no space left on the disk of the "
                        + "host's data folder (plugins.data-dir), or of the kv store's database server; nothing was "
                        + "written", e);
            }
        }
        return new IllegalStateException("kv " + operation + " failed: " + e.getMessage(), e);
    }
}
