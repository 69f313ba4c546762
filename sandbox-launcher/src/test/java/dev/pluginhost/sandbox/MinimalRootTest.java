package dev.pluginhost.sandbox;

import dev.pluginhost.sandbox.Launches.Run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pluginhost.sandbox.programs.ProbeProgram;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The minimal-root layer: what is not bound does not exist. Each attack (a world-readable host file, a pathname Unix
 * socket uid 65534 may connect to, as docker.sock with its group or a database socket) is first shown to work with
 * every other namespace and the uid drop; Landlock is off in the confined runs so that the minimal root alone is
 * what stops them.
 */
class MinimalRootTest {
    private static final Duration RUN = Launches.RUN;
    @RegisterExtension
    final Launches launches = new Launches();
    private final List<UnixServer> servers = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception {
        for (UnixServer s : servers) {
            s.close();
        }
    }

    /** A world-connectable socket that greets every client with {@code greeting}. */
    private Path serve(Path path, String greeting) throws Exception {
        servers.add(UnixServer.greeting(path, greeting));
        return path;
    }

    private static LaunchSpec.Builder probe(Path data, String... args) {
        return LaunchSpec.builder().command(TestJvm.command(ProbeProgram.class, args)).namespacesAuto(true)
                .workingDirectory(data).writablePaths(List.of(data));
    }

    @Test
    void hostFilesAndHostSocketsDisappearWhileTheOwnSocketStillWorks() throws Exception {
        Path dir = TestJvm.worldDir();
        Path secret = Files.writeString(dir.resolve("host-secret.txt"), "host secret"); // world-readable
        Path hostSocket = serve(dir.resolve("database.sock"), "host database");
        Path own = Files.createDirectories(dir.resolve("own"));
        Path ownSocket = serve(own.resolve("plugin.sock"), "own host socket");
        Path data = Files.createDirectories(dir.resolve("data"));
        Files.setAttribute(data, "unix:uid", 65534);
        String[] attack = {"read", secret.toString(), "unix", hostSocket.toString(), "unix", ownSocket.toString(),
            "write", data.resolve("mine").toString(), "read", data.resolve("mine").toString()};

        Run control = launches.launch(probe(data, attack)).finish();
        assertThat(control.out().lines).as(control.err().text()).containsExactly("read ok host secret",
                "unix ok host database", "unix ok own host socket", "write ok", "read ok written");
        Files.delete(data.resolve("mine"));

        Run confined = launches.launch(probe(data, attack).minimalRoot(LayerMode.REQUIRED).landlock(LayerMode.OFF)
                .readWrite(ownSocket, dir.resolve("missing"))).finish();
        assertThat(confined.out().lines).as(confined.err().text()).containsExactly(
                "read failed java.nio.file.NoSuchFileException: " + secret,
                "unix failed java.net.SocketException: No such file or directory",
                "unix ok own host socket",
                "write ok",
                "read ok written");
        assertThat(Files.readString(data.resolve("mine"))).isEqualTo("written"); // the same directory, bound
        assertThat(confined.process().layers()).filteredOn(l -> l.name().equals("minimal-root")).singleElement()
                .satisfies(l -> {
                    assertThat(l.active()).isTrue();
                    assertThat(l.reason()).startsWith("read-only tmpfs root: ").contains("own /proc")
                            .contains("1 missing, skipped: " + dir.resolve("missing"));
                });
        assertThat(confined.process().layers()).filteredOn(l -> l.name().equals("landlock")).singleElement()
                .satisfies(l -> assertThat(l.active()).isFalse());
    }

    @Test
    void withoutAMountNamespaceItIsReportedInactiveOrFailsTheLaunchWhenRequired() throws Exception {
        Path data = TestJvm.worldDir();
        LaunchSpec.Builder noMountNs = LaunchSpec.builder().command(TestJvm.command(ProbeProgram.class, "whoami"))
                .user(65534, 65534).writablePaths(List.of(data));

        Run lenient = launches.launch(noMountNs.minimalRoot(LayerMode.IF_AVAILABLE)).finish();
        assertThat(lenient.process().onExit().get().exitCode()).isZero();
        assertThat(lenient.process().layers()).filteredOn(l -> l.name().equals("minimal-root")).singleElement()
                .satisfies(l -> {
                    assertThat(l.active()).isFalse();
                    assertThat(l.reason()).contains("no mount namespace");
                });

        Run strict = launches.launch(noMountNs.minimalRoot(LayerMode.REQUIRED)).finish();
        assertThat(strict.process().onExit().get().exitCode()).isEqualTo(125);
        assertThat(strict.out().lines).isEmpty();
    }

    @Test
    void offByDefaultAndReportedSo() throws Exception {
        Run run = launches.launch(LaunchSpec.builder().command(TestJvm.command(ProbeProgram.class, "whoami"))).finish();
        assertThat(run.process().layers()).filteredOn(l -> l.name().equals("minimal-root")).singleElement()
                .satisfies(l -> assertThat(l.active()).isFalse());
    }
}
