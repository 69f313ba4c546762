package dev.pluginhost.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/** Helpers to start test programs as real JVMs and to watch real processes. */
final class TestJvm {
    static final Path WORK = Path.of("target", "sandbox-work").toAbsolutePath();
    private static SandboxLauncher launcher;

    private TestJvm() {
    }

    static synchronized SandboxLauncher launcher() {
        if (launcher == null) {
            try {
                launcher = new SandboxLauncher(WORK);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return launcher;
    }

    static String java() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    /**
     * The test classpath as a plain list. Under surefire, java.class.path is a manifest-only booter jar, whose
     * Class-Path URLs make the child JVM initialise java.net.InetAddress (and probe AF_INET/AF_INET6) before main:
     * a plugin started with a plain -cp does not do that.
     */
    static String classpath() {
        return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    }

    /** The command line of a child JVM running {@code main} on the test classpath. */
    /**
     * The default policy with kill and tgkill to any pid, as before the own-process rule: for tests of the layers
     * that bound signals by themselves (pid namespace, Landlock scope), which the filter would otherwise hide.
     */
    static final SyscallPolicy SIGNALS_ANYWHERE = SyscallPolicy.jvmDefault().toBuilder().allow("kill", "tgkill").build();

    static List<String> command(Class<?> main, String... args) {
        // -XX:-UsePerfData as the host gives plugins: otherwise HotSpot's start-up cleanup of stale /tmp/hsperfdata
        // files probes their pids with kill(pid, 0), which the own-process signal rule refuses and reports.
        List<String> cmd = new ArrayList<>(List.of(java(), "-Xmx64m", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData",
                "-cp", classpath(), main.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /**
     * A fresh directory every user may enter and write (mode 1777, under target/): for programs dropped to uid
     * 65534, which cannot enter JUnit's private temporary directories.
     */
    static Path worldDir() throws IOException {
        Path base = WORK.getParent().resolve("world");
        Files.createDirectories(base);
        Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path dir = Files.createTempDirectory(base, "t");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        return dir;
    }

    /** A fresh {@link #worldDir()} holding a copy of the launcher and the default filter that any uid may use. */
    record WorldLauncher(Path dir, Path binary, Path filter) {
    }

    /** For a launcher started as another uid (setpriv), as a non-root host starts it. */
    static WorldLauncher worldLauncher() throws IOException {
        Path dir = worldDir();
        Path binary = Files.copy(launcher().binary(), dir.resolve("plugin-launcher"));
        Files.setPosixFilePermissions(binary, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path filter = dir.resolve("jvm.bpf");
        PolicyCompiler.compile(SyscallPolicy.jvmDefault()).writeTo(filter);
        Files.setPosixFilePermissions(filter, PosixFilePermissions.fromString("rw-r--r--"));
        return new WorldLauncher(dir, binary, filter);
    }

    /**
     * Fails (the project does not skip) when this run is not root: {@code why} says what needs it, e.g. "setpriv
     * needs root".
     */
    static void requireRoot(String why) {
        assertThat(SandboxLauncher.effectiveUid()).as("not available here: " + why + ", and this run is not root")
                .isZero();
    }

    /** Whether {@code pid} names a live (not zombie) process. */
    static boolean running(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (IOException e) {
            return false;
        }
    }

    /** Drains a stream on a daemon thread, keeping its lines. */
    static final class Lines {
        final List<String> lines = new CopyOnWriteArrayList<>();
        final CompletableFuture<Void> closed = new CompletableFuture<>();

        Lines(InputStream in) {
            Thread t = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        lines.add(line);
                    }
                } catch (IOException e) {
                    lines.add("<read failed: " + e + ">");
                } finally {
                    closed.complete(null);
                }
            }, "test-output");
            t.setDaemon(true);
            t.start();
        }

        String await(Predicate<String> match, Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                for (String line : lines) {
                    if (match.test(line)) {
                        return line;
                    }
                }
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            throw new AssertionError("no matching line within " + timeout + "; got " + lines);
        }

        String text() {
            return String.join("\n", lines);
        }
    }

    /** Records a launch's events. */
    static class Recorder implements SandboxListener {
        final List<Violation> violations = new CopyOnWriteArrayList<>();
        final List<String> errors = new CopyOnWriteArrayList<>();
        final CompletableFuture<Long> started = new CompletableFuture<>();
        final CompletableFuture<ExitStatus> exited = new CompletableFuture<>();
        final List<Layer> layers = new CopyOnWriteArrayList<>();

        @Override
        public void onLayer(String name, boolean active, String reason) {
            layers.add(new Layer(name, active, reason));
        }

        @Override
        public void onStarted(long pid) {
            started.complete(pid);
        }

        @Override
        public void onViolation(Violation violation) {
            violations.add(violation);
        }

        @Override
        public void onError(String message) {
            errors.add(message);
        }

        @Override
        public void onExit(ExitStatus status) {
            exited.complete(status);
        }
    }

    /** Runs a command outside the sandbox: the control experiment. Returns exit code and output. */
    static Result runPlain(List<String> command) throws Exception {
        Path out = Files.createTempFile(WORK.getParent(), "plain", ".txt");
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError("control run did not finish: " + Files.readString(out));
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    record Result(int exitCode, String output) {
    }
}
