package dev.pluginhost.sandbox;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.util.concurrent.ConcurrentHashMap;

/** Syscall numbers to names and back, by libseccomp's tables. Results are cached. */
public final class Syscalls {

    /** AUDIT_ARCH_X86_64, as the kernel reports it in a seccomp notification. */
    public static final long ARCH_X86_64 = 0xC000003EL;

    private static final ConcurrentHashMap<Long, String> NAMES = new ConcurrentHashMap<>();

    private Syscalls() {
    }

    /**
     * The name of syscall {@code nr} on architecture {@code arch} (an AUDIT_ARCH_* value), or
     * {@code "unknown(<nr>)"} if libseccomp does not know it.
     */
    public static String name(long arch, int nr) {
        long key = (arch << 32) ^ (nr & 0xffffffffL);
        return NAMES.computeIfAbsent(key, k -> resolve(arch, nr));
    }

    /** The native (x86_64) number of {@code name}, or -1 if libseccomp does not know it. */
    public static int number(String name) {
        int nr = LibSeccomp.get().seccomp_syscall_resolve_name(name);
        return nr < 0 ? -1 : nr;
    }

    private static String resolve(long arch, int nr) {
        Pointer name = LibSeccomp.get().seccomp_syscall_resolve_num_arch((int) arch, nr);
        if (name == null) {
            return "unknown(" + nr + ")";
        }
        try {
            return name.getString(0);
        } finally {
            Native.free(Pointer.nativeValue(name)); // libseccomp strdup()s the name
        }
    }
}
