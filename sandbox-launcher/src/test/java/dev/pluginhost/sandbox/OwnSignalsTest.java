package dev.pluginhost.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pluginhost.sandbox.Launches.Run;
import dev.pluginhost.sandbox.programs.ProbeProgram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The filter's own-process signal rule, alone: no pid namespace, no Landlock, the attacker and its victim under the
 * same uid: the deployment of a non-root host without user namespaces on a kernel before Landlock ABI 6, where this
 * rule is all that keeps a plugin from killing the host.
 */
class OwnSignalsTest {
    // Fails rather than skips without root: the rule would not be shown at all.
    @RegisterExtension
    final Launches launches = Launches.needingRoot("the victim and the attacker are dropped to uid 65534");

    @Test
    void killReachesOnlyTheProgramItself() throws Exception {
        long first = launches.sibling();
        // Control: kill allowed to any pid, nothing else in the way: the sibling dies.
        Run control = launches.launch(LaunchSpec.builder()
                .command(TestJvm.command(ProbeProgram.class, "kill", Long.toString(first)))
                .user(65534, 65534).policy(TestJvm.SIGNALS_ANYWHERE)).finish();
        assertThat(control.out().lines).contains("kill-sent true");
        await().atMost(Launches.RUN).until(() -> !TestJvm.running(first));

        // The default policy: refused, reported with its target, and the sibling lives.
        long second = launches.sibling();
        Run confined = launches.launch(LaunchSpec.builder()
                .command(TestJvm.command(ProbeProgram.class, "kill", Long.toString(second)))
                .user(65534, 65534)).finish();
        assertThat(confined.out().lines).contains("kill-sent false");
        assertThat(confined.events().violations).extracting(Violation::describe)
                .anySatisfy(d -> assertThat(d).startsWith("kill(" + second + ", SIGKILL"));
        assertThat(TestJvm.running(second)).isTrue();
        // And the JVM still signals itself: it started, ran and exited normally.
        assertThat(confined.process().onExit().get().exitCode()).isZero();
    }
}
