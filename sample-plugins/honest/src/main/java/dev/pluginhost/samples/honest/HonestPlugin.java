package dev.pluginhost.samples.honest;

import dev.pluginhost.sdk.Plugin;
import dev.pluginhost.sdk.PluginContext;
import java.io.File;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.FileTime;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * An honest plugin: ordinary JDK features and two JDBC drivers it bundles, found only through their
 * {@code META-INF/services} entries. Under the host's default policy everything here must work without a violation.
 * Every operation answers with what happened (an error's text instead of throwing), so a test sees all of it.
 */
public final class HonestPlugin implements Plugin {

    private Path data;
    private volatile String sqliteAtStart;

    @Override
    public void start(PluginContext context) {
        data = context.dataDirectory();
        // sqlite-jdbc unpacks its native library into java.io.tmpdir and marks it executable on its first connection:
        // do that at start, as a plugin with a database would.
        sqliteAtStart = attempt(() -> query("jdbc:sqlite:" + data.resolve("start.sqlite")));
        context.operation("start", request -> sqliteAtStart);
        context.operation("jdbc", request -> {
            Map<String, String> result = new LinkedHashMap<>();
            result.put("h2", attempt(() -> query("jdbc:h2:file:" + data.resolve("h2db"))));
            result.put("sqlite", attempt(() -> query("jdbc:sqlite:" + data.resolve("db.sqlite"))));
            return result;
        });
        context.operation("watch", request -> attempt(this::watch));
        context.operation("chmod", request -> attempt(() -> {
            File file = Files.writeString(data.resolve("tool.sh"), "#!/bin/sh\n").toFile();
            return "setExecutable=" + file.setExecutable(true) + " canExecute=" + file.canExecute();
        }));
        context.operation("files", request -> {
            Map<String, String> result = new LinkedHashMap<>();
            Path file = data.resolve("file.txt");
            result.put("write", attempt(() -> Files.writeString(file, "x").getFileName().toString()));
            result.put("setLastModifiedTime", attempt(() -> {
                Files.setLastModifiedTime(file, FileTime.fromMillis(1_000_000_000_000L));
                return String.valueOf(Files.getLastModifiedTime(file).toMillis());
            }));
            result.put("link", attempt(() -> {
                Files.deleteIfExists(data.resolve("hard.txt"));
                return Files.createLink(data.resolve("hard.txt"), file).getFileName().toString();
            }));
            result.put("symlink", attempt(() -> {
                Files.deleteIfExists(data.resolve("soft.txt"));
                return Files.readSymbolicLink(Files.createSymbolicLink(data.resolve("soft.txt"), file)).toString();
            }));
            return result;
        });
    }

    /** Creates a table, adds a row, counts the rows: the driver is found by DriverManager alone. */
    private static String query(String url) throws Exception {
        try (Connection connection = DriverManager.getConnection(url);
             Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE IF NOT EXISTS visits (n INT)");
            statement.execute("INSERT INTO visits VALUES (1)");
            try (ResultSet rows = statement.executeQuery("SELECT COUNT(*) FROM visits")) {
                rows.next();
                return "ok " + connection.getMetaData().getDatabaseProductName() + " rows=" + rows.getInt(1);
            }
        }
    }

    /** A file created in the data folder is reported by a WatchService on it. */
    private String watch() throws IOException, InterruptedException {
        try (WatchService watcher = FileSystems.getDefault().newWatchService()) {
            data.register(watcher, StandardWatchEventKinds.ENTRY_CREATE);
            String name = "watched-" + System.nanoTime() + ".txt";
            Files.writeString(data.resolve(name), "x");
            WatchKey key = watcher.poll(10, TimeUnit.SECONDS);
            if (key == null) {
                return "no event within 10 s";
            }
            for (WatchEvent<?> event : key.pollEvents()) {
                if (name.equals(String.valueOf(event.context()))) {
                    return "event " + event.kind().name();
                }
            }
            return "events, but none for " + name;
        }
    }

    private interface Attempt {
        String run() throws Exception;
    }

    private static String attempt(Attempt attempt) {
        try {
            return attempt.run();
        } catch (Exception | LinkageError e) {
            return "failed: " + e;
        }
    }
}
