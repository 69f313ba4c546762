package dev.pluginhost.sandbox.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Why each syscall of {@link dev.pluginhost.sandbox.SyscallPolicy#jvmDefault()} is in the policy, one line each, for
 * {@code plugin-sandbox explain}. Kept as data (not parsed from source comments); {@code PluginSandboxTest} fails
 * when the default policy gains a syscall without a reason here.
 */
final class PolicyReasons {

    private static final Map<String, String> REASONS = new LinkedHashMap<>();

    static {
        reason("file I/O on descriptors the JVM holds (class files, jars, pipes, sockets)",
                "read", "write", "pread64", "pwrite64", "readv", "writev");
        reason("glibc opens every file with openat; close releases it", "openat", "close");
        reason("stat family: glibc and the JDK use all three", "fstat", "newfstatat", "statx");
        reason("legacy stat: JDK 25's launcher calls stat to find libjvm", "stat", "lstat");
        reason("jar and lib/modules access, directory listing", "lseek", "getdents64");
        reason("FD_CLOEXEC, O_NONBLOCK, FileChannel.lock", "fcntl");
        reason("/proc/self/exe to find java.home", "readlink", "readlinkat");
        reason("File.canRead and friends", "access", "faccessat", "faccessat2");
        reason("FileStore, glibc's shm/tmp checks", "statfs", "fstatfs");
        reason("hsperfdata (posix_fallocate), RandomAccessFile.setLength", "ftruncate", "fallocate");
        reason("FileChannel.force, MappedByteBuffer.force", "fsync", "fdatasync", "msync");
        reason("temporary files, Files.move, hsperfdata cleanup", "unlink", "unlinkat", "rename", "renameat",
                "renameat2");
        reason("Files.createDirectories, hsperfdata_<user>", "mkdir", "mkdirat", "rmdir");
        reason("user.dir at startup", "getcwd");
        reason("HotSpot's hsperfdata cleanup enters the directory and returns", "fchdir");
        reason("stdio redirection", "dup", "dup2", "dup3");
        reason("NIO and Netty wakeup pipes", "pipe2");
        reason("CDS archive and hsperfdata locking", "flock");
        reason("FileChannel.transferTo", "sendfile");
        reason("only TCGETS (isatty), TIOCGWINSZ (terminal size), FIONREAD (available()); full 64-bit compare, so"
                + " TIOCSTI/TIOCLINUX and upper-half garbage are refused", "ioctl");
        reason("Java heap, code cache (RWX for the JIT), thread stacks", "mmap", "munmap", "mprotect");
        reason("GC uncommit, malloc/realloc", "madvise", "mremap", "brk");
        reason("HotSpot's cross-modifying-code fence", "membarrier");
        reason("thread-local storage set up by the dynamic loader and glibc: ARCH_SET/GET_FS/GS only",
                "arch_prctl");
        reason("threads only: CLONE_THREAD set and no namespace flag (fork, vfork, posix_spawn are refused)",
                "clone");
        reason("flags live in memory where seccomp cannot look: ENOSYS makes glibc fall back to clone", "clone3");
        reason("glibc threads and locks", "futex", "set_robust_list", "rseq", "set_tid_address");
        reason("thread identity and exit", "gettid", "exit", "exit_group");
        reason("HotSpot signals its own threads (safepoints, thread dumps) and itself at exit", "tgkill", "kill");
        reason("HotSpot's signal handlers and the Signal Dispatcher thread", "rt_sigaction", "rt_sigprocmask",
                "rt_sigreturn", "sigaltstack", "rt_sigtimedwait", "rt_sigsuspend");
        reason("CPU count and thread priorities, read only", "sched_yield", "sched_getaffinity",
                "sched_get_priority_min", "sched_get_priority_max", "sched_getparam", "sched_getscheduler");
        reason("JDK 11 crashed when getcpu returned ENOSYS", "getcpu");
        reason("clocks and sleeps (the vDSO's fallbacks)", "clock_gettime", "clock_getres", "clock_nanosleep",
                "nanosleep", "gettimeofday");
        reason("user.name, hsperfdata path, ProcessHandle.current()", "getpid", "getppid", "getuid", "geteuid",
                "getgid", "getegid", "getresuid", "getresgid", "getgroups");
        reason("os.version, memory sizing, CPU time", "uname", "sysinfo", "getrusage", "times");
        reason("own resource limits", "getrlimit");
        reason("own limits only (pid 0): NOFILE raised at startup, AS, STACK", "prlimit64");
        reason("SecureRandom, hash seeds", "getrandom");
        reason("thread names only (PR_SET_NAME, PR_GET_NAME); PR_SET_SECCOMP and the rest are refused", "prctl");
        reason("NIO Selector and Netty's epoll transport", "epoll_create1", "epoll_ctl", "epoll_wait",
                "epoll_pwait", "epoll_pwait2", "epoll_create");
        reason("Netty's event loop wakeups and timers", "eventfd2", "timerfd_create", "timerfd_settime",
                "timerfd_gettime");
        reason("blocking socket I/O with timeouts", "poll", "ppoll");
        reason("AF_UNIX only: the plugin's gRPC channel to the host; every other family is refused", "socket",
                "socketpair");
        reason("both ends of Unix domain sockets", "connect", "bind", "listen", "accept", "accept4");
        reason("socket I/O; sendmsg also hands the launcher's seccomp listener to its supervisor", "sendto",
                "recvfrom", "sendmsg", "recvmsg", "sendmmsg", "recvmmsg");
        reason("socket options and addresses", "getsockopt", "setsockopt", "getsockname", "getpeername",
                "shutdown");
        reason("Netty epoll splice", "splice");
    }

    private PolicyReasons() {
    }

    private static void reason(String why, String... syscalls) {
        for (String s : syscalls) {
            if (REASONS.put(s, why) != null) {
                throw new IllegalStateException("two reasons for " + s);
            }
        }
    }

    /** The reason {@code syscall} is in the default policy, if one is recorded. */
    static Optional<String> of(String syscall) {
        return Optional.ofNullable(REASONS.get(syscall));
    }
}
