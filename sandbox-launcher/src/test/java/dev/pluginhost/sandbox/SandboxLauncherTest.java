package dev.pluginhost.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pluginhost.sandbox.TestJvm.Lines;
import dev.pluginhost.sandbox.TestJvm.Recorder;
import dev.pluginhost.sandbox.programs.EnvFdProgram;
import dev.pluginhost.sandbox.programs.ExecProgram;
import dev.pluginhost.sandbox.programs.FloodProgram;
import dev.pluginhost.sandbox.programs.HonestProgram;
import dev.pluginhost.sandbox.programs.HostProgram;
import dev.pluginhost.sandbox.programs.InetSocketProgram;
import dev.pluginhost.sandbox.programs.SeccompStackingProgram;
import dev.pluginhost.sandbox.programs.SleeperProgram;
import dev.pluginhost.sandbox.programs.UdsWorkload;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real sandboxed JVMs under the real launcher; every attack is first shown to work without the sandbox. */
class SandboxLauncherTest {
    private static final Duration RUN = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    private record Run(SandboxedProcess process, Recorder events, Lines out, Lines err) {
        ExitStatus awaitExit() throws Exception {
            ExitStatus status = process.onExit().get(RUN.toSeconds(), TimeUnit.SECONDS);
            out.closed.get(5, TimeUnit.SECONDS);
            err.closed.get(5, TimeUnit.SECONDS);
            return status;
        }
    }

    private Run launch(LaunchSpec spec) throws Exception {
        Recorder events = new Recorder();
        SandboxedProcess process = TestJvm.launcher().launch(spec, events);
        return new Run(process, events, new Lines(process.stdout()), new Lines(process.stderr()));
    }

    private static LaunchSpec.Builder jvm(Class<?> main, String... args) {
        return LaunchSpec.builder().command(TestJvm.command(main, args));
    }

    @Test
    void honestJvmRunsUnderSeccompAndNoNewPrivsWithOnlyJdkProbesReported() throws Exception {
        Path data = Files.createDirectories(tmp.resolve("data"));
        Path go = tmp.resolve("go");
        Run run = launch(jvm(HonestProgram.class, data.toString(), go.toString()).build());

        run.out.await(l -> l.startsWith("ready "), RUN);
        long pid = run.process.pid();
        String status = Files.readString(Path.of("/proc", Long.toString(pid), "status"));
        assertThat(status).contains("Seccomp:\t2\n").contains("NoNewPrivs:\t1\n");
        assertThat(ProcessHandle.of(pid).flatMap(p -> p.parent()).map(ProcessHandle::pid))
                .contains(run.process.launcherPid());
        assertThat(run.out.text()).contains("ready " + pid);
        Files.createFile(go);

        ExitStatus exit = run.awaitExit();
        assertThat(exit).isEqualTo(new ExitStatus(0, 0));
        assertThat(run.out.lines).contains("done");
        // Nothing but the JDK's own probes: libnet's JNI_OnLoad (loaded by NIO's IOUtil, so by any FileChannel)
        // tries socket(AF_INET), socket(AF_INET6), socket(AF_INET) and falls back quietly on EPERM.
        assertThat(run.events.violations).hasSizeLessThanOrEqualTo(3)
                .allMatch(SandboxLauncherTest::isJdkAddressFamilyProbe);
        assertThat(run.events.errors).isEmpty();
        assertThat(run.events.started).isCompletedWithValue(pid);
    }

    @Test
    void grpcLikeUnixSocketWorkloadRunsWithOnlyJdkProbesReported() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("uds"));
        Run run = launch(jvm(UdsWorkload.class, dir.toString(), "2000").build());

        ExitStatus exit = run.awaitExit();
        assertThat(run.out.lines).as(run.err.text()).contains("calls 8000");
        assertThat(exit.exitCode()).isZero();
        // Only the JDK's address-family probes at NIO class initialisation (AF_INET6 and AF_INET sockets): they
        // fail with EPERM and the JDK carries on. Recorded as known probes in JvmDefaultPolicy.
        assertThat(run.events.violations).hasSizeLessThanOrEqualTo(8)
                .allMatch(SandboxLauncherTest::isJdkAddressFamilyProbe);
    }

    /** The JDK's NIO class initialisation probes: socket(AF_INET or AF_INET6, ...). Reported, see JvmDefaultPolicy. */
    private static boolean isJdkAddressFamilyProbe(Violation v) {
        return v.syscall().equals("socket") && (v.arg(0) == 2 || v.arg(0) == 10);
    }

    private static long attackerTid(Run run) {
        return Long.parseLong(run.out.await(l -> l.startsWith("attacker-tid "), RUN).split(" ")[1]);
    }

    @Test
    void inetSocketWorksOutsideButIsDeniedAndReportedInside() throws Exception {
        TestJvm.Result plain = TestJvm.runPlain(TestJvm.command(InetSocketProgram.class));
        assertThat(plain.output()).contains("opened true");
        assertThat(plain.exitCode()).isZero();

        Run run = launch(jvm(InetSocketProgram.class).build());
        ExitStatus exit = run.awaitExit();

        assertThat(exit.exitCode()).as(run.out.text()).isEqualTo(3);
        assertThat(run.out.text()).contains("refused");
        long tid = attackerTid(run);
        assertThat(run.events.violations.stream().filter(v -> v.pid() == tid)).singleElement().satisfies(v -> {
            assertThat(v.syscall()).isEqualTo("socket");
            assertThat(v.nr()).isEqualTo(41);
            assertThat(v.arch()).isEqualTo(Syscalls.ARCH_X86_64);
            assertThat(v.arg(0)).isEqualTo(2L); // AF_INET
            assertThat(v.action()).isEqualTo(ViolationMode.DENY);
        });
        assertThat(run.events.violations).allMatch(SandboxLauncherTest::isJdkAddressFamilyProbe);
    }

    @Test
    void execWorksOutsideButIsDeniedAndReportedInside() throws Exception {
        TestJvm.Result plain = TestJvm.runPlain(TestJvm.command(ExecProgram.class));
        assertThat(plain.output()).contains("ran 0");

        Run run = launch(jvm(ExecProgram.class).build());
        ExitStatus exit = run.awaitExit();

        assertThat(exit.exitCode()).as(run.out.text()).isEqualTo(3);
        assertThat(run.events.violations).isNotEmpty()
                .allSatisfy(v -> assertThat(v.syscall()).isIn("clone", "vfork", "fork", "execve", "execveat"));
    }

    @Test
    void seccompStackingWorksOutsideButIsDeniedAndReportedInside() throws Exception {
        TestJvm.Result plain = TestJvm.runPlain(TestJvm.command(SeccompStackingProgram.class));
        assertThat(plain.output()).contains("installed 2");

        Run run = launch(jvm(SeccompStackingProgram.class).env("JAVA_TOOL_OPTIONS", "-Djna.tmpdir=" + tmp)
                .build());
        ExitStatus exit = run.awaitExit();

        assertThat(exit.exitCode()).as(run.out.text() + run.err.text()).isEqualTo(3);
        assertThat(run.out.text()).contains("refused 2");
        // First JNA's own: NativeLibrary's static initialiser runs "/sbin/ldconfig -p" on Linux, whatever name the
        // library is loaded by (posix_spawn: clone(CLONE_VM|CLONE_VFORK|SIGCHLD)); refused, JNA carries on.
        assertThat(run.events.violations).filteredOn(v -> !isJdkAddressFamilyProbe(v))
                .extracting(Violation::syscall).containsExactly("clone", "prctl", "seccomp");
        assertThat(run.events.violations).filteredOn(v -> v.syscall().equals("clone")).singleElement()
                .satisfies(v -> assertThat(v.arg(0)).isEqualTo(0x4111L));
        assertThat(run.events.violations).filteredOn(v -> v.syscall().equals("prctl")).singleElement()
                .satisfies(v -> assertThat(v.arg(0)).isEqualTo(22L)); // PR_SET_SECCOMP
    }

    @Test
    void killModeKillsTheViolatorWithinASecond() throws Exception {
        Run run = launch(jvm(InetSocketProgram.class, "20000").mode(ViolationMode.KILL).build());
        long pid = run.process.pid();

        await().atMost(RUN).until(() -> !run.events.violations.isEmpty());
        await().atMost(Duration.ofSeconds(1)).until(() -> !TestJvm.running(pid));
        ExitStatus exit = run.awaitExit();
        assertThat(exit).isEqualTo(new ExitStatus(137, 9));
        // The first AF_INET socket kills it: in kill mode that is already the JDK's own probe, before main's
        // attack. Kill mode needs the probes silenced first (see JvmDefaultPolicy).
        assertThat(run.out.text()).doesNotContain("opened").doesNotContain("refused");
        assertThat(run.events.violations.get(0).action()).isEqualTo(ViolationMode.KILL);
        assertThat(run.events.violations.get(0).syscall()).isEqualTo("socket");
    }

    @Test
    void auditModeLetsTheCallThroughAndReportsIt() throws Exception {
        Run run = launch(jvm(InetSocketProgram.class).mode(ViolationMode.AUDIT).build());
        ExitStatus exit = run.awaitExit();

        assertThat(exit.exitCode()).as(run.out.text()).isZero();
        assertThat(run.out.text()).contains("opened true");
        long tid = attackerTid(run);
        assertThat(run.events.violations).allMatch(SandboxLauncherTest::isJdkAddressFamilyProbe);
        assertThat(run.events.violations.stream().filter(v -> v.pid() == tid)).singleElement().satisfies(v -> {
            assertThat(v.syscall()).isEqualTo("socket");
            assertThat(v.arg(0)).isEqualTo(2L);
            assertThat(v.action()).isEqualTo(ViolationMode.AUDIT);
        });
    }

    @Test
    void childSeesOnlyTheGivenEnvironmentAndWorkingDirectory() throws Exception {
        assertThat(System.getenv()).containsKey("PATH"); // the test JVM has an environment to leak
        Run run = launch(jvm(EnvFdProgram.class).environment(Map.of("PLUGIN_ID", "demo"))
                .workingDirectory(tmp).build());
        ExitStatus exit = run.awaitExit();

        assertThat(exit.exitCode()).as(run.err.text()).isZero();
        assertThat(run.out.lines.stream().filter(l -> l.startsWith("env "))).containsExactly("env PLUGIN_ID=demo");
        assertThat(run.out.lines).contains("cwd " + tmp.toRealPath());
        assertThat(run.out.lines).contains("fd 0 /dev/null");
        assertThat(run.events.violations).isEmpty();
    }

    @Test
    void hostDeathTakesLauncherAndChildWithIt() throws Exception {
        Process host = new ProcessBuilder(TestJvm.command(HostProgram.class, TestJvm.WORK.toString(), TestJvm.java(),
                TestJvm.classpath())).redirectErrorStream(true).start();
        try {
            Lines out = new Lines(host.getInputStream());
            String line = out.await(l -> l.startsWith("child "), RUN);
            String[] parts = line.split(" ");
            long child = Long.parseLong(parts[1]);
            long launcher = Long.parseLong(parts[3]);
            assertThat(TestJvm.running(child)).isTrue();
            assertThat(TestJvm.running(launcher)).isTrue();

            host.destroyForcibly(); // SIGKILL: no shutdown hooks, no cleanup code runs in the host
            host.waitFor(10, TimeUnit.SECONDS);

            await().atMost(Duration.ofSeconds(5))
                    .until(() -> !TestJvm.running(child) && !TestJvm.running(launcher));

            // The dead host left its private folder (sandbox-launcher-*, with the launcher and the run directory)
            // behind; the next SandboxLauncher on the same work directory removes it.
            Path folders = TestJvm.WORK;
            String hostPid = Long.toString(host.pid());
            assertThat(runDirsOf(folders, hostPid)).hasSize(1);
            new SandboxLauncher(TestJvm.WORK).close();
            assertThat(runDirsOf(folders, hostPid)).isEmpty();
        } finally {
            host.destroyForcibly();
        }
    }

    @Test
    void killEndsLauncherAndChild() throws Exception {
        Run run = launch(jvm(SleeperProgram.class).build());
        run.out.await("ready"::equals, RUN);
        long pid = run.process.pid();

        run.process.kill();
        // Process.destroy() closes the launcher's pipes, so only the exit tells.
        ExitStatus exit = run.process.onExit().get(RUN.toSeconds(), TimeUnit.SECONDS);
        assertThat(exit).isEqualTo(new ExitStatus(137, 9));
        assertThat(TestJvm.running(pid)).isFalse();
        assertThat(run.process.isAlive()).isFalse();
    }

    @Test
    void violationFloodIsReportedInFullWithoutStallingTheSupervisor() throws Exception {
        int calls = 20_000;
        long start = System.nanoTime();
        Run run = launch(jvm(FloodProgram.class, Integer.toString(calls)).build());
        ExitStatus exit = run.awaitExit();
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(exit.exitCode()).as(run.err.text()).isZero();
        assertThat(run.out.lines).contains("flooded " + calls);
        // Every refused call is one event (plus the JDK's probes); nothing was dropped or stalled.
        assertThat(run.events.violations).hasSizeBetween(calls, calls + 20)
                .allMatch(SandboxLauncherTest::isJdkAddressFamilyProbe);
        assertThat(took).isLessThan(RUN);
    }

    private static List<Path> runDirsOf(Path runs, String hostPid) throws Exception {
        try (var dirs = Files.list(runs)) {
            return dirs.filter(d -> {
                try {
                    return Files.readString(d.resolve("host.pid")).strip().equals(hostPid);
                } catch (Exception e) {
                    return false;
                }
            }).toList();
        }
    }

    @Test
    void launchSpecRequiresSendmsgAndAnAbsoluteProgram() {
        org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
                .isThrownBy(() -> LaunchSpec.builder().command("java").build())
                .withMessageContaining("absolute");
        org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
                .isThrownBy(() -> LaunchSpec.builder().command("/bin/true")
                        .policy(SyscallPolicy.builder().allow("read").build()).build())
                .withMessageContaining("sendmsg");
    }

    @Test
    void failedSetupReportsTheStepAndNeverRunsTheProgram() throws Exception {
        Run run = launch(LaunchSpec.builder().command("/nonexistent/program").build());
        ExitStatus exit = run.awaitExit();

        assertThat(exit.exitCode()).isEqualTo(127);
        assertThat(run.events.errors).anySatisfy(e -> assertThat(e).contains("execve /nonexistent/program"));
        assertThat(run.err.text()).contains("plugin-launcher: execve /nonexistent/program: No such file");
        assertThat(Set.copyOf(List.of(run.process.isAlive()))).containsExactly(false);
    }
}
