package dev.pluginhost.bench;

import java.util.List;
import java.util.Locale;

/**
 * A small SVG line chart: one panel per series, laid out in a grid, each with its own y axis from zero (so that a
 * flat line looks flat and growth is not magnified), x in minutes. Plain text, no dependency.
 */
final class SvgChart {
    private SvgChart() {
    }

    /** One series: its title (with unit) and its y per x; NaN leaves a gap. */
    record Series(String title, double[] y) {}

    private static final int W = 440;
    private static final int H = 210;
    private static final int LEFT = 58;
    private static final int RIGHT = 14;
    private static final int TOP = 28;
    private static final int BOTTOM = 38;

    static String render(String title, String xLabel, double[] x, List<Series> series, int columns) {
        int rows = (series.size() + columns - 1) / columns;
        int width = columns * W;
        int height = 30 + rows * H;
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"11\">%n", width, height, width, height));
        b.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", width, height));
        b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"20\" font-size=\"14\" text-anchor=\"middle\">%s</text>%n",
                width / 2, esc(title)));
        for (int i = 0; i < series.size(); i++) {
            panel(b, (i % columns) * W, 30 + (i / columns) * H, xLabel, x, series.get(i));
        }
        b.append("</svg>\n");
        return b.toString();
    }

    private static void panel(StringBuilder b, int ox, int oy, String xLabel, double[] x, Series s) {
        int pw = W - LEFT - RIGHT;
        int ph = H - TOP - BOTTOM;
        double xMax = Math.max(1, max(x));
        double yMax = niceCeil(max(s.y()) * 1.1);
        b.append(String.format(Locale.ROOT, "<g transform=\"translate(%d,%d)\">%n", ox, oy));
        b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"16\" font-size=\"12\" font-weight=\"bold\">%s</text>%n",
                LEFT, esc(s.title())));
        // axes
        b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n", LEFT,
                TOP, LEFT, TOP + ph));
        b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n", LEFT,
                TOP + ph, LEFT + pw, TOP + ph));
        for (int t = 0; t <= 4; t++) {
            double v = yMax * t / 4;
            double py = TOP + ph - ph * t / 4.0;
            b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>%n",
                    LEFT + 1, py, LEFT + pw, py));
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n", LEFT - 4,
                    py + 4, tick(v)));
        }
        int step = xMax <= 10 ? 1 : xMax <= 30 ? 5 : xMax <= 120 ? 10 : 30;
        for (int t = 0; t <= xMax; t += step) {
            double px = LEFT + pw * t / xMax;
            b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"black\"/>%n",
                    px, TOP + ph, px, TOP + ph + 4));
            b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d</text>%n", px,
                    TOP + ph + 16, t));
        }
        b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>%n", LEFT + pw / 2,
                TOP + ph + 32, esc(xLabel)));
        // the line, broken where a value is missing
        StringBuilder points = new StringBuilder();
        StringBuilder dots = new StringBuilder();
        for (int i = 0; i < x.length; i++) {
            double v = s.y()[i];
            if (Double.isNaN(v)) {
                flush(b, points);
                continue;
            }
            double px = LEFT + pw * x[i] / xMax;
            double py = TOP + ph - ph * v / yMax;
            points.append(String.format(Locale.ROOT, "%.1f,%.1f ", px, py));
            dots.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2\" fill=\"#1f5fbf\"/>%n", px,
                    py));
        }
        flush(b, points);
        b.append(dots);
        b.append("</g>\n");
    }

    private static void flush(StringBuilder b, StringBuilder points) {
        if (points.length() > 0) {
            b.append("<polyline fill=\"none\" stroke=\"#1f5fbf\" stroke-width=\"1.5\" points=\"")
                    .append(points.toString().trim()).append("\"/>\n");
            points.setLength(0);
        }
    }

    private static double max(double[] v) {
        double m = 0;
        for (double d : v) {
            if (!Double.isNaN(d)) {
                m = Math.max(m, d);
            }
        }
        return m;
    }

    /** 1, 2 or 5 times a power of ten, at least {@code v} (and at least 1). */
    static double niceCeil(double v) {
        if (!(v > 1)) {
            return 1;
        }
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 2, 2.5, 5, 10}) {
            if (m * p >= v) {
                return m * p;
            }
        }
        return 10 * p;
    }

    private static String tick(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.1f", v);
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
