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
 */
public record Violation(long pid, String syscall, int nr, long arch, long[] args, ViolationMode action,
                        Instant time) {

    /** Copies {@code args}. */
    public Violation {
        args = args.clone();
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
                && time.equals(v.time);
    }

    @Override
    public int hashCode() {
        return 31 * Long.hashCode(pid) + 31 * nr + Arrays.hashCode(args) + time.hashCode();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(syscall).append('(');
        for (int i = 0; i < args.length; i++) {
            sb.append(i == 0 ? "" : ", ").append("0x").append(Long.toHexString(args[i]));
        }
        return sb.append(") pid=").append(pid).append(" nr=").append(nr).append(' ').append(action).toString();
    }
}
