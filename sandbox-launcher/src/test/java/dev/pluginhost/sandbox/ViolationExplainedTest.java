package dev.pluginhost.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pluginhost.sandbox.TestJvm.Lines;
import dev.pluginhost.sandbox.TestJvm.Recorder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A violation explains itself: the supervisor reads the calling thread's name and the path a path-taking call names
 * (reported, read from the plugin's memory), and the arguments are decoded; with a hold, the call's answer waits for
 * the host (bounded).
 */
class ViolationExplainedTest {

    private record Run(Recorder events, Lines out, ExitStatus exit) {
    }

    private static Run run(LaunchSpec spec) throws Exception {
        Recorder events = new Recorder();
        SandboxedProcess process = TestJvm.launcher().launch(spec, events);
        Lines out = new Lines(process.stdout());
        new Lines(process.stderr());
        ExitStatus exit = process.onExit().get(60, TimeUnit.SECONDS);
        out.closed.get(5, TimeUnit.SECONDS);
        return new Run(events, out, exit);
    }

    @Test
    void aViolationNamesItsPathThreadAndDecodedArguments() throws Exception {
        Path target = Files.createFile(TestJvm.worldDir().resolve("chown me"));
        Run run = run(LaunchSpec.builder().command(TestJvm.command(ExplainProgram.class, target.toString())).build());

        assertThat(run.exit.exitCode()).as(run.out.text()).isZero();
        assertThat(run.out.text()).contains("chown refused").contains("inet refused");
        // glibc changes owners with chown(path, ...) or fchownat(AT_FDCWD, path, ...): the path is read either way.
        Violation chown = run.events.violations.stream()
                .filter(v -> v.syscall().equals("chown") || v.syscall().equals("fchownat")).findFirst()
                .orElseThrow(() -> new AssertionError("no chown violation: " + run.events.violations));
        assertThat(chown.task().path()).isEqualTo(target.toString());
        assertThat(chown.task().pathArg()).isEqualTo(chown.syscall().equals("fchownat") ? 1 : 0);
        assertThat(chown.task().thread()).isEqualTo("explain-chown-t"); // the kernel keeps 15 bytes
        assertThat(chown.task().nsTid()).isPositive();
        assertThat(chown.describe()).startsWith(chown.syscall() + "(")
                .contains("\"" + target + "\" (reported)");
        assertThat(chown.toString()).contains("thread=\"explain-chown-t\"");

        Violation inet = run.events.violations.stream()
                .filter(v -> v.task().thread().equals("explain-inet-th")).findFirst()
                .orElseThrow(() -> new AssertionError("no socket violation: " + run.events.violations));
        assertThat(inet.describe()).isEqualTo("socket(AF_INET, SOCK_STREAM, 0)");
        assertThat(inet.task().path()).isNull();
    }

    @Test
    void aHeldCallWaitsForTheHostAtMostTheHoldTime() throws Exception {
        Path target = Files.createFile(TestJvm.worldDir().resolve("held"));
        Run held = run(LaunchSpec.builder().command(TestJvm.command(ExplainProgram.class, target.toString()))
                .hold(Duration.ofMillis(800)).build());
        long heldMs = Long.parseLong(held.out.await(l -> l.startsWith("chown-ms "), Duration.ofSeconds(5))
                .substring("chown-ms ".length()));
        assertThat(heldMs).as("nobody released it: answered when its hold time was up").isBetween(750L, 5000L);
        assertThat(held.out.text()).contains("chown refused");

        Run plain = run(LaunchSpec.builder().command(TestJvm.command(ExplainProgram.class, target.toString()))
                .build());
        long plainMs = Long.parseLong(plain.out.await(l -> l.startsWith("chown-ms "), Duration.ofSeconds(5))
                .substring("chown-ms ".length()));
        assertThat(plainMs).as("without a hold, answered at once").isLessThan(500L);
    }
}
