package dev.pluginhost.sandbox;

import java.time.Instant;
import java.util.Arrays;

/**
 * A system call the policy did not allow, as the supervisor saw it.
 *
 * @param pid the calling task: the thread id, which is the process id for the main thread
 * @param syscall the name, resolved with libseccomp
 * @param nr the syscall number
 * @param arch the AUDIT_ARCH_* value ({@link Syscalls#ARCH_X86_64})
 * @param args the six raw arguments (pointers are just numbers here)
 * @param action what the supervisor did: {@link ViolationMode#DENY} (EPERM), KILL or AUDIT (let through)
 * @param time when the supervisor saw it
 * @param boot whether it happened in the boot phase ({@link LaunchSpec#bootPhase()}), before the host ended it
 *     with {@link SandboxedProcess#endBootPhase()}: only trusted code (the JDK, the plugin runtime) ran then, and
 *     the call was refused with EPERM whatever the mode ({@code action} is then {@link ViolationMode#DENY})
 */
public record Violation(long pid, String syscall, int nr, long arch, long[] args, ViolationMode action,
                        Instant time, boolean boot) {

    /** Copies {@code args}. */
    public Violation {
        args = args.clone();
    }

    /** A violation outside the boot phase ({@code boot} false). */
    public Violation(long pid, String syscall, int nr, long arch, long[] args, ViolationMode action, Instant time) {
        this(pid, syscall, nr, arch, args, action, time, false);
    }

    /** A copy of the six arguments. */
    @Override
    public long[] args() {
        return args.clone();
    }

    /** Argument {@code index} (0..5). */
    public long arg(int index) {
        return args[index];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Violation v && pid == v.pid && nr == v.nr && arch == v.arch
                && Arrays.equals(args, v.args) && action == v.action && syscall.equals(v.syscall)
                && time.equals(v.time) && boot == v.boot;
    }

    @Override
    public int hashCode() {
        return 31 * Long.hashCode(pid) + 31 * nr + Arrays.hashCode(args) + time.hashCode() + (boot ? 1 : 0);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(syscall).append('(');
        for (int i = 0; i < args.length; i++) {
            sb.append(i == 0 ? "" : ", ").append("0x").append(Long.toHexString(args[i]));
        }
        return sb.append(") pid=").append(pid).append(" nr=").append(nr).append(' ').append(action)
                .append(boot ? " boot" : "").toString();
    }
}
