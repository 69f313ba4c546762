package dev.pluginhost.fuzz;

import java.lang.management.ClassLoadingMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;

/**
 * The properties every fuzz target checks on each input: the work ends in a result or in the documented refusal
 * (any other exception is a finding), within a bounded time and a bounded allocation (a blow-up is a finding too).
 * Its one home is here; the launcher and the host take it from this module's test-jar.
 */
public final class FuzzBounds {

    /** Per input; generous, because JIT and GC pauses are noise. A parser that blows up takes far longer. */
    public static final Duration TIME = Duration.ofSeconds(3);
    /** Bytes one input may allocate: far more than any honest input needs, far less than a bomb. */
    public static final long BYTES = 256L * 1024 * 1024;

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final ClassLoadingMXBean CLASSES = ManagementFactory.getClassLoadingMXBean();

    /** Work on one input. */
    @FunctionalInterface
    public interface Work {
        void run() throws Exception;
    }

    private FuzzBounds() {
    }

    /**
     * Runs the work on one input.
     *
     * @param input what the input was, for the failure message
     * @param refusal the documented refusal type
     * @return the refusal the work threw, or null when it succeeded
     * @throws AssertionError when it threw anything else, or took or allocated more than the bounds
     */
    public static <E extends Throwable> E run(String input, Class<E> refusal, Work work) {
        return run(input, refusal, TIME, BYTES, work);
    }

    public static <E extends Throwable> E run(String input, Class<E> refusal, Duration time, long bytes, Work work) {
        long thread = Thread.currentThread().getId();
        long allocatedBefore = THREADS.getThreadAllocatedBytes(thread);
        long classesBefore = CLASSES.getTotalLoadedClassCount();
        long start = System.nanoTime();
        Throwable thrown = null;
        try {
            work.run();
        } catch (Throwable t) { // an Error (StackOverflowError, OutOfMemoryError) is a finding too
            thrown = t;
        }
        long took = System.nanoTime() - start;
        long allocated = THREADS.getThreadAllocatedBytes(thread) - allocatedBefore;
        if (thrown != null && !refusal.isInstance(thrown)) {
            throw new AssertionError("not the documented refusal (" + refusal.getSimpleName() + ") but " + thrown
                    + " on input " + shorten(input), thrown);
        }
        // An input that loaded classes paid for loading (and the fuzzer's instrumentation of) them: not its own cost.
        boolean warmingUp = CLASSES.getTotalLoadedClassCount() != classesBefore;
        if (took > time.toNanos() && !warmingUp) {
            throw new AssertionError("took " + took / 1_000_000 + " ms (bound " + time.toMillis() + " ms) on input "
                    + shorten(input));
        }
        if (allocated > bytes && !warmingUp) {
            throw new AssertionError("allocated " + allocated / 1024 / 1024 + " MiB (bound " + bytes / 1024 / 1024
                    + " MiB) on input " + shorten(input));
        }
        return refusal.cast(thrown);
    }

    /** An input as a failure message shows it: at most 300 characters, control characters escaped. */
    public static String shorten(String input) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < input.length() && sb.length() < 300; i++) {
            char c = input.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                sb.append(String.format("\\x%02x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return input.length() > 300 ? "'" + sb + "'... (" + input.length() + " chars)" : "'" + sb + "'";
    }
}
