package dev.pluginhost.sandbox;

/**
 * {@link SyscallPolicy#jvmDefault()}: a default-deny allowlist for HotSpot (JDK 17) running gRPC over a Unix
 * domain socket with grpc-netty-shaded's epoll transport. Started from the list measured in
 * docs/notes sandbox.md ("Measured here"), checked with strace -f -c and the supervisor's own reports.
 */
final class JvmDefaultPolicy {
    static final int AF_UNIX = 1;
    static final int ENOSYS = 38;
    static final long CLONE_THREAD = 0x00010000L;
    /** Namespace flags clone() takes as an argument; CLONE_NEWTIME exists only for clone3. */
    static final long CLONE_NAMESPACES = 0x00020000L /* NEWNS */ | 0x02000000L /* NEWCGROUP */
            | 0x04000000L /* NEWUTS */ | 0x08000000L /* NEWIPC */ | 0x10000000L /* NEWUSER */
            | 0x20000000L /* NEWPID */ | 0x40000000L /* NEWNET */;

    static final SyscallPolicy POLICY = build();

    private JvmDefaultPolicy() {
    }

    private static SyscallPolicy build() {
        SyscallPolicy.Builder b = SyscallPolicy.builder();

        // --- files: class loading (jars, lib/modules), hsperfdata, the plugin's own data ---
        b.allow("read", "write", "pread64", "pwrite64", "readv", "writev"); // all I/O
        b.allow("openat", "close"); // glibc opens everything with openat
        b.allow("fstat", "newfstatat", "statx"); // stat family (glibc 2.36 and the JDK use all three)
        b.allow("lseek", "getdents64"); // jar/modules access, directory listing
        b.allow("fcntl"); // FD_CLOEXEC, O_NONBLOCK, file locks
        b.allow("readlink", "readlinkat"); // /proc/self/exe, java.home discovery
        b.allow("access", "faccessat", "faccessat2"); // File.canRead and friends
        b.allow("statfs", "fstatfs"); // FileStore, glibc shm checks
        b.allow("ftruncate", "fallocate"); // hsperfdata file, RandomAccessFile.setLength
        b.allow("fsync", "fdatasync"); // FileChannel.force
        b.allow("unlink", "unlinkat", "rename", "renameat", "renameat2"); // temp files, hsperfdata cleanup
        b.allow("mkdir", "mkdirat", "rmdir"); // Files.createDirectories
        b.allow("getcwd"); // user.dir at startup
        b.allow("fchdir"); // HotSpot's hsperfdata cleanup enters the directory and returns to the saved cwd
        b.allow("dup", "dup2", "dup3"); // stdio handling
        b.allow("pipe2"); // Netty, NIO Selector wakeup
        b.allow("flock"); // hsperfdata and CDS archive locking
        b.allow("fadvise64"); // glibc/JDK readahead hints
        b.allow("sendfile", "copy_file_range"); // Files.copy, FileChannel.transferTo

        // --- memory ---
        b.allow("mmap", "munmap", "mprotect"); // heap, code cache (RWX for the JIT: no W^X rule)
        b.allow("madvise", "mremap", "brk"); // GC uncommit, malloc
        b.allow("msync", "mincore"); // MappedByteBuffer.force/isLoaded
        b.allow("membarrier"); // HotSpot's cross-modifying code fence

        // --- process start: the dynamic loader sets up thread-local storage (ARCH_SET_FS); glibc threads too.
        // Only the FS/GS options: ARCH_SET_CPUID, ARCH_MAP_VDSO_* and the CET/AMX ones are not needed.
        for (long option = 0x1001; option <= 0x1004; option++) { // ARCH_SET_GS, SET_FS, GET_FS, GET_GS
            b.allowIf("arch_prctl", ArgRule.eq(0, option));
        }

        // --- threads ---
        // clone only for threads: CLONE_THREAD set and no namespace flag (fork/vfork/process clones go to the
        // supervisor). The kernel ignores the upper 32 bits of clone's flags, so the mask covers the lower half.
        b.allowIf("clone", ArgRule.maskedEq(0, CLONE_THREAD | CLONE_NAMESPACES, CLONE_THREAD));
        // clone3 passes its flags in memory, where seccomp cannot look: ENOSYS makes glibc fall back to clone.
        b.errno("clone3", ENOSYS);
        b.allow("futex", "set_robust_list", "get_robust_list", "rseq", "set_tid_address"); // glibc threads
        b.allow("gettid", "exit", "exit_group");
        // Signals to threads and processes. TODO(issue 3): restrict kill/tgkill/tkill to the plugin's own pid;
        // the JVM sends kill(own pid) at exit and tgkill(own pid, thread) for safepoints/thread dumps.
        b.allow("tgkill", "tkill", "kill");

        // --- signals ---
        b.allow("rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack", "rt_sigtimedwait",
                "rt_sigsuspend"); // HotSpot's signal handlers, Signal Dispatcher thread

        // --- scheduling ---
        b.allow("sched_yield", "sched_getaffinity", "sched_get_priority_min", "sched_get_priority_max",
                "sched_getparam", "sched_getscheduler", "getcpu"); // JDK 11 crashed when getcpu was ENOSYS
        b.allow("getpriority", "setpriority"); // Thread priorities (ThreadPriorityPolicy)

        // --- time ---
        b.allow("clock_gettime", "clock_getres", "clock_nanosleep", "nanosleep", "gettimeofday", "time");

        // --- process information (about itself) ---
        b.allow("getpid", "getppid", "getuid", "geteuid", "getgid", "getegid", "getresuid", "getresgid",
                "getgroups"); // user.name, hsperfdata path, ProcessHandle.current()
        b.allow("uname", "sysinfo", "getrusage", "times"); // os.version, memory sizing, CPU time
        b.allow("getrlimit", "prlimit64"); // NOFILE raised at startup; TODO: restrict prlimit64 to pid 0
        b.allow("getrandom"); // SecureRandom, hash seeds
        b.allow("prctl"); // PR_SET_NAME for thread names; TODO: restrict options (PR_SET_SECCOMP must go)

        // --- ioctl: FIONREAD/FIONBIO (NIO, Netty), TCGETS (isatty). TODO: restrict commands (TIOCSTI) ---
        b.allow("ioctl");

        // --- event loops: NIO Selector and Netty epoll ---
        b.allow("epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait", "epoll_pwait2");
        b.allow("eventfd2", "timerfd_create", "timerfd_settime", "timerfd_gettime");
        b.allow("poll", "ppoll"); // blocking socket I/O with timeouts

        // --- sockets: Unix domain only ---
        b.allowIf("socket", ArgRule.eq(0, AF_UNIX)); // AF_INET/AF_INET6/NETLINK/PACKET... are violations
        b.allowIf("socketpair", ArgRule.eq(0, AF_UNIX));
        b.allow("connect", "bind", "listen", "accept", "accept4"); // client and server ends of the UDS
        b.allow("sendto", "recvfrom", "sendmsg", "recvmsg", "sendmmsg", "recvmmsg"); // sendmsg: also the launcher
        b.allow("getsockopt", "setsockopt", "getsockname", "getpeername", "shutdown");
        b.allow("splice"); // Netty epoll splice

        // Not allowed, on purpose: execve/execveat (the supervisor passes exactly the launcher's own exec),
        // fork/vfork, seccomp, io_uring_*, ptrace, process_vm_*, bpf, perf_event_open, userfaultfd, keyctl,
        // mount family, unshare/setns, personality, memfd_create, pidfd_*.
        return b.build();
    }
}
