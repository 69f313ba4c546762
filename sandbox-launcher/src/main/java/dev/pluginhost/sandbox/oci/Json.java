package dev.pluginhost.sandbox.oci;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.io.JsonStringEncoder;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.core.util.DefaultIndenter;
import tools.jackson.core.util.DefaultPrettyPrinter;
import tools.jackson.core.util.Separators;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Strict JSON (RFC 8259) for OCI seccomp profiles and the launcher's event lines, read and written by Jackson, the
 * library the host already uses. This class only fixes the shape the rest of the module works with.
 *
 * <p>Reading gives {@link Map} (insertion-ordered, duplicate keys rejected), {@link List}, {@link String},
 * {@link BigInteger} for integers (OCI's uint64 argument values do not fit a signed long), {@link BigDecimal} for
 * other numbers, {@link Boolean} and {@code null} (as {@link #NULL}). Anything else — trailing text, comments,
 * single quotes, unescaped control characters, leading zeros, nesting deeper than 64 — is an error starting with
 * {@code "JSON: "} and naming the line and column.
 *
 * <p>Writing takes the same types (plus {@link Long}/{@link Integer}) and pretty-prints with two-space indents.
 */
public final class Json {

    /** The JSON {@code null} as read (a marker, so that "absent" and "null" can be told apart in a map). */
    public static final Object NULL = new Object() {
        @Override
        public String toString() {
            return "null";
        }
    };

    private static final int MAX_DEPTH = 64;

    /** Jackson's defaults are already strict (no comments, quotes, trailing commas, leading zeros); these add the rest. */
    private static final JsonMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
                    .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .defaultPrettyPrinter(prettyPrinter())
            .build();

    private Json() {
    }

    /** {@code "key": value}, one array element per line, {@code {}} and {@code []} when empty, LF only. */
    private static DefaultPrettyPrinter prettyPrinter() {
        Separators separators = Separators.createDefaultInstance()
                .withObjectNameValueSpacing(Separators.Spacing.AFTER)
                .withObjectEmptySeparator("")
                .withArrayEmptySeparator("");
        DefaultIndenter indenter = new DefaultIndenter("  ", "\n");
        return new DefaultPrettyPrinter(separators).withObjectIndenter(indenter).withArrayIndenter(indenter);
    }

    /**
     * Parses one JSON document.
     *
     * @throws IllegalArgumentException naming line and column, for anything that is not strict JSON
     */
    public static Object parse(String text) {
        // Tolerate a UTF-8 byte order mark, as editors write one.
        String json = !text.isEmpty() && text.charAt(0) == '\uFEFF' ? text.substring(1) : text;
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JacksonException e) {
            throw error(e, json);
        }
        if (root == null || root.isMissingNode()) {
            throw new IllegalArgumentException("JSON: unexpected end of input at line 1, column 1");
        }
        return value(root);
    }

    /** Jackson's tree as plain, unmodifiable Java values. */
    private static Object value(JsonNode node) {
        if (node.isObject()) {
            Map<String, Object> map = new LinkedHashMap<>();
            node.properties().forEach(e -> map.put(e.getKey(), value(e.getValue())));
            return Collections.unmodifiableMap(map);
        }
        if (node.isArray()) {
            List<Object> list = new ArrayList<>(node.size());
            node.values().forEach(v -> list.add(value(v)));
            return Collections.unmodifiableList(list);
        }
        if (node.isString()) {
            return node.stringValue();
        }
        if (node.isIntegralNumber()) {
            return node.bigIntegerValue();
        }
        if (node.isNumber()) {
            return node.decimalValue();
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        return NULL;
    }

    private static IllegalArgumentException error(JacksonException e, String text) {
        // Jackson appends where a container started; the line and column of the error itself say enough.
        String what = String.valueOf(e.getOriginalMessage()).replaceAll(" \\(start marker at \\[.*\\]\\)", "");
        TokenStreamLocation at = e.getLocation();
        String where = at != null && at.getLineNr() > 0 ? " at line " + at.getLineNr() + ", column " + at.getColumnNr()
                : text.isEmpty() ? " at line 1, column 1" : "";
        return new IllegalArgumentException("JSON: " + what + where, e);
    }

    // ------------------------------------------------------------------------------------------------ writing

    /** Writes {@code value} as pretty-printed JSON (two-space indent, newline at the end). */
    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(writable(value)) + "\n";
        } catch (JacksonException e) {
            throw new IllegalArgumentException("cannot write as JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** Maps {@link #NULL} back to null and refuses what the reader would never give. */
    private static Object writable(Object value) {
        if (value == null || value == NULL) {
            return null;
        }
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> copy = new LinkedHashMap<>();
            map.forEach((k, v) -> copy.put(String.valueOf(k), writable(v)));
            return copy;
        }
        if (value instanceof List<?> list) {
            List<Object> copy = new ArrayList<>(list.size());
            list.forEach(v -> copy.add(writable(v)));
            return copy;
        }
        if (value instanceof String || value instanceof Boolean || value instanceof Integer || value instanceof Long
                || value instanceof BigInteger || value instanceof BigDecimal) {
            return value;
        }
        throw new IllegalArgumentException("cannot write " + value.getClass().getName() + " as JSON");
    }

    /** Appends {@code s} as a JSON string literal. */
    public static void quote(StringBuilder sb, String s) {
        sb.append('"');
        JsonStringEncoder.getInstance().quoteAsString(s, sb);
        sb.append('"');
    }

    /** {@code s} as a JSON string literal. */
    public static String quote(String s) {
        StringBuilder sb = new StringBuilder();
        quote(sb, s);
        return sb.toString();
    }
}
