package dev.pluginhost.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/** Repetitions of one figure: median, spread, percentiles. */
final class Stats {
    final List<Double> values = new ArrayList<>();

    Stats add(double v) {
        values.add(v);
        return this;
    }

    int n() {
        return values.size();
    }

    double pct(double p) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int i = (int) Math.min(sorted.size() - 1, Math.max(0, Math.ceil(p / 100.0 * sorted.size()) - 1));
        return sorted.get(i);
    }

    double median() {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    double min() {
        return values.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
    }

    double max() {
        return values.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    }

    /** "median unit (min–max, n=N)". */
    String show(String unit, int decimals) {
        return fmt(median(), decimals) + " " + unit + " (" + fmt(min(), decimals) + "–" + fmt(max(), decimals)
                + ", n=" + n() + ")";
    }

    /** "median unit (p10–p90 a–b, n=N)": for many samples, where min and max say little. */
    String showPct(String unit, int decimals) {
        return fmt(median(), decimals) + " " + unit + " (p10–p90 " + fmt(pct(10), decimals) + "–"
                + fmt(pct(90), decimals) + ", n=" + n() + ")";
    }

    /** Per-repetition ratios a[i]/b[i] of two interleaved series. */
    static Stats paired(Stats a, Stats b) {
        Stats r = new Stats();
        for (int i = 0; i < Math.min(a.n(), b.n()); i++) {
            r.add(a.values.get(i) / b.values.get(i));
        }
        return r;
    }

    /** "×1.05 (0.98–1.11)": median of paired ratios and their range. */
    String ratio() {
        return "×" + fmt(median(), 2) + " (" + fmt(min(), 2) + "–" + fmt(max(), 2) + ")";
    }

    static String fmt(double v, int decimals) {
        if (Double.isNaN(v)) {
            return "n/a";
        }
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }
}
