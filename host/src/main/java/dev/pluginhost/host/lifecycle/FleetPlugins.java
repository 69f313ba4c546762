package dev.pluginhost.host.lifecycle;

import dev.pluginhost.host.PluginHostProperties;
import dev.pluginhost.host.capability.Statements;
import dev.pluginhost.host.discovery.InvalidPluginException;
import dev.pluginhost.host.discovery.ManifestReader;
import dev.pluginhost.host.discovery.PluginDescriptor;
import dev.pluginhost.host.discovery.PluginPins;
import dev.pluginhost.sandbox.SafeFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fleet's plugin set (docs/fleet.md): jars uploaded to any replica ({@code POST /api/plugins}) are stored with
 * their SHA-256 in the shared PostgreSQL ({@code plugin_jar}); every replica copies each into its plugins folder as
 * {@code <id>.jar} (atomic rename), where the folder's own installation takes over: the same validation, pins and
 * grants as a jar dropped in by hand. A jar is validated before it is stored, so a bad one never reaches another
 * replica. Each replica remembers what it copied (under {@code plugins.data-dir/.fleet-plugins}) and removes only
 * that when the plugin leaves the fleet's set.
 */
public final class FleetPlugins implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(FleetPlugins.class);

    /** The manifest's id rule: the id names a file in the plugins folder, so nothing else may pass. */
    private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,47}");
    private static final int QUERY_TIMEOUT_SECONDS = 30;

    /** A plugin stored for the fleet. */
    public record Stored(String id, String version, String sha256) {
    }

    /** The jar is not a plugin this fleet may run; the message names the reason. */
    public static final class RefusedJarException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        RefusedJarException(String message) {
            super(message);
        }
    }

    private final DataSource dataSource;
    private final ManifestReader reader;
    private final PluginPins pins;
    private final Path dir;
    private final Path copied;
    private final Path uploads;
    private final Thread thread;
    private final long pollMillis;
    private volatile boolean closed;

    /** @return a plugin set that is not there: the host has no PostgreSQL, its plugins are its folder's */
    public static FleetPlugins none() {
        return new FleetPlugins();
    }

    private FleetPlugins() {
        this.dataSource = null;
        this.reader = null;
        this.pins = null;
        this.dir = null;
        this.copied = null;
        this.uploads = null;
        this.thread = null;
        this.pollMillis = 0;
    }

    /** @return false when the host has no PostgreSQL to share a plugin set through */
    public boolean enabled() {
        return dataSource != null;
    }

    public FleetPlugins(DataSource dataSource, ManifestReader reader, PluginHostProperties properties)
            throws IOException {
        this.dataSource = dataSource;
        this.reader = reader;
        PluginHostProperties.TrustStore trustStore = properties.getIdentity().trustStore();
        this.pins = new PluginPins(properties.getIdentity().pins(), trustStore.path(), trustStore.type(),
                trustStore.password());
        this.dir = Files.createDirectories(properties.getDir().toAbsolutePath());
        Path data = Files.createDirectories(properties.getDataDir().toAbsolutePath());
        // The host's alone (0700): uploaded jars wait there, readable by no other local user (were 0755).
        this.copied = SafeFiles.directory(data.resolve(".fleet-plugins"), SafeFiles.OWNER_ONLY);
        this.uploads = SafeFiles.directory(data.resolve(".fleet-uploads"), SafeFiles.OWNER_ONLY);
        this.pollMillis = Math.max(100, properties.getFleet().pluginPoll().toMillis());
        this.thread = new Thread(this::run, "fleet-plugins");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Validates a jar as the plugins folder would (manifest, archive, signature, pins) and stores it for the fleet,
     * replacing the plugin's earlier jar; this replica installs it at once, the others within
     * {@code plugins.fleet.plugin-poll}.
     *
     * @throws RefusedJarException naming the reason when the jar is not a plugin this fleet may run
     */
    public Stored upload(byte[] jar) throws IOException {
        Path file = uploads.resolve("upload-" + UUID.randomUUID() + ".jar");
        PluginDescriptor descriptor;
        try {
            Files.write(file, jar);
            descriptor = reader.read(file);
            String refused = pins.check(descriptor);
            if (refused != null) {
                throw new RefusedJarException(refused);
            }
        } catch (InvalidPluginException e) {
            throw new RefusedJarException(e.getMessage());
        } finally {
            Files.deleteIfExists(file);
        }
        Stored stored = new Stored(descriptor.id(), descriptor.version(), sha256(jar));
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = prepare(c, "INSERT INTO plugin_jar (plugin, version, sha256, jar) VALUES (?, ?, ?, ?) "
                     + "ON CONFLICT (plugin) DO UPDATE SET version = EXCLUDED.version, sha256 = EXCLUDED.sha256, "
                     + "jar = EXCLUDED.jar, uploaded = now()")) {
            c.setAutoCommit(true);
            s.setString(1, stored.id());
            s.setString(2, stored.version());
            s.setString(3, stored.sha256());
            s.setBytes(4, jar);
            s.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("plugin '" + stored.id() + "' could not be stored in the fleet's "
                    + "database: " + e.getMessage(), e);
        }
        log.info("plugin {} {} (sha256 {}) stored for the fleet", stored.id(), stored.version(), stored.sha256());
        sync();
        return stored;
    }

    /**
     * Removes a plugin from the fleet's set: every replica removes the jar it copied.
     *
     * @return false when the fleet's set has no such plugin
     * @throws IllegalArgumentException when the id is not a plugin id
     */
    public boolean remove(String id) {
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException("'" + id.substring(0, Math.min(id.length(), 64)) + "' is not a "
                    + "plugin id (lower-case letters, digits and '-', at most 48)");
        }
        int removed;
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = prepare(c, "DELETE FROM plugin_jar WHERE plugin = ?")) {
            c.setAutoCommit(true);
            s.setString(1, id);
            removed = s.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("plugin '" + id + "' could not be removed from the fleet's database: "
                    + e.getMessage(), e);
        }
        if (removed > 0) {
            log.info("plugin {} removed from the fleet's plugin set", id);
            sync();
        }
        return removed > 0;
    }

    /** Makes this replica's plugins folder hold the fleet's jars: copies new and changed ones, removes gone ones. */
    synchronized void sync() {
        Map<String, String> fleet = new HashMap<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = prepare(c, "SELECT plugin, sha256 FROM plugin_jar");
             ResultSet r = s.executeQuery()) {
            while (r.next()) {
                fleet.put(r.getString(1), r.getString(2));
            }
        } catch (SQLException e) {
            log.warn("fleet plugin set unreadable: {}; trying again in {} ms", e.getMessage(), pollMillis);
            return;
        }
        fleet.forEach((id, sha) -> {
            if (!ID.matcher(id).matches()) {
                return; // not written by upload(): never a file name
            }
            try {
                if (!sha.equals(copiedSha(id)) || !Files.exists(dir.resolve(id + ".jar"))) {
                    copy(id, sha);
                }
            } catch (IOException | SQLException | RuntimeException e) {
                log.warn("fleet plugin {} not copied into {}: {}", id, dir, e.toString());
            }
        });
        try (Stream<Path> markers = Files.list(copied)) {
            for (Path marker : markers.toList()) {
                String id = marker.getFileName().toString();
                if (ID.matcher(id).matches() && !fleet.containsKey(id)) {
                    Path jar = dir.resolve(id + ".jar");
                    if (Files.exists(jar) && Files.readString(marker).equals(sha256(Files.readAllBytes(jar)))) {
                        Files.delete(jar); // only the jar this replica copied, not one put there by hand since
                        log.info("plugin {} left the fleet's plugin set: {} removed", id, jar);
                    }
                    Files.delete(marker);
                }
            }
        } catch (IOException e) {
            log.warn("fleet plugins: {}", e.toString());
        }
    }

    private String copiedSha(String id) throws IOException {
        Path marker = copied.resolve(id);
        return Files.exists(marker) ? Files.readString(marker) : null;
    }

    private void copy(String id, String sha) throws IOException, SQLException {
        byte[] jar;
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = prepare(c, "SELECT jar FROM plugin_jar WHERE plugin = ?")) {
            s.setString(1, id);
            try (ResultSet r = s.executeQuery()) {
                if (!r.next()) {
                    return; // removed meanwhile
                }
                jar = r.getBytes(1);
            }
        }
        if (!sha256(jar).equals(sha)) {
            return; // replaced meanwhile: the next look copies the new one
        }
        // A dot name the folder's watcher ignores, then one atomic rename: the host never reads half a jar.
        Path tmp = dir.resolve("." + id + ".jar.tmp");
        Files.write(tmp, jar);
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
        Files.move(tmp, dir.resolve(id + ".jar"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(copied.resolve(id), sha);
        log.info("fleet plugin {} (sha256 {}) copied into {}", id, sha, dir);
    }

    private void run() {
        while (!closed) {
            sync();
            try {
                Thread.sleep(pollMillis);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        if (thread != null) {
            thread.interrupt();
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static PreparedStatement prepare(Connection c, String sql) throws SQLException {
        return Statements.prepare(c, sql, QUERY_TIMEOUT_SECONDS);
    }
}
