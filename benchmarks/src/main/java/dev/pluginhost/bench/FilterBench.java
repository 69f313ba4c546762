package dev.pluginhost.bench;

import dev.pluginhost.sandbox.LaunchSpec;
import dev.pluginhost.sandbox.SandboxListener;
import dev.pluginhost.sandbox.SandboxedProcess;
import dev.pluginhost.sandbox.SyscallPolicy;
import dev.pluginhost.sandbox.Violation;
import dev.pluginhost.sandbox.ViolationMode;
import dev.pluginhost.sandbox.oci.OciProfile;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * Figure 3: the seccomp filter's cost on a syscall-heavy JVM workload ({@code work.SyscallWork}): no filter (plain
 * java) vs the launcher with the default policy vs the launcher with Docker's default profile imported through the
 * OCI importer. The launcher runs with no other layer here (no namespaces, Landlock or cgroups), so the difference
 * is the filter; one extra row runs the workload under every layer the host uses.
 */
final class FilterBench {

    private final Ctx ctx;
    private final int rounds;
    private final Set<String> dockerDenied = new TreeSet<>();
    private final Set<String> defaultDenied = new TreeSet<>();

    FilterBench(Ctx ctx, int rounds) {
        this.ctx = ctx;
        this.rounds = rounds;
    }

    private List<String> command(Path scratch) {
        List<String> c = new ArrayList<>();
        c.add(ctx.java.toString());
        c.addAll(PluginLaunch.HOST_JVM_OPTIONS);
        c.add("-Djava.io.tmpdir=" + scratch);
        c.addAll(List.of("-cp", ctx.classes.toString(), "dev.pluginhost.bench.work.SyscallWork",
                scratch.resolve("w").toString(), Integer.toString(rounds)));
        return c;
    }

    private static double parse(InputStream out) throws IOException {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(out))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("elapsedNanos=")) {
                    return Long.parseLong(line.substring(13)) / 1e6;
                }
            }
        }
        throw new IllegalStateException("workload printed no elapsedNanos");
    }

    private Path scratch(String name, int i) throws IOException {
        Path d = ctx.dir("filter/" + name + i);
        Procs.chown(d, ctx.childUid);
        return d;
    }

    double plain(int i) throws Exception {
        Path s = scratch("none", i);
        Process p = new ProcessBuilder(command(s)).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        double ms = parse(p.getInputStream());
        p.waitFor(30, TimeUnit.SECONDS);
        Procs.deleteTree(s);
        return ms;
    }

    double launched(String name, int i, SyscallPolicy policy, boolean allLayers, Set<String> denied)
            throws Exception {
        Path s = scratch(name, i);
        LaunchSpec.Builder b = allLayers
                ? dev.pluginhost.sandbox.PluginIsolation.builder(List.of(s), PluginLaunch.MEMORY_LIMIT,
                        PluginLaunch.PIDS_LIMIT)
                : LaunchSpec.builder();
        b.command(command(s)).policy(policy).mode(ViolationMode.DENY);
        SandboxedProcess p = ctx.launcher.launch(b.build(), new SandboxListener() {
            @Override
            public void onViolation(Violation v) {
                synchronized (denied) {
                    denied.add(v.syscall());
                }
            }
        });
        Procs.drain(p.stderr());
        double ms = parse(p.stdout());
        p.onExit().get(30, TimeUnit.SECONDS);
        Procs.deleteTree(s);
        return ms;
    }

    /** Docker's default profile through the OCI importer; its absence fails the section rather than dropping rows. */
    static SyscallPolicy docker(Ctx ctx) throws IOException {
        if (ctx.dockerProfile == null || !Files.isRegularFile(ctx.dockerProfile)) {
            throw new IllegalStateException("not available: Docker's profile " + ctx.dockerProfile
                    + " (--docker-profile; the pom passes the launcher tests' copy)");
        }
        return OciProfile.importProfile(Files.readString(ctx.dockerProfile)).policy();
    }

    void run() throws Exception {
        SyscallPolicy docker = docker(ctx);
        Map<String, Stats> t = new LinkedHashMap<>();
        for (String k : List.of("none", "default", "docker", "all")) {
            t.put(k, new Stats());
        }
        Set<String> allDenied = new TreeSet<>();
        plain(0); // warm-up: page cache, JIT-independent file system state
        for (int i = 1; i <= ctx.reps; i++) {
            t.get("none").add(plain(i));
            t.get("default").add(launched("default", i, SyscallPolicy.jvmDefault(), false, defaultDenied));
            if (docker != null) {
                t.get("docker").add(launched("docker", i, docker, false, dockerDenied));
            }
            t.get("all").add(launched("all", i, SyscallPolicy.jvmDefault(), true, allDenied));
        }
        String f = "3 filter";
        Report r = ctx.report;
        Stats dn = Stats.paired(t.get("default"), t.get("none"));
        r.row(f, "syscall-heavy workload, default policy (launcher, seccomp only)", t.get("default").show("ms", 0),
                dn.ratio() + " vs no filter", "≤ 1.03× no filter", Report.verdict(dn.median() <= 1.03));
        if (docker != null) {
            Stats dd = Stats.paired(t.get("default"), t.get("docker"));
            r.row(f, "  same, vs Docker's default profile", "", dd.ratio() + " vs Docker's profile",
                    "≤ 1.00× Docker", Report.verdict(dd.median() <= 1.00));
            r.row(f, "syscall-heavy workload, Docker's default profile (OCI import, launcher)",
                    t.get("docker").show("ms", 0), Stats.paired(t.get("docker"), t.get("none")).ratio()
                            + " vs no filter", "—", "—");
        }
        r.row(f, "syscall-heavy workload, no filter (plain java)", t.get("none").show("ms", 0), "×1.00", "—", "—");
        r.row(f, "syscall-heavy workload, every layer the host uses (ns, Landlock, cgroups, seccomp)",
                t.get("all").show("ms", 0), Stats.paired(t.get("all"), t.get("none")).ratio() + " vs no filter",
                "—", "—");
        r.note(f, "Workload (work.SyscallWork, measured part only, JVM start excluded): " + rounds + " rounds of "
                + "2 threads × 1500 × (write 512 B file, open, pread, fstat, close, unlink) and 4 thread pairs × "
                + "20 000 park/unpark hand-offs. Calls refused during these runs (reported by the supervisor): "
                + "default policy " + defaultDenied + ", Docker's profile " + dockerDenied + ", all layers "
                + allDenied + ".");
    }
}
