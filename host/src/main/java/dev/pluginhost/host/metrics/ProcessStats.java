package dev.pluginhost.host.metrics;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

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

    public static final ProcessStats NONE = new ProcessStats(Double.NaN, Double.NaN, Double.NaN);

    public static ProcessStats of(long pid) {
        if (pid <= 0) {
            return NONE;
        }
        try {
            Path proc = Path.of("/proc", Long.toString(pid));
            double rss = Double.NaN;
            double threads = Double.NaN;
            for (String line : Files.readAllLines(proc.resolve("status"))) {
                if (line.startsWith("VmRSS:")) {
                    rss = Double.parseDouble(line.replaceAll("[^0-9]", "")) * 1024;
                } else if (line.startsWith("Threads:")) {
                    threads = Double.parseDouble(line.substring(8).trim());
                }
            }
            String stat = Files.readString(proc.resolve("stat"));
            // Fields after the command name, which is in parentheses and may contain spaces.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            double cpu = (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / TICKS;
            return new ProcessStats(rss, cpu, threads);
        } catch (IOException | RuntimeException e) {
            return NONE;
        }
    }
}
