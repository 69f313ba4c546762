package dev.pluginhost.sandbox.oci;

import java.io.StringWriter;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.PrettyPrinter;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.io.JsonStringEncoder;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.core.util.DefaultIndenter;
import tools.jackson.core.util.DefaultPrettyPrinter;
import tools.jackson.core.util.Separators;

/**
 * Strict JSON (RFC 8259) for OCI seccomp profiles and the launcher's event lines, read and written by Jackson's
 * streaming API (jackson-core, the host's Jackson): it tokenizes, checks and escapes; this class only turns tokens into
 * the plain values the rest of the module works with, and back. (Not jackson-databind: its first use costs about a
 * second of class loading here, which every launch's event reader and every CLI command would wait for.)
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
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
            .build();

    /** {@code "key": value}, one array element per line, {@code {}} and {@code []} when empty, LF only. */
    private static final ObjectWriteContext PRETTY = new ObjectWriteContext.Base() {
        @Override
        public PrettyPrinter getPrettyPrinter() {
            Separators separators = Separators.createDefaultInstance()
                    .withObjectNameValueSpacing(Separators.Spacing.AFTER)
                    .withObjectEmptySeparator("")
                    .withArrayEmptySeparator("");
            DefaultIndenter indenter = new DefaultIndenter("  ", "\n");
            return new DefaultPrettyPrinter(separators).withObjectIndenter(indenter).withArrayIndenter(indenter);
        }

        @Override
        public boolean hasPrettyPrinter() {
            return true;
        }
    };

    private Json() {
    }

    /**
     * Parses one JSON document.
     *
     * @throws IllegalArgumentException naming line and column, for anything that is not strict JSON
     */
    public static Object parse(String text) {
        // Tolerate a UTF-8 byte order mark, as editors write one.
        String json = !text.isEmpty() && text.charAt(0) == '\uFEFF' ? text.substring(1) : text;
        try (JsonParser parser = FACTORY.createParser(ObjectReadContext.empty(), json)) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                throw new IllegalArgumentException("JSON: unexpected end of input at line 1, column 1");
            }
            Object value = value(parser, first);
            if (parser.nextToken() != null) {
                throw new IllegalArgumentException("JSON: trailing text after the JSON value" + where(
                        parser.currentTokenLocation()));
            }
            return value;
        } catch (JacksonException e) {
            // Jackson appends where a container started; the line and column of the error itself say enough.
            String what = String.valueOf(e.getOriginalMessage()).replaceAll(" \\(start marker at \\[.*\\]\\)", "");
            throw new IllegalArgumentException("JSON: " + what + where(e.getLocation()), e);
        }
    }

    /** The value that starts with {@code token}, as plain, unmodifiable Java values. Depth is bounded by Jackson. */
    private static Object value(JsonParser parser, JsonToken token) {
        switch (token) {
            case START_OBJECT -> {
                Map<String, Object> map = new LinkedHashMap<>();
                while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
                    String key = parser.currentName();
                    map.put(key, value(parser, parser.nextToken()));
                }
                return Collections.unmodifiableMap(map);
            }
            case START_ARRAY -> {
                List<Object> list = new ArrayList<>();
                for (JsonToken t = parser.nextToken(); t != JsonToken.END_ARRAY; t = parser.nextToken()) {
                    list.add(value(parser, t));
                }
                return Collections.unmodifiableList(list);
            }
            case VALUE_STRING -> {
                return parser.getString();
            }
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
                return number(parser, token);
            }
            case VALUE_TRUE -> {
                return Boolean.TRUE;
            }
            case VALUE_FALSE -> {
                return Boolean.FALSE;
            }
            case VALUE_NULL -> {
                return NULL;
            }
            default -> throw new IllegalArgumentException("JSON: unexpected " + token + where(
                    parser.currentTokenLocation()));
        }
    }

    /** Longest number literal accepted: a uint64 has 20 digits; anything longer is a mistake or an attack. */
    private static final int MAX_NUMBER_LENGTH = 64;

    /**
     * A number, refused with its place when it is too long or beyond BigDecimal's range (an exponent such as
     * {@code 1e10000000001}: found by OciImportFuzzTest, which escaped as a bare NumberFormatException).
     */
    private static Object number(JsonParser parser, JsonToken token) {
        String where = where(parser.currentTokenLocation());
        if (parser.getString().length() > MAX_NUMBER_LENGTH) {
            throw new IllegalArgumentException("JSON: number longer than " + MAX_NUMBER_LENGTH + " characters" + where);
        }
        try {
            return token == JsonToken.VALUE_NUMBER_INT ? parser.getBigIntegerValue() : parser.getDecimalValue();
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("JSON: number out of range" + where, e);
        }
    }

    private static String where(TokenStreamLocation at) {
        return at != null && at.getLineNr() > 0 ? " at line " + at.getLineNr() + ", column " + at.getColumnNr() : "";
    }

    // ------------------------------------------------------------------------------------------------ writing

    /** Writes {@code value} as pretty-printed JSON (two-space indent, newline at the end). */
    public static String write(Object value) {
        StringWriter out = new StringWriter();
        try (JsonGenerator generator = FACTORY.createGenerator(PRETTY, out)) {
            write(generator, value);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("cannot write as JSON: " + e.getOriginalMessage(), e);
        }
        return out.append('\n').toString();
    }

    private static void write(JsonGenerator g, Object value) {
        if (value == null || value == NULL) {
            g.writeNull();
        } else if (value instanceof String s) {
            g.writeString(s);
        } else if (value instanceof Boolean b) {
            g.writeBoolean(b);
        } else if (value instanceof Integer || value instanceof Long || value instanceof BigInteger
                || value instanceof BigDecimal) {
            g.writeNumber(value.toString()); // the numbers read() makes, each as its toString() prints it
        } else if (value instanceof Map<?, ?> map) {
            g.writeStartObject();
            for (Map.Entry<?, ?> e : map.entrySet()) {
                g.writeName(String.valueOf(e.getKey()));
                write(g, e.getValue());
            }
            g.writeEndObject();
        } else if (value instanceof List<?> list) {
            g.writeStartArray();
            for (Object v : list) {
                write(g, v);
            }
            g.writeEndArray();
        } else {
            throw new IllegalArgumentException("cannot write " + value.getClass().getName() + " as JSON");
        }
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
