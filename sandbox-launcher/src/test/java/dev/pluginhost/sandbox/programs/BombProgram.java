package dev.pluginhost.sandbox.programs;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Resource bombs made of allowed system calls only. {@code memory MB}: allocates and touches MB MiB of direct
 * memory ("allocated N" every 16 MiB, "survived memory MB" at the end). {@code threads N}: starts N sleeping
 * threads ("survived threads N", or "threads failed after K: ERROR"). Exits 0.
 */
public final class BombProgram {
    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[1]);
        if (args[0].equals("memory")) {
            List<ByteBuffer> keep = new ArrayList<>();
            for (int mb = 1; mb <= n; mb++) {
                ByteBuffer b = ByteBuffer.allocateDirect(1 << 20);
                for (int i = 0; i < b.capacity(); i += 4096) {
                    b.put(i, (byte) 1); // touch every page: resident, charged to the cgroup
                }
                keep.add(b);
                if (mb % 16 == 0) {
                    System.out.println("allocated " + mb);
                    System.out.flush();
                }
            }
            System.out.println("survived memory " + keep.size());
        } else {
            CountDownLatch never = new CountDownLatch(1);
            int started = 0;
            try {
                for (; started < n; started++) {
                    Thread t = new Thread(() -> {
                        try {
                            never.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    });
                    t.setDaemon(true);
                    t.start();
                }
                System.out.println("survived threads " + started);
            } catch (Throwable e) {
                System.out.println("threads failed after " + started + ": " + e);
            }
        }
        System.out.flush();
        System.exit(0);
    }
}
