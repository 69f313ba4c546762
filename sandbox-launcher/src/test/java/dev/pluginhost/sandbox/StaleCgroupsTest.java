package dev.pluginhost.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pluginhost.sandbox.programs.SleeperProgram;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A launcher killed with SIGKILL cannot remove its cgroups: the folders stayed behind, one per launch. The next
 * {@link SandboxLauncher} (the host's start) removes those whose launcher is gone, and leaves a running launch's.
 * This machine has cgroup v1 memory and pids (REQUIRED below: a machine without them fails here, loudly).
 */
class StaleCgroupsTest {
    private static final Pattern DIR = Pattern.compile("cgroup v[12] (\\S+), ");
    @RegisterExtension
    final Launches launches = new Launches();

    private Launches.Run start() throws Exception {
        Launches.Run run = launches.launch(LaunchSpec.builder().command(TestJvm.command(SleeperProgram.class))
                .memoryLimit(256L << 20).pidsLimit(128).cgroups(LayerMode.REQUIRED));
        run.line("ready");
        return run;
    }

    private static List<Path> cgroups(Launches.Run run) {
        return run.process().layers().stream().filter(l -> l.name().startsWith("cgroup-"))
                .map(l -> {
                    Matcher m = DIR.matcher(l.reason());
                    assertThat(m.find()).as(l.reason()).isTrue();
                    return Path.of(m.group(1));
                }).distinct().toList();
    }

    @Test
    void theCgroupsOfAKilledLauncherAreRemovedAtTheNextStart() throws Exception {
        Launches.Run killed = start();
        Launches.Run alive = start();
        List<Path> leftover = cgroups(killed);
        List<Path> inUse = cgroups(alive);
        assertThat(leftover).isNotEmpty().allSatisfy(d -> assertThat(d).isDirectory());

        long program = killed.process().pid();
        new ProcessBuilder("kill", "-9", Long.toString(killed.process().launcherPid())).start().waitFor();
        killed.process().onExit().get(10, TimeUnit.SECONDS);
        for (int i = 0; i < 100 && TestJvm.running(program); i++) {
            Thread.sleep(20);
        }
        assertThat(TestJvm.running(program)).as("the program died with its launcher").isFalse();
        // What the killed launcher could not do: its cgroups are still there.
        assertThat(leftover).allSatisfy(d -> assertThat(d).isDirectory());

        SandboxLauncher next = new SandboxLauncher(TestJvm.WORK);
        assertThat(next.staleCgroupsRemoved()).containsAll(leftover);
        assertThat(leftover).allSatisfy(d -> assertThat(Files.exists(d)).as(d.toString()).isFalse());
        assertThat(inUse).allSatisfy(d -> assertThat(d).isDirectory());
    }
}
