package dev.pluginhost.sandbox;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Decodes a violation's arguments for people: the names a man page would use for the integer arguments that tell
 * what a call is after (address family and socket type, open and clone flags, ioctl request, prctl option, signal),
 * the path the supervisor read (marked "reported"), the rest in hex. x86_64 numbering; unknown values stay numbers.
 */
final class SyscallArguments {

    private SyscallArguments() {
    }

    private static final int AT_FDCWD = -100;

    private static final Map<Long, String> FAMILIES = names(0, "AF_UNSPEC", 1, "AF_UNIX", 2, "AF_INET",
            3, "AF_AX25", 4, "AF_IPX", 5, "AF_APPLETALK", 9, "AF_X25", 10, "AF_INET6", 16, "AF_NETLINK",
            17, "AF_PACKET", 29, "AF_CAN", 31, "AF_BLUETOOTH", 38, "AF_ALG", 40, "AF_VSOCK", 44, "AF_XDP");

    private static final Map<Long, String> SOCKET_TYPES = names(1, "SOCK_STREAM", 2, "SOCK_DGRAM", 3, "SOCK_RAW",
            4, "SOCK_RDM", 5, "SOCK_SEQPACKET", 10, "SOCK_PACKET");

    private static final Map<Long, String> SOCKET_TYPE_FLAGS = names(0x800, "SOCK_NONBLOCK", 0x80000, "SOCK_CLOEXEC");

    private static final Map<Long, String> OPEN_FLAGS = names(0x40, "O_CREAT", 0x80, "O_EXCL", 0x100, "O_NOCTTY",
            0x200, "O_TRUNC", 0x400, "O_APPEND", 0x800, "O_NONBLOCK", 0x1000, "O_DSYNC", 0x2000, "O_ASYNC",
            0x4000, "O_DIRECT", 0x8000, "O_LARGEFILE", 0x10000, "O_DIRECTORY", 0x20000, "O_NOFOLLOW",
            0x40000, "O_NOATIME", 0x80000, "O_CLOEXEC", 0x101000, "O_SYNC", 0x200000, "O_PATH",
            0x410000, "O_TMPFILE");

    private static final Map<Long, String> CLONE_FLAGS = names(0x100, "CLONE_VM", 0x200, "CLONE_FS",
            0x400, "CLONE_FILES", 0x800, "CLONE_SIGHAND", 0x1000, "CLONE_PIDFD", 0x2000, "CLONE_PTRACE",
            0x4000, "CLONE_VFORK", 0x8000, "CLONE_PARENT", 0x10000, "CLONE_THREAD", 0x20000, "CLONE_NEWNS",
            0x40000, "CLONE_SYSVSEM", 0x80000, "CLONE_SETTLS", 0x100000, "CLONE_PARENT_SETTID",
            0x200000, "CLONE_CHILD_CLEARTID", 0x400000, "CLONE_DETACHED", 0x800000, "CLONE_UNTRACED",
            0x1000000, "CLONE_CHILD_SETTID", 0x2000000, "CLONE_NEWCGROUP", 0x4000000, "CLONE_NEWUTS",
            0x8000000, "CLONE_NEWIPC", 0x10000000, "CLONE_NEWUSER", 0x20000000, "CLONE_NEWPID",
            0x40000000, "CLONE_NEWNET", 0x80000000L, "CLONE_IO");

    /** The ioctl requests an attacker or a probe typically sends; the rest stay numbers. */
    private static final Map<Long, String> IOCTLS = names(0x5401, "TCGETS", 0x5402, "TCSETS", 0x540E, "TIOCSCTTY",
            0x540F, "TIOCGPGRP", 0x5410, "TIOCSPGRP", 0x5412, "TIOCSTI", 0x5413, "TIOCGWINSZ", 0x5414, "TIOCSWINSZ",
            0x541B, "FIONREAD", 0x541C, "TIOCLINUX", 0x5421, "FIONBIO", 0x5450, "FIONCLEX", 0x5451, "FIOCLEX",
            0x5452, "FIOASYNC", 0x8912, "SIOCGIFCONF", 0x8927, "SIOCGIFHWADDR", 0x8933, "SIOCGIFINDEX");

    private static final Map<Long, String> PRCTL_OPTIONS = names(1, "PR_SET_PDEATHSIG", 2, "PR_GET_PDEATHSIG",
            3, "PR_GET_DUMPABLE", 4, "PR_SET_DUMPABLE", 8, "PR_SET_KEEPCAPS", 15, "PR_SET_NAME", 16, "PR_GET_NAME",
            21, "PR_GET_SECCOMP", 22, "PR_SET_SECCOMP", 23, "PR_CAPBSET_READ", 24, "PR_CAPBSET_DROP",
            35, "PR_SET_MM", 36, "PR_SET_CHILD_SUBREAPER", 38, "PR_SET_NO_NEW_PRIVS", 39, "PR_GET_NO_NEW_PRIVS",
            0x59616d61, "PR_SET_PTRACER", 47, "PR_CAP_AMBIENT", 53, "PR_SET_SPECULATION_CTRL",
            0x53564d41, "PR_SET_VMA");

    private static final Map<Long, String> SIGNALS = names(1, "SIGHUP", 2, "SIGINT", 3, "SIGQUIT", 4, "SIGILL",
            5, "SIGTRAP", 6, "SIGABRT", 7, "SIGBUS", 8, "SIGFPE", 9, "SIGKILL", 10, "SIGUSR1", 11, "SIGSEGV",
            12, "SIGUSR2", 13, "SIGPIPE", 14, "SIGALRM", 15, "SIGTERM", 17, "SIGCHLD", 18, "SIGCONT", 19, "SIGSTOP",
            20, "SIGTSTP", 31, "SIGSYS");

    static String describe(Violation v) {
        String[] shown = decode(v);
        StringBuilder sb = new StringBuilder(v.syscall()).append('(');
        for (int i = 0; i < shown.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(shown[i]);
        }
        return sb.append(')').toString();
    }

    /** The arguments as shown: as many as the call takes when it is known, else all six. */
    private static String[] decode(Violation v) {
        long[] a = v.args();
        String[] s = switch (v.syscall()) {
            case "socket" -> new String[] {family(a[0]), socketType(a[1]), Long.toString(a[2])};
            case "socketpair" -> new String[] {family(a[0]), socketType(a[1]), Long.toString(a[2]), hex(a[3])};
            case "open" -> new String[] {hex(a[0]), openFlags(a[1]), octal(a[2])};
            case "creat" -> new String[] {hex(a[0]), octal(a[1])};
            case "openat" -> new String[] {dirfd(a[0]), hex(a[1]), openFlags(a[2]), octal(a[3])};
            case "clone" -> new String[] {cloneFlags(a[0]), hex(a[1]), hex(a[2]), hex(a[3]), hex(a[4])};
            case "unshare" -> new String[] {cloneFlags(a[0])};
            case "setns" -> new String[] {Long.toString(a[0]), cloneFlags(a[1])};
            case "ioctl" -> new String[] {Long.toString((int) a[0]), name(IOCTLS, a[1]), hex(a[2])};
            case "prctl" -> new String[] {name(PRCTL_OPTIONS, a[0]), hex(a[1]), hex(a[2]), hex(a[3]), hex(a[4])};
            case "kill", "tkill" -> new String[] {Long.toString((int) a[0]), signal(a[1])};
            case "tgkill" -> new String[] {Long.toString((int) a[0]), Long.toString((int) a[1]), signal(a[2])};
            case "rt_sigqueueinfo" -> new String[] {Long.toString((int) a[0]), signal(a[1]), hex(a[2])};
            case "pidfd_send_signal" -> new String[] {Long.toString((int) a[0]), signal(a[1]), hex(a[2]), hex(a[3])};
            case "chmod", "mkdir" -> new String[] {hex(a[0]), octal(a[1])};
            case "fchmodat", "mkdirat" -> new String[] {dirfd(a[0]), hex(a[1]), octal(a[2])};
            case "unlink", "rmdir", "chdir", "chroot", "acct" -> new String[] {hex(a[0])};
            case "unlinkat" -> new String[] {dirfd(a[0]), hex(a[1]), hex(a[2])};
            case "execve" -> new String[] {hex(a[0]), hex(a[1]), hex(a[2])};
            case "execveat" -> new String[] {dirfd(a[0]), hex(a[1]), hex(a[2]), hex(a[3]), hex(a[4])};
            case "chown", "lchown" -> new String[] {hex(a[0]), Long.toString((int) a[1]), Long.toString((int) a[2])};
            default -> {
                String[] all = new String[6];
                for (int i = 0; i < 6; i++) {
                    all[i] = hex(a[i]);
                }
                yield all;
            }
        };
        Violation.Task task = v.task();
        int at = task.pathArg();
        if (at >= 0 && at < s.length) {
            if (task.path() != null) {
                s[at] = quote(task.path()) + (task.pathTruncated() ? "... (reported, truncated)" : " (reported)");
            } else if (task.pathError() != null) {
                s[at] = s[at] + " (path unreadable: " + printable(task.pathError()) + ")";
            }
        }
        return s;
    }

    private static String family(long value) {
        return name(FAMILIES, value);
    }

    private static String socketType(long value) {
        StringBuilder sb = new StringBuilder(name(SOCKET_TYPES, value & 0xf));
        long rest = value & ~0xfL;
        for (Map.Entry<Long, String> flag : SOCKET_TYPE_FLAGS.entrySet()) {
            if ((rest & flag.getKey()) != 0) {
                sb.append('|').append(flag.getValue());
                rest &= ~flag.getKey();
            }
        }
        return rest == 0 ? sb.toString() : sb.append("|0x").append(Long.toHexString(rest)).toString();
    }

    private static String openFlags(long value) {
        String access = switch ((int) (value & 3)) {
            case 0 -> "O_RDONLY";
            case 1 -> "O_WRONLY";
            case 2 -> "O_RDWR";
            default -> "O_ACCMODE";
        };
        long rest = value & ~3L;
        StringBuilder sb = new StringBuilder(access);
        // multi-bit flags (O_SYNC, O_TMPFILE) first, so that their parts are not named twice
        for (long mask : new long[] {0x410000, 0x101000}) {
            if ((rest & mask) == mask) {
                sb.append('|').append(OPEN_FLAGS.get(mask));
                rest &= ~mask;
            }
        }
        return flags(sb, OPEN_FLAGS, rest);
    }

    private static String cloneFlags(long value) {
        long signal = value & 0xff;
        StringBuilder sb = new StringBuilder();
        String named = flags(sb, CLONE_FLAGS, value & ~0xffL);
        String exit = signal == 0 ? "" : signal(signal);
        if (named.isEmpty()) {
            return exit.isEmpty() ? "0" : exit;
        }
        return exit.isEmpty() ? named : named + "|" + exit;
    }

    /** Appends the named single-bit flags of {@code value} to {@code sb}, then any unnamed rest in hex. */
    private static String flags(StringBuilder sb, Map<Long, String> table, long value) {
        long rest = value;
        for (Map.Entry<Long, String> flag : table.entrySet()) {
            long bit = flag.getKey();
            if (Long.bitCount(bit) == 1 && (rest & bit) != 0) {
                sb.append(sb.isEmpty() ? "" : "|").append(flag.getValue());
                rest &= ~bit;
            }
        }
        if (rest != 0) {
            sb.append(sb.isEmpty() ? "" : "|").append("0x").append(Long.toHexString(rest));
        }
        return sb.toString();
    }

    private static String signal(long value) {
        String name = SIGNALS.get(value);
        return name != null ? name + " (" + value + ")" : value == 0 ? "0" : Long.toString(value);
    }

    private static String dirfd(long value) {
        return (int) value == AT_FDCWD ? "AT_FDCWD" : Long.toString((int) value);
    }

    private static String name(Map<Long, String> table, long value) {
        // looked up with all 64 bits: garbage in the upper half (CVE-2019-10063) shows as the whole number
        String name = table.get(value);
        return name != null ? name : hex(value);
    }

    private static String hex(long value) {
        return "0x" + Long.toHexString(value);
    }

    private static String octal(long value) {
        return value == 0 ? "0" : "0" + Long.toOctalString(value);
    }

    private static String quote(String text) {
        return '"' + printable(text).replace("\"", "\\\"") + '"';
    }

    /** {@code text} with control characters (and DEL, C1 controls) as \\uXXXX: a path cannot forge a log line. */
    static String printable(String text) {
        StringBuilder sb = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || (c >= 0x7f && c < 0xa0)) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static Map<Long, String> names(Object... pairs) {
        Map<Long, String> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put(((Number) pairs[i]).longValue(), (String) pairs[i + 1]);
        }
        return java.util.Collections.unmodifiableMap(map); // in order: flags are named in a stable order
    }
}
