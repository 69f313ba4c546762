package dev.pluginhost.sandbox;

import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** Checks that this host can run the sandbox: Linux x86_64, seccomp user notification, libseccomp >= 2.5. */
final class Platform {
    private static volatile boolean checked;

    private Platform() {
    }

    static void check() {
        if (checked) {
            return;
        }
        String os = System.getProperty("os.name", "");
        String arch = System.getProperty("os.arch", "");
        if (!os.toLowerCase(Locale.ROOT).startsWith("linux")) {
            throw new SandboxUnavailableException("sandbox needs Linux, this is " + os);
        }
        if (!arch.equals("amd64") && !arch.equals("x86_64")) {
            throw new SandboxUnavailableException("sandbox needs x86_64, this is " + arch);
        }
        Path actions = Path.of("/proc/sys/kernel/seccomp/actions_avail");
        try {
            if (!Files.readString(actions).contains("user_notif")) {
                throw new SandboxUnavailableException(
                        "kernel lacks seccomp user notification (Linux >= 5.0): " + actions + " has no user_notif");
            }
        } catch (IOException e) {
            throw new SandboxUnavailableException("kernel lacks seccomp: cannot read " + actions, e);
        }
        LibSeccomp seccomp;
        try {
            seccomp = LibSeccomp.get();
        } catch (LinkageError e) {
            throw new SandboxUnavailableException(
                    "libseccomp not loadable as " + LibSeccomp.SONAME + " (install libseccomp2)", e);
        }
        Pointer version = seccomp.seccomp_version();
        int major = version.getInt(0);
        int minor = version.getInt(4);
        if (major < 2 || (major == 2 && minor < 5)) {
            throw new SandboxUnavailableException(
                    "libseccomp " + major + "." + minor + " lacks user notification: 2.5 or newer needed");
        }
        if ((seccomp.seccomp_arch_native() & 0xffffffffL) != Syscalls.ARCH_X86_64) {
            throw new SandboxUnavailableException("libseccomp's native architecture is not x86_64");
        }
        checked = true;
    }
}
