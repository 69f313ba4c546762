package dev.pluginhost.host.lifecycle;

import dev.pluginhost.host.discovery.PluginDescriptor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The files of one launch: a private launch folder (the socket, the launch's copy of the jar, its temporary folder)
 * under the run folder, and the plugin's persistent data folder. When the launcher drops plugin JVMs to an
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
record PluginFiles(Path launchDir, Path jar, Path socket, Path tmpDir, Path dataDir, int uid, int gid) {

    static PluginFiles prepare(Path dataRoot, Path runDir, PluginDescriptor plugin, int uid, int gid)
            throws IOException {
        Path dataDir = Files.createDirectories(dataRoot.resolve(plugin.id())).toAbsolutePath();
        Path pluginRun = Files.createDirectories(runDir.resolve(plugin.id()));
        Files.setPosixFilePermissions(pluginRun, PosixFilePermissions.fromString("rwx--x--x"));
        Path launchDir = Files.createTempDirectory(pluginRun, "l");
        Path jar;
        if (Files.isDirectory(plugin.jar())) {
            // Development mode: the build output, read in place (read-only in the sandbox).
            jar = plugin.jar().toAbsolutePath();
            if (uid >= 0) {
                checkReachable(jar.resolve("."), uid); // its folder and every folder above it
            }
        } else {
            jar = Files.copy(plugin.jar(), launchDir.resolve("plugin.jar"), StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("r--r--r--"));
        }
        Path tmpDir = Files.createDirectories(launchDir.resolve("tmp"));
        PluginFiles files = new PluginFiles(launchDir, jar, launchDir.resolve("host.sock"), tmpDir, dataDir, uid, gid);
        files.handOver(launchDir);
        files.handOver(tmpDir);
        files.handOver(dataDir);
        if (uid >= 0) {
            checkReachable(dataDir, uid);
        }
        return files;
    }

    /** Gives a path to the plugin's uid, when it has its own. */
    void handOver(Path path) throws IOException {
        if (uid >= 0) {
            Files.setAttribute(path, "unix:uid", uid);
            Files.setAttribute(path, "unix:gid", gid);
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
