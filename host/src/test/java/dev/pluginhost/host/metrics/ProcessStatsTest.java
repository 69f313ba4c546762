package dev.pluginhost.host.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ProcessStatsTest {

    /** The one-line stat reading agrees with what /proc/<pid>/status says of the same process. */
    @Test
    void agreesWithStatus() throws Exception {
        long pid = ProcessHandle.current().pid();
        ProcessStats stats = ProcessStats.of(pid);
        double rss = Double.NaN;
        double threads = Double.NaN;
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                rss = Double.parseDouble(line.replaceAll("[^0-9]", "")) * 1024;
            } else if (line.startsWith("Threads:")) {
                threads = Double.parseDouble(line.substring(8).trim());
            }
        }
        // Both move while the test runs: within 16 MiB and 4 threads of each other.
        assertTrue(Math.abs(stats.rssBytes() - rss) < 16 * 1024 * 1024, stats + " vs VmRSS " + rss);
        assertTrue(Math.abs(stats.threads() - threads) <= 4, stats + " vs Threads " + threads);
        assertTrue(stats.cpuSeconds() > 0, stats.toString());
    }

    @Test
    void goneProcessIsNone() {
        assertSame(ProcessStats.NONE, ProcessStats.of(Integer.MAX_VALUE));
        assertSame(ProcessStats.NONE, ProcessStats.of(0));
    }

    /** A command name (the executable's file name) with spaces and a ')' does not shift the fields. */
    @Test
    void commandNameWithParentheses() throws Exception {
        Path dir = Files.createTempDirectory("stats");
        Path odd = Files.copy(Path.of("/bin/sleep"), dir.resolve("a) b (c"));
        odd.toFile().setExecutable(true);
        Process p = new ProcessBuilder(odd.toString(), "30").start();
        try {
            String stat = "";
            for (int i = 0; i < 100 && !stat.contains("a) b (c"); i++) {
                Thread.sleep(20);
                stat = Files.readString(Path.of("/proc", Long.toString(p.pid()), "stat"));
            }
            assertTrue(stat.contains("(a) b (c)"), stat);
            ProcessStats stats = ProcessStats.of(p.pid());
            assertEquals(1.0, stats.threads(), stats.toString());
            assertTrue(stats.rssBytes() > 0, stats.toString());
        } finally {
            p.destroyForcibly().waitFor();
            Files.delete(odd);
            Files.delete(dir);
        }
    }
}
