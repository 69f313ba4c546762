package dev.pluginhost.sandbox;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What to run in the sandbox and how. Nothing is inherited from the host: the environment is exactly
 * {@link #environment()}, and only descriptors 0-2 (stdin is /dev/null) plus {@link #keepFds()} reach the program.
 */
public final class LaunchSpec {
    /** A resource limit value meaning "no limit" ({@link Builder#rlimit}). */
    public static final long UNLIMITED = -1;

    /** The resource limits {@link Builder#rlimit} accepts. */
    public static final Set<String> RLIMIT_NAMES = Set.of("core", "nofile", "fsize", "as", "cpu");

    /** The namespaces {@link Builder#unshare} accepts. */
    public static final Set<String> NAMESPACE_NAMES = Set.of("user", "pid", "net", "ipc", "uts", "mount");
    private final List<String> command;
    private final Map<String, String> environment;
    private final Map<String, String> secrets;
    private final Map<String, Path> connections;
    private final Path workingDirectory;
    private final SyscallPolicy policy;
    private final ViolationMode mode;
    private final List<Integer> keepFds;
    private final boolean bootPhase;
    private final java.time.Duration hold;
    private final Map<String, Long> rlimits;
    private final Set<String> namespaces;
    private final boolean namespacesAuto;
    private final int uid;
    private final int gid;
    private final List<Path> writablePaths;
    private final LayerMode landlock;
    private final List<Path> readOnly;
    private final List<Path> readWrite;
    private final long memoryLimit;
    private final int pidsLimit;
    private final LayerMode cgroups;
    private final Path cgroupRoot;
    private final LayerMode minimalRoot;
    private final int tcpConnectPort;

    private LaunchSpec(Builder b) {
        this.command = List.copyOf(b.command);
        this.environment = Collections.unmodifiableMap(new LinkedHashMap<>(b.environment));
        this.secrets = Collections.unmodifiableMap(new LinkedHashMap<>(b.secrets));
        this.connections = Collections.unmodifiableMap(new LinkedHashMap<>(b.connections));
        this.workingDirectory = b.workingDirectory;
        this.policy = b.policy;
        this.mode = b.mode;
        this.keepFds = List.copyOf(b.keepFds);
        this.bootPhase = b.bootPhase;
        this.hold = b.hold;
        this.rlimits = Collections.unmodifiableMap(new LinkedHashMap<>(b.rlimits));
        this.namespaces = Collections.unmodifiableSet(new LinkedHashSet<>(b.namespaces));
        this.namespacesAuto = b.namespacesAuto;
        this.uid = b.uid;
        this.gid = b.gid;
        this.writablePaths = List.copyOf(b.writablePaths);
        this.landlock = b.landlock;
        this.readOnly = List.copyOf(b.readOnly);
        this.readWrite = List.copyOf(b.readWrite);
        this.memoryLimit = b.memoryLimit;
        this.pidsLimit = b.pidsLimit;
        this.cgroups = b.cgroups;
        this.cgroupRoot = b.cgroupRoot;
        this.minimalRoot = b.minimalRoot;
        this.tcpConnectPort = b.tcpConnectPort;
    }

    /**
     * Whether the program runs in a minimal root: inside its mount namespace the launcher builds a fresh root on a
     * tmpfs holding only the paths it may use, at their own absolute paths (read-only: {@link
     * SandboxLauncher#defaultReadOnlyPaths()}, its JDK, its class path entries, {@link #readOnly()}; read-write:
     * {@link #writablePaths()} and {@link #readWrite()}, which may name a socket file), a fresh /proc and /dev null,
     * zero, random and urandom, then pivots into it and detaches the host's tree. Everything else, pathname Unix
     * sockets included (which Landlock does not mediate), does not exist for the program. Needs a mount namespace
     * ({@link #namespacesAuto()} or {@code unshare("mount")}). {@link LayerMode#OFF} by default; {@link
     * LayerMode#IF_AVAILABLE} reports the layer inactive with the reason when it cannot be built.
     */
    public LayerMode minimalRoot() {
        return minimalRoot;
    }

    /**
     * The one TCP port Landlock lets the program connect to (for a debugger in the host's development mode), or 0
     * for none. It opens nothing by itself: the policy must allow an internet socket and the program must share a
     * network namespace with the port's listener.
     */
    public int tcpConnectPort() {
        return tcpConnectPort;
    }

    /** The cgroup memory limit in bytes (the OOM killer ends the program beyond it), or 0 for none. */
    public long memoryLimit() {
        return memoryLimit;
    }

    /** The cgroup limit on tasks (threads count), or 0 for none. */
    public int pidsLimit() {
        return pidsLimit;
    }

    /**
     * Whether the cgroup limits must apply ({@link LayerMode#REQUIRED}, the default once a limit is set) or only
     * where this machine offers a writable cgroup v2 subtree or v1 memory/pids hierarchy ({@link
     * LayerMode#IF_AVAILABLE}, reported inactive otherwise).
     */
    public LayerMode cgroups() {
        return cgroups;
    }

    /**
     * The cgroup v2 directory the program's cgroup is created under ({@code <root>/pluginhost/<launcher pid>}), a
     * delegated one; empty for the launcher's own cgroup (v2, else the v1 memory/pids hierarchies). A directory that
     * is not on a cgroup2 filesystem gets the same writes as plain files and the layer reported inactive: a dry run.
     */
    public Optional<Path> cgroupRoot() {
        return Optional.ofNullable(cgroupRoot);
    }

    /**
     * Whether Landlock confines the program's file access (and, on kernels that can, TCP, abstract Unix sockets and
     * signals). When on, the program may read and execute {@link SandboxLauncher#defaultReadOnlyPaths()}, its JDK,
     * its class path entries and {@link #readOnly()}, and read and write {@link #writablePaths()},
     * {@link #readWrite()} and /dev/null; nothing else. {@link LayerMode#OFF} by default; {@link Builder#readOnly} and
     * {@link Builder#readWrite} turn it to {@link LayerMode#REQUIRED} unless set explicitly.
     */
    public LayerMode landlock() {
        return landlock;
    }

    /** Extra read-and-execute paths under Landlock (the plugin jar, for instance). */
    public List<Path> readOnly() {
        return readOnly;
    }

    /** Extra read-write paths under Landlock, besides {@link #writablePaths()}. */
    public List<Path> readWrite() {
        return readWrite;
    }

    /**
     * Namespaces the program must get ({@code user, pid, net, ipc, uts, mount}): the launch fails (exit 125) when
     * the kernel refuses one. Empty by default.
     */
    public Set<String> namespaces() {
        return namespaces;
    }

    /**
     * Whether the launcher adds its default set of namespaces where this machine allows them (pid, net, ipc, uts,
     * mount; plus user when the launcher is not root), reporting each one it could not create as an inactive
     * {@link Layer}. Off by default. With namespaces on and a root launcher, the program runs as
     * {@link SandboxLauncher#childUid()}.
     */
    public boolean namespacesAuto() {
        return namespacesAuto;
    }

    /** The uid a root launcher drops the program to, or -1 for the default ({@link SandboxLauncher#childUid()}). */
    public int uid() {
        return uid;
    }

    /** The gid a root launcher drops the program to, or -1 for the default ({@link SandboxLauncher#childGid()}). */
    public int gid() {
        return gid;
    }

    /**
     * Directories (or files) the program may write: its data and temporary directories. Read-write under Landlock.
     * With a uid drop the host must also create them owned by {@link SandboxLauncher#childUid()}: the launcher
     * changes no ownership.
     */
    public List<Path> writablePaths() {
        return writablePaths;
    }

    /**
     * Resource limits set (soft = hard) in the child besides the launcher's defaults ({@code core} 0, {@code nofile}
     * 4096, {@code fsize} 1 GiB), which these override. {@link #UNLIMITED} lifts one.
     */
    public Map<String, Long> rlimits() {
        return rlimits;
    }

    /**
     * Whether the launch starts in a boot phase: until {@link SandboxedProcess#endBootPhase()}, every call the policy
     * does not allow is refused with EPERM (never killed, never let through, whatever the {@link #mode()}) and
     * reported with {@link Violation#boot()} true. For runtimes that run only trusted code (the JDK and the plugin
     * runtime) until the host answers their handshake: their start-up probes then neither kill the plugin nor
     * count as the plugin's violations. End it before the plugin's own code may run.
     */
    public boolean bootPhase() {
        return bootPhase;
    }

    /**
     * How long the answer to a run-phase violation (deny or audit mode) may wait, zero for not at all: the calling
     * thread stays in its refused call until {@link SandboxedProcess#releaseHeld()} or this time has passed, so that
     * the host can take its exact Java stack meanwhile. At most 8 calls wait at once; the rest are answered at once.
     */
    public java.time.Duration hold() {
        return hold;
    }

    /** The program (an absolute path) and its arguments. */
    public List<String> command() {
        return command;
    }

    /**
     * The program's entire environment, besides one {@code NAME_FD} per {@link #secrets() secret}. The values travel
     * in the launcher's own environment, never on its command line.
     */
    public Map<String, String> environment() {
        return environment;
    }

    /**
     * Secrets for the program, by name. Unlike {@link #environment()} a value never reaches the program's
     * environment: it gets {@code NAME_FD}, the number of a descriptor holding the value (a pipe, written and closed
     * by the launcher), and reads it from there once. Neither value ever appears on a command line.
     */
    public Map<String, String> secrets() {
        return secrets;
    }

    /**
     * Unix sockets the launcher connects to for the program, by variable name: the program inherits each connected
     * descriptor and finds its number in {@code NAME}. It needs no socket call of its own to reach them (see
     * {@link SyscallPolicy#pluginDefault()}), and the socket's path need not be in its root.
     */
    public Map<String, Path> connections() {
        return connections;
    }

    /** Where the program starts; empty: the host's working directory. */
    public Optional<Path> workingDirectory() {
        return Optional.ofNullable(workingDirectory);
    }

    /** The seccomp policy. */
    public SyscallPolicy policy() {
        return policy;
    }

    /** What happens on a violation. */
    public ViolationMode mode() {
        return mode;
    }

    /**
     * Descriptors of the launcher process passed on to the program. Java's ProcessBuilder gives the launcher only
     * 0-2, so this matters only to callers that start the launcher by other means.
     */
    public List<Integer> keepFds() {
        return keepFds;
    }

    /** A new builder; policy defaults to {@link SyscallPolicy#jvmDefault()}, mode to {@link ViolationMode#DENY}. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link LaunchSpec}. */
    public static final class Builder {
        private final List<String> command = new ArrayList<>();
        private final Map<String, String> environment = new LinkedHashMap<>();
        private final Map<String, String> secrets = new LinkedHashMap<>();
        private final Map<String, Path> connections = new LinkedHashMap<>();
        private Path workingDirectory;
        private SyscallPolicy policy = SyscallPolicy.jvmDefault();
        private ViolationMode mode = ViolationMode.DENY;
        private final List<Integer> keepFds = new ArrayList<>();
        private boolean bootPhase;
        private java.time.Duration hold = java.time.Duration.ZERO;
        private final Map<String, Long> rlimits = new LinkedHashMap<>();
        private final Set<String> namespaces = new LinkedHashSet<>();
        private boolean namespacesAuto;
        private int uid = -1;
        private int gid = -1;
        private final List<Path> writablePaths = new ArrayList<>();
        private LayerMode landlock = LayerMode.OFF;
        private boolean landlockSet;
        private final List<Path> readOnly = new ArrayList<>();
        private final List<Path> readWrite = new ArrayList<>();
        private long memoryLimit;
        private int pidsLimit;
        private LayerMode cgroups = LayerMode.REQUIRED;
        private Path cgroupRoot;
        private LayerMode minimalRoot = LayerMode.OFF;
        private int tcpConnectPort;

        /** See {@link LaunchSpec#tcpConnectPort()}. */
        public Builder tcpConnect(int port) {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("TCP port " + port + " is not 1-65535");
            }
            this.tcpConnectPort = port;
            return this;
        }

        private Builder() {
        }

        /** See {@link LaunchSpec#minimalRoot()}. */
        public Builder minimalRoot(LayerMode mode) {
            this.minimalRoot = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /** See {@link LaunchSpec#memoryLimit()}; 0 for none. */
        public Builder memoryLimit(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("negative memory limit: " + bytes);
            }
            this.memoryLimit = bytes;
            return this;
        }

        /** See {@link LaunchSpec#pidsLimit()}; 0 for none. */
        public Builder pidsLimit(int tasks) {
            if (tasks < 0) {
                throw new IllegalArgumentException("negative pids limit: " + tasks);
            }
            this.pidsLimit = tasks;
            return this;
        }

        /** See {@link LaunchSpec#cgroupRoot()}: an absolute path. */
        public Builder cgroupRoot(Path root) {
            if (!Objects.requireNonNull(root, "root").isAbsolute()) {
                throw new IllegalArgumentException("cgroup root is not an absolute path: " + root);
            }
            this.cgroupRoot = root;
            return this;
        }

        /** See {@link LaunchSpec#cgroups()}; {@link LayerMode#OFF} ignores the limits. */
        public Builder cgroups(LayerMode mode) {
            this.cgroups = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /** See {@link LaunchSpec#landlock()}. */
        public Builder landlock(LayerMode mode) {
            this.landlock = Objects.requireNonNull(mode, "mode");
            this.landlockSet = true;
            return this;
        }

        /** Adds read-and-execute paths; turns Landlock on (required) unless {@link #landlock} was set. */
        public Builder readOnly(Path... paths) {
            for (Path p : paths) {
                readOnly.add(p.toAbsolutePath().normalize());
            }
            return landlockImplied();
        }

        /** Adds read-write paths; turns Landlock on (required) unless {@link #landlock} was set. */
        public Builder readWrite(Path... paths) {
            for (Path p : paths) {
                readWrite.add(p.toAbsolutePath().normalize());
            }
            return landlockImplied();
        }

        private Builder landlockImplied() {
            if (!landlockSet) {
                landlock = LayerMode.REQUIRED;
            }
            return this;
        }

        /** Requires these namespaces; see {@link LaunchSpec#namespaces()}. */
        public Builder unshare(String... namespaces) {
            for (String ns : namespaces) {
                if (!NAMESPACE_NAMES.contains(ns)) {
                    throw new IllegalArgumentException("unknown namespace " + ns + ", expected one of "
                            + NAMESPACE_NAMES);
                }
                this.namespaces.add(ns);
            }
            return this;
        }

        /** See {@link LaunchSpec#namespacesAuto()}. */
        public Builder namespacesAuto(boolean namespacesAuto) {
            this.namespacesAuto = namespacesAuto;
            return this;
        }

        /**
         * The unprivileged uid and gid a root launcher runs the program as (default 65534, only with namespaces).
         * Setting them drops even without namespaces. A non-root launcher cannot drop: the launch fails unless
         * they are its own.
         */
        public Builder user(int uid, int gid) {
            if (uid < 0 || gid < 0) {
                throw new IllegalArgumentException("negative uid or gid: " + uid + ", " + gid);
            }
            this.uid = uid;
            this.gid = gid;
            return this;
        }

        /** Replaces the writable paths; see {@link LaunchSpec#writablePaths()}. */
        public Builder writablePaths(List<Path> paths) {
            writablePaths.clear();
            for (Path p : paths) {
                writablePaths.add(p.toAbsolutePath().normalize());
            }
            return this;
        }

        /**
         * Sets resource limit {@code name} ({@code core}, {@code nofile}, {@code fsize} in bytes, {@code as} in
         * bytes, {@code cpu} in seconds) to {@code value}, soft and hard, or {@link #UNLIMITED}. {@code as} is not
         * set by default: HotSpot reserves far more address space than it uses; bound it with -Xmx and
         * {@link #memoryLimit}.
         */
        public Builder rlimit(String name, long value) {
            if (!RLIMIT_NAMES.contains(name)) {
                throw new IllegalArgumentException("unknown rlimit " + name + ", expected one of " + RLIMIT_NAMES);
            }
            if (value < 0 && value != UNLIMITED) {
                throw new IllegalArgumentException("negative rlimit " + name + ": " + value);
            }
            rlimits.put(name, value);
            return this;
        }

        /** See {@link LaunchSpec#hold()}; zero (off) by default, at most one second. */
        public Builder hold(java.time.Duration hold) {
            if (hold.isNegative() || hold.compareTo(java.time.Duration.ofSeconds(1)) > 0) {
                throw new IllegalArgumentException("hold must be between 0 and 1 s: " + hold);
            }
            this.hold = hold;
            return this;
        }

        /** See {@link LaunchSpec#bootPhase()}; off by default. */
        public Builder bootPhase(boolean bootPhase) {
            this.bootPhase = bootPhase;
            return this;
        }

        /** The program (absolute path) and its arguments. */
        public Builder command(List<String> command) {
            this.command.clear();
            this.command.addAll(command);
            return this;
        }

        /** The program (absolute path) and its arguments. */
        public Builder command(String... command) {
            return command(List.of(command));
        }

        /** Replaces the environment. */
        public Builder environment(Map<String, String> environment) {
            this.environment.clear();
            environment.forEach(this::env);
            return this;
        }

        /** Adds one environment variable. */
        public Builder env(String name, String value) {
            Objects.requireNonNull(value, "value");
            if (name == null || name.isEmpty() || name.indexOf('=') >= 0 || name.indexOf('\0') >= 0
                    || value.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("bad environment variable: " + name);
            }
            environment.put(name, value);
            return this;
        }

        /** Adds one secret: see {@link LaunchSpec#secrets()}. At most 16, each at most 4096 bytes. */
        public Builder secret(String name, String value) {
            Objects.requireNonNull(value, "value");
            if (name == null || !name.matches("[A-Za-z_][A-Za-z0-9_]*") || value.isEmpty() || value.indexOf('\0') >= 0
                    || value.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 4096) {
                throw new IllegalArgumentException("bad secret " + name + ": the name must be a variable name, the value "
                        + "1 to 4096 bytes without NUL");
            }
            if (!secrets.containsKey(name) && secrets.size() == 16) {
                throw new IllegalArgumentException("too many secrets: at most 16");
            }
            secrets.put(name, value);
            return this;
        }

        /** Adds one connection: see {@link LaunchSpec#connections()}. At most 4; the path must fit sun_path. */
        public Builder connect(String name, Path socket) {
            Path absolute = socket.toAbsolutePath();
            if (name == null || !name.matches("[A-Za-z_][A-Za-z0-9_]*")
                    || absolute.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 107) {
                throw new IllegalArgumentException("bad connection " + name + "=" + socket + ": the name must be a "
                        + "variable name, the path at most 107 bytes");
            }
            if (!connections.containsKey(name) && connections.size() == 4) {
                throw new IllegalArgumentException("too many connections: at most 4");
            }
            connections.put(name, absolute);
            return this;
        }

        public Builder workingDirectory(Path workingDirectory) {
            this.workingDirectory = workingDirectory;
            return this;
        }

        public Builder policy(SyscallPolicy policy) {
            this.policy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        public Builder mode(ViolationMode mode) {
            this.mode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /** See {@link LaunchSpec#keepFds()}. */
        public Builder keepFds(int... fds) {
            for (int fd : fds) {
                if (fd < 0) {
                    throw new IllegalArgumentException("bad fd: " + fd);
                }
                keepFds.add(fd);
            }
            return this;
        }

        /** Validates and builds. */
        public LaunchSpec build() {
            if (command.isEmpty()) {
                throw new IllegalArgumentException("no command");
            }
            if (!command.get(0).startsWith("/")) {
                throw new IllegalArgumentException("program must be an absolute path: " + command.get(0));
            }
            if (!policy.allows("sendmsg")) {
                throw new IllegalArgumentException(
                        "policy must allow sendmsg: the launcher hands the seccomp listener over with it");
            }
            return new LaunchSpec(this);
        }
    }
}
