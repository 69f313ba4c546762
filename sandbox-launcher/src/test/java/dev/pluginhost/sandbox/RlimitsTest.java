package dev.pluginhost.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import dev.pluginhost.sandbox.TestJvm.Lines;
import dev.pluginhost.sandbox.TestJvm.Recorder;
import dev.pluginhost.sandbox.programs.WriteFileProgram;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rlimits layer: defaults always applied, overrides per launch. */
class RlimitsTest {
    @TempDir
    Path tmp;

    private static final long MIB = 1024 * 1024;

    @Test
    void writingPastFsizeWorksOutsideButFailsInsideAndTheJvmSurvivesSigxfsz() throws Exception {
        TestJvm.Result plain = TestJvm.runPlain(TestJvm.command(WriteFileProgram.class,
                tmp.resolve("plain.bin").toString(), Long.toString(4 * MIB)));
        assertThat(plain.output()).contains("wrote " + 4 * MIB).contains("nice 0");

        Recorder events = new Recorder();
        SandboxedProcess process = TestJvm.launcher().launch(LaunchSpec.builder()
                .command(TestJvm.command(WriteFileProgram.class, tmp.resolve("big.bin").toString(),
                        Long.toString(4 * MIB)))
                .rlimit("fsize", MIB).build(), events);
        Lines out = new Lines(process.stdout());
        Lines err = new Lines(process.stderr());
        ExitStatus exit = process.onExit().get(30, TimeUnit.SECONDS);
        out.closed.get(5, TimeUnit.SECONDS);

        assertThat(exit.exitCode()).as(out.text() + err.text()).isEqualTo(3);
        assertThat(out.text()).contains("failed after " + MIB).contains("File too large");
        assertThat(Files.size(tmp.resolve("big.bin"))).isEqualTo(MIB);
        // Defaults and the override, soft = hard, and reported as a layer.
        assertThat(out.lines).anyMatch(l -> l.matches("limit Max file size +1048576 +1048576 +bytes *"))
                .anyMatch(l -> l.matches("limit Max core file size +0 +0 +bytes *"))
                .anyMatch(l -> l.matches("limit Max open files +4096 +4096 +files *"))
                .anyMatch(l -> l.matches("limit Max address space +unlimited +unlimited +bytes *"));
        // No cgroup v2 cpu.weight here: the program yields the CPU to the host instead (nice 10, inherited by threads).
        assertThat(out.lines).contains("nice 10");
        // With autogroup (on here) the setsid() made it a scheduling group of its own, an equal of the host's
        // whatever its threads' nice, unless the group's nice is set too. Control: the plain run's group is nice 0, or
        // it is the kernel's default group (empty), where a session that never called setsid() stays: a process
        // started by PID 1 or a kernel helper, as CI machines and containers run it.
        if (autogroupEnabled()) {
            assertThat(plain.output()).containsPattern("(?m)^autogroup (/autogroup-\\d+ nice 0)?$");
            assertThat(out.lines).anyMatch(l -> l.matches("autogroup /autogroup-\\d+ nice 10"));
            assertThat(process.layers()).contains(new Layer("rlimits", true,
                    "core=0 nofile=4096 fsize=1048576 nice=10 (no cpu.weight) autogroup=10"));
        } else {
            System.out.println("autogroup not available here: /proc/sys/kernel/sched_autogroup_enabled is absent or 0");
            assertThat(process.layers()).contains(new Layer("rlimits", true,
                    "core=0 nofile=4096 fsize=1048576 nice=10 (no cpu.weight)"));
        }
    }

    private static boolean autogroupEnabled() throws java.io.IOException {
        Path enabled = Path.of("/proc/sys/kernel/sched_autogroup_enabled");
        return Files.exists(enabled) && Files.readString(enabled).trim().equals("1");
    }

    @Test
    void addressSpaceLimitIsOptInAndUnknownNamesAreRefused() throws Exception {
        SandboxedProcess process = TestJvm.launcher().launch(LaunchSpec.builder()
                .command(TestJvm.command(WriteFileProgram.class, tmp.resolve("f").toString(), "1"))
                .rlimit("as", 8L << 30).rlimit("nofile", 1000).build(), null);
        Lines out = new Lines(process.stdout());
        new Lines(process.stderr());
        assertThat(process.onExit().get(30, TimeUnit.SECONDS).exitCode()).as(out.text()).isZero();
        out.closed.get(5, TimeUnit.SECONDS);
        assertThat(out.lines).anyMatch(l -> l.matches("limit Max address space +8589934592 +8589934592 +bytes *"))
                .anyMatch(l -> l.matches("limit Max open files +1000 +1000 +files *"));
        assertThatIllegalArgumentException().isThrownBy(() -> LaunchSpec.builder().rlimit("nproc", 10));
    }
}
