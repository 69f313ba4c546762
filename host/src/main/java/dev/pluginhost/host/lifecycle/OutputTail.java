package dev.pluginhost.host.lifecycle;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/** The last lines a plugin JVM wrote, kept to explain a failed start (the JVM's own error is usually there). */
final class OutputTail {

    private final int capacity;
    private final Deque<String> lines = new ArrayDeque<>();

    OutputTail(int capacity) {
        this.capacity = capacity;
    }

    synchronized void add(String line) {
        if (lines.size() == capacity) {
            lines.removeFirst();
        }
        lines.addLast(line);
    }

    synchronized List<String> lines() {
        return new ArrayList<>(lines);
    }

    /** @return the last {@code n} lines joined, or empty */
    synchronized String last(int n) {
        List<String> all = new ArrayList<>(lines);
        return String.join(" | ", all.subList(Math.max(0, all.size() - n), all.size()));
    }
}
