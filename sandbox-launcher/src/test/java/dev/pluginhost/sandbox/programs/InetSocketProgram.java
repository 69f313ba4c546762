package dev.pluginhost.sandbox.programs;

import java.net.StandardProtocolFamily;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Opens an AF_INET socket on a thread of its own and prints that thread's id ("attacker-tid N"), so a test can
 * tell the attempt from the JDK's own address-family probes, which run first on the main thread. Prints "opened"
 * and exits 0, or prints "refused: ..." and exits 3. Usage: InetSocketProgram [SLEEP_MS_AFTER]
 */
public final class InetSocketProgram {
    public static void main(String[] args) throws Exception {
        // The JDK probes AF_INET/AF_INET6 when libnet loads, and TCP option support (socket(AF_INET, SOCK_STREAM,
        // IPPROTO_TCP)) when jdk.net.ExtendedSocketOptions initialises: get both over with on this thread.
        SocketChannel.open(StandardProtocolFamily.UNIX).close();
        System.out.println("probed " + jdk.net.ExtendedSocketOptions.TCP_KEEPIDLE.name());

        AtomicInteger code = new AtomicInteger();
        Thread attacker = new Thread(() -> {
            try {
                System.out.println("attacker-tid " + Files.readSymbolicLink(Path.of("/proc/thread-self"))
                        .getFileName());
                System.out.flush();
                try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.INET)) {
                    System.out.println("opened " + channel.isOpen());
                }
            } catch (Exception e) {
                System.out.println("refused: " + e);
                code.set(3);
            }
        }, "attacker");
        attacker.start();
        attacker.join();
        System.out.flush();
        if (args.length > 0) {
            Thread.sleep(Long.parseLong(args[0]));
        }
        System.exit(code.get());
    }
}
