package dev.pluginhost.sandbox;

/**
 * {@link SyscallPolicy#jvmDefault()}: a default-deny allowlist for HotSpot (JDK 17) running gRPC over a Unix
 * domain socket with grpc-netty-shaded's epoll transport.
 *
 * <p>Started from the list measured in the sandbox notes ("Measured here"), then checked on this machine with
 * {@code strace -f -c} and with the supervisor's own reports over: an honest JVM (thread pool, NIO file I/O), a
 * JDK-only Selector/Unix-socket request-response workload, and grpc-netty-shaded 1.85.1 unary echo over a Unix
 * socket (5000 calls) under Serial, G1 and Parallel GC.
 *
 * <p>Known probes that stay <em>reported</em> (EPERM, the caller falls back quietly; decide per probe in the threat
 * model whether to silence it at its source, answer it in-filter, or keep counting it). Those made while only trusted
 * code runs are covered by the boot phase ({@link LaunchSpec#bootPhase()}): refused and reported as boot
 * violations whatever the mode, so kill mode no longer kills an honest plugin at start-up:
 * <ul>
 *   <li>libnet's JNI_OnLoad, run by anything touching NIO channels (even FileChannel): {@code socket(AF_INET,
 *       SOCK_STREAM)}, {@code socket(AF_INET6, SOCK_STREAM)}, {@code socket(AF_INET, SOCK_STREAM)} (IPv4, IPv6,
 *       SO_REUSEPORT support). Not configurable: IPv6 is probed even with java.net.preferIPv4Stack.</li>
 *   <li>jdk.net.ExtendedSocketOptions initialisation: 3 × {@code socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)}
 *       (TCP keep-alive, quick-ack, NAPI id support).</li>
 *   <li>Netty NetUtil (network interface enumeration, loopback and MAC address lookup): 3 ×
 *       {@code socket(AF_INET, SOCK_DGRAM)}; Netty's IPv6 preference probe: {@code socket(AF_INET6,
 *       SOCK_STREAM|SOCK_NONBLOCK)}.</li>
 *   <li>{@code kill(own pid)} at JVM exit is allowed (own pid only, see the rule). With UsePerfData on (the host
 *       turns it off for plugins) HotSpot's cleanup of stale /tmp/hsperfdata files probes their pids with
 *       {@code kill(pid, 0)}: refused and reported.</li>
 *   <li>JNA 5.19.1: {@code com.sun.jna.NativeLibrary}'s static initialiser runs {@code /sbin/ldconfig -p} on
 *       Linux whatever name a library is loaded by (measured: even {@code "libc.so.6"}), so any plugin using JNA
 *       reports one {@code clone(CLONE_VM|CLONE_VFORK|SIGCHLD)}; refused, JNA carries on. Only the SDK can remove
 *       it (no JNA in the plugin, or a JNA without that initialiser).</li>
 *   <li>glibc's nscd lookup (getpwuid_r, for user.name) is an AF_UNIX socket and connect: it passes this policy;
 *       {@link SyscallPolicy#pluginDefault()} refuses the socket (a boot probe) and glibc reads the files.</li>
 *   <li>sqlite-jdbc 3.54 runs {@code uname -o} on its first connection (a {@code clone(CLONE_VM|CLONE_VFORK|
 *       SIGCHLD)}): an attempt to run a program, refused and counted like any other (plugin code, run phase). Its
 *       chmod of the native library it unpacks is allowed (the chmod family below).</li>
 * </ul>
 *
 * <p>Every rule carries its reason ({@link SyscallPolicy.Builder#because}), the one place it is written: {@code
 * plugin-sandbox explain} prints it and {@code plugin-sandbox export --format oci --reasons} writes it into the
 * profile. Comments here say only what a reason does not (how a rule is built).
 */
final class JvmDefaultPolicy {
    static final int AF_UNIX = 1;
    static final int ENOSYS = 38;
    static final long CLONE_THREAD = 0x00010000L;
    /** Namespace flags clone() takes as an argument; CLONE_NEWTIME exists only for clone3. */
    static final long CLONE_NAMESPACES = 0x00020000L /* NEWNS */ | 0x02000000L /* NEWCGROUP */
            | 0x04000000L /* NEWUTS */ | 0x08000000L /* NEWIPC */ | 0x10000000L /* NEWUSER */
            | 0x20000000L /* NEWPID */ | 0x40000000L /* NEWNET */;
    static final long PR_SET_NAME = 15;
    static final long PR_GET_NAME = 16;
    static final long TCGETS = 0x5401;
    static final long TIOCGWINSZ = 0x5413;
    static final long FIONREAD = 0x541B;

    static final SyscallPolicy POLICY = build(false);
    static final SyscallPolicy PLUGIN = build(true);

    private JvmDefaultPolicy() {
    }

    private static SyscallPolicy build(boolean connected) {
        SyscallPolicy.Builder b = SyscallPolicy.builder();

        // --- files: class loading (jars, lib/modules), hsperfdata, the plugin's own data ---
        b.allow("read", "write", "pread64", "pwrite64", "readv", "writev")
                .because("file I/O on descriptors the JVM holds (class files, jars, pipes, sockets)");
        b.allow("openat", "close").because("glibc opens every file with openat; close releases it");
        b.allow("fstat", "newfstatat", "statx").because("stat family: glibc and the JDK use all three");
        b.allow("stat", "lstat").because("legacy stat: JDK 25's launcher calls stat to find libjvm");
        b.allow("lseek", "getdents64").because("jar and lib/modules access, directory listing");
        // fcntl without F_SETOWN (8), F_SETSIG (10) and F_SETOWN_EX (15): those make I/O on a descriptor signal
        // any process of the uid (SIGIO, or any signal with F_SETSIG), a kill() by another name. Full 64-bit
        // compares: garbage in the upper half is refused, never truncated into F_SETOWN.
        b.allowIf("fcntl", ArgRule.le(1, 7)); // F_DUPFD .. F_SETLKW
        b.allowIf("fcntl", ArgRule.eq(1, 9)); // F_GETOWN
        b.allowIf("fcntl", ArgRule.eq(1, 11)); // F_GETSIG
        b.allowIf("fcntl", ArgRule.eq(1, 16)); // F_GETOWN_EX
        b.allowIf("fcntl", ArgRule.maskedEq(1, ~3L, 36)); // F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW (36..38)
        b.allowIf("fcntl", ArgRule.maskedEq(1, ~15L, 1024)) // F_SETLEASE .. F_SET_FILE_RW_HINT (1024..1039)
                .because("FD_CLOEXEC, O_NONBLOCK, FileChannel.lock, pipe sizes; not F_SETOWN/F_SETSIG (signals by"
                        + " another name)");
        b.allow("readlink", "readlinkat").because("/proc/self/exe to find java.home");
        b.allow("access", "faccessat", "faccessat2").because("File.canRead and friends");
        b.allow("statfs", "fstatfs").because("FileStore, glibc's shm/tmp checks");
        b.allow("ftruncate", "fallocate").because("hsperfdata (posix_fallocate), RandomAccessFile.setLength");
        b.allow("fsync", "fdatasync", "msync").because("FileChannel.force, MappedByteBuffer.force");
        b.allow("unlink", "unlinkat", "rename", "renameat", "renameat2")
                .because("temporary files, Files.move, hsperfdata cleanup");
        b.allow("mkdir", "mkdirat", "rmdir").because("Files.createDirectories, hsperfdata_<user>");
        b.allow("getcwd").because("user.dir at startup");
        b.allow("fchdir").because("HotSpot's hsperfdata cleanup enters the directory and returns");
        b.allow("dup", "dup2", "dup3").because("stdio redirection");
        b.allow("pipe2").because("NIO and Netty wakeup pipes");
        b.allow("flock").because("CDS archive and hsperfdata locking");
        b.allow("sendfile").because("FileChannel.transferTo");
        // What a program may do to files it may already write. Landlock and the minimal root decide *where*: link,
        // linkat, symlink and symlinkat create names, which Landlock mediates (MAKE_REG/MAKE_SYM, and REFER for a
        // link or rename across folders, handled from ABI 2; ABI 1 refuses every cross-folder link), so only in the
        // plugin's writable folders. chmod and utime are not mediated by Landlock: the kernel lets only a file's
        // owner change its mode (and only the owner or a writer its times), and in the minimal root the plugin's uid
        // owns only its data and temporary folders and its socket. Without the minimal root or a uid of its own
        // (both reported as missing layers), they reach whatever files the host's uid owns along paths it can walk.
        b.allow("chmod", "fchmod", "fchmodat", "fchmodat2")
                .because("File.setExecutable/setReadable, Files.setPosixFilePermissions, libraries marking the native"
                        + " library they unpack executable (SQLite, Snappy); only the file's owner may: in the minimal"
                        + " root the plugin owns only its data and temporary folders (not mediated by Landlock)");
        b.allow("utime", "utimes", "utimensat", "futimesat")
                .because("File.setLastModified, Files.setLastModifiedTime, touch-style caches; only the owner or a"
                        + " writer may: in the minimal root, the plugin's own files (not mediated by Landlock)");
        b.allow("link", "linkat", "symlink", "symlinkat")
                .because("Files.createLink/createSymbolicLink, lock files of embedded databases; Landlock lets them"
                        + " create names only in the plugin's writable folders (REFER for links across folders)");
        // inotify reports events on paths the plugin may already read (DAC); in the minimal root that is its own
        // tree and the read-only JDK, runtime and plugin jars.
        b.allow("inotify_init", "inotify_init1", "inotify_add_watch", "inotify_rm_watch")
                .because("WatchService (file-change events on folders the plugin may already read; in the minimal"
                        + " root only its own tree and the read-only JDK)");
        // ioctl only with commands the JVM uses; the full 64-bit compare also refuses garbage in the upper half
        // (CVE-2019-10063). TIOCSTI/TIOCLINUX and every device ioctl go to the supervisor. Netty's SIOCGIF*
        // interface enumeration never gets this far: its AF_INET socket is refused first.
        b.allowIf("ioctl", ArgRule.eq(1, TCGETS));
        b.allowIf("ioctl", ArgRule.eq(1, TIOCGWINSZ));
        b.allowIf("ioctl", ArgRule.eq(1, FIONREAD))
                .because("only TCGETS (isatty), TIOCGWINSZ (terminal size), FIONREAD (available()); full 64-bit"
                        + " compare, so TIOCSTI/TIOCLINUX and upper-half garbage are refused");

        // --- memory ---
        b.allow("mmap", "munmap", "mprotect") // no W^X rule: the JIT needs RWX
                .because("Java heap, code cache (RWX for the JIT), thread stacks");
        b.allow("madvise", "mremap", "brk").because("GC uncommit, malloc/realloc");
        b.allow("membarrier").because("HotSpot's cross-modifying-code fence");

        // --- process start: the dynamic loader sets up thread-local storage (ARCH_SET_FS); glibc threads too.
        // Only the FS/GS options: ARCH_SET_CPUID, ARCH_MAP_VDSO_* and the CET/AMX ones are not needed.
        for (long option = 0x1001; option <= 0x1004; option++) { // ARCH_SET_GS, SET_FS, GET_FS, GET_GS
            b.allowIf("arch_prctl", ArgRule.eq(0, option));
        }
        b.because("thread-local storage set up by the dynamic loader and glibc: ARCH_SET/GET_FS/GS only");

        // --- threads ---
        // The kernel ignores the upper 32 bits of clone's flags, so the mask covers the lower half.
        b.allowIf("clone", ArgRule.maskedEq(0, CLONE_THREAD | CLONE_NAMESPACES, CLONE_THREAD))
                .because("threads only: CLONE_THREAD set and no namespace flag (fork, vfork, posix_spawn are"
                        + " refused)");
        b.errno("clone3", ENOSYS)
                .because("flags live in memory where seccomp cannot look: ENOSYS makes glibc fall back to clone");
        b.allow("futex", "set_robust_list", "rseq", "set_tid_address").because("glibc threads and locks");
        b.allow("gettid", "exit", "exit_group").because("thread identity and exit");
        // kill/tgkill only to itself: the JVM signals itself with its own pid (tgkill(getpid(), tid) for
        // pthread_kill/raise, kill(getpid()) at exit). The filter is compiled before the fork, so the rule names
        // SELF_PID and the launcher writes the child's pid in (filter.c). The full 64-bit compare refuses kill(-1)
        // and kill(0) (every process of the uid, the process group). The layers bound it again where they exist:
        // the pid namespace, Landlock's signal scope (ABI >= 6), the uid drop. tkill (obsolete, no tgid check),
        // rt_sigqueueinfo and pidfd_send_signal are not allowed.
        String ownSignals = "its own threads and itself only (safepoints, thread dumps, exit): the pid is checked";
        b.allowIf("kill", ArgRule.eq(0, SyscallPolicy.SELF_PID)).because(ownSignals);
        b.allowIf("tgkill", ArgRule.eq(0, SyscallPolicy.SELF_PID)).because(ownSignals);

        // --- signals ---
        b.allow("rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack", "rt_sigtimedwait",
                "rt_sigsuspend").because("HotSpot's signal handlers and the Signal Dispatcher thread");

        // --- scheduling ---
        b.allow("sched_yield", "sched_getaffinity", "sched_get_priority_min", "sched_get_priority_max",
                "sched_getparam", "sched_getscheduler").because("CPU count and thread priorities, read only");
        b.allow("getcpu").because("JDK 11 crashed when getcpu returned ENOSYS");

        // --- time (normally the vDSO; these are its fallbacks when the clocksource has no vDSO support) ---
        b.allow("clock_gettime", "clock_getres", "clock_nanosleep", "nanosleep", "gettimeofday")
                .because("clocks and sleeps (the vDSO's fallbacks)");

        // --- process information (about itself) ---
        b.allow("getpid", "getppid", "getuid", "geteuid", "getgid", "getegid", "getresuid", "getresgid",
                "getgroups").because("user.name, hsperfdata path, ProcessHandle.current()");
        b.allow("uname", "sysinfo", "getrusage", "times").because("os.version, memory sizing, CPU time");
        b.allow("getrlimit").because("own resource limits");
        b.allowIf("prlimit64", ArgRule.eq(0, 0))
                .because("own limits only (pid 0): NOFILE raised at startup, AS, STACK");
        b.allow("getrandom").because("SecureRandom, hash seeds");
        // PR_SET_DUMPABLE, PR_SET_PTRACER, PR_SET_MM... are violations too.
        b.allowIf("prctl", ArgRule.eq(0, PR_SET_NAME));
        b.allowIf("prctl", ArgRule.eq(0, PR_GET_NAME))
                .because("thread names only (PR_SET_NAME, PR_GET_NAME); PR_SET_SECCOMP and the rest are refused");

        // --- event loops: NIO Selector and Netty epoll ---
        b.allow("epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait", "epoll_pwait2")
                .because("NIO Selector and Netty's epoll transport");
        b.allow("epoll_create") // Netty's native transport calls the legacy form once
                .because("NIO Selector and Netty's epoll transport");
        b.allow("eventfd2", "timerfd_create", "timerfd_settime", "timerfd_gettime")
                .because("Netty's event loop wakeups and timers");
        b.allow("poll", "ppoll").because("blocking socket I/O with timeouts");

        // --- sockets: Unix domain only; for a plugin, none at all but the connection it is handed ---
        if (!connected) {
            b.allowIf("socket", ArgRule.eq(0, AF_UNIX)) // AF_INET/INET6/NETLINK/PACKET/VSOCK are violations
                    .because("AF_UNIX only: the plugin's gRPC channel to the host; every other family is refused");
            b.allow("connect", "bind", "listen", "accept", "accept4").because("both ends of Unix domain sockets");
        }
        // A pair inside the process reaches nothing outside it.
        b.allowIf("socketpair", ArgRule.eq(0, AF_UNIX))
                .because("AF_UNIX only: a connected pair inside the process; every other family is refused");
        b.allow("sendto", "recvfrom", "sendmsg", "recvmsg", "sendmmsg", "recvmmsg")
                .because("socket I/O; sendmsg also hands the launcher's seccomp listener to its supervisor");
        b.allow("getsockopt", "setsockopt", "getsockname", "getpeername", "shutdown")
                .because("socket options and addresses");
        b.allow("splice").because("Netty epoll splice");

        // Not allowed, on purpose: execve/execveat (the supervisor passes exactly the launcher's own exec),
        // fork/vfork, seccomp, io_uring_*, ptrace, process_vm_*, bpf, perf_event_open, userfaultfd, keyctl,
        // mount family, unshare/setns, memfd_create, pidfd_*, get_robust_list, kcmp, tkill.
        // personality: HotSpot 17 never calls it (no report in any workload measured here, the PER_LINUX query
        // 0xffffffff included), and setting READ_IMPLIES_EXEC or ADDR_NO_RANDOMIZE would weaken the process: denied.
        // Operators may add a call for one plugin (plugins.sandbox.allow.<id>), never one of
        // PolicyAllowances.NEVER.
        return b.build();
    }
}
