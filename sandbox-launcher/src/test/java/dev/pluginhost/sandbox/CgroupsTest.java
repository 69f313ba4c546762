package dev.pluginhost.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pluginhost.sandbox.TestJvm.Lines;
import dev.pluginhost.sandbox.programs.BombProgram;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The cgroup layer. This machine: memory and pids are cgroup v1 controllers (v2 carries only hugetlb), so the
 * launcher reports v1; REQUIRED mode makes a machine without either fail these tests loudly instead of skipping.
 */
class CgroupsTest {
    private static final long MIB = 1024 * 1024;

    private record Result(ExitStatus exit, Lines out, SandboxedProcess process) {
    }

    private static Result run(LaunchSpec.Builder spec) throws Exception {
        SandboxedProcess process = TestJvm.launcher().launch(spec.build(), null);
        Lines out = new Lines(process.stdout());
        new Lines(process.stderr());
        ExitStatus exit = process.onExit().get(60, TimeUnit.SECONDS);
        out.closed.get(5, TimeUnit.SECONDS);
        return new Result(exit, out, process);
    }

    private static List<String> bomb(String kind, int n) {
        List<String> cmd = new ArrayList<>(TestJvm.command(BombProgram.class, kind, Integer.toString(n)));
        cmd.add(1, "-XX:MaxDirectMemorySize=1g");
        return cmd;
    }

    @Test
    void memoryBombWorksOutsideButTheCgroupLimitEndsIt() throws Exception {
        TestJvm.Result plain = TestJvm.runPlain(bomb("memory", 320));
        assertThat(plain.output()).contains("survived memory 320");

        Result r = run(LaunchSpec.builder().command(bomb("memory", 320)).memoryLimit(192 * MIB));
        assertThat(r.exit).as(r.out.text()).isEqualTo(new ExitStatus(137, 9)); // the OOM killer's SIGKILL
        assertThat(r.out.text()).doesNotContain("survived").contains("allocated 16");
        assertThat(r.process.layers()).filteredOn(l -> l.name().equals("cgroup-memory")).singleElement()
                .satisfies(l -> assertThat(l.active()).as(l.reason()).isTrue());
        assertCleanedUp(r.process);
    }

    @Test
    void threadBombWorksOutsideButThePidsLimitStopsIt() throws Exception {
        TestJvm.Result plain = TestJvm.runPlain(bomb("threads", 300));
        assertThat(plain.output()).contains("survived threads 300");

        Result r = run(LaunchSpec.builder().command(bomb("threads", 300)).pidsLimit(64));
        assertThat(r.exit.exitCode()).as(r.out.text()).isZero();
        assertThat(r.out.text()).contains("threads failed after").contains("unable to create native thread");
        int started = Integer.parseInt(r.out.text().replaceAll("(?s).*threads failed after (\\d+):.*", "$1"));
        assertThat(started).isLessThan(64);
        assertThat(r.process.layers()).filteredOn(l -> l.name().equals("cgroup-pids")).singleElement()
                .satisfies(l -> assertThat(l.active()).as(l.reason()).isTrue());
        assertCleanedUp(r.process);
    }

    /** The per-launch cgroup directories are gone once the launch has ended. */
    private static void assertCleanedUp(SandboxedProcess process) {
        for (Layer l : process.layers()) {
            if (l.name().startsWith("cgroup-") && l.active()) {
                Path dir = Path.of(l.reason().split(" ")[2].replaceAll(",$", ""));
                assertThat(dir.getFileName().toString()).isEqualTo(Long.toString(process.launcherPid()));
                assertThat(Files.exists(dir)).as(dir.toString()).isFalse();
            }
        }
    }
}
