package dev.pluginhost.sandbox.programs;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * Tries to stack a seccomp filter of its own, once through prctl(PR_SET_SECCOMP) and once through seccomp(2): a
 * plugin that can stack a filter can override the supervisor's answers. The filter is a single RET_ALLOW, so
 * outside a sandbox both calls succeed harmlessly: prints "installed 2", exits 0. Refused, it prints
 * "refused N" (how many were refused) and exits 3.
 */
public final class SeccompStackingProgram {
    interface LibC extends Library {
        int prctl(int option, long arg2, Pointer arg3, long arg4, long arg5);

        long syscall(long number, long arg1, long arg2, Pointer arg3);
    }

    public static void main(String[] args) {
        LibC libc = Native.load("libc.so.6", LibC.class); // full soname: no ldconfig search
        Memory insn = new Memory(8);
        insn.setShort(0, (short) 0x06); // BPF_RET | BPF_K
        insn.setByte(2, (byte) 0);
        insn.setByte(3, (byte) 0);
        insn.setInt(4, 0x7fff0000); // SECCOMP_RET_ALLOW
        Memory prog = new Memory(16); // struct sock_fprog { unsigned short len; struct sock_filter *filter; }
        prog.clear();
        prog.setShort(0, (short) 1);
        prog.setPointer(8, insn);

        int installed = 0;
        if (libc.prctl(22 /* PR_SET_SECCOMP */, 2 /* SECCOMP_MODE_FILTER */, prog, 0, 0) == 0) {
            installed++;
        }
        if (libc.syscall(317 /* seccomp */, 1 /* SECCOMP_SET_MODE_FILTER */, 0, prog) == 0) {
            installed++;
        }
        if (installed == 2) {
            System.out.println("installed 2");
            return;
        }
        System.out.println("refused " + (2 - installed));
        System.exit(3);
    }
}
