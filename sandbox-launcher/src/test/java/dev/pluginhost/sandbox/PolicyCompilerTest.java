package dev.pluginhost.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.nio.file.Files;
import java.nio.file.Path;
import dev.pluginhost.sandbox.oci.Json;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyCompilerTest {

    @Test
    void jvmDefaultCompilesToABinaryTreeFilterWithNotifyAsDefault(@TempDir Path tmp) throws Exception {
        CompiledFilter filter = PolicyCompiler.compile(SyscallPolicy.jvmDefault());
        assertThat(filter.bpf().length).isEqualTo(filter.instructionCount() * 8);
        assertThat(filter.instructionCount()).isBetween(50, 4096);
        Path file = tmp.resolve("f.bpf");
        filter.writeTo(file);
        assertThat(Files.readAllBytes(file)).isEqualTo(filter.bpf());

        String pfc = PolicyCompiler.pfc(SyscallPolicy.jvmDefault());
        assertThat(pfc).contains("filter for arch x86_64")
                .contains("if ($syscall > ") // binary tree, not a linear chain
                .contains("action ERRNO(38)") // clone3 -> ENOSYS
                .contains("action 0x7fc00000") // default: SECCOMP_RET_USER_NOTIF
                .contains("action KILL_PROCESS"); // foreign architecture
    }

    @Test
    void jvmDefaultLeavesDangerousSyscallsToTheSupervisor() {
        SyscallPolicy policy = SyscallPolicy.jvmDefault();
        for (String name : List.of("execve", "execveat", "fork", "vfork", "seccomp", "io_uring_setup", "ptrace",
                "bpf", "process_vm_readv", "userfaultfd", "unshare", "setns", "mount", "memfd_create",
                "perf_event_open", "personality", "keyctl")) {
            assertThat(policy.allows(name)).as(name).isFalse();
        }
        assertThat(policy.rules()).filteredOn(r -> r.syscall().equals("socket")).singleElement()
                .satisfies(r -> assertThat(r.conditions()).containsExactly(ArgRule.eq(0, 1)));
        assertThat(policy.rules()).filteredOn(r -> r.syscall().equals("clone3")).singleElement()
                .satisfies(r -> assertThat(r.errno()).isEqualTo(38));
        assertThat(policy.allows("sendmsg")).isTrue();
    }

    @Test
    void unknownSyscallNameIsRejectedByName() {
        SyscallPolicy policy = SyscallPolicy.builder().allow("read", "no_such_call").build();
        assertThatIllegalArgumentException().isThrownBy(() -> PolicyCompiler.compile(policy))
                .withMessageContaining("no_such_call");
    }

    @Test
    void builderRejectsContradictions() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> SyscallPolicy.builder().allow("clone3").errno("clone3", 38))
                .withMessageContaining("clone3");
        assertThatIllegalArgumentException().isThrownBy(() -> SyscallPolicy.builder().allowIf("socket"));
        assertThatIllegalArgumentException().isThrownBy(() -> ArgRule.eq(6, 0));
    }

    @Test
    void argumentRulesCompareAllSixtyFourBits() {
        String pfc = PolicyCompiler.pfc(SyscallPolicy.builder().allow("sendmsg")
                .allowIf("ioctl", ArgRule.eq(1, 0x541BL)).build());
        assertThat(pfc).contains("$a1.hi32 == 0").contains("$a1.lo32 == 21531");
    }

    @Test
    void syscallNamesResolveBothWays() {
        assertThat(Syscalls.name(Syscalls.ARCH_X86_64, 41)).isEqualTo("socket");
        assertThat(Syscalls.name(Syscalls.ARCH_X86_64, 59)).isEqualTo("execve");
        assertThat(Syscalls.name(Syscalls.ARCH_X86_64, 99_999)).isEqualTo("unknown(99999)");
        assertThat(Syscalls.number("clone3")).isEqualTo(435);
        assertThat(Syscalls.number("no_such_call")).isEqualTo(-1);
    }

    @Test
    void eventLinesParse() {
        // The launcher's event lines are read with the module's one JSON reader (oci.Json).
        Object e = Json.parse("{\"event\":\"violation\",\"pid\":12,\"nr\":41,\"arch\":3221225534,"
                + "\"args\":[\"0x2\",\"0x1\"],\"action\":\"deny\",\"errno\":1,\"time_ms\":1700000000000}");
        assertThat(e).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
                .containsEntry("event", "violation").containsEntry("pid", java.math.BigInteger.valueOf(12))
                .containsEntry("arch", java.math.BigInteger.valueOf(3221225534L))
                .containsEntry("args", List.of("0x2", "0x1"));
        assertThat(Json.parse("{\"event\":\"error\",\"message\":\"a \\\"b\\\" \\u0001\"}"))
                .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
                .containsEntry("message", "a \"b\" \u0001");
    }
}
