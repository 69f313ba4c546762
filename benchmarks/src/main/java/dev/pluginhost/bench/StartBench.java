package dev.pluginhost.bench;

import dev.pluginhost.sandbox.SandboxListener;
import dev.pluginhost.sandbox.SandboxedProcess;
import dev.pluginhost.sandbox.Violation;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Figures 1 and 4a: launch → READY of the hello plugin, sandboxed (SandboxLauncher + the host's LaunchSpec) vs the
 * same java command without the launcher vs a bare {@code java Hello}; with and without an AppCDS archive of the
 * plugin runtime; and the idle RSS of each.
 */
final class StartBench {

    record Result(double millis, double rssMiB, double launcherRssMiB) {}

    /** The last RSS breakdown seen per variant, for the notes. */
    final java.util.Map<String, String> breakdowns = new java.util.TreeMap<>();

    private final Ctx ctx;
    private final Path runtimeJar;
    private final Path pluginJar;
    private final Path dataDir;
    private final AtomicInteger launches = new AtomicInteger();
    final AtomicInteger runViolations = new AtomicInteger();

    StartBench(Ctx ctx) throws IOException {
        this.ctx = ctx;
        Path dir = ctx.dir("start");
        runtimeJar = Files.copy(ctx.runtimeJar(), dir.resolve("plugin-runtime.jar"),
                StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(runtimeJar, PosixFilePermissions.fromString("rw-r--r--"));
        pluginJar = Files.copy(ctx.helloJar(), dir.resolve("plugin.jar"), StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(pluginJar, PosixFilePermissions.fromString("r--r--r--"));
        dataDir = ctx.dir("start/data");
        Procs.chown(dataDir, ctx.childUid);
    }

    private Path launchDir() throws IOException {
        Path d = Files.createDirectories(ctx.base.resolve("start/l" + launches.incrementAndGet()));
        Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwx--x--x"));
        Path tmp = Files.createDirectories(d.resolve("tmp"));
        Procs.chown(d, ctx.childUid);
        Procs.chown(tmp, ctx.childUid);
        return d;
    }

    Result sandboxed(List<String> jvmOptions, List<Path> extraReadOnly, long rssAfterMs) throws Exception {
        return sandboxed(ctx.java, jvmOptions, extraReadOnly, rssAfterMs);
    }

    Result sandboxed(Path java, List<String> jvmOptions, List<Path> extraReadOnly, long rssAfterMs)
            throws Exception {
        Path dir = launchDir();
        Path socket = dir.resolve("host.sock");
        try (FakeHost host = new FakeHost(socket, ctx.boss, ctx.workers, true)) {
            Procs.chown(socket, ctx.childUid);
            List<String> command = PluginLaunch.command(java, jvmOptions, runtimeJar, dir.resolve("tmp"));
            var spec = PluginLaunch.spec(command, PluginLaunch.env("hello", ctx.helloClass, pluginJar, socket,
                    dataDir), runtimeJar, pluginJar, dataDir, dir.resolve("tmp"), extraReadOnly);
            long t0 = System.nanoTime();
            SandboxedProcess process = ctx.launcher.launch(spec, new SandboxListener() {
                @Override
                public void onViolation(Violation v) {
                    if (!v.boot()) {
                        runViolations.incrementAndGet();
                    }
                }
            });
            host.process.complete(process);
            Procs.drain(process.stdout());
            Procs.drain(process.stderr());
            try {
                long t1 = host.ready.get(60, TimeUnit.SECONDS);
                double rss = Double.NaN;
                double launcherRss = Double.NaN;
                if (rssAfterMs > 0) {
                    Thread.sleep(rssAfterMs);
                    rss = Procs.rssMiB(process.pid());
                    breakdowns.put("sandboxed" + (extraReadOnly.isEmpty() ? "" : "+cds"), Procs.breakdown(process.pid()));
                    launcherRss = Procs.rssMiB(process.launcherPid());
                }
                return new Result((t1 - t0) / 1e6, rss, launcherRss);
            } finally {
                process.kill();
                process.onExit().get(20, TimeUnit.SECONDS);
            }
        }
    }

    /** The same command, environment and working directory, started directly (no launcher, no layers). */
    Result plain(List<String> jvmOptions, long rssAfterMs, boolean graceful) throws Exception {
        Path dir = launchDir();
        Path socket = dir.resolve("host.sock");
        try (FakeHost host = new FakeHost(socket, ctx.boss, ctx.workers, false)) {
            List<String> command = PluginLaunch.command(ctx.java, jvmOptions, runtimeJar, dir.resolve("tmp"));
            Map<String, String> env = PluginLaunch.env("hello", ctx.helloClass, pluginJar, socket, dataDir);
            ProcessBuilder pb = new ProcessBuilder(command).directory(dataDir.toFile())
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD)
                    .redirectInput(ProcessBuilder.Redirect.PIPE);
            pb.environment().clear();
            pb.environment().putAll(env);
            long t0 = System.nanoTime();
            Process p = pb.start();
            try {
                long t1 = host.ready.get(60, TimeUnit.SECONDS);
                double rss = Double.NaN;
                if (rssAfterMs > 0) {
                    Thread.sleep(rssAfterMs);
                    rss = Procs.rssMiB(p.pid());
                    breakdowns.put("unsandboxed", Procs.breakdown(p.pid()));
                }
                if (graceful) {
                    host.shutdown();
                    if (!p.waitFor(20, TimeUnit.SECONDS)) {
                        throw new IllegalStateException("plugin did not exit after shutdown");
                    }
                }
                return new Result((t1 - t0) / 1e6, rss, Double.NaN);
            } finally {
                p.destroyForcibly().waitFor();
            }
        }
    }

    /** {@code java <options> Hello}: start → its one line read. */
    Result bare(List<String> jvmOptions, long rssAfterMs) throws Exception {
        return bare(ctx.java, jvmOptions, rssAfterMs);
    }

    Result bare(Path java, List<String> jvmOptions, long rssAfterMs) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(java.toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", ctx.classes.toString(), "dev.pluginhost.bench.work.Hello"));
        if (rssAfterMs > 0) {
            command.add(Long.toString(rssAfterMs + 5000));
        }
        ProcessBuilder pb = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD);
        long t0 = System.nanoTime();
        Process p = pb.start();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
            String line = r.readLine();
            long t1 = System.nanoTime();
            if (!"hello".equals(line)) {
                throw new IllegalStateException("bare JVM printed " + line);
            }
            double rss = Double.NaN;
            if (rssAfterMs > 0) {
                Thread.sleep(rssAfterMs);
                rss = Procs.rssMiB(p.pid());
                breakdowns.put("bare", Procs.breakdown(p.pid()));
            }
            return new Result((t1 - t0) / 1e6, rss, Double.NaN);
        } finally {
            p.destroyForcibly().waitFor();
        }
    }

    /** Dumps a dynamic AppCDS archive of the plugin runtime from one unsandboxed run that ends normally. */
    Path dumpArchive(List<String> jvmOptions) throws Exception {
        Path dir = ctx.dir("cds");
        Path archive = dir.resolve("plugin-runtime.jsa");
        Files.deleteIfExists(archive);
        List<String> opts = new ArrayList<>(jvmOptions);
        opts.add("-XX:ArchiveClassesAtExit=" + archive);
        plain(opts, 0, true);
        if (!Files.isRegularFile(archive) || Files.size(archive) == 0) {
            throw new IllegalStateException("no archive written at " + archive);
        }
        Files.setPosixFilePermissions(archive, PosixFilePermissions.fromString("rw-r--r--"));
        return archive;
    }

    void run() throws Exception {
        Report report = ctx.report;
        List<String> opts = PluginLaunch.HOST_JVM_OPTIONS;
        Path archive = dumpArchive(opts);
        List<String> cdsOpts = new ArrayList<>(opts);
        cdsOpts.add("-XX:SharedArchiveFile=" + archive);
        long archiveKiB = Files.size(archive) / 1024;

        Map<String, Stats> t = new LinkedHashMap<>();
        for (String k : List.of("sandboxed", "unsandboxed", "bare", "sandboxed+cds", "unsandboxed+cds")) {
            t.put(k, new Stats());
        }
        // one untimed round first: page cache, the launcher binary, the archive
        sandboxed(opts, List.of(), 0);
        plain(opts, 0, false);
        bare(opts, 0);
        sandboxed(cdsOpts, List.of(archive), 0);
        for (int i = 0; i < ctx.reps; i++) {
            t.get("sandboxed").add(sandboxed(opts, List.of(), 0).millis());
            t.get("unsandboxed").add(plain(opts, 0, false).millis());
            t.get("bare").add(bare(opts, 0).millis());
            t.get("sandboxed+cds").add(sandboxed(cdsOpts, List.of(archive), 0).millis());
            t.get("unsandboxed+cds").add(plain(cdsOpts, 0, false).millis());
        }
        Stats sOverU = Stats.paired(t.get("sandboxed"), t.get("unsandboxed"));
        Stats sOverB = Stats.paired(t.get("sandboxed"), t.get("bare"));
        String f = "1 start";
        report.row(f, "hello launch → READY, sandboxed (SandboxLauncher + the host's LaunchSpec)",
                t.get("sandboxed").show("ms", 0), sOverU.ratio() + " vs unsandboxed", "≤ 1.10×",
                Report.verdict(sOverU.median() <= 1.10));
        report.row(f, "  same, vs the bare JVM", "", sOverB.ratio() + " vs bare java Hello", "≤ 2.0×",
                Report.verdict(sOverB.median() <= 2.0));
        report.row(f, "hello launch → READY, unsandboxed (same java command, no launcher)",
                t.get("unsandboxed").show("ms", 0), Stats.paired(t.get("unsandboxed"), t.get("bare")).ratio()
                        + " vs bare", "—", "—");
        report.row(f, "bare `java Hello` → first line (same JVM options)", t.get("bare").show("ms", 0), "×1.00 (floor)",
                "—", "—");
        Stats cdsS = Stats.paired(t.get("sandboxed+cds"), t.get("sandboxed"));
        Stats cdsSB = Stats.paired(t.get("sandboxed+cds"), t.get("bare"));
        Stats cdsSU = Stats.paired(t.get("sandboxed+cds"), t.get("unsandboxed+cds"));
        report.row(f, "sandboxed + AppCDS archive of the plugin runtime (-XX:SharedArchiveFile, " + archiveKiB
                        + " KiB)", t.get("sandboxed+cds").show("ms", 0),
                cdsS.ratio() + " vs sandboxed without; " + cdsSB.ratio() + " vs bare; " + cdsSU.ratio()
                        + " vs unsandboxed+cds", "≤ 2.0× bare", Report.verdict(cdsSB.median() <= 2.0));
        report.row(f, "unsandboxed + AppCDS", t.get("unsandboxed+cds").show("ms", 0),
                Stats.paired(t.get("unsandboxed+cds"), t.get("unsandboxed")).ratio() + " vs unsandboxed without",
                "—", "—");
        report.note(f, "Plugin JVM options (the host's defaults): " + String.join(" ", opts)
                + ". The archive is dumped once per run with -XX:ArchiveClassesAtExit from an unsandboxed start that "
                + "ends with the host's Shutdown message, and is added to Landlock's read-only paths. Run-phase "
                + "violations during all sandboxed starts: " + runViolations.get() + ".");

        // Figure 4a: idle RSS
        Stats rssS = new Stats();
        Stats rssL = new Stats();
        Stats rssU = new Stats();
        Stats rssB = new Stats();
        Stats rssSC = new Stats();
        int memReps = ctx.quick ? 1 : Math.max(3, ctx.reps / 2);
        for (int i = 0; i < memReps; i++) {
            Result s = sandboxed(opts, List.of(), 3000);
            rssS.add(s.rssMiB());
            rssL.add(s.launcherRssMiB());
            rssU.add(plain(opts, 3000, false).rssMiB());
            rssB.add(bare(opts, 3000).rssMiB());
            rssSC.add(sandboxed(cdsOpts, List.of(archive), 3000).rssMiB());
        }
        String m = "4 memory";
        Stats ratio = Stats.paired(rssS, rssB);
        report.row(m, "idle plugin JVM RSS, sandboxed (3 s after READY)", rssS.show("MiB", 1),
                ratio.ratio() + " vs bare JVM", "≤ 2.0× bare", Report.verdict(ratio.median() <= 2.0));
        report.row(m, "  its launcher/supervisor process", rssL.show("MiB", 1), "", "—", "—");
        report.row(m, "idle plugin JVM RSS, unsandboxed", rssU.show("MiB", 1),
                Stats.paired(rssU, rssB).ratio() + " vs bare", "—", "—");
        Stats ratioC = Stats.paired(rssSC, rssB);
        report.row(m, "idle plugin JVM RSS, sandboxed + AppCDS", rssSC.show("MiB", 1),
                ratioC.ratio() + " vs bare", "≤ 2.0× bare", Report.verdict(ratioC.median() <= 2.0));
        report.note(m, "RSS breakdown of the last idle sample of each: " + breakdowns);
        report.row(m, "bare JVM RSS (`java Hello`, sleeping, same options)", rssB.show("MiB", 1), "×1.00", "—", "—");

        jdk25();
    }

    /** JDK 25's ahead-of-time cache of the plugin runtime: plugins.java set to it. */
    static final Path JDK25 = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64/bin/java");

    /**
     * Figure 1 on JDK 25: a sandboxed start mapping the runtime's AOT cache (trained as the host trains it) and a
     * start through a real host with {@code plugins.java} on JDK 25 (POST start → running), each against a bare
     * {@code java Hello} on JDK 25; issue 14's bound without a warm pool is 3×.
     */
    void jdk25() throws Exception {
        String f = "1 start";
        if (!Files.isExecutable(JDK25)) {
            ctx.report.note(f, "JDK 25 rows not measured: not available here: no JDK 25 at " + JDK25);
            return;
        }
        // As the host runs JDK 25 plugin JVMs: without -Xshare (refused beside -XX:AOTCache), native access on.
        List<String> opts = new ArrayList<>(PluginLaunch.HOST_JVM_OPTIONS.stream()
                .filter(o -> !o.startsWith("-Xshare:")).toList());
        opts.add("--enable-native-access=ALL-UNNAMED");
        Path cache = trainAotCache(opts);
        List<String> aotOpts = new ArrayList<>(opts);
        aotOpts.add("-XX:AOTCache=" + cache);
        Map<String, Stats> t = new LinkedHashMap<>();
        for (String k : List.of("sandboxed+aot", "sandboxed", "bare")) {
            t.put(k, new Stats());
        }
        sandboxed(JDK25, aotOpts, List.of(cache), 0); // untimed: page cache
        bare(JDK25, opts, 0);
        for (int i = 0; i < ctx.reps; i++) {
            t.get("sandboxed+aot").add(sandboxed(JDK25, aotOpts, List.of(cache), 0).millis());
            t.get("sandboxed").add(sandboxed(JDK25, opts, List.of(), 0).millis());
            t.get("bare").add(bare(JDK25, opts, 0).millis());
        }
        Stats aotOverBare = Stats.paired(t.get("sandboxed+aot"), t.get("bare"));
        ctx.report.row(f, "JDK 25: sandboxed + AOT cache of the plugin runtime (-XX:AOTCache, "
                        + Files.size(cache) / 1024 + " KiB) → READY", t.get("sandboxed+aot").show("ms", 0),
                aotOverBare.ratio() + " vs bare java Hello on JDK 25; "
                        + Stats.paired(t.get("sandboxed+aot"), t.get("sandboxed")).ratio() + " vs sandboxed without",
                "≤ 3.0× bare", Report.verdict(aotOverBare.median() <= 3.0));
        ctx.report.row(f, "JDK 25: sandboxed, no archive → READY", t.get("sandboxed").show("ms", 0),
                Stats.paired(t.get("sandboxed"), t.get("bare")).ratio() + " vs bare", "—", "—");
        ctx.report.row(f, "JDK 25: bare `java Hello` → first line (same JVM options)", t.get("bare").show("ms", 0),
                "×1.00 (floor)", "—", "—");

        // Through a real host: plugins.java on JDK 25, the host's own AOT cache; stop, then POST start → running.
        Path work = ctx.dir("start/host25");
        Path plugins = ctx.dir("start/host25/plugins");
        Files.copy(ctx.helloJar(), plugins.resolve("hello.jar"), StandardCopyOption.REPLACE_EXISTING);
        Stats host = new Stats();
        try (HostProc proc = HostProc.start(ctx, work, plugins, "--plugins.java=" + JDK25)) {
            proc.awaitRunning(1, java.time.Duration.ofSeconds(300));
            for (int i = 0; i < ctx.reps; i++) {
                host.add(HostBench.startAndWait(proc, List.of("hello"), new Stats()));
            }
            String archive = Files.readAllLines(work.resolve("host.log")).stream()
                    .filter(l -> l.contains("class-data sharing")).findFirst().orElse("no class-data sharing line");
            ctx.report.note(f, "JDK 25 host row: " + archive.substring(Math.max(0, archive.indexOf("class-data")))
                    .replace(ctx.base.toString(), "<tmp>"));
        }
        double ratio = host.median() / t.get("bare").median();
        ctx.report.row(f, "JDK 25: start through the host (POST /api/plugins/hello/start → running, host's timestamp,"
                        + " plugins.java on JDK 25, its AOT cache)", host.show("ms", 0),
                "×" + Stats.fmt(ratio, 2) + " vs bare java Hello on JDK 25 (medians)", "≤ 3.0× bare",
                Report.verdict(ratio <= 3.0));
    }

    /** The runtime's AOT cache, made as the host makes it: CdsTraining, unsandboxed, trusted, no plugin code. */
    private Path trainAotCache(List<String> opts) throws Exception {
        Path dir = ctx.dir("aot");
        Path cache = dir.resolve("plugin-runtime.aot");
        Files.deleteIfExists(cache);
        List<String> command = new ArrayList<>(List.of(JDK25.toString()));
        command.addAll(opts);
        command.addAll(List.of("-XX:AOTCacheOutput=" + cache, "-Xlog:cds=off", "-cp", runtimeJar.toString(),
                "dev.pluginhost.sdk.runtime.CdsTraining", runtimeJar.toString(), dir.resolve("scratch").toString()));
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0 || !Files.isRegularFile(cache)) {
            p.destroyForcibly();
            throw new IllegalStateException("no AOT cache written at " + cache);
        }
        Files.setPosixFilePermissions(cache, PosixFilePermissions.fromString("r--r--r--"));
        return cache;
    }
}
