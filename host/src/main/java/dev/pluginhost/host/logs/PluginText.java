package dev.pluginhost.host.logs;

/**
 * Makes text a plugin wrote safe to put into the host's log and API: one line, no terminal control. A plugin could
 * otherwise forge host log lines (a newline followed by a fake timestamped {@code [host]} line), rewrite an
 * operator's terminal (ANSI escape sequences), or reorder what a reader sees (bidi overrides). Such characters are
 * written visibly instead: {@code \n}, {@code \r}, {@code \t}, {@code \x1b}, {@code \u2028}, ...
 */
public final class PluginText {

    private PluginText() {
    }

    /**
     * @param text what the plugin wrote
     * @param maxChars the most characters of output; the rest is cut and the cut is marked
     * @param alreadyCut characters or bytes the caller cut before, so the marker counts them too
     * @return the text on one line, escaped, at most {@code maxChars} plus the marker long
     */
    public static String escape(CharSequence text, int maxChars, long alreadyCut) {
        StringBuilder out = new StringBuilder(Math.min(text.length(), maxChars) + 16);
        int i = 0;
        for (; i < text.length() && out.length() < maxChars; i++) {
            char c = text.charAt(i);
            switch (c) {
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (dangerous(c)) {
                        out.append(c <= 0xff ? String.format("\\x%02x", (int) c) : String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        long cut = alreadyCut + (text.length() - i);
        if (cut > 0) {
            out.append(" [... ").append(cut).append(" more cut: plugins.logs.max-line-bytes]");
        }
        return out.toString();
    }

    /**
     * C0 and C1 controls and DEL (newlines, ESC of ANSI sequences, CSI), line and paragraph separators, and the
     * invisible direction marks and overrides that reorder how a line reads.
     */
    static boolean dangerous(char c) {
        return c < 0x20 || (c >= 0x7f && c <= 0x9f)
                || c == '\u2028' || c == '\u2029'
                || c == '\u061c' || c == '\u200e' || c == '\u200f'
                || (c >= '\u202a' && c <= '\u202e')
                || (c >= '\u2066' && c <= '\u2069');
    }
}
