package dev.pluginhost.bench.work;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * A syscall-heavy JVM workload: small file writes and reads (openat, write, pread, fstat, close, unlink) on 2
 * threads, and 4 pairs of threads handing a token back and forth with park/unpark (futex). Runs one warm-up round,
 * then the measured rounds, and prints {@code elapsedNanos=<n>} for the measured part only (JVM start excluded).
 *
 * <p>Arguments: the scratch directory, the rounds.
 */
public final class SyscallWork {
    private SyscallWork() {
    }

    static final int FILES_PER_ROUND = 1500;
    static final int HANDOFFS_PER_ROUND = 20_000;

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int rounds = Integer.parseInt(args[1]);
        Files.createDirectories(dir);
        round(dir);
        long start = System.nanoTime();
        for (int i = 0; i < rounds; i++) {
            round(dir);
        }
        System.out.println("elapsedNanos=" + (System.nanoTime() - start));
    }

    static void round(Path dir) throws Exception {
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            Path mine = dir.resolve("t" + t);
            threads.add(new Thread(() -> files(mine)));
        }
        for (int p = 0; p < 4; p++) {
            Thread[] pair = new Thread[2];
            Token flag = new Token();
            pair[0] = new Thread(() -> pingPong(flag, 0, pair));
            pair[1] = new Thread(() -> pingPong(flag, 1, pair));
            threads.add(pair[0]);
            threads.add(pair[1]);
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join();
        }
    }

    static void files(Path file) {
        byte[] data = new byte[512];
        ByteBuffer buf = ByteBuffer.allocate(512);
        try {
            for (int i = 0; i < FILES_PER_ROUND; i++) {
                Files.write(file, data);
                try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                    buf.clear();
                    ch.read(buf, 0);
                    ch.size();
                }
                Files.delete(file);
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The token is held by thread {@code flag.turn}; each hands it over and parks until it comes back. */
    static final class Token {
        volatile int turn;
        volatile int handoffs;
    }

    static void pingPong(Token flag, int me, Thread[] pair) {
        while (flag.handoffs < HANDOFFS_PER_ROUND) {
            if (flag.turn == me) {
                flag.handoffs++;
                flag.turn = 1 - me;
                LockSupport.unpark(pair[1 - me]);
            } else {
                LockSupport.park();
            }
        }
        LockSupport.unpark(pair[1 - me]);
    }
}
