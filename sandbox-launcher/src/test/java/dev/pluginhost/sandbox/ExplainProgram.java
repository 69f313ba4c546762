package dev.pluginhost.sandbox;

import java.net.StandardProtocolFamily;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * Makes two refused calls from named threads: {@code chmod(args[0])} from "explain-chmod-thread" (printing how long
 * the call took) and an AF_INET socket from "explain-inet-thread".
 */
public final class ExplainProgram {
    public static void main(String[] args) throws Exception {
        Thread chmod = new Thread(() -> {
            long start = System.nanoTime();
            try {
                Files.setPosixFilePermissions(Path.of(args[0]), Set.of());
                System.out.println("chmod allowed");
            } catch (Exception e) {
                System.out.println("chmod refused: " + e.getMessage());
            }
            System.out.println("chmod-ms " + (System.nanoTime() - start) / 1_000_000);
        }, "explain-chmod-thread");
        chmod.start();
        chmod.join();
        Thread inet = new Thread(() -> {
            try (SocketChannel s = SocketChannel.open(StandardProtocolFamily.INET)) {
                System.out.println("inet allowed");
            } catch (Exception e) {
                System.out.println("inet refused: " + e.getMessage());
            }
        }, "explain-inet-thread");
        inet.start();
        inet.join();
    }
}
