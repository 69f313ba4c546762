package dev.pluginhost.sandbox;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * System calls an operator adds to one plugin's policy (the host's {@code plugins.sandbox.allow.<id>}), and those no
 * operator can add: the calls that would break the isolation itself rather than widen what a plugin may do inside it.
 * They stay refused (and reported) whatever the configuration; the only way to run such code is outside the host.
 */
public final class PolicyAllowances {

    /** Never allowed by configuration, each with the reason the refusal names. */
    public static final Map<String, String> NEVER = never();

    private PolicyAllowances() {
    }

    private static Map<String, String> never() {
        Map<String, String> never = new LinkedHashMap<>();
        put(never, "runs another program, outside the JVM the sandbox was built for", "execve", "execveat");
        put(never, "creates a process (the default policy already allows threads: clone with CLONE_THREAD)",
                "fork", "vfork", "clone", "clone3");
        put(never, "leaves or enters namespaces", "unshare", "setns");
        put(never, "changes what the file system looks like", "mount", "umount", "umount2", "pivot_root", "chroot",
                "move_mount", "open_tree", "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr");
        put(never, "reads or writes another process's memory", "ptrace", "process_vm_readv", "process_vm_writev",
                "kcmp", "pidfd_getfd", "pidfd_open", "pidfd_send_signal");
        put(never, "loads code into the kernel or opens its performance counters", "bpf", "perf_event_open",
                "init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load");
        put(never, "performs file and socket operations the seccomp filter never sees", "io_uring_setup",
                "io_uring_enter", "io_uring_register");
        put(never, "stacks a filter or a Landlock domain of the plugin's own over the sandbox's", "seccomp",
                "landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self");
        put(never, "reaches the kernel's key rings, shared beyond the plugin", "keyctl", "add_key", "request_key");
        put(never, "lets the plugin stall the kernel on its page faults (a classic exploit aid)", "userfaultfd");
        put(never, "opens files by handle, past the paths Landlock checks", "open_by_handle_at");
        put(never, "changes the process's credentials (which also clears its parent-death signal)", "setuid",
                "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setfsuid", "setfsgid", "setgroups",
                "capset");
        put(never, "changes the machine: clock, reboot, swap, kernel log, accounting, quotas, I/O ports",
                "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "reboot", "swapon", "swapoff",
                "syslog", "acct", "quotactl", "iopl", "ioperm", "personality");
        // Already allowed with argument conditions: an unconditional allowance would lift them.
        put(never, "is allowed only with argument conditions (AF_UNIX, own limits, thread names, FS/GS, terminal"
                + " ioctls); an allowance would lift them", "socket", "socketpair", "prctl", "prlimit64", "arch_prctl",
                "ioctl");
        return Map.copyOf(never);
    }

    private static void put(Map<String, String> map, String why, String... syscalls) {
        for (String syscall : syscalls) {
            map.put(syscall, why);
        }
    }

    /**
     * Parses an operator's list of system calls for one plugin.
     *
     * @param property the property it came from, named in errors ({@code plugins.sandbox.allow.<id>})
     * @param value comma-separated syscall names
     * @return the names, trimmed, lower case, in order, without duplicates
     * @throws IllegalArgumentException naming the property and the syscall, for a name that is never allowed or
     *     that libseccomp does not know
     */
    public static List<String> parse(String property, String value) {
        Set<String> names = new LinkedHashSet<>();
        for (String part : value == null ? new String[0] : value.split(",")) {
            String name = part.trim().toLowerCase(Locale.ROOT);
            if (name.isEmpty()) {
                continue;
            }
            String why = NEVER.get(name);
            if (why != null) {
                throw new IllegalArgumentException(property + " lists '" + name + "', which no plugin may be allowed:"
                        + " it " + why + " (remove it from " + property + ")");
            }
            if (!name.matches("[a-z0-9_]+")) {
                throw new IllegalArgumentException(property + " lists '" + name + "', which is not a system call name");
            }
            unknown(name).ifPresent(problem -> {
                throw new IllegalArgumentException(property + " lists '" + name + "': " + problem);
            });
            names.add(name);
        }
        return List.copyOf(names);
    }

    /** libseccomp's verdict on a name, when libseccomp is there (without it no plugin starts anyway). */
    private static Optional<String> unknown(String name) {
        int nr;
        try {
            nr = LibSeccomp.get().seccomp_syscall_resolve_name(name);
        } catch (LinkageError | RuntimeException e) {
            return Optional.empty();
        }
        if (nr == -1) {
            return Optional.of("no such system call (libseccomp does not know it)");
        }
        if (nr < 0) {
            return Optional.of("no such system call on x86_64");
        }
        return Optional.empty();
    }

    /**
     * @param base the policy to widen
     * @param property the property the allowances came from, recorded as their reason
     * @param syscalls names from {@link #parse}
     * @return {@code base} plus an unconditional allow for each syscall it does not already allow
     */
    public static SyscallPolicy widen(SyscallPolicy base, String property, Collection<String> syscalls) {
        List<String> added = new ArrayList<>();
        for (String syscall : syscalls) {
            if (NEVER.containsKey(syscall)) {
                throw new IllegalArgumentException(property + " lists '" + syscall + "', which no plugin may be"
                        + " allowed: it " + NEVER.get(syscall));
            }
            if (!base.allows(syscall)) {
                added.add(syscall);
            }
        }
        if (added.isEmpty()) {
            return base;
        }
        return base.toBuilder().allow(added.toArray(String[]::new))
                .because("allowed for this plugin by the operator (" + property + ")").build();
    }
}
