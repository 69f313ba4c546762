package dev.pluginhost.sandbox.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import dev.pluginhost.sandbox.ArgRule;
import dev.pluginhost.sandbox.CompiledFilter;
import dev.pluginhost.sandbox.PolicyCompiler;
import dev.pluginhost.sandbox.SyscallPolicy;
import dev.pluginhost.sandbox.SyscallPolicy.Action;
import dev.pluginhost.sandbox.SyscallPolicy.Rule;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OciProfileTest {

    static String dockerProfile() throws IOException {
        try (InputStream in = OciProfileTest.class.getResourceAsStream("docker-default-seccomp.json")) {
            assertThat(in).as("docker-default-seccomp.json on the test classpath").isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static Set<Rule> rules(SyscallPolicy policy) {
        return new HashSet<>(policy.rules());
    }

    @Test
    void exportThenImportGivesTheSamePolicy() {
        SyscallPolicy original = SyscallPolicy.jvmDefault();
        OciProfile.Imported back = OciProfile.importProfile(OciProfile.export(original));

        // The same rules, but kill/tgkill without the own-pid condition a container runtime cannot hold.
        List<Rule> exported = OciProfile.exportedRules(original);
        assertThat(rules(back.policy())).isEqualTo(new HashSet<>(exported));
        assertThat(back.policy().rules()).hasSameSizeAs(exported);
        assertThat(exported).contains(new Rule("kill", SyscallPolicy.Action.ALLOW, 0, List.of()));
        assertThat(back.defaultAction()).isEqualTo("SCMP_ACT_ERRNO");
        // Same rules compile to a program of the same size (libseccomp orders its tree itself).
        SyscallPolicy.Builder same = SyscallPolicy.builder();
        exported.forEach(r -> {
            if (r.action() == SyscallPolicy.Action.ERRNO) {
                same.errno(r.syscall(), r.errno());
            } else if (r.conditions().isEmpty()) {
                same.allow(r.syscall());
            } else {
                same.allowIf(r.syscall(), r.conditions().toArray(ArgRule[]::new));
            }
        });
        assertThat(PolicyCompiler.compile(back.policy()).instructionCount())
                .isEqualTo(PolicyCompiler.compile(same.build()).instructionCount());
    }

    @Test
    @SuppressWarnings("unchecked")
    void exportHasTheOciShape() {
        Map<String, Object> profile = (Map<String, Object>) Json.parse(OciProfile.export(SyscallPolicy.jvmDefault()));

        assertThat(profile).containsOnlyKeys("defaultAction", "defaultErrnoRet", "architectures", "syscalls");
        assertThat(profile.get("defaultAction")).isEqualTo("SCMP_ACT_ERRNO");
        assertThat(profile.get("defaultErrnoRet")).isEqualTo(BigInteger.ONE);
        assertThat((List<Object>) profile.get("architectures")).containsExactly("SCMP_ARCH_X86_64");
        List<Map<String, Object>> syscalls = (List<Map<String, Object>>) profile.get("syscalls");
        assertThat(syscalls).isNotEmpty();
        Set<String> seen = new HashSet<>();
        for (Map<String, Object> entry : syscalls) {
            assertThat(entry.keySet()).containsAnyOf("names").isSubsetOf("names", "action", "errnoRet", "args");
            List<Object> names = (List<Object>) entry.get("names");
            assertThat(names).isNotEmpty().allMatch(n -> n instanceof String);
            names.forEach(n -> seen.add((String) n));
            assertThat(entry.get("action")).isIn("SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO");
            assertThat(entry.containsKey("errnoRet")).isEqualTo(entry.get("action").equals("SCMP_ACT_ERRNO"));
            for (Object a : (List<Object>) entry.getOrDefault("args", List.of())) {
                Map<String, Object> arg = (Map<String, Object>) a;
                assertThat(arg).containsOnlyKeys("index", "value", "valueTwo", "op");
                assertThat((BigInteger) arg.get("index")).isBetween(BigInteger.ZERO, BigInteger.valueOf(5));
                assertThat(((BigInteger) arg.get("value")).signum()).isNotNegative();
                assertThat((String) arg.get("op")).startsWith("SCMP_CMP_");
            }
        }
        assertThat(seen).contains("read", "clone", "clone3", "socket", "ioctl").doesNotContain("execve", "ptrace");

        Map<String, Object> clone3 = only(syscalls, "clone3");
        assertThat(clone3).containsEntry("action", "SCMP_ACT_ERRNO").containsEntry("errnoRet", BigInteger.valueOf(38));
        Map<String, Object> clone = only(syscalls, "clone");
        Map<String, Object> cloneArg = ((List<Map<String, Object>>) clone.get("args")).get(0);
        assertThat(cloneArg).containsEntry("op", "SCMP_CMP_MASKED_EQ").containsEntry("index", BigInteger.ZERO)
                .containsEntry("value", BigInteger.valueOf(0x7e030000L)) // mask: CLONE_THREAD | namespace flags
                .containsEntry("valueTwo", BigInteger.valueOf(0x10000L)); // CLONE_THREAD, no namespace flag
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> only(List<Map<String, Object>> syscalls, String name) {
        List<Map<String, Object>> found = syscalls.stream()
                .filter(e -> ((List<Object>) e.get("names")).contains(name)).toList();
        assertThat(found).as(name).hasSize(1);
        return found.get(0);
    }

    @Test
    void dockersDefaultProfileImportsAsAContainerWithoutExtraCapabilitiesAndCompiles() throws IOException {
        OciProfile.Imported docker = OciProfile.importProfile(dockerProfile(), "6.18.0");
        SyscallPolicy policy = docker.policy();

        CompiledFilter filter = PolicyCompiler.compile(policy);
        assertThat(filter.instructionCount()).isGreaterThan(100);
        assertThat(docker.defaultAction()).isEqualTo("SCMP_ACT_ERRNO");
        // What the data README measured: exec, fork and ptrace get through Docker's profile.
        assertThat(policy.allows("execve")).isTrue();
        assertThat(policy.allows("ptrace")).isTrue(); // includes.minKernel 4.8 <= 6.18
        assertThat(policy.allows("read")).isTrue();
        // Capability-gated entries are not there: bpf (CAP_SYS_ADMIN/CAP_BPF), mount, open_by_handle_at...
        assertThat(policy.allows("bpf")).isFalse();
        assertThat(policy.allows("mount")).isFalse();
        assertThat(policy.allows("open_by_handle_at")).isFalse();
        assertThat(policy.allows("kcmp")).isFalse();
        // excludes.caps CAP_SYS_ADMIN: applies to a plugin, which has no capabilities.
        assertThat(policy.rules()).contains(new Rule("clone3", Action.ERRNO, 38, List.of()));
        assertThat(policy.rules()).contains(new Rule("clone", Action.ALLOW, 0,
                List.of(ArgRule.maskedEq(0, 0x7E020000L, 0))));
        // socket: every family but AF_VSOCK (40) and AF_KCM... exactly Docker's three conditions, kept as three rules
        assertThat(policy.rules()).filteredOn(r -> r.syscall().equals("socket")).extracting(Rule::conditions)
                .containsExactly(List.of(ArgRule.lt(0, 38)), List.of(ArgRule.eq(0, 39)), List.of(ArgRule.gt(0, 40)));
        assertThat(policy.rules()).filteredOn(r -> r.syscall().equals("personality")).hasSize(5);
        // s390-only clone entry skipped by arch; arm/ppc/s390/riscv-only names skipped.
        assertThat(policy.rules()).filteredOn(r -> r.syscall().equals("clone")).hasSize(1);
        assertThat(docker.notes()).anyMatch(n -> n.contains("need capabilities") && n.contains("CAP_SYS_ADMIN"));
        assertThat(docker.notes()).anyMatch(n -> n.contains("not x86_64 syscalls") && n.contains("chown32"));
        assertThat(docker.notes()).anyMatch(n -> n.contains("SCMP_ARCH_X86") && n.contains("kills i386"));
    }

    @Test
    void minKernelIsComparedWithTheRunningKernel() throws IOException {
        OciProfile.Imported old = OciProfile.importProfile(dockerProfile(), "4.4.0");
        assertThat(old.policy().allows("ptrace")).isFalse();
        assertThat(old.notes()).anyMatch(n -> n.contains("needs kernel 4.8"));
        assertThat(OciProfile.compareKernel("6.18.0-foo", "4.8")).isPositive();
        assertThat(OciProfile.compareKernel("4.8", "4.8")).isZero();
        assertThat(OciProfile.compareKernel("4.19", "5.1")).isNegative();
    }

    @Test
    void whatThePolicyCannotExpressIsReportedAndLeftToTheSupervisor() {
        String json = """
                {"defaultAction": "SCMP_ACT_KILL_PROCESS", "architectures": ["SCMP_ARCH_X86_64"],
                 "syscalls": [
                   {"names": ["read", "write", "sendmsg"], "action": "SCMP_ACT_ALLOW"},
                   {"names": ["ptrace"], "action": "SCMP_ACT_KILL"},
                   {"names": ["kill"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 1, "value": 9, "op": "SCMP_CMP_EQ"}]},
                   {"names": ["not_a_syscall"], "action": "SCMP_ACT_ALLOW"},
                   {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
                    "args": [{"index": 0, "value": 0, "op": "SCMP_CMP_EQ"}, {"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]},
                   {"names": ["getpid"], "action": "SCMP_ACT_ERRNO"}
                 ]}
                """;
        OciProfile.Imported imported = OciProfile.importProfile(json);
        assertThat(imported.defaultAction()).isEqualTo("SCMP_ACT_KILL_PROCESS");
        assertThat(imported.notes()).anyMatch(n -> n.contains("ptrace SCMP_ACT_KILL"))
                .anyMatch(n -> n.contains("kill ERRNO with argument conditions"))
                .anyMatch(n -> n.contains("not_a_syscall"));
        assertThat(imported.policy().rules()).contains(new Rule("getpid", Action.ERRNO, 1, List.of()))
                // two conditions on one argument: OR (runc's reading), so two rules
                .contains(new Rule("personality", Action.ALLOW, 0, List.of(ArgRule.eq(0, 0))))
                .contains(new Rule("personality", Action.ALLOW, 0, List.of(ArgRule.eq(0, 8))));
        assertThat(imported.policy().allows("ptrace")).isFalse();
        PolicyCompiler.compile(imported.policy());
    }

    @Test
    void malformedProfilesAreRejectedNamingThePlace() {
        assertThatIllegalArgumentException().isThrownBy(() -> OciProfile.importProfile("[]"))
                .withMessageContaining("top level must be an object");
        assertThatIllegalArgumentException().isThrownBy(() -> OciProfile.importProfile("{\"syscalls\": []}"))
                .withMessageContaining("defaultAction is required");
        assertThatIllegalArgumentException().isThrownBy(() -> OciProfile.importProfile(
                "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\","
                        + "\"args\":[{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_LIKE\"}]}]}"))
                .withMessageContaining("syscalls[0]: unknown op SCMP_CMP_LIKE");
        assertThatIllegalArgumentException().isThrownBy(() -> OciProfile.importProfile(
                "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"architectures\":[\"SCMP_ARCH_AARCH64\"]}"))
                .withMessageContaining("does not cover SCMP_ARCH_X86_64");
        assertThatIllegalArgumentException().isThrownBy(() -> OciProfile.importProfile(
                "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\","
                        + "\"args\":[{\"index\":0,\"value\":-1,\"op\":\"SCMP_CMP_EQ\"}]}]}"))
                .withMessageContaining("unsigned 64-bit");
    }
}
