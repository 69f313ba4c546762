package dev.pluginhost.host.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.pluginhost.host.PluginHostProperties;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The runtime's class-data archive kept across host starts, with real training runs and real JVMs on JDK 17 (AppCDS;
 * JDK 25's ahead-of-time cache through the real host: RuntimeArchiveIT): a second start reuses it untouched; a
 * truncated archive (which crashes a JVM that maps it) and an archive the JVM refuses (the data folder moved: JDK 17
 * checks the jar's path) are each reported with the reason and replaced.
 */
class ClassDataSharingTest {

    private static final Path JDK17 = Path.of("/usr/lib/jvm/java-17-openjdk-amd64/bin/java");

    @TempDir
    Path work;

    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();

    @BeforeEach
    void listen() {
        logged.start();
        ((Logger) LoggerFactory.getLogger(ClassDataSharing.class)).addAppender(logged);
    }

    @AfterEach
    void stopListening() {
        ((Logger) LoggerFactory.getLogger(ClassDataSharing.class)).detachAppender(logged);
    }

    @Test
    void hostsWithOtherDataFoldersShareAChosenArchiveFolder() throws Exception {
        assertThat(JDK17).as("not available here: no JDK 17 at " + JDK17).isExecutable();
        Path shared = work.resolve("archives");
        PluginHostProperties one = properties(work.resolve("data1"));
        one.setRuntimeArchiveDir(shared);
        PluginHostProperties two = properties(work.resolve("data2"));
        two.setRuntimeArchiveDir(shared);
        Path archive = ClassDataSharing.prepare(one, Files.createDirectory(work.resolve("r1"))).cdsArchive();
        assertThat(archive).as("made: %s", messages()).isNotNull();
        assertThat(archive.getParent().getParent()).isEqualTo(shared);
        assertThat(work.resolve("data1/.runtime-archives")).doesNotExist();
        logged.list.clear();
        assertThat(ClassDataSharing.prepare(two, Files.createDirectory(work.resolve("r2"))).cdsArchive())
                .isEqualTo(archive);
        assertThat(messages()).anyMatch(m -> m.contains("kept from an earlier start"));
    }

    @Test
    void theArchiveIsKeptAcrossStartsAndReplacedWhenTruncatedOrRefused() throws Exception {
        assertThat(JDK17).as("not available here: no JDK 17 at " + JDK17).isExecutable();
        PluginHostProperties properties = properties(work.resolve("data"));

        PluginJvm.RuntimeFiles first = ClassDataSharing.prepare(properties, Files.createDirectory(work.resolve("r1")));
        Path archive = first.cdsArchive();
        assertThat(archive).as("made: %s", messages()).isNotNull();
        assertThat(archive.getParent().getParent()).isEqualTo(work.resolve("data/.runtime-archives"));
        assertThat(first.jar()).hasParent(archive.getParent());
        for (Path file : List.of(archive, first.jar(), archive.resolveSibling("plugin-runtime.jsa.sha256"))) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("r--r--r--");
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(archive.getParent())))
                .isEqualTo("rwx--x--x");
        assertThat(maps(first)).as("a plugin JVM maps it").isZero();
        Object inode = Files.getAttribute(archive, "unix:ino");
        var made = Files.getLastModifiedTime(archive);

        // Second start: no training run, the same file.
        logged.list.clear();
        PluginJvm.RuntimeFiles second = ClassDataSharing.prepare(properties, Files.createDirectory(work.resolve("r2")));
        assertThat(second).isEqualTo(first);
        assertThat(Files.getAttribute(archive, "unix:ino")).isEqualTo(inode);
        assertThat(Files.getLastModifiedTime(archive)).isEqualTo(made);
        assertThat(messages()).anyMatch(m -> m.contains("kept from an earlier start"))
                .noneMatch(m -> m.contains("made in"));

        // Truncated: a JVM that maps it crashes (the control), so the host must not hand it to plugins.
        truncate(archive, 1 << 20);
        Path cwd = Files.createDirectory(work.resolve("crash"));
        assertThat(run(cwd, JDK17.toString(), "-XX:SharedArchiveFile=" + archive, "-Xshare:auto", "-cp",
                first.jar().toString(), ClassDataSharing.TRAINING)).as("a JVM given the truncated archive")
                .isNotZero();
        logged.list.clear();
        PluginJvm.RuntimeFiles third = ClassDataSharing.prepare(properties, Files.createDirectory(work.resolve("r3")));
        assertThat(messages()).anyMatch(m -> m.contains("cannot be used (its SHA-256 is not the one recorded when it"
                + " was made: truncated or changed): training it again"));
        assertThat(third.cdsArchive()).isEqualTo(archive);
        assertThat(Files.size(archive)).isGreaterThan(1 << 20);
        assertThat(maps(third)).isZero();

        // Moved: every byte intact, but JDK 17 checks the jar's path recorded in the archive.
        Path moved = Files.move(work.resolve("data"), work.resolve("moved"));
        PluginHostProperties movedProperties = properties(moved);
        Path movedArchive = moved.resolve(work.resolve("data").relativize(archive));
        PluginJvm.RuntimeFiles control = new PluginJvm.RuntimeFiles(movedArchive.resolveSibling("plugin-runtime.jar"),
                movedArchive);
        assertThat(maps(control)).as("JDK 17 refuses the moved archive").isNotZero();
        logged.list.clear();
        PluginJvm.RuntimeFiles fourth = ClassDataSharing.prepare(movedProperties,
                Files.createDirectory(work.resolve("r4")));
        assertThat(messages()).anyMatch(m -> m.contains("cannot be used (the plugin JVM refuses it: ")
                && m.contains("training it again"));
        assertThat(fourth.cdsArchive()).isEqualTo(movedArchive);
        assertThat(maps(fourth)).isZero();
    }

    /** A data folder on a small disk (a 48 MiB tmpfs, FaultsIT's size) keeps its room for plugins. */
    @Test
    void onADataDiskShortOfRoomTheArchiveIsMadeInTheRunFolderForOneStart() throws Exception {
        assertThat(JDK17).as("not available here: no JDK 17 at " + JDK17).isExecutable();
        Path disk = Files.createDirectory(work.resolve("disk"));
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=48m,mode=0755", "tmpfs",
                disk.toString()).redirectErrorStream(true).start();
        String out = new String(mount.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(mount.waitFor()).as("not available here: a small tmpfs (mount as root): " + out).isZero();
        try {
            Path runDir = Files.createDirectory(work.resolve("run"));
            PluginJvm.RuntimeFiles files = ClassDataSharing.prepare(properties(disk.resolve("data")), runDir);
            assertThat(messages()).anyMatch(m -> m.contains("made in the run folder, for this start only: the data"
                    + " folder's disk has "));
            assertThat(files.jar()).hasParent(runDir);
            assertThat(files.cdsArchive()).as("made: %s", messages()).isNotNull().hasParent(runDir);
            assertThat(maps(files)).isZero();
            try (var kept = Files.walk(disk)) {
                assertThat(kept.filter(Files::isRegularFile).toList()).isEmpty();
            }
        } finally {
            new ProcessBuilder("umount", "-l", disk.toString()).inheritIO().start().waitFor();
        }
    }

    @Test
    void aChangedRuntimeJdkOrOptionGetsAnArchiveOfItsOwn() throws Exception {
        List<String> options = List.of("-Xmx128m", "-XX:+UseSerialGC");
        String key = ClassDataSharing.key("aa", JDK17, false, options);
        assertThat(ClassDataSharing.key("aa", JDK17, false, options)).isEqualTo(key);
        assertThat(ClassDataSharing.key("ab", JDK17, false, options)).isNotEqualTo(key);
        assertThat(ClassDataSharing.key("aa", JDK17, true, options)).isNotEqualTo(key);
        assertThat(ClassDataSharing.key("aa", JDK17, false, List.of("-Xmx256m", "-XX:+UseSerialGC")))
                .isNotEqualTo(key);
        Path jdk25 = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64/bin/java");
        assertThat(jdk25).as("not available here: no JDK 25 at " + jdk25).isExecutable();
        assertThat(ClassDataSharing.key("aa", jdk25, false, options)).isNotEqualTo(key);
        assertThat(ClassDataSharing.javaIdentity(jdk25)).contains("25.0");
    }

    private static PluginHostProperties properties(Path dataDir) {
        PluginHostProperties properties = new PluginHostProperties();
        properties.setDataDir(dataDir);
        properties.setJava(JDK17);
        return properties;
    }

    /** Runs a JVM that must map the archive, as the plugin JVMs' options with sharing required; its exit code. */
    private int maps(PluginJvm.RuntimeFiles files) throws Exception {
        List<String> command = new ArrayList<>(List.of(JDK17.toString()));
        command.addAll(new PluginHostProperties().getJvmOptions());
        command.addAll(List.of("-Xshare:on", "-XX:SharedArchiveFile=" + files.cdsArchive(), "-cp",
                files.jar().toString(), "-version"));
        return run(work, command.toArray(String[]::new));
    }

    private static int run(Path cwd, String... command) throws Exception {
        Process p = new ProcessBuilder(command).directory(cwd.toFile()).redirectErrorStream(true).start();
        try (InputStream in = p.getInputStream()) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return p.exitValue();
    }

    private static void truncate(Path file, long size) throws IOException {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(size);
        }
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--r--r--"));
    }

    private List<String> messages() {
        return logged.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }
}
