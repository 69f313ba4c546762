package dev.pluginhost.host;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pluginhost.host.fixtures.ArchiveTamperPlugin;
import dev.pluginhost.host.fixtures.TestPluginJar;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The plugin runtime's ahead-of-time cache on JDK 25 ({@code plugins.java}), kept under {@code plugins.data-dir}
 * across host starts, through the real packaged host, launcher and sandbox: the second start reuses it (no training
 * run, same file), a truncated cache is reported and replaced while the plugin still starts, and a sandboxed plugin
 * cannot change it or the runtime jar beside it — each attempt first shown to work on a file the plugin may write.
 */
class RuntimeArchiveIT {

    private static final Path JDK25 = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64/bin/java");
    private static final Duration START = Duration.ofSeconds(240);

    @TempDir
    Path work;

    @Test
    void theCacheIsKeptAcrossHostStartsReplacedWhenTruncatedAndReadOnlyToPlugins() throws Exception {
        assertThat(JDK25).as("not available here: no JDK 25 at " + JDK25).isExecutable();
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x")); // plugin uid 65534
        Path plugins = Files.createDirectories(work.resolve("plugins"));
        TestPluginJar.write(plugins, "tamper.jar", "tamper", "1", ArchiveTamperPlugin.class, "log");
        String data = "--plugins.data-dir=" + work.resolve("data");
        Path archive;
        Path jar;
        try (HostProcess host = HostProcess.start(Files.createDirectory(work.resolve("first")), plugins,
                "--plugins.java=" + JDK25, data)) {
            host.awaitRunning(START, "tamper");
            assertThat(host.log()).contains("class-data sharing on: ").contains("made in");
            archive = mapped(host, "tamper");
            jar = archive.resolveSibling("plugin-runtime.jar");
            assertThat(archive).hasFileName("plugin-runtime.aot")
                    .hasParentRaw(work.resolve("data/.runtime-archives").resolve(archive.getParent().getFileName()));
            String before = sha256(archive);
            String jarBefore = sha256(jar);

            assertTamperedEverywhere(host.post("/api/plugins/tamper/invoke/own", "").body());
            assertDenied(host.post("/api/plugins/tamper/invoke/tamper", archive.toString()).body());
            assertDenied(host.post("/api/plugins/tamper/invoke/tamper", jar.toString()).body());
            assertThat(sha256(archive)).isEqualTo(before);
            assertThat(sha256(jar)).isEqualTo(jarBefore);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(archive))).isEqualTo("r--r--r--");
            // The JVM maps the cache with the calls it already had: its boot needs nothing the policy refuses.
            System.out.println("boot-phase violations with the AOT cache: "
                    + host.get("/api/plugins/tamper/violations?phase=boot").body());
        }
        Object inode = Files.getAttribute(archive, "unix:ino");
        FileTime made = Files.getLastModifiedTime(archive);

        try (HostProcess host = HostProcess.start(Files.createDirectory(work.resolve("second")), plugins,
                "--plugins.java=" + JDK25, data)) {
            host.awaitRunning(START, "tamper");
            assertThat(host.log()).contains("class-data sharing on: " + archive + " (kept from an earlier start")
                    .doesNotContain("made in");
            assertThat(mapped(host, "tamper")).isEqualTo(archive);
        }
        assertThat(Files.getAttribute(archive, "unix:ino")).isEqualTo(inode);
        assertThat(Files.getLastModifiedTime(archive)).isEqualTo(made);

        long size = Files.size(archive);
        Files.setPosixFilePermissions(archive, PosixFilePermissions.fromString("rw-r--r--"));
        try (RandomAccessFile raf = new RandomAccessFile(archive.toFile(), "rw")) {
            raf.setLength(size / 3);
        }
        Files.setPosixFilePermissions(archive, PosixFilePermissions.fromString("r--r--r--"));
        try (HostProcess host = HostProcess.start(Files.createDirectory(work.resolve("third")), plugins,
                "--plugins.java=" + JDK25, data)) {
            host.awaitRunning(START, "tamper");
            assertThat(host.log()).contains("the kept archive " + archive + " cannot be used (its SHA-256 is not the"
                    + " one recorded when it was made: truncated or changed): training it again").contains("made in");
            assertThat(mapped(host, "tamper")).isEqualTo(archive);
        }
        assertThat(Files.size(archive)).isGreaterThan(size / 2);
    }

    /**
     * Where the plugin JVM runs as the host's own uid, the archive's owner, with no mount namespace (Landlock alone
     * keeps its files): the archive still cannot be written.
     */
    @Test
    void withoutAUidOrMinimalRootOfItsOwnThePluginStillCannotWriteTheCache() throws Exception {
        assertThat(JDK25).as("not available here: no JDK 25 at " + JDK25).isExecutable();
        Path plugins = Files.createDirectories(work.resolve("plugins"));
        TestPluginJar.write(plugins, "tamper.jar", "tamper", "1", ArchiveTamperPlugin.class, "log");
        try (HostProcess host = HostProcess.start(Deployment.HARDENED, work, plugins, "--plugins.java=" + JDK25)) {
            host.awaitRunning(START, "tamper");
            Path archive = mapped(host, "tamper");
            String before = sha256(archive);
            assertTamperedEverywhere(host.post("/api/plugins/tamper/invoke/own", "").body());
            JsonNode attempts = HostProcess.JSON.readTree(host.post("/api/plugins/tamper/invoke/tamper",
                    archive.toString()).body());
            for (String write : List.of("append", "truncate", "replace", "delete")) {
                assertThat(attempts.get(write).asString()).as(write).startsWith("denied");
            }
            // chmod is not mediated by Landlock and the plugin's uid owns the file here (JvmDefaultPolicy): the next
            // host start sees the mode and trains the archive again.
            System.out.println("chmod of the archive by a plugin of the host's uid: " + attempts.get("chmod"));
            assertThat(sha256(archive)).isEqualTo(before);
        }
    }

    /** @return the archive the plugin's JVM maps, from its command line */
    private static Path mapped(HostProcess host, String id) throws IOException {
        long pid = host.plugin(id).get("pid").asLong();
        String cmdline = new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")),
                StandardCharsets.UTF_8);
        List<String> args = new ArrayList<>(List.of(cmdline.split("\0")));
        assertThat(args.get(0)).isEqualTo(JDK25.toString());
        return args.stream().filter(a -> a.startsWith("-XX:AOTCache=")).map(a -> Path.of(a.substring(13)))
                .findFirst().orElseThrow(() -> new AssertionError("no -XX:AOTCache in " + args));
    }

    /** The control: on a file of its own data folder, every attempt works. */
    private static void assertTamperedEverywhere(String body) {
        Map<String, String> attempts = attempts(body);
        assertThat(attempts).hasSize(5).allSatisfy((what, result) -> assertThat(result).as(what).isEqualTo("ok"));
    }

    private static void assertDenied(String body) {
        Map<String, String> attempts = attempts(body);
        assertThat(attempts).hasSize(5)
                .allSatisfy((what, result) -> assertThat(result).as(what).startsWith("denied"));
    }

    private static Map<String, String> attempts(String body) {
        JsonNode reply = HostProcess.JSON.readTree(body);
        Map<String, String> attempts = new java.util.LinkedHashMap<>();
        reply.properties().forEach(e -> attempts.put(e.getKey(), e.getValue().asString()));
        return attempts;
    }

    private static String sha256(Path file) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
