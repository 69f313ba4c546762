package dev.pluginhost.host.capability;

import dev.pluginhost.sandbox.SafeFiles;
import java.io.IOException;
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
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * {@link KvStore} on any JDBC database: one table, {@code (plugin, key)} as primary key, each write its own
 * auto-committed statement (acknowledged = committed).
 */
public final class JdbcKvStore implements KvStore {

    /** A kv call never waits on the database longer than this: host-side handlers must not block forever. */
    static final int QUERY_TIMEOUT_SECONDS = 10;

    private final DataSource dataSource;

    public JdbcKvStore(DataSource dataSource) {
        this.dataSource = dataSource;
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS plugin_kv (plugin VARCHAR(64) NOT NULL, k VARCHAR(1024) NOT NULL, "
                    + "v VARBINARY(1048576) NOT NULL, PRIMARY KEY (plugin, k))");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create the kv table: " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<byte[]> get(String plugin, String key) {
        return retried("get", c -> {
            try (PreparedStatement s = prepare(c, "SELECT v FROM plugin_kv WHERE plugin = ? AND k = ?")) {
                s.setString(1, plugin);
                s.setString(2, key);
                try (ResultSet r = s.executeQuery()) {
                    return r.next() ? Optional.of(r.getBytes(1)) : Optional.empty();
                }
            }
        });
    }

    @Override
    public void put(String plugin, String key, byte[] value) {
        retried("put", c -> {
            try (PreparedStatement s = prepare(c, "MERGE INTO plugin_kv (plugin, k, v) KEY (plugin, k) "
                    + "VALUES (?, ?, ?)")) {
                s.setString(1, plugin);
                s.setString(2, key);
                s.setBytes(3, value);
                return s.executeUpdate();
            }
        });
    }

    @Override
    public boolean delete(String plugin, String key) {
        return retried("delete", c -> {
            try (PreparedStatement s = prepare(c, "DELETE FROM plugin_kv WHERE plugin = ? AND k = ?")) {
                s.setString(1, plugin);
                s.setString(2, key);
                return s.executeUpdate() > 0;
            }
        });
    }

    @Override
    public List<String> list(String plugin, String prefix, int limit) {
        return retried("list", c -> {
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
        return retried("usedBytes", c -> {
            try (PreparedStatement s = prepare(c, "SELECT COALESCE(SUM(OCTET_LENGTH(k) + OCTET_LENGTH(v)), 0) "
                    + "FROM plugin_kv WHERE plugin = ?")) {
                s.setString(1, plugin);
                try (ResultSet r = s.executeQuery()) {
                    r.next();
                    return r.getLong(1);
                }
            }
        });
    }

    @Override
    public boolean compareAndSet(String plugin, String key, byte[] expected, byte[] value) {
        return retried("compareAndSet", c -> {
            c.setAutoCommit(false);
            try {
                Optional<byte[]> current;
                try (PreparedStatement s = prepare(c, 
                        "SELECT v FROM plugin_kv WHERE plugin = ? AND k = ? FOR UPDATE")) {
                    s.setString(1, plugin);
                    s.setString(2, key);
                    try (ResultSet r = s.executeQuery()) {
                        current = r.next() ? Optional.of(r.getBytes(1)) : Optional.empty();
                    }
                }
                boolean matches = expected == null ? current.isEmpty()
                        : current.isPresent() && Arrays.equals(current.get(), expected);
                if (!matches) {
                    c.rollback();
                    return false;
                }
                try (PreparedStatement s = prepare(c, "MERGE INTO plugin_kv (plugin, k, v) KEY (plugin, k) "
                        + "VALUES (?, ?, ?)")) {
                    s.setString(1, plugin);
                    s.setString(2, key);
                    s.setBytes(3, value);
                    s.executeUpdate();
                }
                c.commit();
                return true;
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        });
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
        PreparedStatement s = c.prepareStatement(sql);
        s.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
        return s;
    }

    /** One statement's work on a connection. */
    @FunctionalInterface
    private interface Work<T> {
        T on(Connection c) throws SQLException;
    }

    /**
     * Runs the work on a pooled connection, and once more on a fresh one when the database had closed: an embedded
     * H2 closes itself when a write fails (a full disk), and the pool hands out one closed connection before it
     * reopens the database. Nothing was written by a call that failed so, so running it again is safe.
     */
    private <T> T retried(String operation, Work<T> work) {
        for (int attempt = 0; ; attempt++) {
            try (Connection c = dataSource.getConnection()) {
                return work.on(c);
            } catch (SQLException e) {
                if (attempt > 0 || e.getErrorCode() != DATABASE_IS_CLOSED) {
                    throw failure(operation, e);
                }
            }
        }
    }

    /** H2's "The database has been closed". */
    private static final int DATABASE_IS_CLOSED = 90098;

    /** The plugin reads this message (UNAVAILABLE): a full disk says so, not as a database's internals. */
    private static IllegalStateException failure(String operation, SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (String.valueOf(t.getMessage()).contains("No space left on device")) {
                return new IllegalStateException("kv " + operation + " failed: no space left on the disk of the "
                        + "host's data folder (plugins.data-dir); nothing was written", e);
            }
        }
        return new IllegalStateException("kv " + operation + " failed: " + e.getMessage(), e);
    }
}
