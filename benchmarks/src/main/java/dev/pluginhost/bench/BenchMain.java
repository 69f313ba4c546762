package dev.pluginhost.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs every benchmark and (re)writes docs/benchmarks.md. Arguments (the pom passes the paths):
 * {@code --files DIR --classes DIR --plugin-jar JAR --docker-profile JSON --repo DIR --out FILE [--reps N]
 * [--only a,b] [--quick [true|false]]} with sections start, standby, filter, calls, hosts, fleet. {@code --quick}: a developer's check
 * in under two minutes (2 repetitions, short call figures, no fleet section), written to
 * benchmarks/target/benchmarks-quick.md, never over docs/benchmarks.md.
 */
public final class BenchMain {
    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String key = args[i].replaceFirst("^--", "");
            boolean flag = key.equals("quick") && (i + 1 == args.length || args[i + 1].startsWith("--"));
            a.put(key, flag ? "true" : args[++i]); // a bare --quick is --quick true
        }
        boolean quick = Boolean.parseBoolean(a.getOrDefault("quick", "false"));
        int reps = Integer.parseInt(a.getOrDefault("reps", quick ? "2" : "7"));
        Set<String> only = Set.of(a.getOrDefault("only", quick ? "start,filter,calls" : "start,standby,filter,calls,hosts,fleet")
                .split(","));
        Ctx ctx = new Ctx(Path.of(a.get("files")), Path.of(a.get("classes")), Path.of(a.get("plugin-jar")),
                a.containsKey("docker-profile") ? Path.of(a.get("docker-profile")) : null, reps);
        ctx.quick = quick;
        Path repo = a.containsKey("repo") ? Path.of(a.get("repo")).toAbsolutePath().normalize() : null;
        // --only soak [--soak-minutes 30] [--soak-rate 2]: the soak benchmark alone; it writes its own files
        if (only.equals(Set.of("soak"))) {
            int code = 0;
            try {
                SoakBench.main(ctx, a, repo);
            } catch (Exception | AssertionError e) {
                e.printStackTrace();
                code = 1;
            } finally {
                Procs.deleteTree(ctx.base);
            }
            System.exit(code);
        }
        Instant started = Instant.now();
        List<String> failures = new ArrayList<>();
        try {
            section(only, "start", failures, () -> new StartBench(ctx).run());
            section(only, "standby", failures, () -> new StandbyBench(ctx).run());
            section(only, "filter", failures, () -> {
                new SyscallBench(ctx, FilterBench.docker(ctx), shown(ctx.dockerProfile.toString(), repo, ctx),
                        reps, quick ? 10 : 20, 20_000).run();
                new FilterBench(ctx, Integer.parseInt(a.getOrDefault("filter-rounds", quick ? "1" : "5"))).run();
            });
            section(only, "calls", failures, () -> new CallBench(ctx, quick ? 300 : 1500, quick ? 700 : 3000,
                    Integer.parseInt(a.getOrDefault("probes", quick ? "10" : "50"))).run());
            section(only, "hosts", failures, () -> new HostBench(ctx,
                    Integer.parseInt(a.getOrDefault("scale-reps", "2"))).run());
            section(only, "fleet", failures, () -> new FleetBench(ctx, quick ? 100 : 500,
                    quick ? 1000 : 3000).run());
            if (!only.contains("hosts") && quick) {
                ctx.report.note("5 scale", "not run: --quick leaves out the fleet section (1, 8 and 32 plugins on "
                        + "real hosts); the full run measures it.");
            }
        } finally {
            Duration took = Duration.between(started, Instant.now());
            String md = markdown(ctx, took, failures, shown(String.join(" ", args), repo, ctx));
            md = quick ? md : SoakBench.withSection(md, repo); // keeps the soak run's section (docs/soak/)
            // A quick run is no result: it never overwrites the committed docs/benchmarks.md.
            Path out = quick ? ctx.files.getParent().resolve("benchmarks-quick.md")
                    : Path.of(a.getOrDefault("out", "benchmarks.md"));
            Files.writeString(out, md);
            System.out.println("wrote " + out.toAbsolutePath() + " in " + took.toSeconds() + " s");
            Procs.deleteTree(ctx.base);
        }
        System.exit(failures.isEmpty() ? 0 : 1);
    }

    /** Paths in the repository as the repository names them (and the scratch folder as {@code <tmp>}). */
    static String shown(String text, Path repo, Ctx ctx) {
        String s = text.replace(ctx.base.toString(), "<tmp>");
        if (repo != null) {
            // The pom passes paths with "..": normalise each word that is a path first.
            StringBuilder out = new StringBuilder();
            for (String word : s.split(" ", -1)) {
                if (word.startsWith("/")) {
                    Path p = Path.of(word).normalize();
                    word = p.startsWith(repo) ? repo.relativize(p).toString() : word;
                }
                out.append(out.length() > 0 ? " " : "").append(word);
            }
            s = out.toString();
        }
        return s;
    }

    interface Section {
        void run() throws Exception;
    }

    private static void section(Set<String> only, String name, List<String> failures, Section s) {
        if (!only.contains(name)) {
            return;
        }
        System.out.println("== " + name);
        long t0 = System.nanoTime();
        try {
            s.run();
        } catch (Exception | AssertionError e) {
            e.printStackTrace();
            failures.add(name + ": " + e);
        }
        System.out.printf("== %s done in %.0f s%n", name, (System.nanoTime() - t0) / 1e9);
    }

    static String machine() {
        String cpu = "unknown";
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    cpu = line.substring(line.indexOf(':') + 1).trim();
                    break;
                }
            }
        } catch (IOException e) {
            // keep unknown
        }
        String kernel = System.getProperty("os.version");
        String mem = "";
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    mem = Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024 / 1024 + " GiB RAM";
                }
            }
        } catch (IOException e) {
            // keep empty
        }
        return "nproc " + Runtime.getRuntime().availableProcessors() + ", kernel " + kernel + ", JDK "
                + System.getProperty("java.vm.vendor") + " " + System.getProperty("java.runtime.version")
                + " (host, plugin JVMs and workloads), CPU " + cpu + ", " + mem;
    }

    static String markdown(Ctx ctx, Duration took, List<String> failures, String args) {
        StringBuilder b = new StringBuilder();
        b.append("# Benchmarks: what isolation costs, measured side by side\n\n");
        b.append("Generated by `benchmarks/` (do not edit by hand; rerun instead). Every ratio compares two figures ")
                .append("measured **in the same run**, interleaved repetition by repetition where both are repeated; ")
                .append("absolute times on a shared 2-core machine are noise, the ratios are the result. ")
                .append("A value reads `median (min–max, n=repetitions)`; a ratio reads `×median (min–max)` of the ")
                .append("per-repetition ratios. Every figure with a goal states it in the target column and whether ")
                .append("this run met it; `—` marks a reference figure (no target).\n\n");
        if (ctx.quick) {
            b.append("**Quick run (`--quick`)**: 2 repetitions, short call figures, no fleet section: a developer's ")
                    .append("check, not a result. Commit only a full run.\n\n");
        }
        b.append("## Command\n\n```sh\nmvn -q -Pbench -pl benchmarks -am verify -DskipTests\n```\n\n")
                .append("(`-am` builds the host, the launcher, the SDK and the sample plugins first; with them already ")
                .append("installed by `mvn -q install -DskipTests`, `mvn -q -Pbench -pl benchmarks verify -DskipTests` ")
                .append("runs the benchmarks alone. The `bench` profile is the only place the `benchmarks` module is ")
                .append("listed, so `mvn verify` never runs it. Nothing else may run on the machine meanwhile: every ")
                .append("figure is CPU-bound on 2 cores.) ")
                .append("Options: `-Dbench.args=\"--reps 7 --only start,standby,filter,calls,hosts,fleet --probes 50 ")
                .append("--filter-rounds 5 --scale-reps 2\"` (defaults shown). `-Dbench.quick=true` is a developer's ")
                .append("check in under two minutes (fewer repetitions, short call figures, no fleet section), written to ")
                .append("`benchmarks/target/benchmarks-quick.md`. Must ")
                .append("run as root on Linux with the launcher's prerequisites, like the end-to-end tests; the per-call ")
                .append("filter loop is C, built with gcc. Docker's profile is the copy the launcher's tests carry ")
                .append("(`sandbox-launcher/src/test/resources/dev/pluginhost/sandbox/oci/docker-default-seccomp.json`).\n\n");
        b.append("## Machine\n\n").append(machine()).append(". Run of ")
                .append(Instant.now().truncatedTo(ChronoUnit.SECONDS)).append(", took ").append(took.toSeconds())
                .append(" s (`").append(args).append("`).\n\n");
        if (!failures.isEmpty()) {
            b.append("**Sections that failed in this run:** ").append(String.join("; ", failures)).append("\n\n");
        }
        b.append("## Results\n\n| figure | what | value | ratio (same run) | target | result |\n|---|---|---|---|---|---|\n");
        for (Report.Row r : ctx.report.rows) {
            b.append("| ").append(r.figure()).append(" | ").append(esc(r.what())).append(" | ").append(esc(r.value()))
                    .append(" | ").append(esc(r.ratio())).append(" | ").append(r.target()).append(" | ")
                    .append(r.result()).append(" |\n");
        }
        b.append("\n## Notes on this run\n\n");
        for (String[] n : ctx.report.notes) {
            b.append("- **").append(n[0]).append("**: ").append(n[1]).append("\n");
        }
        b.append(Method.TEXT);
        return b.toString();
    }

    private static String esc(String s) {
        return s.replace("|", "\\|");
    }
}
