package dev.pluginhost.host.sandbox;

import dev.pluginhost.sandbox.SafeFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What the host checks before it reuses a kept runtime archive ({@link ClassDataSharing}): its files are the host's
 * own, read-only, the bytes that were written, and the plugin JVM itself maps the archive.
 */
final class ArchiveChecks {

    private ArchiveChecks() {
    }

    /** Whether {@code jar} is the host's read-only copy of its runtime jar, with the fixed time. */
    static boolean jarIntact(Path jar, String sha) throws IOException {
        if (ownProblem(jar) != null
                || !Files.getLastModifiedTime(jar, LinkOption.NOFOLLOW_LINKS).equals(ClassDataSharing.JAR_TIME)) {
            return false;
        }
        try (InputStream in = Files.newInputStream(jar, LinkOption.NOFOLLOW_LINKS)) {
            return RuntimeJar.sha256(in).equals(sha);
        }
    }

    /**
     * @return why the kept archive cannot be used, or null when it can: missing, not the host's read-only file, not
     *     the bytes the training run wrote (truncated, changed), or refused by the plugin JVM itself
     */
    static String problem(Path archive, Path digest, Path java, List<String> options, Path jar, boolean aot)
            throws IOException {
        if (!Files.exists(archive, LinkOption.NOFOLLOW_LINKS)) {
            return "there is none";
        }
        String own = ownProblem(archive);
        if (own != null) {
            return own;
        }
        if (ownProblem(digest) != null) {
            return "its SHA-256 record is missing or not the host's";
        }
        String recorded = Files.readString(digest, StandardCharsets.US_ASCII).strip();
        String actual;
        try (InputStream in = Files.newInputStream(archive, LinkOption.NOFOLLOW_LINKS)) {
            actual = RuntimeJar.sha256(in);
        }
        if (!actual.equals(recorded)) {
            return "its SHA-256 is not the one recorded when it was made: truncated or changed";
        }
        return refusal(java, options, jar, archive, aot);
    }

    /** @return why {@code file} is not a regular, read-only file of the host's uid, or null when it is */
    private static String ownProblem(Path file) throws IOException {
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return file.getFileName() + " is missing";
        }
        PosixFileAttributes a = Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        int uid = SafeFiles.uid(file);
        if (!a.isRegularFile()) {
            return file.getFileName() + " is not a regular file";
        }
        if (uid != SafeFiles.effectiveUid()) {
            return file.getFileName() + " is owned by uid " + uid + ", not the host's";
        }
        if (!a.permissions().equals(ClassDataSharing.READ_ONLY)) {
            return file.getFileName() + " has mode " + PosixFilePermissions.toString(a.permissions())
                    + ", not r--r--r--";
        }
        return null;
    }

    /**
     * Maps the archive in a JVM that must use it ({@code -Xshare:on}, {@code -XX:AOTMode=on}): the JVM's own checks
     * (its build, the class path's path, size and time on JDK 17).
     *
     * @return the JVM's reason, or null when it maps the archive
     */
    private static String refusal(Path java, List<String> options, Path jar, Path archive, boolean aot)
            throws IOException {
        List<String> command = new ArrayList<>();
        command.add(java.toString());
        command.addAll(options);
        command.addAll(aot ? List.of("-XX:AOTMode=on", "-XX:AOTCache=" + archive)
                : List.of("-Xshare:on", "-XX:SharedArchiveFile=" + archive));
        command.addAll(List.of("-cp", jar.toString(), "-version"));
        Process check = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output;
        try (InputStream in = check.getInputStream()) {
            output = new String(in.readNBytes(4096), StandardCharsets.UTF_8);
        }
        try {
            if (!check.waitFor(30, TimeUnit.SECONDS)) {
                check.destroyForcibly();
                return "the plugin JVM did not map it within 30 s";
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            check.destroyForcibly();
            return "interrupted";
        }
        if (check.exitValue() == 0) {
            return null;
        }
        String reason = output.lines().filter(l -> !l.isBlank() && !l.startsWith("openjdk version")
                && !l.startsWith("OpenJDK")).reduce((a, b) -> a + " " + b.strip()).orElse("no message");
        return "the plugin JVM refuses it: " + reason;
    }
}
