package dev.pluginhost.sandbox;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * JNA binding of the few libseccomp 2.5 functions the host needs. Loaded by its versioned soname: the
 * unversioned {@code libseccomp.so} exists only with the -dev package.
 */
interface LibSeccomp extends Library {

    String SONAME = "libseccomp.so.2";

    /** SCMP_ACT_* values from seccomp.h. */
    int SCMP_ACT_KILL_PROCESS = 0x80000000;
    int SCMP_ACT_NOTIFY = 0x7fc00000;
    int SCMP_ACT_ALLOW = 0x7fff0000;

    static int actErrno(int errno) {
        return 0x00050000 | (errno & 0xffff);
    }

    /** enum scmp_filter_attr. */
    int SCMP_FLTATR_ACT_BADARCH = 2;
    int SCMP_FLTATR_CTL_NNP = 3;
    int SCMP_FLTATR_CTL_OPTIMIZE = 8;

    /** Size of struct scmp_arg_cmp: unsigned arg, enum op, uint64 datum_a, uint64 datum_b. */
    int ARG_CMP_SIZE = 24;

    Pointer seccomp_init(int defAction);

    void seccomp_release(Pointer ctx);

    int seccomp_attr_set(Pointer ctx, int attr, int value);

    int seccomp_rule_add_array(Pointer ctx, int action, int syscall, int argCount, Pointer args);

    int seccomp_syscall_resolve_name(String name);

    /** Returns a malloc'd string the caller frees, or NULL. */
    Pointer seccomp_syscall_resolve_num_arch(int arch, int num);

    int seccomp_arch_native();

    int seccomp_export_bpf(Pointer ctx, int fd);

    int seccomp_export_pfc(Pointer ctx, int fd);

    /** Returns a pointer to struct scmp_version { unsigned major, minor, micro; }. */
    Pointer seccomp_version();

    /** Loaded on first use, so a missing library surfaces as a clear error from {@link Platform}. */
    final class Holder {
        static final LibSeccomp INSTANCE = Native.load(SONAME, LibSeccomp.class);

        private Holder() {
        }
    }

    static LibSeccomp get() {
        return Holder.INSTANCE;
    }
}
