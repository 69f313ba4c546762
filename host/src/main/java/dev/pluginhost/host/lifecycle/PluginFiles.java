package dev.pluginhost.host.lifecycle;

import dev.pluginhost.host.discovery.PluginDescriptor;
import dev.pluginhost.sandbox.SafeFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import org.slf4j.LoggerFactory;

/**
 * The files of one launch: a private launch folder (the socket, the launch's copy of the jar, its temporary folder)
 * under the run folder, removed when the launch ends, and the plugin's persistent data folder (0700). Every folder is
 * created without following links, and an existing one is used only if it is a real folder of the host or the plugin. When the launcher drops plugin JVMs to an
 * unprivileged uid, the folders the plugin writes are handed to that uid; everything else stays the host's.
 * The jar is copied so that the running JVM never sees a jar being replaced, and so that the plugins folder itself
 * need not be readable by plugins.
 *
 * @param launchDir the launch's private folder
 * @param jar the launch's copy of the plugin jar
 * @param socket the plugin's socket path
 * @param tmpDir the plugin's temporary folder
 * @param dataDir the plugin's persistent folder
 * @param uid the plugin JVM's uid, or -1 when it runs as the host's
 * @param gid the plugin JVM's gid, or -1
 */
public record PluginFiles(Path launchDir, Path jar, Path socket, Path tmpDir, Path dataDir, int uid, int gid) {

    /** Plugin data and temporary folders: the plugin's own, nobody else's. */
    static final Set<PosixFilePermission> PRIVATE = PosixFilePermissions.fromString("rwx------");

    /** Folders plugin JVMs (another uid) must pass through to reach their own: traversable, not listable. */
    static final Set<PosixFilePermission> TRAVERSABLE = PosixFilePermissions.fromString("rwx--x--x");

    static PluginFiles prepare(Path dataRoot, Path runDir, PluginDescriptor plugin, int uid, int gid)
            throws IOException {
        int host = SafeFiles.effectiveUid();
        Path root = dataRoot.toAbsolutePath();
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(root.getParent());
        }
        try {
            SafeFiles.directory(root, TRAVERSABLE);
        } catch (IOException e) {
            throw new IOException("plugins.data-dir: " + e.getMessage(), e);
        }
        // The data folder may already be the plugin's (a root host hands it over), never anyone else's.
        Path dataDir = uid >= 0 ? SafeFiles.directory(root.resolve(plugin.id()), PRIVATE, host, uid)
                : SafeFiles.directory(root.resolve(plugin.id()), PRIVATE, host);
        Path pluginRun = SafeFiles.directory(runDir.resolve(plugin.id()), TRAVERSABLE, host);
        Path launchDir = Files.createTempDirectory(pluginRun, "l", PosixFilePermissions.asFileAttribute(PRIVATE));
        Path jar;
        if (Files.isDirectory(plugin.jar())) {
            // Development mode: the build output, read in place (read-only in the sandbox).
            jar = plugin.jar().toAbsolutePath();
            if (uid >= 0) {
                checkReachable(jar.resolve("."), uid); // its folder and every folder above it
            }
        } else {
            jar = Files.copy(plugin.jar(), launchDir.resolve("plugin.jar"));
            Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("r--r--r--"));
        }
        Path tmpDir = Files.createDirectory(launchDir.resolve("tmp"), PosixFilePermissions.asFileAttribute(PRIVATE));
        PluginFiles files = new PluginFiles(launchDir, jar, launchDir.resolve("host.sock"), tmpDir, dataDir, uid, gid);
        files.handOver(launchDir);
        files.handOver(tmpDir);
        files.handOver(dataDir);
        if (uid >= 0) {
            checkReachable(dataDir, uid);
        }
        return files;
    }

    /** Removes the launch folder: the socket, the jar copy, the temporary files; links are never followed. */
    void removeLaunchDir() {
        try {
            SafeFiles.deleteTree(launchDir);
        } catch (IOException e) {
            LoggerFactory.getLogger(PluginFiles.class).warn("cannot remove the launch folder {}: {}", launchDir,
                    e.toString());
        }
    }

    /** Gives a path to the plugin's uid, when it has its own. */
    void handOver(Path path) throws IOException {
        if (uid >= 0) {
            Files.setAttribute(path, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(path, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
        }
    }

    /** The plugin's uid must be able to walk down to a folder it uses; say which folder stops it. */
    private static void checkReachable(Path dataDir, int uid) throws IOException {
        for (Path dir = dataDir.getParent(); dir != null; dir = dir.getParent()) {
            if (!Files.getPosixFilePermissions(dir).contains(PosixFilePermission.OTHERS_EXECUTE)) {
                throw new PermanentLaunchException("the plugin JVM (uid " + uid + ") cannot reach " + dataDir.normalize()
                        + ": " + dir + " is not traversable by others (chmod o+x " + dir
                        + ", or use a folder elsewhere)");
            }
        }
    }
}
