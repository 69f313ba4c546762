package dev.pluginhost.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pluginhost.sandbox.programs.SleeperProgram;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code kill -9} of a launcher must take its program with it: nothing else will (the launcher's own clean-up never
 * runs). The kernel clears PR_SET_PDEATHSIG when the credentials change (the root launcher's uid drop), so the
 * launcher re-arms it after the last change. Both runs are real: a root launcher that drops the program to uid 65534,
 * and a launcher started as uid 1001 (not 65534, the one uid for which a user-namespace mapping bug hides) that
 * keeps its uid inside a user namespace.
 */
class ParentDeathTest {
    private static final Pattern STARTED = Pattern.compile("\"event\":\"started\",\"pid\":(\\d+)");

    @Test
    void killingARootLauncherKillsTheProgramItDroppedToAnotherUid() throws Exception {
        TestJvm.requireRoot("the program is dropped to uid 65534");
        SandboxedProcess process = TestJvm.launcher().launch(LaunchSpec.builder()
                .command(TestJvm.command(SleeperProgram.class)).namespacesAuto(true).build(), null);
        TestJvm.Lines out = new TestJvm.Lines(process.stdout());
        new TestJvm.Lines(process.stderr());
        out.await("ready"::equals, Launches.RUN);
        long program = process.pid();
        assertThat(Files.readString(Path.of("/proc", Long.toString(program), "status")))
                .contains("Uid:\t65534\t65534\t65534\t65534");
        assertDiesWithLauncher(process.launcherPid(), program);
    }

    @Test
    void killingANonRootLauncherKillsItsProgram() throws Exception {
        TestJvm.requireRoot("setpriv needs root");
        TestJvm.WorldLauncher world = TestJvm.worldLauncher();
        Path events = world.dir().resolve("events");
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/setpriv", "--reuid=1001", "--regid=1001",
                "--clear-groups", world.binary().toString(), "--filter", world.filter().toString(), "--events",
                events.toString(),
                "--namespaces", "auto", "--"));
        cmd.addAll(TestJvm.command(SleeperProgram.class));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start(); // setpriv execs: p is the launcher
        TestJvm.Lines out = new TestJvm.Lines(p.getInputStream());
        try {
            out.await(l -> l.equals("ready") || l.contains("plugin-launcher:"), Launches.RUN);
            assertThat(out.lines).as(out.text()).contains("ready");
            Matcher m = STARTED.matcher(Files.readString(events));
            assertThat(m.find()).as("started event").isTrue();
            long program = Long.parseLong(m.group(1));
            assertThat(Files.readString(Path.of("/proc", Long.toString(program), "status")))
                    .contains("Uid:\t1001\t1001\t1001\t1001");
            assertDiesWithLauncher(p.pid(), program);
        } finally {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** SIGKILL to the launcher; the program must be gone (not even a zombie) within one second. */
    private static void assertDiesWithLauncher(long launcherPid, long program) throws Exception {
        assertThat(TestJvm.running(program)).as("program runs before the kill").isTrue();
        new ProcessBuilder("kill", "-9", Long.toString(launcherPid)).start().waitFor();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        while (TestJvm.running(program) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        boolean alive = TestJvm.running(program);
        if (alive) {
            new ProcessBuilder("kill", "-9", Long.toString(program)).start().waitFor(); // leave nothing behind
        }
        assertThat(alive).as("program " + program + " still runs 1 s after kill -9 of its launcher "
                + launcherPid).isFalse();
    }
}
