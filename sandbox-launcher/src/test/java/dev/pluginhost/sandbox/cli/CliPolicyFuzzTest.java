package dev.pluginhost.sandbox.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.pluginhost.fuzz.FuzzBounds;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fuzz target: the {@code plugin-sandbox} command line with an operator's policy file ({@code explain --policy F},
 * {@code export --format oci --policy F}, {@code import F}) and options the fuzzer picks. The CLI answers 0, 1 (an
 * error, with a message that names the file) or 2 (a usage error) and never lets an exception out.
 */
class CliPolicyFuzzTest {

    @TempDir
    static Path dir;

    @FuzzTest
    void answersWithAStatusAndAReason(FuzzedDataProvider data) {
        String command = data.pickValue(List.of("explain", "export", "import"));
        List<String> args = new ArrayList<>(List.of(command));
        int extra = data.consumeInt(0, 3);
        for (int i = 0; i < extra; i++) {
            args.add(data.pickValue(List.of("--format", "oci", "--policy", "--mode", "deny", "--", "-h")));
        }
        Path policy = dir.resolve("policy.json");
        switch (command) {
            case "import" -> args.add(policy.toString());
            case "export" -> args.addAll(List.of("--format", "oci", "--policy", policy.toString()));
            default -> args.addAll(List.of("--policy", policy.toString()));
        }
        byte[] bytes = data.consumeRemainingAsBytes();
        String text = new String(bytes, StandardCharsets.UTF_8);
        try {
            Files.write(policy, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int[] status = new int[1];
        String input = args + " with " + text;
        FuzzBounds.run(input, NoRefusal.class, () -> status[0] =
                new PluginSandbox(new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8)).execute(args.toArray(String[]::new)));
        String errors = err.toString(StandardCharsets.UTF_8);
        assertThat(status[0]).as("exit status of %s", FuzzBounds.shorten(input)).isIn(0, 1, 2);
        if (status[0] == 1) {
            // The file the CLI read: the argument after --policy (the fuzzer may make that "--policy" itself).
            assertThat(args.stream().anyMatch(a -> errors.startsWith("plugin-sandbox: " + a + ": ")))
                    .as("an error names the policy file: %s gave %s", FuzzBounds.shorten(input), errors).isTrue();
            assertThat(errors.strip()).doesNotEndWith(": null").doesNotContain("Exception:");
        }
    }

    /** Nothing may escape {@code execute}: it has no documented exception. */
    static final class NoRefusal extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }
}
