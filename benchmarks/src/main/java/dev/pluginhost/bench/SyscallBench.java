package dev.pluginhost.bench;

import com.sun.jna.Library;
import com.sun.jna.Native;
import dev.pluginhost.sandbox.ArgRule;
import dev.pluginhost.sandbox.LaunchSpec;
import dev.pluginhost.sandbox.SandboxListener;
import dev.pluginhost.sandbox.SandboxedProcess;
import dev.pluginhost.sandbox.SyscallPolicy;
import dev.pluginhost.sandbox.Violation;
import dev.pluginhost.sandbox.ViolationMode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Figure 3, per call: what the filter adds to one system call, in nanoseconds, measured by a C loop
 * ({@code src/main/c/syscall-loop.c}) so that no JVM stands between the loop and the kernel. Two calls: {@code getppid}
 * (allowed without argument rules, so the kernel's constant-action cache answers it without running the filter) and
 * {@code prctl(PR_GET_NAME)} (allowed only with an argument check, so the filter runs every time). Each under no filter
 * (plain process), the default policy and Docker's default profile (both through the launcher, no other layer), and
 * getppid also under {@link #UNCACHED} (what the constant-action cache saves),
 * interleaved round by round, every process pinned to one CPU. A value is the median of all blocks with p10–p90, in
 * the loop thread's CPU time (on a shared machine wall time also counts other processes' turns).
 */
final class SyscallBench {

    /** sched_setaffinity for the calling thread: the launcher and the loop inherit the forking thread's CPU mask. */
    interface CLib extends Library {
        int sched_setaffinity(int pid, long size, byte[] mask);
    }

    /**
     * The default policy with getppid behind an argument check that always holds (arg0 ≥ 0, unsigned): the same
     * decision, but the filter reads an argument, so the kernel cannot cache it and runs the filter on every call.
     * Against the default policy, this shows what the constant-action cache saves.
     */
    static final SyscallPolicy UNCACHED = uncachedGetppid();

    private static SyscallPolicy uncachedGetppid() {
        SyscallPolicy.Builder b = SyscallPolicy.builder();
        for (SyscallPolicy.Rule rule : SyscallPolicy.jvmDefault().rules()) {
            if (rule.syscall().equals("getppid")) {
                continue;
            }
            if (rule.action() == SyscallPolicy.Action.ERRNO) {
                b.errno(rule.syscall(), rule.errno());
            } else if (rule.conditions().isEmpty()) {
                b.allow(rule.syscall());
            } else {
                b.allowIf(rule.syscall(), rule.conditions().toArray(ArgRule[]::new));
            }
        }
        return b.allowIf("getppid", ArgRule.ge(0, 0)).build();
    }

    private final Ctx ctx;
    private final SyscallPolicy docker;
    private final String dockerSource;
    private final int rounds;
    private final int blocks;
    private final long callsPerBlock;
    private final Set<String> refused = new TreeSet<>();
    private final Set<String> status = new TreeSet<>();

    SyscallBench(Ctx ctx, SyscallPolicy docker, String dockerSource, int rounds, int blocks, long callsPerBlock) {
        this.ctx = ctx;
        this.docker = docker;
        this.dockerSource = dockerSource;
        this.rounds = rounds;
        this.blocks = blocks;
        this.callsPerBlock = callsPerBlock;
    }

    void run() throws Exception {
        Path source = ctx.files.resolve("syscall-loop");
        if (!Files.isExecutable(source)) {
            throw new IllegalStateException("not available here: " + source + " was not built (gcc, pom.xml)");
        }
        // A world-readable copy: a root launcher runs the loop as another uid.
        Path loop = ctx.dir("syscall").resolve("syscall-loop");
        Files.copy(source, loop, StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(loop, PosixFilePermissions.fromString("rwxr-xr-x"));
        int cpu = Runtime.getRuntime().availableProcessors() - 1;

        Map<String, Stats> ns = new LinkedHashMap<>();
        ExecutorService pinned = Executors.newSingleThreadExecutor(r -> new Thread(r, "bench-pinned"));
        try {
            pinned.submit(() -> pin(cpu)).get();
            for (int round = 0; round < rounds; round++) {
                for (String call : List.of("getppid", "prctl")) {
                    List<String> configs = new ArrayList<>(List.of("none", "default", "docker"));
                    if (call.equals("getppid")) {
                        configs.add("uncached");
                    }
                    java.util.Collections.rotate(configs, round); // no config always first or last
                    for (String config : configs) {
                        if (config.equals("docker") && docker == null) {
                            continue;
                        }
                        List<Double> blockNs = pinned.submit(() -> measure(loop, config, call)).get();
                        Stats s = ns.computeIfAbsent(config + "/" + call, k -> new Stats());
                        blockNs.forEach(s::add);
                    }
                }
            }
        } finally {
            pinned.shutdownNow();
        }
        report(ns, cpu);
    }

    private static Void pin(int cpu) {
        byte[] mask = new byte[128];
        mask[cpu / 8] |= (byte) (1 << (cpu % 8));
        CLib libc = Native.load("c", CLib.class);
        if (libc.sched_setaffinity(0, mask.length, mask) != 0) {
            throw new IllegalStateException("sched_setaffinity(cpu " + cpu + ") failed: errno " + Native.getLastError());
        }
        return null;
    }

    private List<Double> measure(Path loop, String config, String call) throws Exception {
        List<String> command = List.of(loop.toString(), call, Integer.toString(blocks), Long.toString(callsPerBlock));
        if (config.equals("none")) {
            Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            List<Double> values = parse(p.getInputStream(), config);
            check(p.waitFor(120, TimeUnit.SECONDS) ? p.exitValue() : -1, config, call);
            return values;
        }
        SyscallPolicy policy = switch (config) {
            case "default" -> SyscallPolicy.jvmDefault();
            case "uncached" -> UNCACHED;
            default -> docker;
        };
        SandboxedProcess p = ctx.launcher.launch(LaunchSpec.builder().command(command).policy(policy)
                .mode(ViolationMode.DENY).build(), new SandboxListener() {
                    @Override
                    public void onViolation(Violation v) {
                        synchronized (refused) {
                            refused.add(config + ": " + v.syscall());
                        }
                    }
                });
        Procs.drain(p.stderr());
        List<Double> values = parse(p.stdout(), config);
        check(p.onExit().get(120, TimeUnit.SECONDS).exitCode(), config, call);
        return values;
    }

    private static void check(int exit, String config, String call) {
        if (exit != 0) {
            throw new IllegalStateException("syscall-loop " + call + " under " + config + " exited " + exit);
        }
    }

    private List<Double> parse(InputStream out, String config) throws IOException {
        List<Double> values = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(out, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("ns=")) {
                    values.add(Double.parseDouble(line.substring(3)));
                } else if (line.startsWith("status ")) {
                    synchronized (status) {
                        status.add(config + ": " + line.substring(7).replace('\t', ' ').trim());
                    }
                }
            }
        }
        return values;
    }

    private void report(Map<String, Stats> ns, int cpu) {
        Report r = ctx.report;
        String f = "3 filter";
        for (String call : List.of("getppid", "prctl")) {
            String what = call.equals("getppid") ? "getppid (allowed, no argument rule: constant-action cache)"
                    : "prctl(PR_GET_NAME) (allowed by an argument check: the filter runs)";
            Stats none = ns.get("none/" + call);
            r.row(f, "per call: " + what + ", no filter", none.showPct("ns", 1), "×1.00", "—", "—");
            for (String config : List.of("default", "uncached", "docker")) {
                Stats s = ns.get(config + "/" + call);
                if (s == null) {
                    continue;
                }
                double added = s.median() - none.median();
                double ratio = s.median() / none.median();
                String target = "—";
                String result = "—";
                if (config.equals("default") && call.equals("getppid")) {
                    target = "≤ 1.03× no filter";
                    result = Report.verdict(ratio <= 1.03);
                } else if (config.equals("default")) {
                    target = "≤ 1.03× no filter (the workload's target)";
                    result = Report.verdict(ratio <= 1.03);
                }
                String under = switch (config) {
                    case "default" -> "default policy";
                    case "uncached" -> "default policy with getppid behind an always-true argument check (not cacheable)";
                    default -> "Docker's default profile";
                };
                r.row(f, "  same, " + under + " (launcher, seccomp only)", s.showPct("ns", 1),
                        "×" + Stats.fmt(ratio, 3) + " (" + (added >= 0 ? "+" : "") + Stats.fmt(added, 1)
                                + " ns) vs no filter", target, result);
            }
        }
        Stats cached = ns.get("default/getppid");
        Stats uncached = ns.get("uncached/getppid");
        String saved = cached == null || uncached == null ? "n/a"
                : Stats.fmt(uncached.median() - cached.median(), 1) + " ns per getppid";
        boolean cache = Files.exists(Path.of("/proc/self/seccomp_cache"));
        r.note(f, "Per call: " + rounds + " interleaved rounds (the order of the variants rotates each round) × " + blocks + " blocks × " + callsPerBlock + " calls, every process "
                + "pinned to CPU " + cpu + " (sched_setaffinity of the forking thread, inherited by launcher and "
                + "loop); value: median ns per call over all blocks, p10–p90, in the loop thread's CPU time "
                + "(CLOCK_THREAD_CPUTIME_ID: time other processes held the CPU is not the filter's). Docker's profile: "
                + dockerSource
                + ". The kernel's constant-action cache (seccomp bitmap, 5.11+) answers an argument-free allowed "
                + "call without running the filter: here it saves " + saved + " (the same policy with getppid "
                + "argument-checked minus the default policy); /proc/<pid>/seccomp_cache, which would list it, "
                + (cache ? "exists here" : "does not exist here (the kernel is built without "
                        + "CONFIG_SECCOMP_CACHE_DEBUG)") + ". What the loops' /proc/self/status said: " + status
                + (refused.isEmpty() ? "; no call was refused." : "; refused: " + refused + "."));
    }
}
