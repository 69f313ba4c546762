package dev.pluginhost.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The decoded arguments of a violation, for the calls whose integers say what the caller was after. */
class SyscallArgumentsTest {

    private static Violation v(String syscall, Violation.Task task, long... args) {
        long[] six = new long[6];
        System.arraycopy(args, 0, six, 0, args.length);
        return new Violation(7, syscall, 0, Syscalls.ARCH_X86_64, six, ViolationMode.DENY, Instant.EPOCH, false,
                task);
    }

    private static Violation v(String syscall, long... args) {
        return v(syscall, Violation.Task.UNKNOWN, args);
    }

    @Test
    void socketsNameTheirFamilyAndType() {
        assertThat(v("socket", 2, 1, 0).describe()).isEqualTo("socket(AF_INET, SOCK_STREAM, 0)");
        assertThat(v("socket", 10, 0x80802, 17).describe())
                .isEqualTo("socket(AF_INET6, SOCK_DGRAM|SOCK_NONBLOCK|SOCK_CLOEXEC, 17)");
        assertThat(v("socketpair", 16, 3, 0, 0x7ffe0).describe()).isEqualTo("socketpair(AF_NETLINK, SOCK_RAW, 0, 0x7ffe0)");
        assertThat(v("socket", 99, 1, 0).describe()).startsWith("socket(0x63, SOCK_STREAM");
    }

    @Test
    void openFlagsCloneFlagsAndPathsReadBySupervisor() {
        Violation.Task task = new Violation.Task("worker", 12, 1, "/etc/shadow", false, null);
        assertThat(v("openat", task, -100 & 0xffffffffL, 0x7f00, 0x80241, 0644).describe())
                .isEqualTo("openat(AT_FDCWD, \"/etc/shadow\" (reported), O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0644)");
        assertThat(v("clone", 0x4111, 0, 0, 0, 0).describe())
                .isEqualTo("clone(CLONE_VM|CLONE_VFORK|SIGCHLD (17), 0x0, 0x0, 0x0, 0x0)");
        assertThat(v("unshare", 0x10000000L | 0x20000000L).describe()).isEqualTo("unshare(CLONE_NEWUSER|CLONE_NEWPID)");
        Violation.Task unreadable = new Violation.Task("t", 0, 0, null, false, "Bad address");
        assertThat(v("chmod", unreadable, 0x10, 0755).describe())
                .isEqualTo("chmod(0x10 (path unreadable: Bad address), 0755)");
    }

    @Test
    void ioctlPrctlAndSignalsByName() {
        assertThat(v("ioctl", 0, 0x5412, 0x7ff0).describe()).isEqualTo("ioctl(0, TIOCSTI, 0x7ff0)");
        // upper-half garbage (CVE-2019-10063) is shown as the whole number, not as the request it masks to
        assertThat(v("ioctl", 0, 0x123_0000_5412L, 0).describe()).contains("0x12300005412");
        assertThat(v("prctl", 22, 2, 0, 0, 0).describe()).startsWith("prctl(PR_SET_SECCOMP, 0x2");
        assertThat(v("kill", 1, 9).describe()).isEqualTo("kill(1, SIGKILL (9))");
        assertThat(v("tgkill", 1, 1, 15).describe()).isEqualTo("tgkill(1, 1, SIGTERM (15))");
    }

    @Test
    void textFromThePluginCannotForgeALogLine() {
        Violation.Task task = new Violation.Task("evil\nthread", 1, 0, "/x\n2026 ERROR forged\u001b[2J", false, null);
        Violation v = v("unlink", task, 0x1000);
        assertThat(v.toString()).doesNotContain("\n").doesNotContain("\u001b")
                .contains("\\u000a2026 ERROR forged\\u001b[2J").contains("thread=\"evil\\u000athread\"");
    }
}
