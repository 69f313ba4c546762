package dev.pluginhost.sandbox;

import dev.pluginhost.sandbox.Launches.Run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pluginhost.sandbox.programs.ProbeProgram;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The namespace layer and the uid drop, each attack first shown to work without it. These run as root (this
 * machine's CI); the non-root path is in {@link #nonRootLauncherUsesAUserNamespaceAndFailsClosedWithoutOne}.
 */
class NamespacesTest {
    private static final Duration RUN = Launches.RUN;
    // Fails rather than skips without root: the layers would not be shown at all.
    @RegisterExtension
    final Launches launches = Launches.needingRoot("these tests drop from root to uid 65534");

    @Test
    void pidNamespaceStopsAPluginFromSeeingAndKillingItsSibling() throws Exception {
        // Control: same uid, no pid namespace: the sibling is visible and killed.
        long first = launches.sibling();
        Run control = launches.launch(Launches.probe("kill", Long.toString(first)).user(65534, 65534)
                .policy(TestJvm.SIGNALS_ANYWHERE)).finish();
        assertThat(control.out().lines).contains("sees " + first + " true", "kill-sent true");
        await().atMost(RUN).until(() -> !TestJvm.running(first));

        // pid namespace alone: /proc (the host's) still lists it, but kill() cannot reach outside the namespace.
        long second = launches.sibling();
        Run pidOnly = launches.launch(Launches.probe("whoami", "kill", Long.toString(second)).unshare("pid")
                .policy(TestJvm.SIGNALS_ANYWHERE))
                .finish();
        assertThat(pidOnly.out().lines).contains("pid 1 uid 65534", "sees " + second + " true", "kill-sent false");

        // pid + mount namespaces: its own /proc lists only itself.
        Run both = launches.launch(Launches.probe("procs", "kill", Long.toString(second)).unshare("pid", "mount")
                .policy(TestJvm.SIGNALS_ANYWHERE)).finish();
        assertThat(both.out().lines).contains("procs 1", "sees " + second + " false", "kill-sent no-handle");
        assertThat(TestJvm.running(second)).isTrue();
        assertThat(both.events().layers).contains(
                new Layer("pid-namespace", true, "plugin is pid 1 and sees only itself (own /proc)"),
                new Layer("mount-namespace", true, "private mounts, own /proc"));
        // The host's /proc is untouched: the fresh /proc did not propagate out of the mount namespace.
        try (var entries = Files.list(Path.of("/proc"))) {
            assertThat(entries.filter(p -> p.getFileName().toString().matches("[0-9]+")).count()).isGreaterThan(3);
        }
    }

    @Test
    void netNamespaceStopsATcpConnectionToTheHostsLoopback() throws Exception {
        // A policy that allows every socket family: only the namespace stands between the plugin and the port.
        SyscallPolicy inet = SyscallPolicy.jvmDefault().toBuilder().allow("socket").build();
        try (ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            String port = Integer.toString(server.getLocalPort());
            Run control = launches.launch(Launches.probe("connect", port).policy(inet).user(65534, 65534)).finish();
            assertThat(control.out().lines).as(control.err().text()).contains("connect ok");

            Run isolated = launches.launch(Launches.probe("connect", port, "procs").policy(inet).unshare("net"))
                    .finish();
            assertThat(isolated.line("connect ")).startsWith("connect failed")
                    .contains("Network is unreachable");
            assertThat(isolated.out().lines).contains("netdev lo");
            assertThat(isolated.events().layers).contains(new Layer("net-namespace", true,
                    "only a loopback interface, down"));
        }
    }

    @Test
    void uidDropStopsReadingRootsFilesAndKeepsSeccompAndNoNewPrivs() throws Exception {
        Path dir = TestJvm.worldDir();
        Path secret = Files.writeString(dir.resolve("secret"), "root only");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        Path go = dir.resolve("go");

        Run control = launches.launch(Launches.probe("read", secret.toString())).finish();
        assertThat(control.out().lines).contains("read ok root only");

        Run run = launches.launch(Launches.probe("read", secret.toString(), "write", dir.resolve("mine").toString(),
                "wait", go.toString()).namespacesAuto(true));
        run.out().await("waiting"::equals, RUN);
        long pid = run.process().pid();
        String status = Files.readString(Path.of("/proc", Long.toString(pid), "status"));
        assertThat(status).contains("Seccomp:\t2\n").contains("NoNewPrivs:\t1\n")
                .contains("Uid:\t65534\t65534\t65534\t65534\n").contains("Gid:\t65534\t65534\t65534\t65534\n")
                .containsPattern("Groups:\\s*\n").contains("CapEff:\t0000000000000000\n");
        Files.createFile(go);
        run.finish();
        assertThat(run.out().lines).anyMatch(l -> l.startsWith("read failed java.nio.file.AccessDeniedException"))
                .contains("write ok");
        assertThat(Files.getAttribute(dir.resolve("mine"), "unix:uid")).isEqualTo(65534);

        // Every namespace layer is reported, before the program started; root needs no user namespace.
        assertThat(run.process().layers()).extracting(Layer::name).containsSubsequence("rlimits", "uid-drop",
                "user-namespace", "pid-namespace", "net-namespace", "ipc-namespace", "uts-namespace",
                "mount-namespace", "seccomp");
        assertThat(run.process().layers()).filteredOn(l -> l.name().endsWith("-namespace") && !l.active())
                .extracting(Layer::name).containsExactly("user-namespace");
        assertThat(run.process().layers()).contains(new Layer("uid-drop", true,
                "uid 65534 gid 65534, no supplementary groups, no capabilities"));
        assertThat(TestJvm.launcher().childUid()).isEqualTo(65534);
    }

    @Test
    void withoutNamespacesEveryNamespaceLayerIsReportedInactive() throws Exception {
        Run run = launches.launch(Launches.probe("whoami")).finish();
        assertThat(run.out().lines).contains("pid " + run.process().pid() + " uid 0");
        assertThat(run.process().layers()).filteredOn(l -> l.name().endsWith("-namespace")).hasSize(6)
                .allSatisfy(l -> {
                    assertThat(l.active()).isFalse();
                    assertThat(l.reason()).startsWith("not requested");
                });
        assertThat(run.process().layers()).contains(new Layer("uid-drop", false,
                "not requested: the child runs as root (use --uid or namespaces)"));
    }

    @Test
    void nonRootLauncherUsesAUserNamespaceAndFailsClosedWithoutOne() throws Exception {
        // The launcher itself started as uid 65534 (setpriv), the way a non-root host would run it.
        TestJvm.WorldLauncher world = TestJvm.worldLauncher();
        Path dir = world.dir();
        List<String> base = List.of("/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                world.binary().toString(), "--filter", world.filter().toString(), "--events",
                dir.resolve("ev1").toString());
        List<String> required = new ArrayList<>(base);
        required.addAll(List.of("--unshare", "pid", "--"));
        required.addAll(TestJvm.command(ProbeProgram.class, "whoami"));
        TestJvm.Result refused = TestJvm.runPlain(required);
        assertThat(refused.exitCode()).isEqualTo(125);
        assertThat(refused.output()).contains("a non-root launcher needs the user namespace for the others")
                .doesNotContain("pid 1");

        List<String> auto = new ArrayList<>(base);
        auto.set(auto.indexOf(dir.resolve("ev1").toString()), dir.resolve("ev2").toString());
        auto.addAll(List.of("--namespaces", "auto", "--"));
        auto.addAll(TestJvm.command(ProbeProgram.class, "whoami", "procs"));
        TestJvm.Result ok = TestJvm.runPlain(auto);
        assertThat(ok.exitCode()).as(ok.output()).isZero();
        assertThat(ok.output()).contains("pid 1 uid 65534", "procs 1", "netdev lo");
        String events = Files.readString(dir.resolve("ev2"));
        assertThat(events).contains("\"name\":\"user-namespace\",\"active\":true,\"reason\":\"uid 65534 mapped to itself\"")
                .contains("\"name\":\"uid-drop\",\"active\":false,\"reason\":\"launcher is not root: the child keeps uid 65534 gid 65534\"")
                .contains("\"name\":\"pid-namespace\",\"active\":true");
    }
}
