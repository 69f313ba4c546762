package dev.pluginhost.host.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.pluginhost.fuzz.FuzzBounds;
import dev.pluginhost.host.capability.CapabilityCatalog;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fuzz target: a jar dropped into the plugins folder, as the host reads it (manifest, entry names, every entry for
 * the digest and signature check) and scans it beside another plugin. The jar is assembled from the fuzzer's
 * choices: the manifest (its fields or raw text, padded up to a manifest bomb), entries that are many, long-named,
 * duplicated (two entries of one name), nested jars, or zip bombs (highly compressible entries). Every jar becomes a
 * plugin or a rejection ({@link InvalidPluginException}) that names the file; one that expands past the host's
 * limit is refused, and no jar costs more than {@link FuzzBounds}; the other plugin of the folder still loads.
 */
class PluginJarFuzzTest {

    /** Small, so that bombs the fuzzer builds quickly are already over the limits. */
    private static final long MAX_JAR = 1024 * 1024;

    private static final List<String> IDS = List.of("hello", "a", "x".repeat(48), "x".repeat(49), "Bad", "-no", "");
    private static final List<String> CLASSES = List.of("com.example.Hello", "Hello", "1bad", "a..b", "");
    private static final List<String> REQUIRES = List.of("1", "1-2", "2-1", "0", "-", "99999999999", "");
    private static final List<String> CAPABILITIES = List.of("log", "kv", "http:api.example.com", "http",
            "events.publish:orders.*", "kv:x", "teleport", "http:10.0.0.0/8:8080", "http:[::1]:99999", ",", "");
    private static final List<String> NAMES = List.of("META-INF/MANIFEST.MF", "a/B.class", "../evil", "/abs",
            "lib/inner.jar", "C:\\x", "a/../../b", "META-INF/X.SF", "META-INF/X.RSA", "dir/");

    @TempDir
    static Path folder;
    private static ManifestReader reader;

    @BeforeAll
    static void setUp() throws IOException {
        reader = new ManifestReader(MAX_JAR, new CapabilityCatalog(Map.of()));
        Files.write(folder.resolve("good.jar"), jar(manifest("good", "1")));
    }

    @FuzzTest
    void everyJarIsAPluginOrARejectionThatNamesIt(FuzzedDataProvider data) throws IOException {
        Built built = build(data);
        Path jar = folder.resolve("fuzzed.jar");
        Files.write(jar, built.bytes);
        String input = built.description;
        InvalidPluginException refusal = FuzzBounds.run(input, InvalidPluginException.class, () -> reader.read(jar));
        if (refusal != null) {
            assertThat(refusal.getMessage()).as("names the file: %s", input).startsWith("fuzzed.jar: ");
            assertThat(refusal.jar()).isEqualTo(jar);
        } else {
            assertThat(built.expanded).as("a jar expanding to %d bytes was accepted: %s", built.expanded, input)
                    .isLessThanOrEqualTo(ManifestReader.maxExpandedSize(MAX_JAR));
            assertThat(built.duplicates).as("a jar with two entries of one name was accepted: %s", input).isFalse();
        }
        PluginScanner.Result[] scanned = new PluginScanner.Result[1];
        FuzzBounds.run(input, NoRefusal.class, () -> scanned[0] = new PluginScanner(reader).scan(folder));
        PluginScanner.Result result = scanned[0];
        assertThat(result.plugins()).as("the other plugin still loads beside %s", input)
                .anyMatch(p -> p.id().equals("good"));
        assertThat(result.plugins().size() + result.rejections().size()).isGreaterThanOrEqualTo(2);
    }

    /** What the fuzzer built: the jar's bytes and what the host should find in it. */
    private record Built(byte[] bytes, String description, long expanded, boolean duplicates) {
    }

    private static Built build(FuzzedDataProvider data) throws IOException {
        StringBuilder description = new StringBuilder();
        String manifest;
        if (data.consumeBoolean()) {
            manifest = "Manifest-Version: 1.0\r\n" + data.consumeString(400);
            description.append("raw manifest; ");
        } else {
            manifest = manifest(data.pickValue(IDS), data.pickValue(REQUIRES)).replace("com.example.Hello",
                    data.pickValue(CLASSES)).replace("log, kv", data.pickValue(CAPABILITIES) + ", "
                    + data.pickValue(CAPABILITIES));
        }
        int padding = switch (data.consumeInt(0, 7)) {
            case 7 -> 64 * 1024 * 1024; // a manifest bomb: 64 MiB of one attribute value, compressed to ~64 KiB
            case 6 -> 2 * 1024 * 1024;
            case 5 -> 70_000;
            default -> 0;
        };
        if (padding > 0) {
            description.append("manifest padded by ").append(padding).append(" bytes; ");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long expanded = manifest.length() + padding;
        boolean duplicates = false;
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.setLevel(Deflater.BEST_SPEED);
            zip.putNextEntry(new ZipEntry("META-INF/MANIFEST.MF"));
            zip.write(manifest.getBytes(StandardCharsets.UTF_8));
            if (padding > 0) {
                writePadding(zip, padding);
            }
            zip.closeEntry();
            int entries = data.consumeBoolean() ? data.consumeInt(0, 6) : data.pickValue(List.of(0, 200, 20_000));
            description.append(entries).append(" entries; ");
            for (int i = 0; i < entries && data.remainingBytes() > 0; i++) {
                String name = switch (data.consumeInt(0, 5)) {
                    case 0 -> data.consumeString(80);
                    case 1 -> "long/" + "n".repeat(data.consumeInt(1, 65_000)); // zip names end at 65535 bytes
                    case 2 -> data.pickValue(NAMES);
                    default -> "e/" + i;
                };
                if (name.isEmpty() || name.equals("META-INF/MANIFEST.MF") && i == 0) {
                    name = "e/" + i;
                }
                ZipEntry entry = new ZipEntry(name);
                try {
                    zip.putNextEntry(entry);
                } catch (java.util.zip.ZipException e) {
                    continue; // ZipOutputStream writes no duplicate: the second one is left out (they are made below)
                } catch (IllegalArgumentException e) {
                    continue; // a name longer than a zip holds
                }
                switch (data.consumeInt(0, 5)) {
                    case 5 -> { // a zip bomb entry
                        long size = data.pickValue(List.of(8L << 20, 64L << 20, 200L << 20));
                        writePadding(zip, size);
                        expanded += size;
                        description.append("bomb entry of ").append(size).append(" bytes; ");
                    }
                    case 4 -> { // a nested jar, itself holding a nested jar
                        byte[] inner = nested(data.consumeInt(1, 8));
                        zip.write(inner);
                        expanded += inner.length;
                        description.append("nested jar; ");
                    }
                    default -> {
                        byte[] bytes = data.consumeBytes(64);
                        zip.write(bytes);
                        expanded += bytes.length;
                    }
                }
                zip.closeEntry();
            }
            if (data.consumeBoolean()) {
                // Two entries of one name: written under distinct names of one length, renamed below.
                for (String name : List.of("dup/AAAA.class", "dup/BBBB.class")) {
                    zip.putNextEntry(new ZipEntry(name));
                    zip.write(name.getBytes(StandardCharsets.UTF_8));
                    zip.closeEntry();
                }
                duplicates = true;
                description.append("duplicate entries; ");
            }
        }
        byte[] bytes = out.toByteArray();
        if (duplicates) {
            rename(bytes, "dup/BBBB.class", "dup/AAAA.class");
        }
        if (data.consumeBoolean() && bytes.length > 0) { // damage: a bit flip somewhere
            int at = data.consumeInt(0, bytes.length - 1);
            bytes[at] ^= (byte) (1 << data.consumeInt(0, 7));
            description.append("bit flipped at ").append(at).append("; ");
        }
        return new Built(bytes, description + "manifest " + FuzzBounds.shorten(manifest), expanded, duplicates);
    }

    static String manifest(String id, String requires) {
        return "Manifest-Version: 1.0\r\nPlugin-Id: " + id + "\r\nPlugin-Version: 1.0.0\r\nPlugin-Class: "
                + "com.example.Hello\r\nPlugin-Requires: " + requires + "\r\nPlugin-Capabilities: log, kv\r\n";
    }

    private static byte[] jar(String manifest) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.putNextEntry(new ZipEntry("META-INF/MANIFEST.MF"));
            zip.write(manifest.getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
            zip.putNextEntry(new ZipEntry("com/example/Hello.class"));
            zip.write(new byte[] {(byte) 0xCA, (byte) 0xFE});
            zip.closeEntry();
        }
        return out.toByteArray();
    }

    private static byte[] nested(int depth) throws IOException {
        byte[] inner = "innermost".getBytes(StandardCharsets.UTF_8);
        for (int d = 0; d < depth; d++) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (ZipOutputStream zip = new ZipOutputStream(out)) {
                zip.putNextEntry(new ZipEntry("lib/level" + d + ".jar"));
                zip.write(inner);
                zip.closeEntry();
            }
            inner = out.toByteArray();
        }
        return inner;
    }

    /**
     * A manifest attribute of many continuation lines (a manifest line holds at most 72 bytes), which doubles as a
     * bomb entry's body: highly compressible.
     */
    private static void writePadding(ZipOutputStream zip, long bytes) throws IOException {
        byte[] line = (" " + "a".repeat(69) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] chunk = new byte[line.length * 1024];
        for (int i = 0; i < 1024; i++) {
            System.arraycopy(line, 0, chunk, i * line.length, line.length);
        }
        zip.write("X-Padding: a\r\n".getBytes(StandardCharsets.US_ASCII));
        for (long left = bytes; left > 0; left -= chunk.length) {
            zip.write(chunk, 0, (int) Math.min(chunk.length, left));
        }
    }

    private static void rename(byte[] bytes, String from, String to) {
        byte[] f = from.getBytes(StandardCharsets.US_ASCII);
        byte[] t = to.getBytes(StandardCharsets.US_ASCII);
        outer:
        for (int i = 0; i + f.length <= bytes.length; i++) {
            for (int j = 0; j < f.length; j++) {
                if (bytes[i + j] != f[j]) {
                    continue outer;
                }
            }
            System.arraycopy(t, 0, bytes, i, t.length);
        }
    }

    /** Scanning a folder has no documented exception: every jar is a plugin or a rejection. */
    static final class NoRefusal extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }
}
