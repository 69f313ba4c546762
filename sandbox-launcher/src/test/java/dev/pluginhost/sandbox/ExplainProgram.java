package dev.pluginhost.sandbox;

import java.net.StandardProtocolFamily;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Makes two refused calls from named threads: a change of owner of {@code args[0]} (to its own owner: {@code chown},
 * refused by the default policy, unlike chmod) from "explain-chown-thread" (printing how long the call took) and an
 * AF_INET socket from "explain-inet-thread".
 */
public final class ExplainProgram {
    public static void main(String[] args) throws Exception {
        Thread chown = new Thread(() -> {
            long start = System.nanoTime();
            try {
                Path file = Path.of(args[0]);
                Files.setAttribute(file, "unix:uid", Files.getAttribute(file, "unix:uid"));
                System.out.println("chown allowed");
            } catch (Exception e) {
                System.out.println("chown refused: " + e.getMessage());
            }
            System.out.println("chown-ms " + (System.nanoTime() - start) / 1_000_000);
        }, "explain-chown-thread");
        chown.start();
        chown.join();
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
