package dev.pluginhost.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pluginhost.sandbox.programs.EnvFdProgram;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The native launcher driven directly, the way a shell or another host would. */
class LauncherCliTest {

    @TempDir
    Path tmp;

    private record Result(int code, String out, String err) {
    }

    private Result run(List<String> command, String... env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command);
        for (int i = 0; i < env.length; i += 2) {
            pb.environment().put(env[i], env[i + 1]);
        }
        pb.redirectOutput(tmp.resolve("out.txt").toFile()).redirectError(tmp.resolve("err.txt").toFile());
        Process p = pb.start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), Files.readString(tmp.resolve("out.txt")),
                Files.readString(tmp.resolve("err.txt")));
    }

    private String launcher() {
        return TestJvm.launcher().binary().toString();
    }

    private Path jvmFilter() throws Exception {
        Path filter = tmp.resolve("jvm.bpf");
        PolicyCompiler.compile(SyscallPolicy.jvmDefault()).writeTo(filter);
        return filter;
    }

    @Test
    void noEnvironmentVariableAndNoDescriptorLeaksFromTheLaunchersCaller() throws Exception {
        Path leaked = Files.writeString(tmp.resolve("leaked-fd.txt"), "host data");
        Path kept = Files.writeString(tmp.resolve("kept-fd.txt"), "passed on purpose");
        Path events = tmp.resolve("events.jsonl");
        List<String> cmd = new ArrayList<>(List.of("/bin/bash", "-c",
                "exec 7<\"$LEAK\" 8<\"$KEEP\"; unset LEAK KEEP; exec \"$@\"", "bash",
                launcher(), "--filter", jvmFilter().toString(), "--events", events.toString(),
                "--keep-fd", "8", "--env", "PLUGIN_ID=cli", "--"));
        cmd.addAll(TestJvm.command(EnvFdProgram.class));

        // Control: without the launcher, bash passes fd 7 and the secret on.
        List<String> plain = new ArrayList<>(List.of("/bin/bash", "-c", "exec 7<\"$LEAK\"; exec \"$@\"", "bash"));
        plain.addAll(TestJvm.command(EnvFdProgram.class));
        Result control = run(plain, "PLUGIN_SECRET", "hunter2", "LEAK", leaked.toString());
        assertThat(control.out).contains("env PLUGIN_SECRET=hunter2").contains("fd 7 " + leaked);

        Result r = run(cmd, "PLUGIN_SECRET", "hunter2", "LEAK", leaked.toString(), "KEEP", kept.toString());

        assertThat(r.code).as(r.err).isZero();
        assertThat(r.out.lines().filter(l -> l.startsWith("env "))).containsExactly("env PLUGIN_ID=cli");
        assertThat(r.out).doesNotContain("hunter2").doesNotContain(leaked.toString())
                .contains("fd 8 " + kept);
        assertThat(r.out.lines().filter(l -> l.startsWith("fd ")))
                .noneMatch(l -> l.contains("events.jsonl") || l.contains("jvm.bpf"));
        assertThat(Files.readString(events)).contains("\"event\":\"started\"").contains("\"event\":\"exited\"");
    }

    @Test
    void missingFilterFailsClosedNamingTheStep() throws Exception {
        Path marker = tmp.resolve("ran");
        Result r = run(List.of(launcher(), "--filter", tmp.resolve("nope.bpf").toString(), "--events",
                tmp.resolve("ev").toString(), "--", "/usr/bin/touch", marker.toString()));
        assertThat(r.code).isEqualTo(125);
        assertThat(r.err).contains("plugin-launcher: open filter: No such file or directory");
        assertThat(marker).doesNotExist();
    }

    @Test
    void malformedFilterFailsClosed() throws Exception {
        Path bad = Files.write(tmp.resolve("bad.bpf"), new byte[7]);
        Path marker = tmp.resolve("ran");
        Result r = run(List.of(launcher(), "--filter", bad.toString(), "--events", tmp.resolve("ev").toString(),
                "--", "/usr/bin/touch", marker.toString()));
        assertThat(r.code).isEqualTo(125);
        assertThat(r.err).contains("plugin-launcher: read filter: size is not a positive multiple of 8 bytes");
        assertThat(marker).doesNotExist();
    }

    @Test
    void filterTheKernelRejectsFailsClosedInTheChild() throws Exception {
        // One instruction that reads past seccomp_data: the kernel's checker refuses it (EINVAL).
        byte[] insn = {0x20, 0, 0, 0, (byte) 0xff, 0, 0, 0};
        Path bad = Files.write(tmp.resolve("bad.bpf"), insn);
        Path marker = tmp.resolve("ran");
        Path events = tmp.resolve("ev");
        Result r = run(List.of(launcher(), "--filter", bad.toString(), "--events", events.toString(),
                "--", "/usr/bin/touch", marker.toString()));
        assertThat(r.code).isEqualTo(125);
        assertThat(r.err).contains("plugin-launcher: child setup: seccomp(SECCOMP_SET_MODE_FILTER): Invalid argument");
        assertThat(Files.readString(events, StandardCharsets.UTF_8)).contains("\"event\":\"error\"");
        assertThat(marker).doesNotExist();
    }

    @Test
    void usageErrorsExitTwo() throws Exception {
        assertThat(run(List.of(launcher(), "--filter", "x", "--events", "y", "--", "relative")).code).isEqualTo(2);
        assertThat(run(List.of(launcher(), "--events", "y", "--", "/bin/true")).code).isEqualTo(2);
        assertThat(run(List.of(launcher(), "--version")).out).startsWith("plugin-launcher ");
    }
}
