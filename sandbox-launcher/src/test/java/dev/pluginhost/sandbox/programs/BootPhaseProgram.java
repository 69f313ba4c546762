package dev.pluginhost.sandbox.programs;

import java.net.StandardProtocolFamily;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Stands in for a plugin JVM whose trusted runtime probes AF_INET at start-up and whose plugin code later tries the
 * same: opens an AF_INET socket ("boot-tid N", then "boot opened|refused"), waits until the file GO exists (the
 * test ends the boot phase first), then opens one again on a fresh thread ("run-tid N", "run opened|refused").
 * Exits 0. Usage: BootPhaseProgram GO
 */
public final class BootPhaseProgram {
    public static void main(String[] args) throws Exception {
        attempt("boot");
        Path go = Path.of(args[0]);
        while (!Files.exists(go)) {
            Thread.sleep(10);
        }
        Thread run = new Thread(() -> attempt("run"), "plugin-code");
        run.start();
        run.join();
        System.exit(0);
    }

    private static void attempt(String phase) {
        try {
            System.out.println(phase + "-tid " + Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName());
            try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.INET)) {
                System.out.println(phase + " opened " + channel.isOpen());
            }
        } catch (Exception e) {
            System.out.println(phase + " refused: " + e);
        }
        System.out.flush();
    }
}
