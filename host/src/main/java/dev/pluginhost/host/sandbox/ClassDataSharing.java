package dev.pluginhost.host.sandbox;

import dev.pluginhost.host.PluginHostProperties;
import dev.pluginhost.sandbox.SafeFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A class-data-sharing archive of the plugin runtime, made by a trusted training run
 * ({@code dev.pluginhost.sdk.runtime.CdsTraining}, no plugin code) with the plugin JVMs' own options; every plugin JVM
 * then maps it read-only ({@code -XX:SharedArchiveFile}). Measured: plugin start ×0.6 (docs/benchmarks.md). Any
 * failure only costs that speed: plugins start without it.
 *
 * <p>When the plugin JDK is 25 or later the archive is an ahead-of-time cache instead (JEP 483/514/515: classes
 * loaded <em>and linked</em>, method profiles), made with {@code -XX:AOTCacheOutput} and mapped with
 * {@code -XX:AOTCache}; those refuse every {@code -Xshare} option, so the plugin JVMs' own are left out of both runs.
 * Measured here on JDK 25 under load, the runtime's training program: no archive 2.3–3.9 s, dynamic CDS 1.8–2.0 s,
 * AOT cache 1.5–2.1 s.
 *
 * <p>The archive is kept across host starts (training costs a JVM run of several seconds of CPU), in
 * {@code <plugins.data-dir>/.runtime-archives/<key>/} beside the copy of the runtime jar it was made from. The key is
 * a hash of everything the archive depends on: the runtime jar's SHA-256, the plugin java's real path, its version
 * and its {@code lib/modules}, the format and the training options. The jar lives there rather than in the run
 * folder because the archive records its class path: JDK 17 refuses it when the jar's path, size or modification
 * time differ (the jar's time is fixed, {@link #JAR_TIME}, so two hosts writing it write the same file), while JDK 25
 * was seen here to map a cache beside a different jar without a word — so the host checks the jar itself. Every file
 * is the host's, read-only ({@code r--r--r--}), written under a temporary name and renamed into place; a plugin gets
 * the jar and the archive as read-only paths (Landlock read rule, read-only bind in the minimal root), as the run
 * folder's copies before. At each start the host checks what it finds (owner, mode, the archive's recorded SHA-256,
 * then one JVM run that maps it with sharing required) and trains again, with a warning naming the reason, when any
 * check fails; a plugin start never meets an archive its JVM refuses. Folders of earlier runtimes or JDKs are left
 * (about 55 MiB each): remove {@code .runtime-archives} while the host is stopped to reclaim them.
 */
public final class ClassDataSharing {

    private static final Logger log = LoggerFactory.getLogger(ClassDataSharing.class);

    static final String TRAINING = "dev.pluginhost.sdk.runtime.CdsTraining";

    /** The archives' folder under {@code plugins.data-dir}; plugin ids cannot start with a dot. */
    static final String FOLDER = ".runtime-archives";

    /** The runtime jar's modification time in the archive folder: JDK 17 checks it against the archive's record. */
    static final FileTime JAR_TIME = FileTime.from(Instant.parse("2000-01-01T00:00:00Z"));

    /** Folders that plugin JVMs (another uid when the host is root) pass through: traversable, not listable. */
    private static final Set<PosixFilePermission> TRAVERSABLE = PosixFilePermissions.fromString("rwx--x--x");

    static final Set<PosixFilePermission> READ_ONLY = PosixFilePermissions.fromString("r--r--r--");

    /**
     * Free space the data folder's disk must have for the host to write a kept archive (about 55 MiB with its jar):
     * the plugins' own data comes first. With less, the archive is made in the run folder for one start, as before.
     */
    static final long ROOM = 256L << 20;

    private ClassDataSharing() {
    }

    /**
     * The runtime's files for every plugin JVM: with {@code plugins.class-data-sharing}, the jar and the archive kept
     * under the data folder (reused when intact, else made); without, or when that folder cannot be used (logged),
     * the jar in the run folder and no archive.
     *
     * @throws IOException only when the runtime jar cannot be written at all
     */
    public static PluginJvm.RuntimeFiles prepare(PluginHostProperties properties, Path runDir) throws IOException {
        if (properties.isClassDataSharing()) {
            try {
                return kept(properties, runDir);
            } catch (IOException e) {
                log.warn("class-data sharing off: cannot keep the runtime's archive under plugins.data-dir: {}",
                        e.getMessage());
            }
        }
        Path jar = RuntimeJar.extract(runDir);
        Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("rw-r--r--"));
        return new PluginJvm.RuntimeFiles(jar, null);
    }

    private static PluginJvm.RuntimeFiles kept(PluginHostProperties properties, Path runDir) throws IOException {
        long start = System.nanoTime();
        Path java = PluginJvm.java(properties);
        boolean aot = PluginJvm.aheadOfTimeCache(java);
        List<String> options = options(properties, java, aot);
        String jarSha = RuntimeJar.sha256();
        Path folder = folder(properties, key(jarSha, java, aot, options));
        Path jar = folder.resolve("plugin-runtime.jar");
        Path archive = folder.resolve(aot ? "plugin-runtime.aot" : "plugin-runtime.jsa");
        Path digest = folder.resolve(archive.getFileName() + ".sha256");
        boolean jarIntact = ArchiveChecks.jarIntact(jar, jarSha);
        String problem = jarIntact ? ArchiveChecks.problem(archive, digest, java, options, jar, aot) : null;
        if (jarIntact && problem == null) {
            log.info("class-data sharing on: {} (kept from an earlier start, made {}, checked in {} ms)", archive,
                    Files.getLastModifiedTime(archive, LinkOption.NOFOLLOW_LINKS),
                    (System.nanoTime() - start) / 1_000_000);
            return new PluginJvm.RuntimeFiles(jar, archive);
        }
        long free = Files.getFileStore(folder).getUsableSpace();
        if (free < ROOM) {
            log.info("class-data sharing: the runtime's archive is made in the run folder, for this start only: the"
                    + " data folder's disk has {} MiB free, less than the {} MiB a kept archive leaves to plugins",
                    free >> 20, ROOM >> 20);
            return perStart(java, options, aot, runDir);
        }
        if (!jarIntact) {
            if (Files.exists(jar, LinkOption.NOFOLLOW_LINKS)) {
                log.warn("class-data sharing: the kept runtime jar {} is not the host's unchanged copy: writing it"
                        + " and training its archive again", jar);
            }
            Files.deleteIfExists(archive); // made from another jar file, if any
            write(jar, RuntimeJar::copyTo);
        } else if (Files.exists(archive, LinkOption.NOFOLLOW_LINKS)) {
            log.warn("class-data sharing: the kept archive {} cannot be used ({}): training it again", archive,
                    problem);
        }
        Path made = train(java, options, aot, jar, archive, digest, runDir.resolve("cds-training")).orElse(null);
        return new PluginJvm.RuntimeFiles(jar, made);
    }

    /** As before archives were kept: the jar and an archive in the run folder, made for this host start. */
    private static PluginJvm.RuntimeFiles perStart(Path java, List<String> options, boolean aot, Path runDir)
            throws IOException {
        Path jar = RuntimeJar.extract(runDir);
        Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("rw-r--r--"));
        Path archive = runDir.resolve(aot ? "plugin-runtime.aot" : "plugin-runtime.jsa");
        return new PluginJvm.RuntimeFiles(jar, train(java, options, aot, jar, archive,
                runDir.resolve(archive.getFileName() + ".sha256"), runDir.resolve("cds-training")).orElse(null));
    }

    /** The training run's and every plugin JVM's options that the archive depends on. */
    static List<String> options(PluginHostProperties properties, Path java, boolean aot) {
        List<String> options = new ArrayList<>(PluginJvm.jvmOptions(properties, aot));
        options.addAll(PluginJvm.nativeAccess(java));
        return options;
    }

    /**
     * A hash of what the archive depends on, to name its folder: a different runtime, JDK, format or option gets a
     * folder of its own, and hosts of different settings sharing a data folder do not retrain each other's.
     */
    static String key(String jarSha, Path java, boolean aot, List<String> options) throws IOException {
        String identity = "runtime " + jarSha + "\njava " + javaIdentity(java) + "\nformat " + (aot ? "aot" : "jsa")
                + "\noptions " + String.join(" ", options) + "\n";
        return sha256(new java.io.ByteArrayInputStream(identity.getBytes(StandardCharsets.UTF_8))).substring(0, 20);
    }

    /** The java's real path, its {@code release} version and its class library file's size and time. */
    static String javaIdentity(Path java) throws IOException {
        Path real = java.toRealPath();
        Path home = real.getParent().getParent();
        String version = "unknown";
        try {
            version = Files.readAllLines(home.resolve("release")).stream()
                    .filter(l -> l.startsWith("JAVA_RUNTIME_VERSION=") || l.startsWith("JAVA_VERSION="))
                    .reduce((a, b) -> a + " " + b).orElse("unknown");
        } catch (IOException e) {
            // no release file: the modules file below still tells JDKs apart
        }
        Path modules = home.resolve("lib/modules");
        String library = Files.isRegularFile(modules)
                ? Files.size(modules) + "@" + Files.getLastModifiedTime(modules).toMillis() : "none";
        return real + " " + version + " modules " + library;
    }

    /**
     * {@code <plugins.runtime-archive-dir>/<key>}, by default {@code <plugins.data-dir>/.runtime-archives/<key>},
     * made or accepted as the host's own real folders.
     */
    private static Path folder(PluginHostProperties properties, String key) throws IOException {
        Path chosen = properties.getRuntimeArchiveDir();
        Path root = (chosen != null ? chosen : properties.getDataDir()).toAbsolutePath();
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(root.getParent());
        }
        SafeFiles.directory(root, TRAVERSABLE); // as PluginFiles makes it
        Path archives = chosen != null ? root : SafeFiles.directory(root.resolve(FOLDER), TRAVERSABLE);
        return SafeFiles.directory(archives.resolve(key), TRAVERSABLE);
    }

    /**
     * The trusted training run, writing under a temporary name; the archive and its SHA-256 record are renamed into
     * place only when it succeeded.
     *
     * @return the archive, or empty when it could not be made (logged)
     */
    private static Optional<Path> train(Path java, List<String> options, boolean aot, Path jar, Path archive,
                                        Path digest, Path scratch) {
        Path temp = archive.resolveSibling("." + archive.getFileName() + "-" + ProcessHandle.current().pid()
                + ".tmp");
        List<String> command = new ArrayList<>();
        command.add(java.toString());
        command.addAll(options); // the same options as plugin JVMs, or the archive is not used
        command.add(aot ? "-XX:AOTCacheOutput=" + temp : "-XX:ArchiveClassesAtExit=" + temp);
        command.add("-Xlog:cds=off");
        command.add("-cp");
        command.add(jar.toString());
        command.add(TRAINING);
        command.add(jar.toString());
        command.add(scratch.toString());
        long start = System.nanoTime();
        try {
            Files.deleteIfExists(temp);
            Process training = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!training.waitFor(60, TimeUnit.SECONDS)) {
                training.destroyForcibly();
                log.warn("class-data sharing off: the training run took longer than 60 s");
                return Optional.empty();
            }
            if (training.exitValue() != 0 || !Files.isRegularFile(temp)) {
                log.warn("class-data sharing off: the training run exited with {}", training.exitValue());
                return Optional.empty();
            }
            Files.setPosixFilePermissions(temp, READ_ONLY);
            String sha;
            try (InputStream in = Files.newInputStream(temp)) {
                sha = sha256(in);
            }
            write(digest, target -> Files.writeString(target, sha + "\n", StandardCharsets.US_ASCII));
            Files.move(temp, archive, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            log.info("class-data sharing on: {} ({} KiB, made in {} ms)", archive, Files.size(archive) / 1024,
                    (System.nanoTime() - start) / 1_000_000);
            return Optional.of(archive);
        } catch (IOException e) {
            log.warn("class-data sharing off: {}", e.toString());
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } finally {
            try {
                Files.deleteIfExists(temp);
                Files.deleteIfExists(temp.resolveSibling(temp.getFileName() + ".config")); // AOT's first step
            } catch (IOException e) {
                log.debug("cannot remove {}: {}", temp, e.toString());
            }
        }
    }

    private interface Writer {
        void to(Path target) throws IOException;
    }

    /** Writes {@code target} read-only under a temporary name beside it, then renames it into place. */
    private static void write(Path target, Writer writer) throws IOException {
        Path temp = target.resolveSibling("." + target.getFileName() + "-" + ProcessHandle.current().pid() + ".tmp");
        try {
            Files.deleteIfExists(temp);
            writer.to(temp);
            Files.setPosixFilePermissions(temp, READ_ONLY);
            if (target.getFileName().toString().endsWith(".jar")) {
                Files.setLastModifiedTime(temp, JAR_TIME);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private static String sha256(InputStream in) throws IOException {
        return RuntimeJar.sha256(in);
    }
}
