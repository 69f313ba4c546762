package dev.pluginhost.host.sandbox;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The plugin runtime (the SDK with gRPC and protobuf) ships inside the host as a resource; plugin JVMs need it as a
 * file, so it is copied once into the run folder (or beside its class-data archive, {@link ClassDataSharing}).
 */
public final class RuntimeJar {

    static final String RESOURCE = "/dev/pluginhost/host/runtime/plugin-runtime.jar";

    private RuntimeJar() {
    }

    public static Path extract(Path runDir) throws IOException {
        Path target = runDir.resolve("plugin-runtime.jar");
        copyTo(target);
        return target;
    }

    /** Writes the runtime jar to {@code target}, replacing what is there. */
    static void copyTo(Path target) throws IOException {
        try (InputStream in = open()) {
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** @return the SHA-256 of the runtime jar the host carries, in hex */
    static String sha256() throws IOException {
        try (InputStream in = open()) {
            return sha256(in);
        }
    }

    /** @return the SHA-256 of what {@code in} holds, in hex */
    static String sha256(InputStream in) throws IOException {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            try (DigestInputStream d = new DigestInputStream(in, digest)) {
                d.transferTo(java.io.OutputStream.nullOutputStream());
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static InputStream open() throws IOException {
        InputStream in = RuntimeJar.class.getResourceAsStream(RESOURCE);
        if (in == null) {
            throw new IOException("the host was built without its plugin runtime (" + RESOURCE
                    + " is missing): build it with 'mvn package'");
        }
        return in;
    }
}
