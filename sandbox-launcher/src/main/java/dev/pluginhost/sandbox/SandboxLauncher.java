package dev.pluginhost.sandbox;

import com.sun.jna.LastErrorException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Starts programs under the native {@code plugin-launcher}: each gets its own seccomp filter, compiled from the
 * launch's {@link SyscallPolicy} (once per distinct policy, see {@link #filterCompilations()}), and a supervisor that
 * reports violations to a {@link SandboxListener}.
 *
 * <p>The launcher's stdin is a pipe the host JVM keeps open for the launch's lifetime ({@code --host-fd 0}): when
 * the host dies, however it dies, the pipe closes and the launcher kills the program.
 */
public final class SandboxLauncher {

    /** Where the launcher binary lives on the classpath. */
    public static final String RESOURCE = "dev/pluginhost/sandbox/native/linux-x86_64/plugin-launcher";

    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

    private static final String HOST_PID_FILE = "host.pid";

    /** The prefix of each launcher's private folder in its {@code workDir}. */
    public static final String FOLDER_PREFIX = "sandbox-launcher-";

    private final Path workDir;
    private final Path binary;

    /**
     * Checks the platform, then extracts the launcher into a fresh private folder {@code workDir/sandbox-launcher-*}
     * (made like {@code mkdtemp}: a new random name, mode 0700, owned by this process's user, never an existing
     * folder or a link someone planted) and verifies that it runs. {@code workDir} itself is left as it is, so a
     * shared directory such as /tmp is safe, and every user and every run gets its own folder. The folder also holds
     * one private directory per running launch (filter file, events FIFO), removed when the launch ends; {@link
     * #close()} removes the folder, and a later SandboxLauncher on the same {@code workDir} removes the folders this
     * user's dead JVMs left behind.
     *
     * @throws SandboxUnavailableException naming what this host lacks
     */
    public SandboxLauncher(Path workDir) throws IOException {
        Platform.check();
        Path parent = Files.createDirectories(workDir.toAbsolutePath()); // the caller's folder: left as it is
        removeStaleFolders(parent);
        this.workDir = Files.createTempDirectory(parent, FOLDER_PREFIX,
                PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        try {
            Files.writeString(this.workDir.resolve(HOST_PID_FILE), Long.toString(ProcessHandle.current().pid()));
            this.binary = extract(privateDirectory(this.workDir.resolve("bin")));
            verify(binary);
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
        this.staleCgroupsRemoved = removeStaleCgroups();
        // Loads the event reader's JSON classes now, not while the first launch's events wait (150 ms here).
        dev.pluginhost.sandbox.oci.Json.parse("{}");
    }

    private final List<Path> staleCgroupsRemoved;

    /**
     * The cgroups of dead launchers this constructor removed. A launcher removes its cgroups when it exits, but a
     * launcher killed with SIGKILL (or a host killed with its launchers) cannot: its empty folders stayed behind,
     * one per launch, for ever.
     */
    public List<Path> staleCgroupsRemoved() {
        return staleCgroupsRemoved;
    }

    /**
     * Removes the leftover cgroups of launchers that are gone. The launcher creates them as
     * {@code <its own cgroup>/pluginhost/<launcher pid>} in the cgroup v2 hierarchy or the v1 memory and pids ones
     * (cgroups.c); its own cgroup is this JVM's, which started it. A folder goes only when its launcher pid is no
     * longer alive and it holds no process (the kernel refuses to remove a cgroup with processes or children anyway);
     * a reused pid keeps its folder until a later sweep, which is the safe mistake.
     */
    static List<Path> removeStaleCgroups() {
        List<Path> removed = new ArrayList<>();
        for (Path base : ownCgroups()) {
            Path dir = base.resolve("pluginhost");
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (var entries = Files.list(dir)) {
                for (Path leaf : entries.filter(p -> p.getFileName().toString().matches("\\d{1,10}")).toList()) {
                    long pid = Long.parseLong(leaf.getFileName().toString());
                    if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)
                            || !Files.readString(leaf.resolve("cgroup.procs")).isBlank()) {
                        continue;
                    }
                    Files.delete(leaf); // rmdir(2): what removes a cgroup
                    removed.add(leaf);
                }
            } catch (IOException | RuntimeException e) {
                continue; // not ours to remove (permissions, a race with a launcher): the next start tries again
            }
            try {
                Files.delete(dir); // only when no launch uses it any more, as the launcher itself does
            } catch (IOException e) {
                // in use
            }
        }
        return List.copyOf(removed);
    }

    /**
     * The launcher's rule for a v2 cgroup named {@code host} whose parent passes controllers down: a launcher moved
     * the host there (the no-internal-processes rule, cgroups.c), and the plugins' cgroups are under the parent.
     */
    static Path v2HostLeafParent(Path cgroup, boolean v2) {
        try {
            if (v2 && cgroup.getFileName() != null && cgroup.getFileName().toString().equals("host")
                    && !Files.readString(cgroup.resolveSibling("cgroup.subtree_control")).isBlank()) {
                return cgroup.getParent();
            }
        } catch (IOException e) {
            // not one this layer set up
        }
        return cgroup;
    }

    /** This process's cgroups where the launcher puts its own: v2, and the v1 memory and pids hierarchies. */
    static List<Path> ownCgroups() {
        List<Path> bases = new ArrayList<>();
        try {
            List<String> mounts = Files.readAllLines(Path.of("/proc/self/mountinfo"));
            for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
                String[] f = line.split(":", 3);
                if (f.length < 3) {
                    continue;
                }
                String controller = f[0].equals("0") && f[1].isEmpty() ? null
                        : Arrays.asList(f[1].split(",")).contains("memory") ? "memory"
                        : Arrays.asList(f[1].split(",")).contains("pids") ? "pids" : "";
                if ("".equals(controller)) {
                    continue;
                }
                for (String m : mounts) {
                    // "<id> <parent> <dev> <root> <mount point> <options> ... - <type> <source> <super options>"
                    String[] parts = m.split(" - ", 2);
                    String[] head = parts[0].split(" ");
                    String[] tail = parts.length == 2 ? parts[1].split(" ") : new String[0];
                    if (head.length < 5 || tail.length < 3) {
                        continue;
                    }
                    boolean match = controller == null ? tail[0].equals("cgroup2")
                            : tail[0].equals("cgroup") && Arrays.asList(tail[2].split(",")).contains(controller);
                    if (!match) {
                        continue;
                    }
                    String root = head[3];
                    String rel = f[2];
                    if (!root.equals("/") && rel.startsWith(root)) {
                        rel = rel.substring(root.length());
                    }
                    bases.add(v2HostLeafParent(Path.of(head[4] + (rel.equals("/") ? "" : rel)), controller == null));
                    break;
                }
            }
        } catch (IOException | RuntimeException e) {
            // no cgroups to look at: nothing to sweep
        }
        return bases;
    }

    /** This launcher's private folder ({@code workDir/sandbox-launcher-*}). */
    public Path workDir() {
        return workDir;
    }

    /**
     * Removes this launcher's private folder (the extracted launcher, and the run directories of launches that have
     * ended). Call it once no launch is running.
     */
    public void close() {
        try {
            SafeFiles.deleteTree(workDir);
        } catch (IOException e) {
            // best effort: a later SandboxLauncher on the same workDir removes it once this JVM is gone
        }
    }

    /**
     * Checks that this host can run the sandbox.
     *
     * @throws SandboxUnavailableException naming what is missing
     */
    public static void checkPlatform() {
        Platform.check();
    }

    /** The uid and gid a root launcher drops a namespaced program to unless {@link LaunchSpec.Builder#user} says. */
    public static final int DEFAULT_CHILD_ID = 65534;

    /**
     * The uid a program launched with namespaces ({@link LaunchSpec#namespacesAuto()} or
     * {@link LaunchSpec#namespaces()}) runs as, unless its spec sets {@link LaunchSpec.Builder#user}: 65534 when this
     * JVM (and so the launcher) runs as root, or -1 when the launcher cannot drop privileges and the program keeps
     * this JVM's uid. The host must create the program's writable directories owned by it (the launcher changes no
     * ownership) and keep the JDK and the jars it runs world-readable.
     */
    public int childUid() {
        return effectiveUid() == 0 ? DEFAULT_CHILD_ID : -1;
    }

    /** The gid counterpart of {@link #childUid()}. */
    public int childGid() {
        return effectiveUid() == 0 ? DEFAULT_CHILD_ID : -1;
    }

    /** This process's effective uid, from /proc/self/status (real, effective, saved, filesystem). */
    static int effectiveUid() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return Integer.parseInt(line.substring(4).strip().split("\\s+")[1]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through: unknown is treated as "not root", the answer that promises nothing
        }
        return -1;
    }

    /**
     * What every program under Landlock may read and execute: this JVM's java.home (and what its symlinks point to,
     * such as Debian's /etc/java-17-openjdk and the cacerts file), the system libraries (/lib, /lib64, /usr/lib,
     * /usr/lib64), the few /etc files the JVM and glibc read (ld.so.cache, localtime, timezone, nsswitch.conf,
     * passwd, group, hosts, host.conf, gai.conf; not all of /etc, which holds host secrets when the program keeps
     * root's uid), /usr/share/zoneinfo, /proc (the JVM reads its own /proc/self entries; with a pid namespace it
     * sees only itself, and Landlock forbids ptrace-level access to processes outside the sandbox anyway), the
     * cgroup and CPU files the JVM sizes itself from (/sys/fs/cgroup, /sys/devices/system/cpu), and /dev/random,
     * /dev/urandom. Only paths that exist here are listed. A launch adds its own program's JDK, its class path
     * entries, {@link LaunchSpec#readOnly()}, and read-write /dev/null, {@link LaunchSpec#writablePaths()} and
     * {@link LaunchSpec#readWrite()}.
     */
    public static List<Path> defaultReadOnlyPaths() {
        List<Path> paths = new ArrayList<>(jdkPaths(Path.of(System.getProperty("java.home"))));
        for (String p : List.of("/lib", "/lib64", "/usr/lib", "/usr/lib64", "/etc/ld.so.cache", "/etc/localtime",
                "/etc/timezone", "/etc/nsswitch.conf", "/etc/passwd", "/etc/group", "/etc/hosts", "/etc/host.conf",
                "/etc/gai.conf", "/usr/share/zoneinfo", "/proc", "/sys/fs/cgroup", "/sys/devices/system/cpu",
                "/dev/random", "/dev/urandom")) {
            if (Files.exists(Path.of(p))) {
                paths.add(Path.of(p));
            }
        }
        return List.copyOf(paths);
    }

    private static final Map<Path, List<Path>> JDK_PATHS = new ConcurrentHashMap<>();

    /** A JDK's home and the targets of its symlinks that lie outside it (Debian links conf/ and cacerts to /etc). */
    static List<Path> jdkPaths(Path home) {
        return JDK_PATHS.computeIfAbsent(home, h -> {
            List<Path> paths = new ArrayList<>();
            try {
                Path real = h.toRealPath();
                paths.add(real);
                try (var walk = Files.walk(real)) {
                    walk.filter(Files::isSymbolicLink).forEach(link -> {
                        try {
                            Path target = link.toRealPath();
                            if (!target.startsWith(real) && !paths.contains(target)) {
                                paths.add(target);
                            }
                        } catch (IOException e) {
                            // dangling link: nothing to allow
                        }
                    });
                }
            } catch (IOException e) {
                // not a directory we can read: nothing to allow
            }
            return List.copyOf(paths);
        });
    }

    /** The read-only paths of a Landlock launch: defaults, the program's JDK, class path, then the spec's own. */
    static List<Path> landlockReadOnly(LaunchSpec spec) {
        java.util.LinkedHashSet<Path> paths = new java.util.LinkedHashSet<>(defaultReadOnlyPaths());
        Path program = Path.of(spec.command().get(0));
        try {
            Path real = program.toRealPath();
            paths.add(real);
            if (real.getParent() != null && real.getParent().getFileName().toString().equals("bin")
                    && real.getParent().getParent() != null) {
                paths.addAll(jdkPaths(real.getParent().getParent()));
            }
        } catch (IOException e) {
            // the launch will fail at execve and say so
        }
        List<String> args = spec.command();
        for (int i = 1; i + 1 < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("-cp") || a.equals("-classpath") || a.equals("--class-path") || a.equals("-jar")) {
                for (String entry : args.get(i + 1).split(":")) {
                    if (!entry.isEmpty()) {
                        paths.add(Path.of(entry.endsWith("/*") ? entry.substring(0, entry.length() - 2) : entry)
                                .toAbsolutePath().normalize());
                    }
                }
            }
        }
        paths.addAll(spec.readOnly());
        return List.copyOf(paths);
    }

    /** The read-write paths of a Landlock launch: /dev/null, the writable paths, the spec's read-write ones. */
    static List<Path> landlockReadWrite(LaunchSpec spec) {
        java.util.LinkedHashSet<Path> paths = new java.util.LinkedHashSet<>();
        paths.add(Path.of("/dev/null"));
        paths.addAll(spec.writablePaths());
        paths.addAll(spec.readWrite());
        return List.copyOf(paths);
    }

    /** The extracted launcher binary. */
    public Path binary() {
        return binary;
    }

    /**
     * Starts {@code spec.command()} in the sandbox. Returns once the launcher process runs; the program's own
     * start is reported by {@link SandboxListener#onStarted} and {@link SandboxedProcess#pid()}.
     */
    public SandboxedProcess launch(LaunchSpec spec, SandboxListener listener) throws IOException {
        CompiledFilter filter = compiled(spec.policy());
        Path runs = privateDirectory(workDir.resolve("runs"));
        Path runDir = Files.createTempDirectory(runs, "run-", PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        try {
            // Lets a later SandboxLauncher remove this directory if this JVM dies without cleaning up.
            Files.writeString(runDir.resolve(HOST_PID_FILE), Long.toString(ProcessHandle.current().pid()));
            Path filterFile = runDir.resolve("filter.bpf");
            filter.writeTo(filterFile);
            Path events = runDir.resolve("events");
            mkfifo(events);
            ProcessBuilder builder = new ProcessBuilder(command(spec, filterFile, events));
            // The program gets only spec's environment and secrets, carried in the launcher's own environment:
            // /proc/<pid>/environ is readable by the launcher's uid only, /proc/<pid>/cmdline by everyone.
            builder.environment().clear();
            builder.environment().putAll(carriers(spec));
            builder.redirectInput(ProcessBuilder.Redirect.PIPE); // the host-liveness pipe
            Process process = builder.start();
            return new SandboxedProcess(process, events, runDir, listener, spec.bootPhase());
        } catch (IOException | RuntimeException e) {
            SandboxedProcess.deleteRecursively(runDir);
            throw e;
        }
    }

    /** At most this many policies stay compiled: one per distinct plugin allowance, so in practice a handful. */
    static final int MAX_CACHED_FILTERS = 64;

    private final Map<String, CompiledFilter> filters = new ConcurrentHashMap<>();
    private final AtomicLong compilations = new AtomicLong();

    /**
     * The policy's program, compiled once per {@link PolicyCompiler#cacheKey} (the rules and the compiler's settings)
     * for this launcher's lifetime (measured here: 2.5 ms of CPU a warm compile of the default policy, 260 ms the
     * first one in a JVM). Kept in memory and still written into each launch's own 0700 folder, as before: one
     * program file shared by all launches of a policy could be rewritten by a plugin running under the host's uid
     * where Landlock is missing, and would then weaken every later launch of that policy.
     */
    CompiledFilter compiled(SyscallPolicy policy) {
        if (filters.size() >= MAX_CACHED_FILTERS) {
            filters.clear(); // bounded without bookkeeping: a host this varied simply compiles again
        }
        return filters.computeIfAbsent(PolicyCompiler.cacheKey(policy), key -> {
            compilations.incrementAndGet();
            return PolicyCompiler.compile(policy);
        });
    }

    /** How many times this launcher compiled a policy (once per distinct policy; the rest came from the cache). */
    public long filterCompilations() {
        return compilations.get();
    }

    private static final String ENV_CARRIER = "PLUGIN_LAUNCHER_ENV_";
    private static final String SECRET_CARRIER = "PLUGIN_LAUNCHER_SECRET_";

    /**
     * The launcher's own environment: each program variable and secret as "NAME=VALUE" under a neutral name of its
     * own, so that none the dynamic loader or libc reads (LD_PRELOAD, GLIBC_TUNABLES) applies to the launcher.
     */
    static Map<String, String> carriers(LaunchSpec spec) {
        Map<String, String> env = new java.util.LinkedHashMap<>();
        int i = 0;
        for (Map.Entry<String, String> e : spec.environment().entrySet()) {
            env.put(ENV_CARRIER + i++, e.getKey() + "=" + e.getValue());
        }
        i = 0;
        for (Map.Entry<String, String> e : spec.secrets().entrySet()) {
            env.put(SECRET_CARRIER + i++, e.getKey() + "=" + e.getValue());
        }
        return env;
    }

    /** The launcher command line for {@code spec}: names of carrier variables, never their values. */
    List<String> command(LaunchSpec spec, Path filterFile, Path events) {
        List<String> cmd = new ArrayList<>();
        cmd.add(binary.toString());
        cmd.addAll(List.of("--filter", filterFile.toString(), "--events", events.toString()));
        cmd.addAll(List.of("--mode", spec.mode().cliName(), "--host-fd", "0"));
        for (int fd : spec.keepFds()) {
            cmd.addAll(List.of("--keep-fd", Integer.toString(fd)));
        }
        carriers(spec).keySet().forEach(carrier -> cmd.addAll(List.of(
                carrier.startsWith(SECRET_CARRIER) ? "--secret" : "--env-from", carrier)));
        spec.connections().forEach((name, socket) -> cmd.addAll(List.of("--connect", name + "=" + socket)));
        spec.rlimits().forEach((name, value) -> cmd.addAll(List.of("--rlimit",
                name + "=" + (value == LaunchSpec.UNLIMITED ? "unlimited" : Long.toString(value)))));
        if (!spec.namespaces().isEmpty()) {
            cmd.addAll(List.of("--unshare", String.join(",", spec.namespaces())));
        }
        if (spec.namespacesAuto()) {
            cmd.addAll(List.of("--namespaces", "auto"));
        }
        if (spec.uid() >= 0) {
            cmd.addAll(List.of("--uid", Integer.toString(spec.uid()), "--gid", Integer.toString(spec.gid())));
        }
        if (spec.landlock() != LayerMode.OFF || spec.minimalRoot() != LayerMode.OFF) {
            // The same path lists feed Landlock and the minimal root; --landlock off keeps them from implying it.
            cmd.addAll(List.of("--landlock", spec.landlock().cliName()));
            if (spec.tcpConnectPort() > 0) {
                cmd.addAll(List.of("--tcp-connect", Integer.toString(spec.tcpConnectPort())));
            }
            if (spec.minimalRoot() != LayerMode.OFF) {
                cmd.addAll(List.of("--minimal-root", spec.minimalRoot().cliName()));
            }
            for (Path p : landlockReadOnly(spec)) {
                cmd.addAll(List.of("--ro", p.toString()));
            }
            for (Path p : landlockReadWrite(spec)) {
                cmd.addAll(List.of("--rw", p.toString()));
            }
        }
        if (spec.cgroups() != LayerMode.OFF && (spec.memoryLimit() > 0 || spec.pidsLimit() > 0)) {
            if (spec.memoryLimit() > 0) {
                cmd.addAll(List.of("--memory", Long.toString(spec.memoryLimit())));
            }
            if (spec.pidsLimit() > 0) {
                cmd.addAll(List.of("--pids", Integer.toString(spec.pidsLimit())));
            }
            cmd.addAll(List.of("--cgroups", spec.cgroups().cliName()));
            spec.cgroupRoot().ifPresent(root -> cmd.addAll(List.of("--cgroup-root", root.toString())));
        }
        if (spec.bootPhase()) {
            cmd.add("--boot-phase");
        }
        if (!spec.hold().isZero()) {
            cmd.addAll(List.of("--hold-ms", Long.toString(spec.hold().toMillis())));
        }
        spec.workingDirectory().ifPresent(dir -> cmd.addAll(List.of("--chdir", dir.toAbsolutePath().toString())));
        cmd.add("--");
        cmd.addAll(spec.command());
        return cmd;
    }

    private static void mkfifo(Path path) throws IOException {
        try {
            LibC.get().mkfifo(path.toString(), 0600);
        } catch (LastErrorException e) {
            throw new IOException("mkfifo " + path + " failed: errno " + e.getErrorCode(), e);
        }
    }

    /**
     * Removes the private folders ({@code sandbox-launcher-*}) that this user's JVMs left in {@code parent} when they
     * died without cleaning up: only real folders owned by this user, whose JVM (named in their host.pid) is gone.
     */
    private static void removeStaleFolders(Path parent) throws IOException {
        int uid = effectiveUid();
        try (var dirs = Files.newDirectoryStream(parent, FOLDER_PREFIX + "*")) {
            for (Path dir : dirs) {
                try {
                    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS) || SafeFiles.uid(dir) != uid) {
                        continue; // not ours: never touched
                    }
                    long pid = Long.parseLong(Files.readString(dir.resolve(HOST_PID_FILE)).strip());
                    if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                        continue;
                    }
                    SafeFiles.deleteTree(dir);
                } catch (IOException | NumberFormatException e) {
                    // being created right now, or not ours to judge
                }
            }
        }
    }

    /** A folder inside this launcher's own private folder: created, or accepted only as a real folder of ours. */
    private static Path privateDirectory(Path dir) throws IOException {
        return SafeFiles.directory(dir, OWNER_ONLY);
    }

    private static Path extract(Path binDir) throws IOException {
        byte[] bytes;
        try (InputStream in = SandboxLauncher.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new SandboxUnavailableException("launcher binary missing from the classpath: " + RESOURCE);
            }
            bytes = in.readAllBytes();
        }
        // Named by content, so that a log line tells which build ran. binDir is this launcher's own fresh folder:
        // nothing else can have put a file there.
        Path target = binDir.resolve("plugin-launcher-" + sha256(bytes).substring(0, 16));
        Path tmp = Files.createTempFile(binDir, "plugin-launcher", ".tmp",
                PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        try {
            Files.write(tmp, bytes);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return target;
    }

    private static void verify(Path binary) throws IOException {
        for (int attempt = 0; ; attempt++) {
            try {
                ProcessBuilder builder = new ProcessBuilder(binary.toString(), "--version");
                builder.environment().clear();
                builder.redirectErrorStream(true);
                Process p = builder.start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0 || !out.startsWith("plugin-launcher ")) {
                    p.destroyForcibly();
                    throw new SandboxUnavailableException("launcher " + binary + " does not run: " + out.strip());
                }
                return;
            } catch (IOException e) {
                // ETXTBSY: a concurrent fork in this JVM may still hold the file open for writing for a moment.
                if (attempt >= 10 || e.getMessage() == null || !e.getMessage().contains("Text file busy")) {
                    throw new SandboxUnavailableException("launcher " + binary + " does not run", e);
                }
                sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while verifying the launcher", e);
            }
        }
    }

    private static void sleep(long millis) throws IOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new UncheckedIOException(new IOException(e));
        }
    }
}
