package dev.pluginhost.bench;

/** The fixed part of docs/benchmarks.md: how each figure is measured, and how to read the misses. */
final class Method {
    private Method() {
    }

    static final String TEXT = """

            ## How each figure is measured

            1. **Plugin start** (`StartBench`). `launch → READY` is from just before the launch until the plugin's
               `Ready` message arrives on its session (the handshake is done and the plugin registered its
               operations). A minimal host half (`FakeHost`: handshake that ends the launcher's boot phase first, as the
               host does; session; log sink) serves the plugin's private Unix socket, so Spring plays no part.
               *Sandboxed* is `SandboxLauncher.launch` with the LaunchSpec `PluginJvm.spec` builds (copied in
               `PluginLaunch`: default policy, boot phase, namespaces, uid drop, Landlock, cgroup memory/pids limits,
               the host's default `plugins.jvm-options`); the filter is compiled once per policy by the launcher and
               reused by later launches, as in the host (`SandboxLauncher.filterCompilations`).
               *Unsandboxed* is the same java command, environment and working directory started with
               `ProcessBuilder`. *Bare* is `java <same options> Hello` until its one line is read. Variants are
               interleaved, after one untimed round. *+AppCDS* adds `-XX:SharedArchiveFile` of a dynamic archive
               dumped in the same run (`-XX:ArchiveClassesAtExit`, one unsandboxed start ended by the host's Shutdown
               message). The *real host* row stops and starts `h01` on the 32-plugin host of figure 5 and takes the
               host's own `since` timestamp of state `running`.
            2. **Capability call** (`CallBench`). The real host (`pluginhost.jar`, its own process) runs the bench
               plugin (`dev.pluginhost.bench.plugin.BenchPlugin`, built by this module as a plugin jar); its `bench`
               operation loops `config().all()` (Config/Get) or `kv().get` for a fixed time on 1 or 8 threads inside
               the sandboxed plugin JVM and returns calls/s and per-call percentiles. *Bare UDS* is the same Config
               service, with nothing around it, served by the benchmark JVM over a Unix socket (grpc-netty-shaded
               epoll, directExecutor) to `work.EchoClient` in its own JVM with the plugin JVM options and the same
               loop, started like the plugin JVM in a session of its own (`setsid`: its own scheduling group, as the
               launcher's child has) at the plugin JVM's nice value and its group's. *In process* is the same stub and
               service over gRPC's in-process transport, directExecutor. *CPU per call* is the calling JVM's process
               CPU time over its timed calls (read inside it) plus the serving JVM's (from /proc, over warm-up and timed calls),
               per call: on 2 busy cores it is what caps calls/s, and it moves less with the machine's other load.
            3. **Filter overhead** (`FilterBench`). `work.SyscallWork` (small file write/open/pread/fstat/close/unlink
               on 2 threads, park/unpark hand-offs on 4 thread pairs) times its own measured part, after a warm-up
               round. *No filter* is plain java; *default policy* and *Docker's profile* run under the launcher with
               no other layer, so the difference is the seccomp filter (the launcher's rlimits do not bind this
               workload). Docker's profile is the launcher tests' copy,
               `sandbox-launcher/src/test/resources/dev/pluginhost/sandbox/oci/docker-default-seccomp.json`, through
               `OciProfile.importProfile` (its default action becomes the supervisor's notification, as for ours).
               *Per call* (`SyscallBench`): `src/main/c/syscall-loop.c` times blocks of back-to-back raw
               `getppid` (allowed without an argument rule, so the kernel's constant-action cache answers it without
               running the filter) and `prctl(PR_GET_NAME)` (allowed by an argument check, so the filter runs) with no
               filter, the default policy and Docker's profile, in interleaved rounds whose order rotates, every
               process pinned to one CPU; the value is the median ns per call over all blocks with p10–p90, in the
               loop thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`), so other processes' turns on the CPU do not count.
            4. **Memory** (`StartBench`, `HostBench`). VmRSS from /proc 3 s after READY (plugins) or after the line
               (bare JVM). Host rows: a real host with 1, 8, 32 copies of hello (`Plugin-Id` h01..h32, same classes),
               3 s after all are running; the host JVM's RSS, and the sum over its descendants (launchers + plugin
               JVMs). RSS counts shared file pages (the JDK's CDS archive, libjvm) once per process, so sums
               overstate the machine's real use.
            5. **Scale** (`HostBench`). On the 32-plugin host: all 32 stopped, then 32 `POST /start` at once (8 client
               threads); time from the first POST to the latest `since` of state `running`. Compared with 32 × one
               start (median, same host) / cores. `GET /api/plugins` is polled every 25 ms meanwhile; its latency
               percentiles are compared with 100 requests on the idle host.
            6. **Violation → metric** (`CallBench`). hello's `probe` makes one `socket(AF_INET)`, refused and reported
               by the supervisor. `/actuator/prometheus` is scraped back to back until
               `plugin_syscall_denied_total{plugin="hello",syscall="socket"}` moves; latency is from the violation's
               timestamp (`GET /api/plugins/hello/violations`, taken by the supervisor's reader) to the end of the
               first scrape showing it.
            7. **Fleet** (`FleetBench`). The bench plugin on a single host (kv in its H2 file, events in memory) and
               on replica B of two hosts sharing one private PostgreSQL 15 on loopback (replica A runs no plugin).
               kv: the plugin's own per-call p50/p99 of back-to-back `get`, then `put`, after 1 s of warm-up. Events:
               `POST /api/events/bench.ping` carrying the client's `System.nanoTime()` (one clock for every process
               on the machine), one every 20 ms, through the single host, then through replica A; the plugin's
               handler (on B) takes the difference. The latency includes the publishing HTTP call and, on the fleet,
               the commit, NOTIFY, lease claim and hand-over.

            ## Reading the misses

            - **READY ≤ 2× the bare JVM** cannot be met by tuning: the floor is a JVM that loads a few hundred JDK
              classes and prints a line (~40–60 ms here), while READY needs the plugin runtime's gRPC, Netty (epoll
              native library extracted and loaded), protobuf and the handshake and session round trips, several
              thousand classes, interpreted or C1-compiled. The unsandboxed plugin misses it by the same factor, so
              the sandbox is not the cause (the sandboxed/unsandboxed ratio is the sandbox's share). AppCDS is the
              lever that works on JDK 17 (see the +AppCDS rows); closing the rest needs a lighter runtime (a
              hand-written HTTP/2-free protocol on the socket instead of grpc-netty), JDK 24+'s AOT cache with
              linked classes (JEP 483/514, JDK 25 is on this machine), or not booting at start at all: a standby
              launch (`plugins.standby.enabled`, the "from the plugin's standby" row) is the plugin's next JVM,
              booted ahead from its own launch spec and held before any plugin code.
            - **Sandboxed vs unsandboxed start**: the sandbox's share is the launcher (fork, namespaces, Landlock,
              cgroup setup, filter compilation in the host through libseccomp) plus the boot-phase notifications of the
              JDK's start-up probes, each a round trip to the supervisor. With AppCDS the JVM part shrinks while this
              fixed part stays, so the *ratio* grows even though the sandboxed start gets faster.
            - **JDK 25 start through the host ≤ 3× bare** (issue 14, without a standby): where the time goes, from
              the host's own timestamps and the plugin JVM's `-Xlog:startuptime,class+load` (medians of 6 starts of
              hello on a machine at load average 10–11 on 2 cores, so every wall time is 3–5× a quiet machine's; the
              shares are the result). POST → `Launches.launch` 5 ms; boot turn 0.5; `PluginFiles` (launch folder, jar
              copy) 5; the copy's check (manifest, digest) 13; `PluginServer` bound 24; launch spec 2; the launcher
              forked from the host JVM (`ProcessBuilder.start`, filter file, FIFO) 44; launcher layers → program
              exec'd 38; **plugin JVM exec → handshake received 1760 (87 %)**; boot phase ended 0.5; the plugin
              loaded and started → `Ready` 90; → `running` 2. Inside the JVM (one start before the change, with
              `-Xlog`): JVM created
              at 0.50 s of its uptime (`Genesis` 0.27 s of it: mapping and relocating the 34 MB AOT cache), the host
              connection's channel made at 1.05 s (Netty's native transport and its interface probes, 13 boot-phase
              notifications, logging, the DRBG warm-up), handshake at the host at 1.64 s (gRPC channel, HTTP/2
              preface, the first call, interpreted), plugin class loaded 1.68 s, `Ready` 1.72 s. CPU per start (from
              /proc): plugin JVM 0.88 s (main thread 0.44 s, C1 compiler 0.18 s, all of it system time, as much
              outside the sandbox), host 0.2 s, launcher 0.01 s: the host's own share is small; the miss is the
              runtime's boot. Removed: Netty's JFR events (`io.netty.jfr.enabled`, off in `PluginMain`: its
              allocator loaded JFR's event classes and 15 annotation proxies at the first buffer; −150 ms of CPU per
              run of the runtime's training program) and a stack trace of 16 lines per start into the host's log
              (Netty's interface probe, logged through the runtime's SLF4J provider because the launch secret was
              read before Netty's logging was set up); the training run now takes the plugin JVM's own path
              (inherited connection, secret descriptor), so those classes are in the cache too. Same machine,
              interleaved hosts: POST → running 2140 ms vs 2489 ms before (×0.86), plugin JVM CPU 0.88 s vs 0.93 s.
              The benchmark (`--only start --reps 3`), before then after, one run each on a shared machine (load
              average 5–6, then 2–4): through the host 1281 ms (×7.04 of bare 182 ms) → 591 ms (×3.14 of bare
              188 ms); not a quiet run, so not the table's figure.
              Tried and not kept: `-XX:ArchiveRelocationMode=0` (`Genesis` 0.27 → 0.04 s of wall time, but the same
              CPU per JVM: the page faults move to system time); `--illegal-native-access=allow` instead of
              `--enable-native-access=ALL-UNNAMED` (Netty then skips its FFM cleaner's downcall stubs, ~90 lambda
              forms, but the cache's linked lambdas are lost: 0.94 s vs 0.85 s of CPU). What is left is the
              runtime's gRPC/Netty boot in the interpreter and C1: a lighter transport, JDK 26's ahead-of-time code,
              or the standby.
            - **Filter overhead** on this workload is within the run-to-run noise of a shared 2-core machine: the
              kernel's constant-action cache (5.11+) answers the hot, argument-free allowed calls without running the
              filter. Where a run shows the default policy above 1.03×, compare the min–max ranges before reading it
              as a regression.
            - **kv get** is the capability path plus the host's store: a pooled H2 connection (`JdbcConnectionPool`,
              or the application's pooled `DataSource`) and one indexed read; its excess over config get is the
              store's, not the sandbox's.
            - **Idle RSS, unsandboxed above sandboxed**: not the sandbox's doing. Without `-Xms` the JVM sizes its
              initial heap from the memory it sees: the whole machine outside the sandbox, the 512 MiB cgroup limit
              inside it, so the unsandboxed plugin JVM starts with a larger young generation and touches more of it
              (RssAnon in the notes). An explicit `-Xms` in `plugins.jvm-options` makes plugin memory independent of
              the machine.
            """;
}
