package dev.pluginhost.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** /proc readings and small process chores. */
final class Procs {
    private Procs() {
    }

    /** Resident set size in MiB, or NaN when the process is gone. */
    static double rssMiB(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone
        }
        return Double.NaN;
    }

    /** "RssAnon/RssFile/Threads" of a process, for the notes. */
    static String breakdown(long pid) {
        StringBuilder b = new StringBuilder();
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("RssAnon:") || line.startsWith("RssFile:") || line.startsWith("Threads:")) {
                    b.append(b.length() == 0 ? "" : ", ").append(line.replaceAll("\\s+", " "));
                }
            }
        } catch (IOException | RuntimeException e) {
            return "gone";
        }
        return b.toString();
    }

    /** Every descendant of {@code pid} (children first found through /proc/<pid>/task/<tid>/children). */
    /** @return user + system CPU time of a process so far, in clock ticks (1/100 s), -1 when it cannot be read */
    static long cpuTicks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] after = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(after[11]) + Long.parseLong(after[12]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** @return the nice value of a process (field 19 of /proc/pid/stat), 0 when it cannot be read */
    static int nice(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] after = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Integer.parseInt(after[16]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** @return the nice of a process's autogroup ("/autogroup-N nice K" in /proc/pid/autogroup), 0 without one */
    static int groupNice(long pid) {
        try {
            String line = Files.readString(Path.of("/proc/" + pid + "/autogroup")).trim();
            return Integer.parseInt(line.substring(line.lastIndexOf(' ') + 1));
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    static List<Long> descendants(long pid) {
        List<Long> out = new ArrayList<>();
        ProcessHandle.of(pid).ifPresent(h -> h.descendants().forEach(d -> out.add(d.pid())));
        return out;
    }

    /** Reads a stream to its end on a daemon thread, so a child never blocks on a full pipe. */
    static void drain(InputStream in) {
        Thread t = new Thread(() -> {
            try (in) {
                in.transferTo(java.io.OutputStream.nullOutputStream());
            } catch (IOException e) {
                // closed
            }
        }, "drain");
        t.setDaemon(true);
        t.start();
    }

    static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort
        }
    }

    static void chown(Path path, int uid) throws IOException {
        if (uid >= 0) {
            Files.setAttribute(path, "unix:uid", uid);
            Files.setAttribute(path, "unix:gid", uid);
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
