package dev.pluginhost.sandbox;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses one line of the launcher's events: a flat JSON object whose values are integers, booleans, strings or
 * arrays of strings. Only the launcher writes these, so this is deliberately not a general JSON parser.
 */
final class EventLine {
    private final String text;
    private int pos;

    private EventLine(String text) {
        this.text = text;
    }

    static Map<String, Object> parse(String line) {
        return new EventLine(line.strip()).object();
    }

    private Map<String, Object> object() {
        Map<String, Object> result = new HashMap<>();
        expect('{');
        skipSpace();
        if (peek() == '}') {
            pos++;
            return result;
        }
        while (true) {
            skipSpace();
            String key = string();
            skipSpace();
            expect(':');
            skipSpace();
            result.put(key, value());
            skipSpace();
            char c = next();
            if (c == '}') {
                return result;
            }
            if (c != ',') {
                throw error("expected , or }");
            }
        }
    }

    private Object value() {
        char c = peek();
        if (c == '"') {
            return string();
        }
        if (c == '[') {
            pos++;
            List<String> items = new ArrayList<>();
            skipSpace();
            if (peek() == ']') {
                pos++;
                return items;
            }
            while (true) {
                skipSpace();
                items.add(string());
                skipSpace();
                char d = next();
                if (d == ']') {
                    return items;
                }
                if (d != ',') {
                    throw error("expected , or ]");
                }
            }
        }
        if (text.startsWith("true", pos)) {
            pos += 4;
            return Boolean.TRUE;
        }
        if (text.startsWith("false", pos)) {
            pos += 5;
            return Boolean.FALSE;
        }
        int start = pos;
        if (c == '-') {
            pos++;
        }
        while (pos < text.length() && Character.isDigit(text.charAt(pos))) {
            pos++;
        }
        if (start == pos) {
            throw error("expected a value");
        }
        return Long.parseLong(text.substring(start, pos));
    }

    private String string() {
        expect('"');
        StringBuilder sb = new StringBuilder();
        while (true) {
            char c = next();
            if (c == '"') {
                return sb.toString();
            }
            if (c == '\\') {
                char e = next();
                switch (e) {
                    case 'u' -> {
                        if (pos + 4 > text.length()) {
                            throw error("short \\u escape");
                        }
                        sb.append((char) Integer.parseInt(text.substring(pos, pos + 4), 16));
                        pos += 4;
                    }
                    case 'n' -> sb.append('\n');
                    case 't' -> sb.append('\t');
                    default -> sb.append(e);
                }
            } else {
                sb.append(c);
            }
        }
    }

    private void skipSpace() {
        while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
            pos++;
        }
    }

    private char peek() {
        if (pos >= text.length()) {
            throw error("unexpected end");
        }
        return text.charAt(pos);
    }

    private char next() {
        char c = peek();
        pos++;
        return c;
    }

    private void expect(char c) {
        if (next() != c) {
            throw error("expected " + c);
        }
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException(what + " at " + pos + " in event: " + text);
    }
}
