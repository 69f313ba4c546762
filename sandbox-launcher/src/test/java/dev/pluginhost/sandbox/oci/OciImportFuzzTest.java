package dev.pluginhost.sandbox.oci;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.pluginhost.fuzz.FuzzBounds;
import dev.pluginhost.sandbox.PolicyCompiler;
import java.util.List;

/**
 * Fuzz target: an OCI seccomp profile handed to {@code plugin-sandbox import} or {@code --policy} (an operator's file,
 * possibly from anywhere). Every input is imported and, when it imports, compiled by libseccomp: the answer is a
 * policy or an {@link IllegalArgumentException} that says where the profile is wrong, never another exception, and
 * within {@link FuzzBounds}. Half the inputs are raw text, half a profile assembled from the fuzzer's choices, so
 * that the fuzzer reaches the profile's fields and not only the JSON reader.
 */
class OciImportFuzzTest {

    private static final List<String> ACTIONS = List.of("SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL",
            "SCMP_ACT_TRACE", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY", "");
    private static final List<String> NAMES = List.of("read", "write", "openat", "socket", "clone", "clone3",
            "ioctl", "execve", "personality", "kill", "not_a_syscall", "socketcall", "", "mmap");
    private static final List<String> OPS = List.of("SCMP_CMP_EQ", "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",
            "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_WHAT");
    private static final List<String> FIELDS = List.of("includes", "excludes", "comment", "errnoRet", "args",
            "minKernel", "caps", "arches");

    @FuzzTest
    void importsOrSaysWhere(FuzzedDataProvider data) {
        String kernel = data.consumeBoolean() ? data.consumeString(12) : "6.1.0";
        String json = data.consumeBoolean() ? data.consumeRemainingAsString() : profile(data);
        IllegalArgumentException refusal = FuzzBounds.run(json, IllegalArgumentException.class, () -> {
            OciProfile.Imported imported = OciProfile.importProfile(json, kernel);
            PolicyCompiler.compile(imported.policy());
        });
        if (refusal != null) {
            assertThat(refusal.getMessage()).as("a refusal says where: %s", FuzzBounds.shorten(json))
                    .matches("(?s)(OCI profile: |JSON: .* at line \\d+, column \\d+|unknown syscall: |syscall "
                            + "|libseccomp rejected ).*");
        }
    }

    /** A profile-shaped document whose parts the fuzzer picks. */
    private static String profile(FuzzedDataProvider data) {
        StringBuilder sb = new StringBuilder("{");
        if (data.consumeBoolean()) {
            sb.append("\"defaultAction\":").append(value(data, ACTIONS)).append(',');
        }
        if (data.consumeBoolean()) {
            sb.append("\"defaultErrnoRet\":").append(number(data)).append(',');
        }
        if (data.consumeBoolean()) {
            sb.append("\"architectures\":[\"").append(data.pickValue(List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86",
                    "SCMP_ARCH_X32", "SCMP_ARCH_AARCH64"))).append("\"],");
        }
        sb.append("\"syscalls\":[");
        int entries = data.consumeInt(0, 8);
        for (int i = 0; i < entries; i++) {
            sb.append(i == 0 ? "" : ",").append("{\"names\":[");
            int names = data.consumeInt(0, 3);
            for (int n = 0; n < names; n++) {
                sb.append(n == 0 ? "" : ",").append(value(data, NAMES));
            }
            sb.append("],\"action\":").append(value(data, ACTIONS));
            if (data.consumeBoolean()) {
                sb.append(",\"args\":[");
                int args = data.consumeInt(0, 4);
                for (int a = 0; a < args; a++) {
                    sb.append(a == 0 ? "" : ",").append("{\"index\":").append(number(data)).append(",\"value\":")
                            .append(number(data)).append(",\"valueTwo\":").append(number(data)).append(",\"op\":")
                            .append(value(data, OPS)).append('}');
                }
                sb.append(']');
            }
            if (data.consumeBoolean()) {
                String field = data.pickValue(FIELDS);
                sb.append(",\"").append(field).append("\":").append(switch (field) {
                    case "includes", "excludes" -> "{\"caps\":[\"CAP_SYS_ADMIN\"],\"arches\":[\"amd64\"],"
                            + "\"minKernel\":" + value(data, List.of("4.8", "99.0", "5", "x.y", "")) + "}";
                    case "errnoRet" -> number(data);
                    default -> data.consumeBoolean() ? "null" : value(data, List.of("x"));
                });
            }
            sb.append('}');
        }
        sb.append("]}");
        return sb.toString();
    }

    /** A value from the list, or now and then a string or number the fuzzer makes up. */
    private static String value(FuzzedDataProvider data, List<String> values) {
        return switch (data.consumeInt(0, 5)) {
            case 0 -> Json.quote(data.consumeString(20));
            case 1 -> number(data);
            default -> Json.quote(data.pickValue(values));
        };
    }

    private static String number(FuzzedDataProvider data) {
        return switch (data.consumeInt(0, 4)) {
            case 0 -> Long.toString(data.consumeLong());
            case 1 -> Long.toUnsignedString(data.consumeLong());
            case 2 -> "18446744073709551616";
            case 3 -> data.consumeInt(-5, 70) + "." + data.consumeInt(0, 9);
            default -> Integer.toString(data.consumeInt(-2, 6));
        };
    }
}
