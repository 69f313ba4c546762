package dev.pluginhost.sandbox.programs;

import java.io.FileOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes BYTES bytes to FILE in 64 KiB chunks: prints "wrote N" and exits 0, or "failed after N: ..." and exits 3.
 * Then prints its own limits ("limit <line of /proc/self/limits>"), scheduling priority ("nice N") and, where the
 * kernel has autogroup, its session's group ("autogroup /autogroup-N nice N"). Usage:
 * WriteFileProgram FILE BYTES
 */
public final class WriteFileProgram {
    public static void main(String[] args) throws Exception {
        long want = Long.parseLong(args[1]);
        long written = 0;
        int code = 0;
        byte[] chunk = new byte[64 * 1024];
        try (FileOutputStream out = new FileOutputStream(args[0])) {
            while (written < want) {
                int n = (int) Math.min(chunk.length, want - written);
                out.write(chunk, 0, n);
                written += n;
            }
            System.out.println("wrote " + written);
        } catch (Exception e) {
            System.out.println("failed after " + written + ": " + e);
            code = 3;
        }
        String stat = Files.readString(Path.of("/proc/self/stat"));
        System.out.println("nice " + stat.substring(stat.lastIndexOf(')') + 2).split(" ")[16]); // field 19
        Path autogroup = Path.of("/proc/self/autogroup");
        if (Files.isReadable(autogroup)) {
            System.out.println("autogroup " + Files.readString(autogroup).trim());
        }
        for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
            System.out.println("limit " + line);
        }
        System.exit(code);
    }
}
