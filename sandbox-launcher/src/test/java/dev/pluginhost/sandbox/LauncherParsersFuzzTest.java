package dev.pluginhost.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Fuzz target in C: the launcher's command-line parser (args.c and what it calls) and its event lines built from a
 * violating task's text (events.c), under AddressSanitizer and UndefinedBehaviorSanitizer, driven by
 * {@code src/test/c/fuzz_launcher.c} (a coverage-guided driver: gcc has no libFuzzer). It replays the checked-in
 * inputs of {@code LauncherParsersFuzzTestInputs/}, then mutates for {@code fuzz.duration} (seconds in
 * {@code mvn verify}; {@code -Pfuzz -Dfuzz.duration=10m} for a long run). A finding fails the test and is saved as
 * {@code target/fuzz-findings/crash-<hash>}: fix it, then copy it beside the seeds.
 */
class LauncherParsersFuzzTest {

    private static final Path MODULE = Path.of(System.getProperty("user.dir"));

    @Test
    void parsersSurviveTheFuzzer() throws Exception {
        Path build = MODULE.resolve("target/fuzz-c");
        Path driver = build.resolve("fuzz_launcher");
        run(List.of("make", "-s", "--no-print-directory", "-C", MODULE.resolve("src/test/c").toString(),
                "OUT=" + driver, "OBJDIR=" + build.resolve("obj")), Duration.ofMinutes(3), "build the fuzz driver");
        Path findings = Files.createDirectories(MODULE.resolve("target/fuzz-findings"));
        Path seeds = MODULE.resolve("src/test/resources/dev/pluginhost/sandbox/LauncherParsersFuzzTestInputs");
        long seconds = seconds(System.getProperty("fuzz.duration", "3s"));
        List<String> command = List.of(driver.toString(), seeds.toString(), Long.toString(seconds),
                findings.toString());
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String report = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int status = p.waitFor();
        System.out.println(report.strip());
        if (status != 0 || !report.contains("no finding")) {
            Path input = findings.resolve("current-input");
            String kept = "";
            if (Files.exists(input)) {
                byte[] bytes = Files.readAllBytes(input);
                Path crash = findings.resolve("crash-" + HexFormat.of().formatHex(
                        MessageDigest.getInstance("SHA-1").digest(bytes)));
                Files.write(crash, bytes);
                kept = "; the input is " + crash;
            }
            Path stderr = findings.resolve("stderr.log");
            String log = Files.exists(stderr) ? Files.readString(stderr) : "";
            throw new AssertionError("the fuzz driver found a bug (status " + status + ")" + kept + "\n" + report
                    + "\n" + log.substring(Math.max(0, log.length() - 4000)));
        }
    }

    /** Jazzer's duration syntax, as -Dfuzz.duration takes it: 30s, 10m, 1h, or plain seconds. */
    static long seconds(String duration) {
        String d = duration.trim();
        long n = Long.parseLong(d.replaceAll("[smh]$", ""));
        return d.endsWith("h") ? n * 3600 : d.endsWith("m") ? n * 60 : n;
    }

    private static String run(List<String> command, Duration timeout, String what)
            throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(what + ": did not finish within " + timeout);
        }
        String text = new String(out, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as("%s: %s\n%s", what, command, text).isZero();
        return text;
    }
}
