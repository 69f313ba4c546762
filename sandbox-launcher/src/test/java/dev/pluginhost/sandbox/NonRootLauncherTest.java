package dev.pluginhost.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pluginhost.sandbox.programs.ProbeProgram;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The launcher started as uid 1001, the way a host that is not root runs it. Not 65534: inside a new user namespace
 * an unmapped process's uid reads as the overflow uid 65534, and a launcher that mapped "its" uid from there worked
 * for uid 65534 only. Three deployments: user namespaces available (every namespace, the minimal root and Landlock
 * active), none (a hardened distribution: rlimits, Landlock and seccomp still apply, the rest reported inactive with
 * the reason), and namespaces that can be created but whose maps cannot be written (Ubuntu 24.04's AppArmor
 * restriction). The AppArmor restriction itself cannot be set up on this machine (no AppArmor): the last test makes
 * the maps unwritable with a read-only /proc in the launcher's own mount namespace, which the kernel answers the
 * same way (the namespace is created, the map write fails), so the launcher's fallback runs for real.
 */
class NonRootLauncherTest {
    private static final String UID = "1001";

    private record Setup(Path dir, List<String> launcher) {
    }

    /** A world-readable launcher and filter, and its command line up to {@code --} for {@code events}. */
    private static Setup setup(String... options) throws Exception {
        return setupWith(List.of("whoami", "procs"), options);
    }

    /** The same, running the probe with {@code probes}; "go" in them means the file "go" in the setup's folder. */
    private static Setup setupWith(List<String> probes, String... options) throws Exception {
        TestJvm.requireRoot("starting a launcher as uid " + UID + " needs root");
        TestJvm.WorldLauncher world = TestJvm.worldLauncher();
        Path dir = world.dir();
        List<String> cmd = new ArrayList<>(List.of(world.binary().toString(), "--filter", world.filter().toString(),
                "--events", dir.resolve("events").toString(), "--namespaces", "auto", "--landlock", "auto"));
        cmd.addAll(List.of(options));
        List<String> program = TestJvm.command(ProbeProgram.class, probes.stream()
                .map(p -> p.equals("go") ? dir.resolve("go").toString() : p).toArray(String[]::new));
        LaunchSpec spec = LaunchSpec.builder().command(program).build();
        for (Path p : SandboxLauncher.landlockReadOnly(spec)) {
            cmd.addAll(List.of("--ro", p.toString()));
        }
        cmd.addAll(List.of("--rw", "/dev/null", "--"));
        cmd.addAll(program);
        return new Setup(dir, cmd);
    }

    private static List<String> asUid(List<String> cmd) {
        List<String> all = new ArrayList<>(List.of("/usr/bin/setpriv", "--reuid=" + UID, "--regid=" + UID,
                "--clear-groups"));
        all.addAll(cmd);
        return all;
    }

    private static String events(Setup s) throws Exception {
        return Files.readString(s.dir.resolve("events"));
    }

    private static String layer(String name, boolean active) {
        return "\"name\":\"" + name + "\",\"active\":" + active;
    }

    @Test
    void withUserNamespacesEveryLayerIsActive() throws Exception {
        Setup s = setup("--minimal-root", "required");
        TestJvm.Result r = TestJvm.runPlain(asUid(s.launcher));
        assertThat(r.exitCode()).as(r.output()).isZero();
        // pid 1 of its own pid namespace, still uid 1001, alone in its /proc, only a loopback interface.
        assertThat(r.output()).contains("pid 1 uid " + UID, "procs 1", "netdev lo");
        String events = events(s);
        assertThat(events).contains("\"name\":\"user-namespace\",\"active\":true,\"reason\":\"uid " + UID
                + " mapped to itself\"");
        for (String name : List.of("pid-namespace", "net-namespace", "ipc-namespace", "uts-namespace",
                "mount-namespace", "minimal-root", "landlock", "rlimits", "seccomp")) {
            assertThat(events).as(name).contains(layer(name, true));
        }
        assertThat(events).contains("launcher is not root: the child keeps uid " + UID + " gid " + UID);
    }

    @Test
    void withoutUserNamespacesRlimitsLandlockAndSeccompStillApply() throws Exception {
        Setup s = setup("--minimal-root", "auto");
        Path harness = s.dir.resolve("no-userns.py");
        try (InputStream in = NonRootLauncherTest.class.getResourceAsStream("/envs/no-userns.py")) {
            Files.copy(in, harness);
        }
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/python3", harness.toString(), UID));
        cmd.addAll(s.launcher);
        TestJvm.Result r = TestJvm.runPlain(cmd);
        assertThat(r.exitCode()).as(r.output()).isZero();
        // No pid namespace, so no fresh /proc: Landlock leaves it the program's own entries, not the host's list.
        assertThat(r.output()).contains("uid " + UID).contains("procs denied");
        String events = events(s);
        assertThat(events).contains(layer("user-namespace", false))
                .contains("/proc/sys/user/max_user_namespaces=0");
        for (String name : List.of("pid-namespace", "net-namespace", "ipc-namespace", "uts-namespace",
                "mount-namespace")) {
            assertThat(events).contains(layer(name, false) + ",\"reason\":\"needs a user namespace (the launcher is "
                    + "not root), and there is none: see user-namespace\"");
        }
        assertThat(events).contains(layer("minimal-root", false));
        for (String name : List.of("landlock", "rlimits", "seccomp")) {
            assertThat(events).as(name).contains(layer(name, true));
        }
    }

    @Test
    void whereUserNamespaceMapsCannotBeWrittenTheLauncherRunsWithoutOne() throws Exception {
        Setup s = setup();
        // A private mount namespace whose /proc is a read-only bind (the superblock, and so the machine's /proc,
        // is untouched): the launcher can create a user namespace but not write its maps.
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/unshare", "--mount", "--propagation", "private",
                "/bin/sh", "-c", "mount -o remount,bind,ro /proc && exec \"$@\"", "sh"));
        cmd.addAll(asUid(s.launcher));
        TestJvm.Result r = TestJvm.runPlain(cmd);
        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(r.output()).contains("uid " + UID);
        String events = events(s);
        assertThat(events).contains(layer("user-namespace", false) + ",\"reason\":\"a user namespace can be created "
                + "but its maps cannot be written (/proc/self/setgroups: Read-only file system; one cause is Ubuntu "
                + "24.04's AppArmor sysctl kernel.apparmor_restrict_unprivileged_userns=1)");
        assertThat(events).contains(layer("pid-namespace", false) + ",\"reason\":\"needs a user namespace");
        for (String name : List.of("landlock", "rlimits", "seccomp")) {
            assertThat(events).as(name).contains(layer(name, true));
        }
    }

    /**
     * Six starts at once, as a non-root host starts its plugins: the kernel lets a process without CAP_SYS_ADMIN
     * change a session group's nice once per 100 ms machine-wide (EAGAIN otherwise). Each plugin's group must still
     * end at nice 10, and no start may wait for its turn: the launcher tries once, and when the kernel says EAGAIN
     * its supervisor retries while the program runs and reports the rlimits layer again. Before that, the child
     * retried for 300 ms before exec and half of such a burst started late and without (measured with 8).
     */
    @Test
    void aBurstOfNonRootStartsIsNotHeldUpAndEveryPluginGroupGetsItsNice() throws Exception {
        if (!Files.readString(Path.of("/proc/sys/kernel/sched_autogroup_enabled")).strip().equals("1")) {
            System.out.println("not available here: autogroup is off (/proc/sys/kernel/sched_autogroup_enabled)");
            return;
        }
        List<Setup> setups = new ArrayList<>();
        List<Process> launchers = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            setups.add(setupWith(List.of("autogroup", "wait", "go", "autogroup")));
        }
        for (Setup s : setups) { // all forked before any waits, the way a host's start-up launches them
            launchers.add(new ProcessBuilder(asUid(s.launcher)).redirectErrorStream(true)
                    .redirectOutput(s.dir.resolve("out").toFile()).start());
        }
        List<String> firstReports = new ArrayList<>();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            for (Setup s : setups) { // every group set, by the first try or a later one
                while (!(Files.exists(s.dir.resolve("events")) && events(s).contains("autogroup=10\""))
                        && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
            }
            release(setups);
            for (int i = 0; i < setups.size(); i++) {
                Setup s = setups.get(i);
                assertThat(launchers.get(i).waitFor(30, TimeUnit.SECONDS)).isTrue();
                String out = Files.readString(s.dir.resolve("out"));
                String events = events(s);
                assertThat(launchers.get(i).exitValue()).as(out + events).isZero();
                // Its group at nice 10 by the time it looked again; the layer's last report says so.
                assertThat(out).as(events).containsPattern("(?s)autogroup /autogroup-\\d+ nice \\d+\n.*"
                        + "autogroup /autogroup-\\d+ nice 10\n");
                List<String> rlimits = events.lines().filter(l -> l.contains(layer("rlimits", true))).toList();
                assertThat(rlimits.get(rlimits.size() - 1)).contains("nice=10 (no cpu.weight) autogroup=10\"");
                firstReports.add(rlimits.get(0));
            }
        } finally { // a failed assertion leaves no program waiting and no launcher running
            release(setups);
            launchers.forEach(Process::destroyForcibly);
        }
        // The burst met the kernel's limit (else this test showed nothing) and no start waited for its turn.
        assertThat(firstReports).anyMatch(r -> r.contains("autogroup=10 pending (EAGAIN: retried while the program "
                + "runs)"));
    }

    private static void release(List<Setup> setups) throws java.io.IOException {
        for (Setup s : setups) {
            Files.writeString(s.dir.resolve("go"), "");
        }
    }
}
