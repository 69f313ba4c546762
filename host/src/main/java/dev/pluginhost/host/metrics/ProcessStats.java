package dev.pluginhost.host.metrics;

import com.sun.jna.Function;
import java.io.FileInputStream;
import java.io.IOException;

/**
 * A plugin JVM's resident memory, CPU time and thread count, read from {@code /proc}. Values are NaN when the process
 * is gone or {@code /proc} cannot be read.
 *
 * @param rssBytes resident set size
 * @param cpuSeconds user plus system CPU time
 * @param threads number of threads
 */
public record ProcessStats(double rssBytes, double cpuSeconds, double threads) {

    /** Clock ticks per second for /proc/<pid>/stat; 100 on every Linux configuration the JDK supports. */
    private static final double TICKS = 100.0;

    /**
     * The kernel's page size, the unit of {@code stat}'s rss: 4 KiB on most machines, 16 or 64 KiB on some arm64
     * kernels, so asked, not assumed.
     */
    private static final long PAGE_SIZE = pageSize();

    /** {@code /proc/<pid>/stat} is one line of a few hundred bytes; the command name in it is at most 64. */
    private static final int STAT_MAX = 1024;

    public static final ProcessStats NONE = new ProcessStats(Double.NaN, Double.NaN, Double.NaN);

    /**
     * Reads the figures from the one line of {@code /proc/<pid>/stat} (rss in pages, utime, stime, num_threads), into
     * one small array. The management API lists every plugin's figures on each request, and reading {@code status} and
     * {@code stat} through readers cost ~50 KB of buffers per plugin: at a few requests a second with 32 plugins,
     * most of the host's allocation, its GC cycles, and the API's latency while plugins start.
     */
    public static ProcessStats of(long pid) {
        if (pid <= 0) {
            return NONE;
        }
        byte[] line = new byte[STAT_MAX];
        int length = 0;
        try (FileInputStream in = new FileInputStream("/proc/" + pid + "/stat")) {
            for (int n; length < line.length && (n = in.read(line, length, line.length - length)) > 0; ) {
                length += n;
            }
        } catch (IOException e) {
            return NONE;
        }
        // Fields are counted after the command name, which is in parentheses and may hold spaces and ')'.
        int at = lastIndexOf(line, length, (byte) ')') + 2;
        if (at < 2) {
            return NONE;
        }
        long[] fields = new long[22];
        int field = 0; // 0 is the state (the line's field 3), 11 utime, 12 stime, 17 num_threads, 21 rss
        long value = 0;
        for (int i = at; i < length && field < fields.length; i++) {
            byte b = line[i];
            if (b == ' ' || b == '\n') {
                fields[field++] = value;
                value = 0;
            } else if (b >= '0' && b <= '9') {
                value = value * 10 + (b - '0');
            }
        }
        if (field < fields.length) {
            return NONE; // cut short: the process was ending
        }
        return new ProcessStats(fields[21] * (double) PAGE_SIZE, (fields[11] + fields[12]) / TICKS, fields[17]);
    }

    /** From libc; 4 KiB, the common case, where libc cannot be reached (then only the listed RSS would be off). */
    private static long pageSize() {
        try {
            return Function.getFunction("c", "getpagesize").invokeInt(new Object[0]);
        } catch (RuntimeException | LinkageError e) {
            return 4096;
        }
    }

    private static int lastIndexOf(byte[] bytes, int length, byte wanted) {
        for (int i = length - 1; i >= 0; i--) {
            if (bytes[i] == wanted) {
                return i;
            }
        }
        return -1;
    }
}
