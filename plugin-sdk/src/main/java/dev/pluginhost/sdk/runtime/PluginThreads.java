package dev.pluginhost.sdk.runtime;

import dev.pluginhost.contract.v1.ThreadQuery;
import dev.pluginhost.contract.v1.ThreadReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which Java thread has which kernel thread id, and which operation it serves: so that the runtime can tell the host
 * whose code made a system call the sandbox refused (the sandbox only knows the tid and the thread's kernel name).
 *
 * <p>A thread learns its tid once, the first time it serves an invocation (one readlink of /proc/thread-self, kept in
 * a thread-local); serving an operation then costs a map put and a remove. Nothing happens per system call.
 */
final class PluginThreads {

    /** The most frames a report carries, whatever the host asks. */
    static final int MAX_FRAMES = 64;

    private record Served(Thread thread, String operation) {
    }

    private static final ThreadLocal<Long> TID = ThreadLocal.withInitial(PluginThreads::readTid);

    private final Map<Long, Served> byTid = new ConcurrentHashMap<>();

    /** The calling thread starts serving {@code operation}. */
    void enter(String operation) {
        long tid = TID.get();
        if (tid > 0) {
            byTid.put(tid, new Served(Thread.currentThread(), operation));
        }
    }

    /**
     * The calling thread is done with its operation. Forgotten, so the map holds only busy threads (pool threads come
     * and go); an idle thread is still found by its name.
     */
    void exit() {
        long tid = TID.get();
        if (tid > 0) {
            byTid.remove(tid);
        }
    }

    /**
     * The thread the host asks about: the one recorded under the tid, else the only live thread whose name the kernel
     * name matches (a JVM gives each native thread the first 15 bytes of its name).
     */
    ThreadReport report(ThreadQuery query) {
        ThreadReport.Builder report = ThreadReport.newBuilder().setId(query.getId());
        Served served = byTid.get(query.getTid());
        Thread thread = served != null && served.thread().isAlive() ? served.thread() : byName(query.getName());
        if (thread == null) {
            return report.setFound(false).build();
        }
        int max = Math.min(MAX_FRAMES, query.getMaxFrames() == 0 ? MAX_FRAMES : query.getMaxFrames());
        StackTraceElement[] frames = thread.getStackTrace();
        for (int i = 0; i < Math.min(max, frames.length); i++) {
            report.addFrames(frames[i].toString());
        }
        report.setFound(true).setThreadName(thread.getName());
        if (served != null && served.thread() == thread && served.operation() != null) {
            report.setOperation(served.operation());
        }
        return report.build();
    }

    private static Thread byName(String kernelName) {
        if (kernelName.isEmpty()) {
            return null;
        }
        List<Thread> matches = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> kernelName.length() >= 15 ? t.getName().startsWith(kernelName)
                        : t.getName().equals(kernelName))
                .limit(2).toList();
        return matches.size() == 1 ? matches.get(0) : null;
    }

    /** This thread's id in the JVM's pid namespace; 0 when /proc is not there. */
    private static long readTid() {
        try {
            String link = Files.readSymbolicLink(Path.of("/proc/thread-self")).toString(); // "<pid>/task/<tid>"
            return Long.parseLong(link.substring(link.lastIndexOf('/') + 1));
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
