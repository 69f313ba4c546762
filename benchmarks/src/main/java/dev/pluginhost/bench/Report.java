package dev.pluginhost.bench;

import java.util.ArrayList;
import java.util.List;

/** The rows of docs/benchmarks.md, grouped by figure, plus free-text notes per figure. */
final class Report {

    record Row(String figure, String what, String value, String ratio, String target, String result) {}

    final List<Row> rows = new ArrayList<>();
    final List<String[]> notes = new ArrayList<>();

    void row(String figure, String what, String value, String ratio, String target, String result) {
        rows.add(new Row(figure, what, value, ratio, target, result));
        System.out.printf("[%s] %s: %s %s %s %s%n", figure, what, value, ratio, target, result);
    }

    void note(String figure, String text) {
        notes.add(new String[] {figure, text});
        System.out.printf("[%s] note: %s%n", figure, text);
    }

    static String verdict(boolean met) {
        return met ? "met" : "**missed**";
    }
}
