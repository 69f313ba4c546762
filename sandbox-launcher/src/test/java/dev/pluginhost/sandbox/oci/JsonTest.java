package dev.pluginhost.sandbox.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void readsWhatItWrites() {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("s", "quote \" backslash \\ newline \n tab \t ctl \u0001 é");
        doc.put("n", new BigInteger("18446744073709551615")); // uint64 max: OCI argument values need it
        doc.put("neg", new BigInteger("-38"));
        doc.put("list", List.of("a", new BigInteger("1"), Boolean.TRUE, Json.NULL));
        doc.put("empty", Map.of());
        doc.put("nested", Map.of("k", List.of(Map.of("x", BigInteger.ZERO))));
        Object back = Json.parse(Json.write(doc));
        assertThat(back).isEqualTo(doc);
    }

    @Test
    void rejectsWhatIsNotStrictJson() {
        for (String bad : List.of("", "{", "{\"a\":1,}", "[1,]", "{\"a\":1}x", "{'a':1}", "{\"a\":01}",
                "{\"a\":1,\"a\":2}", "{\"a\":\"x\ny\"}", "// c\n{}", "{\"a\":tru}", "{\"a\":\"\\x\"}", "[-]",
                "{\"a\" 1}", "1.", "[" .repeat(100) + "]".repeat(100))) {
            assertThatIllegalArgumentException().as(bad).isThrownBy(() -> Json.parse(bad))
                    .withMessageStartingWith("JSON: ");
        }
    }

    @Test
    void errorsNameLineAndColumn() {
        assertThatIllegalArgumentException().isThrownBy(() -> Json.parse("{\n  \"a\": 1,\n  \"a\": 2\n}"))
                .withMessage("JSON: Duplicate Object property \"a\" at line 3, column 6");
        assertThatIllegalArgumentException().isThrownBy(() -> Json.parse("{\"a\": [1,\n 2,]}"))
                .withMessageStartingWith("JSON: ").withMessageEndingWith(" at line 2, column 4");
    }

    @Test
    void numbersKeepTheirKind() {
        assertThat(Json.parse("[0, -1, 1.5, 2e3]")).isEqualTo(List.of(BigInteger.ZERO, BigInteger.ONE.negate(),
                new java.math.BigDecimal("1.5"), new java.math.BigDecimal("2e3")));
    }

    @Test
    void writesTheNumbersItReadsAndTheIntegersOfItsCallersAsTheyPrint() {
        assertThat(Json.write(List.of(7, -8L, new BigInteger("18446744073709551615"), new java.math.BigDecimal("1.5"),
                new java.math.BigDecimal("2e3")))).isEqualToIgnoringWhitespace("[7,-8,18446744073709551615,1.5,2E+3]");
        assertThatIllegalArgumentException().isThrownBy(() -> Json.write(List.of(1.5d)))
                .withMessage("cannot write java.lang.Double as JSON");
    }
}
