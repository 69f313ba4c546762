package dev.pluginhost.sandbox.programs;

import java.net.StandardProtocolFamily;
import java.nio.channels.SocketChannel;

/** Makes N refused calls (AF_INET sockets) from 4 threads as fast as it can, prints "flooded N", exits 0. */
public final class FloodProgram {
    public static void main(String[] args) throws Exception {
        int perThread = Integer.parseInt(args[0]) / 4;
        Thread[] threads = new Thread[4];
        for (int t = 0; t < threads.length; t++) {
            threads[t] = new Thread(() -> {
                for (int i = 0; i < perThread; i++) {
                    try {
                        SocketChannel.open(StandardProtocolFamily.INET).close();
                    } catch (Exception expected) {
                        // refused
                    }
                }
            });
            threads[t].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        System.out.println("flooded " + perThread * 4);
    }
}
