package dev.pluginhost.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pluginhost.sandbox.Launches.Run;
import dev.pluginhost.sandbox.programs.ConnectedProgram;
import java.nio.file.Path;
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

    @Test
    @SuppressWarnings("try") // the servers are only closed: they answer while the block runs
    void theProgramTalksOverItsInheritedConnectionAndReachesNoOtherSocket() throws Exception {
        Path dir = TestJvm.worldDir();
        Path host = dir.resolve("host.sock");
        Path other = dir.resolve("other.sock");
        // The other socket is outside the program's reach by design: it answers "secret".
        try (UnixServer hostServer = UnixServer.echo(host);
             UnixServer otherServer = UnixServer.greeting(other, "secret")) {
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
