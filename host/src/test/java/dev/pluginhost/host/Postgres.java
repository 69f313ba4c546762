package dev.pluginhost.host;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A private PostgreSQL cluster for the tests, from Debian's {@code postgresql} package: made by {@code initdb} in a
 * temporary folder, listening on a free loopback port (and a socket in that folder, not the system's), stopped and
 * deleted by {@link #close}, with the pools it handed out ({@link #pool}). {@code initdb} refuses root, so as root the cluster runs as the {@code postgres} user.
 * Trust authentication: only this machine's loopback reaches it, for as long as the test runs.
 *
 * <p>Without PostgreSQL the test fails with "not available here: ..." ({@code .ci/run} installs it).
 */
final class Postgres implements AutoCloseable, BeforeAllCallback, AfterAllCallback {

    static final Path BIN = Path.of("/usr/lib/postgresql/15/bin");
    static final String DATABASE = "pluginhost";

    /** Set when the cluster is made ({@link #boot}). */
    private Path dir;
    private int port;
    private final List<String> asOwner = new ArrayList<>();
    private final List<HikariDataSource> pools = new ArrayList<>();

    private Postgres() {
    }

    /** Starts a cluster and creates the database {@value #DATABASE}. */
    static Postgres start() throws Exception {
        Postgres postgres = new Postgres();
        postgres.boot();
        return postgres;
    }

    /**
     * One cluster for a test class, as a JUnit extension ({@code @RegisterExtension static final Postgres postgres}):
     * started before all its tests (and its {@code @BeforeAll} methods), stopped after them.
     */
    static Postgres forClass() {
        return new Postgres();
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        boot();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        close();
    }

    private void boot() throws Exception {
        if (!Files.isExecutable(BIN.resolve("initdb")) || !Files.isExecutable(BIN.resolve("pg_ctl"))) {
            throw new AssertionError("not available here: PostgreSQL 15 is not installed (" + BIN
                    + "/initdb missing; apt-get install postgresql, as .ci/run does)");
        }
        dir = Files.createTempDirectory("pluginhost-postgres");
        if ("root".equals(System.getProperty("user.name"))) {
            UserPrincipalLookupService users = dir.getFileSystem().getUserPrincipalLookupService();
            try {
                Files.setOwner(dir, users.lookupPrincipalByName("postgres"));
            } catch (IOException e) {
                throw new AssertionError("not available here: initdb refuses root and there is no user 'postgres' "
                        + "to run it as (" + e + ")");
            }
            asOwner.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        try {
            run(BIN.resolve("initdb").toString(), "-D", dir.resolve("data").toString(), "-U", "postgres",
                    "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync");
            run(BIN.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-w", "-t", "60",
                    "-l", dir.resolve("server.log").toString(), "-o",
                    "-p " + port + " -c listen_addresses=127.0.0.1 -k " + dir, "start");
            try (Connection c = DriverManager.getConnection(url("postgres"), "postgres", "");
                 Statement s = c.createStatement()) {
                s.execute("CREATE DATABASE " + DATABASE);
            }
        } catch (Exception | AssertionError e) {
            close();
            throw e;
        }
    }

    String url() {
        return url(DATABASE);
    }

    private String url(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    /** @return the host's command-line options that point its DataSource at this cluster */
    List<String> hostArgs() {
        return List.of("--spring.datasource.url=" + url(), "--spring.datasource.username=postgres",
                "--spring.datasource.password=");
    }

    /** @return a HikariCP pool on the database, as a host replica has one; closed by {@link #close} */
    HikariDataSource pool(int size, boolean autoCommit) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url());
        config.setUsername("postgres");
        config.setAutoCommit(autoCommit);
        config.setMaximumPoolSize(size);
        HikariDataSource pool = new HikariDataSource(config);
        pools.add(pool);
        return pool;
    }

    Connection connect() throws SQLException {
        return DriverManager.getConnection(url(), "postgres", "");
    }

    private void run(String... command) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>(asOwner);
        full.addAll(List.of(command));
        Path out = Files.createTempFile("pluginhost-postgres", ".out");
        try {
            Process p = new ProcessBuilder(full).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(90, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", full) + " did not finish in 90 s: " + Files.readString(out));
            }
            if (p.exitValue() != 0) {
                String log = Files.exists(dir.resolve("server.log")) ? Files.readString(dir.resolve("server.log")) : "";
                throw new AssertionError(String.join(" ", full) + " failed (" + p.exitValue() + "): "
                        + Files.readString(out) + log);
            }
        } finally {
            Files.deleteIfExists(out);
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        pools.forEach(HikariDataSource::close);
        if (dir == null) {
            return; // never made
        }
        try {
            if (Files.exists(dir.resolve("data/postmaster.pid"))) {
                run(BIN.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-w", "-m", "fast",
                        "stop");
            }
        } finally {
            try (Stream<Path> all = Files.walk(dir)) {
                for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
