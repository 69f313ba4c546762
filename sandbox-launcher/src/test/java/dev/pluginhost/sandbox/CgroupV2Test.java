package dev.pluginhost.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pluginhost.sandbox.TestJvm.Lines;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's cgroup v2 path (cgroups.c), driven through {@code --cgroup-root}. Two kinds of root:
 * <ul>
 * <li>the real cgroup2 mount of this machine (/sys/fs/cgroup/unified): real directories, real ownership, real
 * kernel answers. It offers no memory/pids/cpu controllers here (they are on cgroup v1), so the limits, the move of
 * the root's processes into its "host" leaf and the child's join are not exercised against the kernel here; the
 * tests say so in their output ("not available here") and check the launcher reports exactly that and touches
 * nothing. On a machine whose cgroup2 offers them, the same test checks the limits for real. The kernel's
 * no-internal-processes rule itself (EBUSY) is shown here with hugetlb, its one v2 controller;</li>
 * <li>a prepared tree: a plain directory laid out like a delegated cgroup2 cgroup. The launcher sees it is not a
 * cgroup2 filesystem (statfs), writes the same files (created, appended, so every write stays visible) and reports
 * the layer inactive ("dry run"); the tests check which files hold what. A plain file cannot answer EBUSY: the
 * no-internal-processes decision is checked by what the files contain (a non-root cgroup whose cgroup.procs lists
 * processes gets them moved into host/ before its cgroup.subtree_control is written); the retry after a kernel
 * EBUSY (a fork into the root between the move and the enable) is not covered.</li>
 * </ul>
 */
class CgroupV2Test {
    private static final Path UNIFIED = Path.of("/sys/fs/cgroup/unified");
    private static final long MEMORY = 64L << 20;
    private static final String NON_ROOT = "1001";

    @TempDir
    Path tmp;

    private final List<Path> realCgroups = new ArrayList<>();

    @AfterEach
    void removeRealCgroups() throws IOException {
        for (Path dir : realCgroups) {
            try (Stream<Path> all = Files.exists(dir) ? Files.walk(dir) : Stream.empty()) {
                // cgroups are removed with rmdir, deepest first; their files go with them
                for (Path p : all.filter(Files::isDirectory).sorted((a, b) -> b.compareTo(a)).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private record Run(ExitStatus exit, List<Layer> layers, long launcherPid, String stderr) {
        Layer layer(String name) {
            return layers.stream().filter(l -> l.name().equals(name)).findFirst().orElseThrow();
        }
    }

    /** /bin/true under the launcher with the given cgroup root, limits and mode. */
    private static Run launch(Path root, LayerMode mode) throws Exception {
        LaunchSpec spec = LaunchSpec.builder().command(List.of("/bin/true")).memoryLimit(MEMORY).pidsLimit(32)
                .cgroups(mode).cgroupRoot(root).build();
        SandboxedProcess process = TestJvm.launcher().launch(spec, null);
        new Lines(process.stdout());
        Lines err = new Lines(process.stderr());
        ExitStatus exit = process.onExit().get(60, TimeUnit.SECONDS);
        err.closed.get(5, TimeUnit.SECONDS);
        return new Run(exit, process.layers(), process.launcherPid(), err.text());
    }

    /** A plain directory laid out like a non-root delegated cgroup2 cgroup. */
    private Path preparedCgroup(String controllers, String procs, boolean root) throws IOException {
        Path d = Files.createDirectories(tmp.resolve("delegated"));
        Files.writeString(d.resolve("cgroup.controllers"), controllers + "\n");
        Files.writeString(d.resolve("cgroup.subtree_control"), "");
        Files.writeString(d.resolve("cgroup.procs"), procs);
        if (!root) {
            Files.writeString(d.resolve("cgroup.type"), "domain\n"); // the root cgroup has none
        }
        return d;
    }

    /** Every file under dir, relative path to content. */
    private static Map<String, String> files(Path dir) throws IOException {
        Map<String, String> all = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                all.put(dir.relativize(p).toString(), Files.readString(p));
            }
        }
        return all;
    }

    @Test
    void aDelegatedCgroupHoldingProcessesIsVacatedIntoItsHostLeafBeforeTheControllersAreEnabled() throws Exception {
        Path d = preparedCgroup("cpuset cpu io memory pids", "4242\n4243\n", false);
        Run r = launch(d, LayerMode.IF_AVAILABLE);

        assertThat(r.exit.exitCode()).as(r.stderr).isZero();
        String leaf = "pluginhost/" + r.launcherPid();
        assertThat(files(d)).containsExactlyInAnyOrderEntriesOf(Map.ofEntries(
                Map.entry("cgroup.controllers", "cpuset cpu io memory pids\n"),
                Map.entry("cgroup.type", "domain\n"),
                Map.entry("cgroup.procs", "4242\n4243\n"), // a plain file: the kernel would have emptied it
                Map.entry("host/cgroup.procs", "4242\n4243\n"), // each process moved, one pid per write
                Map.entry("cgroup.subtree_control", "+memory +pids +cpu"), // after the move
                Map.entry("pluginhost/cgroup.subtree_control", "+memory +pids +cpu"),
                Map.entry("pluginhost/cpu.weight", "50"), // the plugins together, against the host leaf's 100
                Map.entry(leaf + "/memory.max", Long.toString(MEMORY)),
                Map.entry(leaf + "/memory.swap.max", "0"),
                Map.entry(leaf + "/pids.max", "32"),
                Map.entry(leaf + "/cgroup.procs", "0"))); // the child joined itself
        for (String name : List.of("cgroup-memory", "cgroup-pids")) {
            assertThat(r.layer(name).active()).isFalse();
            assertThat(r.layer(name).reason()).isEqualTo("dry run: " + d + " is not a cgroup2 filesystem (a prepared"
                    + " tree): files written, no limit enforced");
        }
        System.out.println("covered: the files written and their contents, the move decision (cgroup.procs not "
                + "empty, cgroup.type present); not covered here: the kernel's EBUSY and the retry when a process "
                + "forks into the root between the move and the enable (a prepared tree cannot answer EBUSY)");
    }

    @Test
    void launchersStartingAtOnceEachGetTheirLeafAndRepeatOnlyIdempotentWrites() throws Exception {
        Path d = preparedCgroup("memory pids", "4242\n", false);
        List<java.util.concurrent.CompletableFuture<Run>> runs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            runs.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return launch(d, LayerMode.IF_AVAILABLE);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        for (var f : runs) {
            Run r = f.get(120, TimeUnit.SECONDS);
            assertThat(r.exit.exitCode()).as(r.stderr).isZero();
            assertThat(r.layer("cgroup-pids").reason()).startsWith("dry run"); // not a mkdir race (EEXIST) failure
            assertThat(Files.readString(d.resolve("pluginhost/" + r.launcherPid() + "/pids.max"))).isEqualTo("32");
        }
        // Each launcher moved the root's processes and enabled the controllers: the same writes, repeated, which
        // the kernel treats as no-ops (a pid already in host/, controllers already enabled).
        assertThat(Files.readString(d.resolve("host/cgroup.procs"))).isEqualTo("4242\n".repeat(4));
        assertThat(Files.readString(d.resolve("cgroup.subtree_control"))).isEqualTo("+memory +pids".repeat(4));
    }

    @Test
    void anEmptyCgroupAndTheRootCgroupAreNotVacated() throws Exception {
        Path empty = preparedCgroup("memory pids", "", false);
        Run r = launch(empty, LayerMode.IF_AVAILABLE);
        assertThat(r.exit.exitCode()).as(r.stderr).isZero();
        Map<String, String> written = files(empty);
        assertThat(written).doesNotContainKey("host/cgroup.procs")
                .containsEntry("cgroup.subtree_control", "+memory +pids")
                .doesNotContainKey("pluginhost/cpu.weight"); // no cpu controller offered: not weighted
        assertThat(Files.exists(empty.resolve("host"))).isFalse();

        // The root cgroup (no cgroup.type) is exempt from the no-internal-processes rule: its processes stay.
        Path root = tmp.resolve("root");
        Files.move(empty, root);
        Files.delete(root.resolve("cgroup.type"));
        Files.writeString(root.resolve("cgroup.procs"), "1\n");
        Files.writeString(root.resolve("cgroup.subtree_control"), "");
        r = launch(root, LayerMode.IF_AVAILABLE);
        assertThat(r.exit.exitCode()).as(r.stderr).isZero();
        assertThat(Files.exists(root.resolve("host"))).isFalse();
        assertThat(Files.readString(root.resolve("cgroup.subtree_control"))).isEqualTo("+memory +pids");
    }

    @Test
    void missingControllersAreNamedAndNothingIsWritten() throws Exception {
        Path d = preparedCgroup("cpu io", "4242\n", false);
        Map<String, String> before = files(d);
        Run r = launch(d, LayerMode.IF_AVAILABLE);
        assertThat(r.exit.exitCode()).as(r.stderr).isZero(); // auto: the program runs, the layer says why not
        assertThat(r.layer("cgroup-memory").reason()).isEqualTo("cgroup v2 at " + d
                + " does not offer the memory, pids controller (it has: cpu io)");
        assertThat(files(d)).isEqualTo(before);
    }

    @Test
    void aDryRunFailsClosedWhenTheLayerIsRequired() throws Exception {
        Path d = preparedCgroup("memory pids", "", false);
        Run r = launch(d, LayerMode.REQUIRED);
        assertThat(r.exit.exitCode()).as(r.stderr).isEqualTo(125); // the program never ran
        assertThat(r.stderr).contains("plugin-launcher: cgroup-memory: dry run: " + d + " is not a cgroup2 filesystem");
    }

    @Test
    void theHostsSweepLooksForStaleCgroupsUnderTheParentOfTheHostLeaf() throws Exception {
        // The host JVM moved into <root>/host by a launcher: its own v2 cgroup is host, the plugins' are under root.
        Path root = preparedCgroup("memory pids", "", false);
        Path host = Files.createDirectories(root.resolve("host"));
        assertThat(SandboxLauncher.v2HostLeafParent(host, true)).as("root passes nothing down yet").isEqualTo(host);
        Files.writeString(root.resolve("cgroup.subtree_control"), "memory pids\n");
        assertThat(SandboxLauncher.v2HostLeafParent(host, true)).isEqualTo(root);
        assertThat(SandboxLauncher.v2HostLeafParent(host, false)).as("v1: no such rule").isEqualTo(host);
    }

    /**
     * The premise of the move, on this kernel: a non-root cgroup holding a process cannot enable a controller for its
     * children (EBUSY); once the process is in a leaf it can. Shown with hugetlb, the only controller this machine's
     * cgroup2 has (enabled in its root for the test and disabled after): the launcher itself asks for memory and pids,
     * which are not here, so this checks the kernel's rule, not the launcher's code.
     */
    @Test
    void theKernelRefusesControllersBelowACgroupHoldingProcessesUntilTheyAreMovedToALeaf() throws Exception {
        Path d = realCgroup();
        Path rootControl = UNIFIED.resolve("cgroup.subtree_control");
        if (!Files.readString(UNIFIED.resolve("cgroup.controllers")).contains("hugetlb")) {
            System.out.println("not available here: the cgroup2 root offers no controller to show the rule with");
            return;
        }
        boolean enabledHere = !Files.readString(rootControl).contains("hugetlb");
        Process sleeper = new ProcessBuilder("sleep", "60").start();
        try {
            Files.writeString(rootControl, "+hugetlb");
            Files.writeString(d.resolve("cgroup.procs"), Long.toString(sleeper.pid()));
            assertThatThrownBy(() -> Files.writeString(d.resolve("cgroup.subtree_control"), "+hugetlb"))
                    .isInstanceOf(IOException.class).hasMessageContaining("busy");
            Path leaf = Files.createDirectory(d.resolve("host"));
            Files.writeString(leaf.resolve("cgroup.procs"), Long.toString(sleeper.pid()));
            Files.writeString(d.resolve("cgroup.subtree_control"), "+hugetlb");
            assertThat(Files.readString(d.resolve("cgroup.subtree_control")).strip()).isEqualTo("hugetlb");
        } finally {
            sleeper.destroyForcibly().waitFor();
            Thread.sleep(100); // the cgroup empties shortly after the reap
            Files.writeString(d.resolve("cgroup.subtree_control"), "-hugetlb");
            if (enabledHere) {
                removeRealCgroups();
                realCgroups.clear();
                Files.writeString(rootControl, "-hugetlb");
            }
        }
    }

    /** A child of this machine's cgroup2 mount, removed after the test. */
    private Path realCgroup() throws IOException {
        assertThat(UNIFIED.resolve("cgroup.controllers")).as("not available here: no cgroup2 mount at " + UNIFIED)
                .exists();
        Path d = Files.createDirectory(UNIFIED.resolve("pluginhost-test-" + ProcessHandle.current().pid() + "-"
                + System.nanoTime()));
        realCgroups.add(d);
        return d;
    }

    @Test
    void onTheRealCgroup2MountTheLimitsApplyWhereItsControllersAre() throws Exception {
        Path d = realCgroup();
        String offered = Files.readString(d.resolve("cgroup.controllers")).strip();
        Run r = launch(d, LayerMode.IF_AVAILABLE);
        assertThat(r.exit.exitCode()).as(r.stderr).isZero();
        if (!List.of(offered.split(" ")).containsAll(List.of("memory", "pids"))) {
            System.out.println("not available here: the cgroup2 hierarchy has no memory/pids controllers ("
                    + UNIFIED + "/cgroup.controllers: " + Files.readString(UNIFIED.resolve("cgroup.controllers"))
                    .strip() + "; " + d + " is offered: " + (offered.isEmpty() ? "none" : offered) + "): no limit, "
                    + "no move into host/ and no join checked against the kernel");
            assertThat(r.layer("cgroup-memory").active()).isFalse();
            assertThat(r.layer("cgroup-memory").reason()).isEqualTo("cgroup v2 at " + d
                    + " does not offer the memory, pids controller (it has: " + (offered.isEmpty() ? "none" : offered)
                    + ")");
            try (Stream<Path> children = Files.list(d)) {
                assertThat(children.filter(Files::isDirectory)).as("nothing created").isEmpty();
            }
            return;
        }
        // A machine whose cgroup2 offers them: the kernel enforces what the launcher wrote, and it cleans up.
        for (String name : List.of("cgroup-memory", "cgroup-pids")) {
            assertThat(r.layer(name).active()).as(r.layer(name).reason()).isTrue();
            assertThat(r.layer(name).reason()).startsWith("cgroup v2 " + d.resolve("pluginhost/" + r.launcherPid()));
        }
        assertThat(Files.exists(d.resolve("pluginhost/" + r.launcherPid()))).isFalse();
    }

    /** The launcher and the JVM filter where uid 1001 can read them, and its command line for root. */
    private static List<String> asNonRoot(Path world, String... options) throws Exception {
        assertThat(SandboxLauncher.effectiveUid()).as("not available here: starting a launcher as uid " + NON_ROOT
                + " needs root").isZero();
        Path launcher = Files.copy(TestJvm.launcher().binary(), world.resolve("plugin-launcher"));
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path filter = world.resolve("jvm.bpf");
        PolicyCompiler.compile(SyscallPolicy.jvmDefault()).writeTo(filter);
        Files.setPosixFilePermissions(filter, PosixFilePermissions.fromString("rw-r--r--"));
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/setpriv", "--reuid=" + NON_ROOT, "--regid=" + NON_ROOT,
                "--clear-groups", launcher.toString(), "--filter", filter.toString(), "--events",
                world.resolve("events").toString(), "--memory", Long.toString(MEMORY), "--pids", "32"));
        cmd.addAll(List.of(options));
        cmd.addAll(List.of("--", "/bin/true"));
        return cmd;
    }

    @Test
    void aNonRootLauncherUsesOnlyACgroupDelegatedToItsUid() throws Exception {
        Path d = realCgroup();
        Path world = TestJvm.worldDir();
        List<String> cmd = asNonRoot(world, "--cgroups", "required", "--cgroup-root", d.toString());

        // Owned by root, as every cgroup is until it is delegated: refused, naming the uid and the owner.
        TestJvm.Result refused = TestJvm.runPlain(cmd);
        assertThat(refused.exitCode()).isEqualTo(125);
        assertThat(refused.output()).contains("plugin-launcher: cgroup-memory: cgroup v2 not delegated to uid "
                + NON_ROOT + ": " + d + " is owned by root");

        // Delegated the way systemd's Delegate=yes does it: the directory, cgroup.procs, cgroup.subtree_control.
        for (Path p : List.of(d, d.resolve("cgroup.procs"), d.resolve("cgroup.subtree_control"))) {
            new ProcessBuilder("chown", NON_ROOT + ":" + NON_ROOT, p.toString()).inheritIO().start().waitFor();
        }
        Files.delete(world.resolve("events"));
        TestJvm.Result delegated = TestJvm.runPlain(cmd);
        assertThat(delegated.output()).doesNotContain("not delegated");
        String offered = Files.readString(d.resolve("cgroup.controllers")).strip();
        if (!List.of(offered.split(" ")).containsAll(List.of("memory", "pids"))) {
            System.out.println("not available here: the cgroup2 hierarchy has no memory/pids controllers: the "
                    + "delegated cgroup passes the ownership check and stops at the controllers");
            assertThat(delegated.output()).contains("does not offer the memory, pids controller");
        } else {
            assertThat(delegated.exitCode()).as(delegated.output()).isZero();
        }

        // Without --cgroup-root: the launcher's own v2 cgroup (this JVM's, from /proc/self/cgroup + mountinfo).
        Path own = SandboxLauncher.ownCgroups().stream().filter(p -> p.startsWith(UNIFIED)).findFirst()
                .orElseThrow(() -> new AssertionError("not available here: this JVM has no cgroup v2 path"));
        Files.delete(world.resolve("events"));
        TestJvm.Result ownCgroup = TestJvm.runPlain(asNonRootAgain(cmd));
        assertThat(ownCgroup.output()).contains("cgroup v2 not delegated to uid " + NON_ROOT + ": " + own
                + " is owned by root");
    }

    /** The same command without --cgroup-root. */
    private static List<String> asNonRootAgain(List<String> cmd) {
        List<String> copy = new ArrayList<>(cmd);
        int i = copy.indexOf("--cgroup-root");
        copy.remove(i + 1);
        copy.remove(i);
        return copy;
    }
}
