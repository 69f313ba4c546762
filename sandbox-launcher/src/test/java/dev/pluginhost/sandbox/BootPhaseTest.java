package dev.pluginhost.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIOException;
import static org.awaitility.Awaitility.await;

import dev.pluginhost.sandbox.TestJvm.Lines;
import dev.pluginhost.sandbox.TestJvm.Recorder;
import dev.pluginhost.sandbox.programs.BootPhaseProgram;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The boot phase: trusted start-up probes are refused and marked, never killed; the plugin's code is judged. */
class BootPhaseTest {
    private static final Duration RUN = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    /** Records the order of violations and the booted event. */
    private static final class Ordered extends Recorder {
        final List<String> order = new CopyOnWriteArrayList<>();

        @Override
        public void onBooted() {
            order.add("booted");
        }

        @Override
        public void onViolation(Violation violation) {
            order.add(violation.boot() ? "boot" : "run");
            super.onViolation(violation);
        }
    }

    private static long tid(Lines out, String phase) {
        return Long.parseLong(out.await(l -> l.startsWith(phase + "-tid "), RUN).split(" ")[1]);
    }

    @Test
    void socketBeforeEndBootPhaseIsDeniedAsBootEvenInKillModeAndTheSameCallAfterwardsKills() throws Exception {
        Path controlGo = Files.createFile(tmp.resolve("control-go"));
        TestJvm.Result plain = TestJvm.runPlain(TestJvm.command(BootPhaseProgram.class, controlGo.toString()));
        assertThat(plain.output()).contains("boot opened true").contains("run opened true");

        Path go = tmp.resolve("go");
        Ordered events = new Ordered();
        SandboxedProcess process = TestJvm.launcher().launch(LaunchSpec.builder()
                .command(TestJvm.command(BootPhaseProgram.class, go.toString()))
                .mode(ViolationMode.KILL).bootPhase(true).build(), events);
        Lines out = new Lines(process.stdout());
        Lines err = new Lines(process.stderr());

        long bootTid = tid(out, "boot");
        out.await(l -> l.startsWith("boot refused"), RUN); // denied, and alive: kill mode did not apply
        process.endBootPhase();
        process.endBootPhase(); // idempotent
        await().atMost(RUN).until(() -> events.order.contains("booted"));
        Files.createFile(go);
        long runTid = tid(out, "run");

        ExitStatus exit = process.onExit().get(RUN.toSeconds(), TimeUnit.SECONDS);
        assertThat(exit).as(out.text() + err.text()).isEqualTo(new ExitStatus(137, 9));
        assertThat(out.text()).doesNotContain("run opened").doesNotContain("run refused");

        // Every boot-phase violation came before "booted", was refused (DENY) and marked; the JDK's own probes are
        // among them. The first after it is the plugin code's socket, which killed it.
        int booted = events.order.indexOf("booted");
        assertThat(events.order.subList(0, booted)).isNotEmpty().containsOnly("boot");
        assertThat(events.order.subList(booted + 1, events.order.size())).containsOnly("run");
        assertThat(events.violations).filteredOn(Violation::boot)
                .allSatisfy(v -> assertThat(v.action()).isEqualTo(ViolationMode.DENY))
                .anySatisfy(v -> {
                    assertThat(v.pid()).isEqualTo(bootTid);
                    assertThat(v.syscall()).isEqualTo("socket");
                    assertThat(v.arg(0)).isEqualTo(2L);
                });
        assertThat(events.violations).filteredOn(v -> !v.boot()).first().satisfies(v -> {
            assertThat(v.pid()).isEqualTo(runTid);
            assertThat(v.syscall()).isEqualTo("socket");
            assertThat(v.arg(0)).isEqualTo(2L);
            assertThat(v.action()).isEqualTo(ViolationMode.KILL);
        });

        assertThatIOException().isThrownBy(() -> {
            // A fresh process whose launcher is gone: endBootPhase cannot deliver.
            SandboxedProcess gone = TestJvm.launcher().launch(LaunchSpec.builder().command("/bin/true")
                    .bootPhase(true).build(), null);
            gone.onExit().get(RUN.toSeconds(), TimeUnit.SECONDS);
            gone.endBootPhase();
        });
    }

    @Test
    void withoutBootPhaseTheSameStartUpProbeIsARunViolationAndDenyModeKeepsGoing() throws Exception {
        Path go = Files.createFile(tmp.resolve("go"));
        Ordered events = new Ordered();
        SandboxedProcess process = TestJvm.launcher().launch(LaunchSpec.builder()
                .command(TestJvm.command(BootPhaseProgram.class, go.toString())).build(), events);
        Lines out = new Lines(process.stdout());
        new Lines(process.stderr());
        ExitStatus exit = process.onExit().get(RUN.toSeconds(), TimeUnit.SECONDS);

        assertThat(exit.exitCode()).isZero();
        assertThat(out.text()).contains("boot refused").contains("run refused");
        assertThat(events.order).isNotEmpty().containsOnly("run");
    }

    @Test
    void bootPhaseInDenyModeReportsBothPhases() throws Exception {
        Path go = tmp.resolve("go");
        Ordered events = new Ordered();
        SandboxedProcess process = TestJvm.launcher().launch(LaunchSpec.builder()
                .command(TestJvm.command(BootPhaseProgram.class, go.toString())).bootPhase(true).build(), events);
        Lines out = new Lines(process.stdout());
        new Lines(process.stderr());
        out.await(l -> l.startsWith("boot refused"), RUN);
        process.endBootPhase();
        Files.createFile(go);
        ExitStatus exit = process.onExit().get(RUN.toSeconds(), TimeUnit.SECONDS);

        assertThat(exit.exitCode()).isZero();
        assertThat(out.text()).contains("run refused");
        int booted = events.order.indexOf("booted");
        assertThat(booted).isPositive();
        assertThat(events.order.subList(0, booted)).containsOnly("boot");
        assertThat(events.order.subList(booted + 1, events.order.size())).isNotEmpty().containsOnly("run");
        assertThat(events.violations).filteredOn(v -> !v.boot())
                .allSatisfy(v -> assertThat(v.action()).isEqualTo(ViolationMode.DENY));
    }
}
