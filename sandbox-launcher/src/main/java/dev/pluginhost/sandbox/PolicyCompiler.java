package dev.pluginhost.sandbox;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * Compiles a {@link SyscallPolicy} into a BPF program with libseccomp, for the native architecture (x86_64).
 * libseccomp adds the architecture check and the x32 rejection; the dispatch is a binary tree
 * ({@code SCMP_FLTATR_CTL_OPTIMIZE} = 2) so that syscalls late in the list cost no more than early ones. The
 * default action is user notification, so the supervisor sees, reports and answers every violation.
 */
public final class PolicyCompiler {

    /**
     * Everything besides the rules that decides the program: the architecture and the attributes {@link #export}
     * sets. Change it whenever those change, so that no cache hands out a program compiled under other settings.
     */
    private static final String SETTINGS = "x86_64 default=notify badarch=kill-process optimize=2 nnp=0";

    private PolicyCompiler() {
    }

    /**
     * What the compiled program depends on, as a SHA-256 hex digest: the rules in order (syscall, action, errno,
     * conditions) and the compiler's settings. Reasons are left out: they change no instruction. Two policies with
     * the same key compile to the same program, so a launcher compiles each key once ({@link SandboxLauncher}).
     */
    public static String cacheKey(SyscallPolicy policy) {
        StringBuilder text = new StringBuilder(SETTINGS).append('\n');
        for (SyscallPolicy.Rule rule : policy.rules()) {
            text.append(rule.syscall()).append(' ').append(rule.action()).append(' ').append(rule.errno());
            for (ArgRule c : rule.conditions()) {
                text.append(' ').append(c.index()).append(':').append(c.op()).append(':')
                        .append(Long.toHexString(c.mask())).append(':').append(Long.toHexString(c.value()));
            }
            text.append('\n');
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    /**
     * Compiles the policy.
     *
     * @throws IllegalArgumentException naming the syscall, if a name is unknown to libseccomp or a rule is rejected
     */
    public static CompiledFilter compile(SyscallPolicy policy) {
        return new CompiledFilter(export(policy, false));
    }

    /** The filter as libseccomp's pseudo filter code: readable, for debugging a policy. */
    public static String pfc(SyscallPolicy policy) {
        return new String(export(policy, true), StandardCharsets.UTF_8);
    }

    private static byte[] export(SyscallPolicy policy, boolean pfc) {
        LibSeccomp seccomp = LibSeccomp.get();
        Pointer ctx = seccomp.seccomp_init(LibSeccomp.SCMP_ACT_NOTIFY);
        if (ctx == null) {
            throw new IllegalStateException("seccomp_init(SCMP_ACT_NOTIFY) failed: libseccomp >= 2.5 needed");
        }
        try {
            setAttr(seccomp, ctx, LibSeccomp.SCMP_FLTATR_CTL_OPTIMIZE, 2, "SCMP_FLTATR_CTL_OPTIMIZE");
            // A foreign architecture or x32 call is an attack, not a probe: kill the process.
            setAttr(seccomp, ctx, LibSeccomp.SCMP_FLTATR_ACT_BADARCH, LibSeccomp.SCMP_ACT_KILL_PROCESS,
                    "SCMP_FLTATR_ACT_BADARCH");
            // The launcher sets no_new_privs itself; this attribute only matters for seccomp_load.
            setAttr(seccomp, ctx, LibSeccomp.SCMP_FLTATR_CTL_NNP, 0, "SCMP_FLTATR_CTL_NNP");
            for (SyscallPolicy.Rule rule : policy.rules()) {
                addRule(seccomp, ctx, rule);
            }
            return pfc ? exportTo(fd -> seccomp.seccomp_export_pfc(ctx, fd), "seccomp_export_pfc")
                    : exportTo(fd -> seccomp.seccomp_export_bpf(ctx, fd), "seccomp_export_bpf");
        } finally {
            seccomp.seccomp_release(ctx);
        }
    }

    private static void setAttr(LibSeccomp seccomp, Pointer ctx, int attr, int value, String name) {
        int rc = seccomp.seccomp_attr_set(ctx, attr, value);
        if (rc < 0) {
            throw new IllegalStateException("seccomp_attr_set(" + name + ") failed: errno " + -rc);
        }
    }

    private static void addRule(LibSeccomp seccomp, Pointer ctx, SyscallPolicy.Rule rule) {
        int nr = seccomp.seccomp_syscall_resolve_name(rule.syscall());
        if (nr == -1) {
            throw new IllegalArgumentException("unknown syscall: " + rule.syscall());
        }
        if (nr < 0) {
            throw new IllegalArgumentException("syscall " + rule.syscall() + " does not exist on x86_64");
        }
        int action = rule.action() == SyscallPolicy.Action.ALLOW
                ? LibSeccomp.SCMP_ACT_ALLOW : LibSeccomp.actErrno(rule.errno());
        List<ArgRule> conditions = rule.conditions();
        Memory args = null;
        if (!conditions.isEmpty()) {
            args = new Memory((long) LibSeccomp.ARG_CMP_SIZE * conditions.size());
            args.clear();
            for (int i = 0; i < conditions.size(); i++) {
                ArgRule c = conditions.get(i);
                long base = (long) i * LibSeccomp.ARG_CMP_SIZE;
                args.setInt(base, c.index());
                args.setInt(base + 4, c.op().code);
                // MASKED_EQ: datum_a is the mask, datum_b the value; otherwise datum_a is the operand.
                args.setLong(base + 8, c.op() == ArgRule.Op.MASKED_EQ ? c.mask() : c.value());
                args.setLong(base + 16, c.op() == ArgRule.Op.MASKED_EQ ? c.value() : 0);
            }
        }
        int rc = seccomp.seccomp_rule_add_array(ctx, action, nr, conditions.size(), args);
        if (rc < 0) {
            throw new IllegalArgumentException("libseccomp rejected the rule for " + rule.syscall() + " "
                    + conditions + ": errno " + -rc);
        }
    }

    private interface Exporter {
        int export(int fd);
    }

    /** Exports into a memfd (no pipe buffer limit, no file on disk) and reads it back. */
    private static byte[] exportTo(Exporter exporter, String what) {
        LibC libc = LibC.get();
        int fd;
        try {
            fd = libc.memfd_create("seccomp-export", LibC.MFD_CLOEXEC);
        } catch (LastErrorException e) {
            throw new IllegalStateException("memfd_create failed: errno " + e.getErrorCode(), e);
        }
        try {
            int rc = exporter.export(fd);
            if (rc < 0) {
                throw new IllegalStateException(what + " failed: errno " + -rc);
            }
            libc.lseek(fd, 0, LibC.SEEK_SET);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (Memory buffer = new Memory(16384)) {
                long n;
                while ((n = libc.read(fd, buffer, buffer.size())) > 0) {
                    out.write(buffer.getByteArray(0, (int) n), 0, (int) n);
                }
            }
            return out.toByteArray();
        } catch (LastErrorException e) {
            throw new IllegalStateException(what + ": reading the export failed: errno " + e.getErrorCode(), e);
        } finally {
            libc.close(fd);
        }
    }
}
