package dev.pluginhost.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pluginhost.sandbox.Launches.Run;
import dev.pluginhost.sandbox.programs.ConnectedProgram;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code LaunchSpec.Builder.connect}: the launcher makes the program's host connection, so the plugin policy can
 * refuse socket and connect, and a socket the program was not handed stays out of reach even with no mount or net
 * namespace (the deployments where a non-root host has no user namespace). No namespace, no Landlock here: only the
 * filter decides.
 */
class HostConnectionTest {
    @RegisterExtension
    final Launches launches = new Launches();

    /** A socket anyone may connect to (mode 0777), outside the program's reach by design: answers "secret". */
    private static Thread serve(ServerSocketChannel server, String answer) {
        Thread t = new Thread(() -> {
            while (server.isOpen()) {
                try (SocketChannel ch = server.accept()) {
                    ByteBuffer in = ByteBuffer.allocate(64);
                    if (answer.equals("echo")) {
                        ch.read(in);
                        ch.write(ByteBuffer.wrap(("echo " + new String(in.array(), 0, in.position(),
                                StandardCharsets.US_ASCII)).getBytes(StandardCharsets.US_ASCII)));
                    } else {
                        ch.write(ByteBuffer.wrap((answer + "\n").getBytes(StandardCharsets.US_ASCII)));
                    }
                } catch (IOException e) {
                    return;
                }
            }
        }, "serve-" + answer);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static ServerSocketChannel bind(Path path) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxrwxrwx"));
        return server;
    }

    @Test
    void theProgramTalksOverItsInheritedConnectionAndReachesNoOtherSocket() throws Exception {
        Path dir = TestJvm.worldDir();
        Path host = dir.resolve("host.sock");
        Path other = dir.resolve("other.sock");
        try (ServerSocketChannel hostServer = bind(host); ServerSocketChannel otherServer = bind(other)) {
            serve(hostServer, "echo");
            serve(otherServer, "secret");

            // Control: the general JVM policy lets a program connect to any pathname socket it can name.
            Run control = launches.launch(LaunchSpec.builder()
                    .command(TestJvm.command(ConnectedProgram.class, other.toString()))
                    .policy(SyscallPolicy.jvmDefault())).finish();
            assertThat(control.out().lines).contains("unix ok secret");

            // The plugin policy with the connection handed over: the host answers, the other socket is refused.
            Run plugin = launches.launch(LaunchSpec.builder()
                    .command(TestJvm.command(ConnectedProgram.class, other.toString()))
                    .policy(SyscallPolicy.pluginDefault())
                    .connect("HOST_FD", host)).finish();
            assertThat(plugin.out().lines).contains("inherited echo hello");
            assertThat(plugin.out().lines).anySatisfy(l -> assertThat(l).startsWith("unix failed")
                    .contains("Operation not permitted"));
            assertThat(plugin.out().lines).noneMatch(l -> l.contains("secret"));
            assertThat(plugin.events().violations).extracting(Violation::syscall).contains("socket");
        }
    }

    @Test
    void aHostSocketThatIsNotThereFailsTheLaunchNamingThePath() throws Exception {
        Path missing = TestJvm.worldDir().resolve("no-such.sock");
        Run run = launches.launch(LaunchSpec.builder()
                .command(TestJvm.command(ConnectedProgram.class))
                .policy(SyscallPolicy.pluginDefault())
                .connect("HOST_FD", missing)).finish();
        assertThat(run.process().onExit().get().exitCode()).isEqualTo(ExitStatus.SETUP_FAILED);
        assertThat(run.err().lines).anySatisfy(l -> assertThat(l).contains("--connect")
                .contains(missing.toString()).contains("No such file or directory"));
    }
}
