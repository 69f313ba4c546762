package dev.pluginhost.sandbox.programs;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Reads the secret named by its first argument the way the plugin runtime does (from the descriptor in NAME_FD),
 * prints its SHA-256 (never the value), whether it is in its environment, what a second read finds, then "ready",
 * and sleeps for a minute.
 */
public final class SecretProgram {
    public static void main(String[] args) throws Exception {
        String name = args[0];
        String fd = System.getenv(name + "_FD");
        System.out.println("fd " + fd);
        if (fd != null) { // no descriptor: a control run, which only shows its environment
            byte[] secret = Files.readAllBytes(Path.of("/proc/self/fd/" + fd));
            System.out.println("sha256 " + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(secret)));
            System.out.println("again " + Files.readAllBytes(Path.of("/proc/self/fd/" + fd)).length);
        }
        System.out.println("in-env " + (System.getenv(name) != null));
        System.out.println("ready");
        System.out.flush();
        Thread.sleep(60_000);
    }
}
