package dev.pluginhost.sandbox;

import dev.pluginhost.sandbox.Launches.Run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pluginhost.sandbox.programs.HonestProgram;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Landlock layer (this machine: ABI 7), each attack first shown to work without it. REQUIRED mode: on a kernel
 * without Landlock these fail loudly (launch exit 125) instead of skipping.
 */
class LandlockTest {
    private static final Duration RUN = Launches.RUN;
    @RegisterExtension
    final Launches launches = new Launches();

    private static LaunchSpec.Builder probe(String... args) {
        return Launches.probe(args).user(65534, 65534);
    }

    @Test
    void filesOutsideTheAllowedPathsCannotBeReadOrWritten() throws Exception {
        Path dir = TestJvm.worldDir();
        Path other = Files.writeString(dir.resolve("other-plugins-data.txt"), "not yours"); // world-readable
        Path data = Files.createDirectories(dir.resolve("data"));
        Files.setAttribute(data, "unix:uid", 65534);
        String[] attack = {"read", other.toString(), "write", dir.resolve("planted").toString(), "write",
            data.resolve("mine").toString(), "read", "/etc/hostname"};

        Run control = launches.launch(probe(attack)).finish();
        assertThat(control.out().lines).contains("read ok not yours").containsSubsequence("write ok", "write ok")
                .anyMatch(l -> l.startsWith("read ok ")); // /etc/hostname
        Files.delete(dir.resolve("planted"));
        Files.delete(data.resolve("mine"));

        Run confined = launches.launch(probe(attack).landlock(LayerMode.REQUIRED).writablePaths(List.of(data)))
                .finish();
        assertThat(confined.out().lines).as(confined.err().text()).containsExactly(
                "read failed java.nio.file.AccessDeniedException: " + other,
                "write failed java.nio.file.AccessDeniedException: " + dir.resolve("planted"),
                "write ok",
                "read failed java.nio.file.AccessDeniedException: /etc/hostname");
        assertThat(dir.resolve("planted")).doesNotExist();
        assertThat(confined.process().layers()).filteredOn(l -> l.name().equals("landlock")).singleElement()
                .satisfies(l -> {
                    assertThat(l.active()).isTrue();
                    assertThat(l.reason()).startsWith("ABI ").contains("TCP bind/connect denied")
                            .contains("abstract Unix sockets and signals scoped");
                });
    }

    @Test
    void tcpConnectIsDeniedByLandlockEvenWithoutANetNamespace() throws Exception {
        SyscallPolicy inet = SyscallPolicy.jvmDefault().toBuilder().allow("socket").build();
        try (ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            String port = Integer.toString(server.getLocalPort());
            Run control = launches.launch(probe("connect", port).policy(inet)).finish();
            assertThat(control.out().lines).contains("connect ok");

            Run confined = launches.launch(probe("connect", port).policy(inet).landlock(LayerMode.REQUIRED)).finish();
            assertThat(confined.out().lines).singleElement().asString().startsWith("connect failed")
                    .contains("Permission denied");
        }
    }

    @Test
    void signalsToASiblingOutsideTheSandboxAreDenied() throws Exception {
        long pid = launches.sibling();
        // (That the same kill works without Landlock: NamespacesTest.pidNamespaceStopsAPlugin..., control part.)
        Run confined = launches.launch(probe("kill", Long.toString(pid)).landlock(LayerMode.REQUIRED)
                .policy(TestJvm.SIGNALS_ANYWHERE)).finish();
        // Refused by the signal scope, or not even reached: without a pid namespace Landlock also hides other
        // processes' /proc entries, so Java finds no handle to kill (the raw kill(2) is HostileSuiteTest's).
        assertThat(confined.out().lines).containsAnyOf("kill-sent false", "kill-sent no-handle");
        assertThat(TestJvm.running(pid)).isTrue();
    }

    @Test
    void anHonestJvmRunsUnderEveryLayerWithOnlyBootProbesReported() throws Exception {
        Path dir = TestJvm.worldDir();
        Path data = Files.createDirectories(dir.resolve("data"));
        Files.setAttribute(data, "unix:uid", 65534);
        Path go = dir.resolve("go");
        Run run = launches.launch(LaunchSpec.builder().command(TestJvm.command(HonestProgram.class, data.toString(),
                go.toString())).namespacesAuto(true).landlock(LayerMode.IF_AVAILABLE).minimalRoot(LayerMode.IF_AVAILABLE)
                .writablePaths(List.of(data)).readOnly(dir) // the go file appears in dir, data (rw) lies inside it
                .memoryLimit(512L << 20).pidsLimit(256).mode(ViolationMode.KILL).bootPhase(true));
        run.out().await(l -> l.startsWith("ready "), RUN);
        run.process().endBootPhase();
        Files.createFile(go);
        ExitStatus exit = run.finish().process().onExit().get();
        assertThat(exit.exitCode()).as(run.out().text() + run.err().text()).isZero();
        assertThat(run.out().lines).contains("done");
        assertThat(run.err().text()).isEmpty();
        assertThat(run.events().violations).allMatch(Violation::boot);
        assertThat(run.process().layers()).filteredOn(l -> !l.active()).extracting(Layer::name)
                .containsExactly("user-namespace");
        // ... and it is replaced, not missing: the launcher says so in its event, not in words the host must parse.
        assertThat(run.process().layers()).filteredOn(l -> !l.active()).singleElement()
                .satisfies(l -> assertThat(l.replaced()).isTrue())
                .satisfies(l -> assertThat(l.missing()).isFalse());
    }

    /**
     * Without a pid namespace /proc is the host's, and another process's command line is world-readable by design.
     * Landlock then grants the program its own /proc entries only; they keep working after the kernel drops its
     * cached /proc dentries (procfs makes a new inode for /proc/PID on the next lookup, a rule on a stale one would
     * lock the JVM out of its own /proc/self).
     */
    @Test
    void withoutAPidNamespaceProcShowsOnlyTheProgramsOwnEntries() throws Exception {
        String cmdline = "/proc/" + launches.sibling() + "/cmdline";

        Run control = launches.launch(probe("read", cmdline)).finish();
        assertThat(control.out().lines).singleElement().asString().startsWith("read ok");

        Path go = TestJvm.worldDir().resolve("go");
        Run confined = launches.launch(probe("read", cmdline, "read", "/proc/self/comm", "read", "/proc/meminfo",
                "wait", go.toString(), "read", "/proc/self/comm").landlock(LayerMode.REQUIRED)
                .readOnly(go.getParent()));
        confined.out().await("waiting"::equals, RUN);
        Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "2"); // dentries and inodes, /proc's included
        Files.createFile(go);
        confined.finish();
        assertThat(confined.out().lines.get(0)).startsWith("read failed").contains("AccessDenied");
        assertThat(confined.out().lines).as(confined.out().text()).filteredOn(l -> l.equals("read ok java"))
                .hasSize(2);
        assertThat(confined.out().lines.get(2)).startsWith("read ok MemTotal");
        assertThat(confined.process().layers()).filteredOn(l -> l.name().equals("landlock")).singleElement()
                .satisfies(l -> assertThat(l.reason()).contains("/proc: its own entries only"));
    }
}
