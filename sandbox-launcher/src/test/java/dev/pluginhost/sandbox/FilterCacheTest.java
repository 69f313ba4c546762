package dev.pluginhost.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A launcher compiles each distinct policy once; launches from the cache are filtered exactly as the first one. */
class FilterCacheTest {

    @TempDir
    Path tmp;

    private static TestJvm.Recorder run(SandboxLauncher launcher, LaunchSpec spec) throws Exception {
        TestJvm.Recorder events = new TestJvm.Recorder();
        SandboxedProcess process = launcher.launch(spec, events);
        try {
            process.onExit().get(30, TimeUnit.SECONDS);
            events.exited.get(5, TimeUnit.SECONDS);
            return events;
        } finally {
            process.kill();
        }
    }

    private static String seccompLayer(TestJvm.Recorder events) {
        return events.layers.stream().filter(l -> l.name().equals("seccomp")).findFirst().orElseThrow().reason();
    }

    @Test
    void twoLaunchesOfOnePolicyCompileOnceAndADifferentPolicyCompilesAgain() throws Exception {
        SyscallPolicy policy = SyscallPolicy.jvmDefault();
        SyscallPolicy wider = policy.toBuilder().allow("mlock").because("test").build();
        int instructions = PolicyCompiler.compile(policy).instructionCount();
        SandboxLauncher launcher = new SandboxLauncher(tmp);
        try {
            assertThat(launcher.filterCompilations()).isZero();

            TestJvm.Recorder first = run(launcher, LaunchSpec.builder().command("/bin/true").policy(policy).build());
            assertThat(first.exited).isCompletedWithValue(new ExitStatus(0, 0));
            assertThat(launcher.filterCompilations()).isEqualTo(1);

            // The second launch runs from the cache: not compiled again, and still under the whole filter.
            TestJvm.Recorder second = run(launcher, LaunchSpec.builder().command("/bin/sh", "-c", "/bin/true")
                    .policy(SyscallPolicy.jvmDefault().toBuilder().build()).build());
            assertThat(launcher.filterCompilations()).isEqualTo(1);
            assertThat(seccompLayer(second)).startsWith(instructions + " BPF instructions");
            assertThat(second.violations).as("the shell's fork is refused under the cached filter")
                    .anyMatch(v -> v.syscall().matches("clone|fork|vfork"));
            assertThat(second.exited.get().exitCode()).isNotZero();

            TestJvm.Recorder third = run(launcher, LaunchSpec.builder().command("/bin/true").policy(wider).build());
            assertThat(third.exited).isCompletedWithValue(new ExitStatus(0, 0));
            assertThat(launcher.filterCompilations()).as("another policy, another program").isEqualTo(2);
            assertThat(PolicyCompiler.cacheKey(wider)).isNotEqualTo(PolicyCompiler.cacheKey(policy));
        } finally {
            launcher.close();
        }
    }

    @Test
    void theKeyIsTheRulesNotTheReasons() {
        SyscallPolicy a = SyscallPolicy.builder().allow("read", "sendmsg").because("one").build();
        SyscallPolicy b = SyscallPolicy.builder().allow("read", "sendmsg").because("another").build();
        SyscallPolicy c = SyscallPolicy.builder().allow("read", "sendmsg")
                .allowIf("prctl", ArgRule.eq(0, 15)).build();
        SyscallPolicy d = SyscallPolicy.builder().allow("read", "sendmsg")
                .allowIf("prctl", ArgRule.eq(0, 16)).build();
        assertThat(PolicyCompiler.cacheKey(a)).isEqualTo(PolicyCompiler.cacheKey(b)).hasSize(64);
        assertThat(PolicyCompiler.cacheKey(c)).isNotEqualTo(PolicyCompiler.cacheKey(a))
                .isNotEqualTo(PolicyCompiler.cacheKey(d));
    }
}
