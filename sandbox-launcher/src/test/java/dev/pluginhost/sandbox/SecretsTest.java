package dev.pluginhost.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pluginhost.sandbox.programs.SecretProgram;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A launch secret must be on no command line (/proc/<pid>/cmdline is world-readable: ps shows it to every user) and
 * not in the program's environment (a same-uid process outside the sandbox could read /proc/<pid>/environ). The
 * control shows that an environment variable is readable there, and that a value passed the old way (--env on the
 * launcher's command line) shows in its cmdline; then a {@link LaunchSpec.Builder#secret} is found nowhere but in
 * the program itself.
 */
class SecretsTest {
    @RegisterExtension
    final Launches launches = new Launches();

    private static String fresh() {
        byte[] b = new byte[24];
        new SecureRandom().nextBytes(b);
        return "s3cr3t-" + HexFormat.of().formatHex(b);
    }

    /** Every process's command line on the machine (that is still there when read), one string each. */
    private static List<String> cmdlinesContaining(String needle) throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    String cmdline = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8);
                    if (cmdline.contains(needle)) {
                        found.add(p.getFileName() + ": " + cmdline.replace('\0', ' '));
                    }
                } catch (IOException e) {
                    // exited meanwhile
                }
            }
        }
        return found;
    }

    private static String environ(long pid) throws IOException {
        return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ")), StandardCharsets.UTF_8);
    }

    private Launches.Run start(LaunchSpec.Builder spec) throws Exception {
        Launches.Run run = launches.launch(spec.command(TestJvm.command(SecretProgram.class, "PLUGIN_LAUNCH_SECRET")));
        run.line("ready");
        return run;
    }

    @Test
    void aSecretIsOnNoCommandLineAndNotInTheProgramsEnvironment() throws Exception {
        Path data = TestJvm.worldDir();
        // Control: a plain environment variable is readable in the program's environ.
        String control = fresh();
        Launches.Run plain = launches.launch(PluginIsolation.builder(List.of(data))
                .command(TestJvm.command(SecretProgram.class, "NONE")).env("PLUGIN_LAUNCH_SECRET", control));
        plain.line("ready"); // the JVM runs: its environ is the program's, not a process between fork and exec
        long plainPid = plain.process().pid();
        assertThat(environ(plainPid)).contains(control);
        // Control: a value on the launcher's command line (the old --env) is world-readable in its cmdline.
        Path filter = data.resolve("jvm.bpf");
        PolicyCompiler.compile(SyscallPolicy.jvmDefault()).writeTo(filter);
        Process old = new ProcessBuilder(TestJvm.launcher().binary().toString(), "--filter", filter.toString(),
                "--events", data.resolve("events").toString(), "--env", "PLUGIN_LAUNCH_SECRET=" + control, "--",
                "/bin/sleep", "10").start();
        try {
            assertThat(cmdlinesContaining(control)).isNotEmpty();
        } finally {
            old.destroyForcibly().waitFor();
        }

        String secret = fresh();
        Launches.Run run = start(PluginIsolation.builder(List.of(data)).secret("PLUGIN_LAUNCH_SECRET", secret));
        long pid = run.process().pid();
        // It arrived, once: the program read it from its descriptor, and a second read finds the pipe empty.
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(secret.getBytes(StandardCharsets.US_ASCII)));
        assertThat(run.out().lines).contains("sha256 " + sha, "in-env false", "again 0");
        assertThat(cmdlinesContaining(secret)).isEmpty();
        assertThat(environ(pid)).doesNotContain(secret).contains("PLUGIN_LAUNCH_SECRET_FD=");
        // Where it is meant to be: the launcher's own environment, readable by the launcher's uid only.
        Path launcherEnviron = Path.of("/proc", Long.toString(run.process().launcherPid()), "environ");
        assertThat(environ(run.process().launcherPid())).contains("PLUGIN_LAUNCH_SECRET=" + secret);
        assertThat(Files.getPosixFilePermissions(launcherEnviron)).hasSize(1); // r--------
    }

    @Test
    void noEnvironmentValueIsOnTheLaunchersCommandLine() throws Exception {
        String value = fresh();
        Launches.Run run = start(LaunchSpec.builder().env("PLUGIN_SOCKET", "/run/" + value)
                .secret("PLUGIN_LAUNCH_SECRET", fresh()));
        assertThat(environ(run.process().pid())).contains("PLUGIN_SOCKET=/run/" + value);
        assertThat(cmdlinesContaining(value)).isEmpty();
    }
}
