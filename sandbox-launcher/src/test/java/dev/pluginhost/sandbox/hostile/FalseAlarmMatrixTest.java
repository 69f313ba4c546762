package dev.pluginhost.sandbox.hostile;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.Native;
import dev.pluginhost.sandbox.ExitStatus;
import dev.pluginhost.sandbox.LaunchSpec;
import dev.pluginhost.sandbox.PluginIsolation;
import dev.pluginhost.sandbox.SandboxLauncher;
import dev.pluginhost.sandbox.SandboxListener;
import dev.pluginhost.sandbox.SandboxedProcess;
import dev.pluginhost.sandbox.Violation;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The false-alarm matrix: an honest JVM workload ({@link HonestMatrixProgram}) under the plugin's sandbox (default
 * policy, namespaces, uid drop, rlimits, boot phase) for every garbage collector and JIT configuration, with ZERO
 * run-phase violations. The JDK's own start-up probes happen in the boot phase (the program triggers them before it
 * prints BOOTED; the test then ends the boot phase) and are listed, not failed.
 *
 * <p>JNA: {@code com.sun.jna.NativeLibrary}'s static initialiser runs {@code /sbin/ldconfig -p} (a
 * clone(CLONE_VM|CLONE_VFORK) that the policy refuses) unless the system property {@code jna.platform.library.path}
 * is set: every run here sets it, and the matrix shows that no clone is attempted.
 */
class FalseAlarmMatrixTest {

    static final Path WORK = Path.of("target", "false-alarm").toAbsolutePath();
    static final String JDK25 = "/usr/lib/jvm/temurin-25-jdk-amd64/bin/java";
    private static SandboxLauncher launcher;
    private static String classpath;
    private static Path jar;
    private static final Map<String, String> TABLE = new ConcurrentHashMap<>();

    @BeforeAll
    static void setUp() throws Exception {
        HostileSuiteTest.deleteRecursively(WORK);
        Files.createDirectories(WORK);
        Files.setPosixFilePermissions(WORK, PosixFilePermissions.fromString("rwxr-xr-x"));
        launcher = new SandboxLauncher(WORK.resolve("launcher"));
        Path lib = Files.createDirectories(WORK.resolve("lib"));
        Files.setPosixFilePermissions(lib, PosixFilePermissions.fromString("rwxr-xr-x"));
        jar = lib.resolve("jna.jar");
        Files.copy(Path.of(Native.class.getProtectionDomain().getCodeSource().getLocation().toURI()), jar,
                StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("rw-r--r--"));
        classpath = Path.of(HonestMatrixProgram.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                + ":" + jar;
    }

    @AfterAll
    static void printMatrix() {
        StringBuilder sb = new StringBuilder("\n=== false-alarm matrix (run-phase violations must be 0)\n");
        TABLE.keySet().stream().sorted().forEach(k -> sb.append(String.format("%-40s %s%n", k, TABLE.get(k))));
        System.out.println(sb);
    }

    static Stream<String[]> matrix() {
        List<String[]> rows = new ArrayList<>();
        for (String gc : List.of("-XX:+UseSerialGC", "-XX:+UseParallelGC", "-XX:+UseG1GC")) {
            rows.add(new String[] {"17", gc, "-XX:TieredStopAtLevel=1"});
            rows.add(new String[] {"17", gc, "-XX:-TieredCompilation"});
        }
        if (Files.isExecutable(Path.of(JDK25))) {
            rows.add(new String[] {"25", "-XX:+UseG1GC", "-XX:+TieredCompilation"});
        }
        return rows.stream();
    }

    @ParameterizedTest(name = "JDK {0} {1} {2}")
    @MethodSource("matrix")
    void honestJvmRaisesNoRunPhaseViolation(String jdk, String gc, String jit) throws Exception {
        String name = jdk + "-" + gc.replaceAll("\\W", "") + "-" + jit.replaceAll("\\W", "");
        Path scratch = Files.createDirectories(WORK.resolve(name));
        if (launcher.childUid() >= 0) {
            Files.setAttribute(scratch, "unix:uid", launcher.childUid());
            Files.setAttribute(scratch, "unix:gid", launcher.childGid());
        }
        Path go = scratch.resolve("go");
        String java = jdk.equals("25") ? JDK25 : Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = List.of(java, "-Xmx64m", gc, jit, "-XX:-UsePerfData",
                "-Djna.platform.library.path=/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu:/lib:/usr/lib",
                "-Djna.tmpdir=" + scratch, "-Djava.io.tmpdir=" + scratch, "-cp", classpath,
                HonestMatrixProgram.class.getName(), scratch.toString(), go.toString(), jar.toString());
        List<Violation> violations = new CopyOnWriteArrayList<>();
        LaunchSpec spec = PluginIsolation.builder(List.of(scratch)).command(cmd).workingDirectory(scratch)
                .readOnly(Path.of(classpath.split(":")[0]), jar)
                .bootPhase(true).build();
        SandboxedProcess p = launcher.launch(spec, new SandboxListener() {
            @Override
            public void onViolation(Violation v) {
                violations.add(v);
            }
        });
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> readAll(p.stderr()));
        List<String> out = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.stdout(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                out.add(line);
                if (line.startsWith("BOOTED")) {
                    p.endBootPhase();
                    Files.writeString(go, "go");
                }
            }
        }
        ExitStatus exit = p.onExit().get(90, TimeUnit.SECONDS);
        List<Violation> boot = violations.stream().filter(Violation::boot).toList();
        List<Violation> run = violations.stream().filter(v -> !v.boot()).toList();
        TABLE.put("JDK " + jdk + " " + gc + " " + jit, "exit " + exit.exitCode() + ", run-phase " + run.size()
                + ", boot probes " + boot.size() + " " + boot.stream().map(v -> v.syscall() + "(0x"
                + Long.toHexString(v.arg(0)) + ")").collect(Collectors.groupingBy(s -> s, Collectors.counting())));

        String stderr = err.get(10, TimeUnit.SECONDS);
        assertThat(exit.exitCode()).as(out + stderr).isZero();
        assertThat(out).anyMatch(l -> l.startsWith("DONE "));
        assertThat(run).as("run-phase violations").isEmpty();
        // Under the minimal root (this machine has a mount namespace): what the JVM needs is bound.
        assertThat(p.layers()).filteredOn(l -> l.name().equals("minimal-root")).singleElement()
                .satisfies(l -> assertThat(l.active()).as(l.reason()).isTrue());
        // Boot probes: only the JDK's documented address-family probes; JNA's ldconfig clone is gone.
        assertThat(boot).allSatisfy(v -> {
            assertThat(v.syscall()).isEqualTo("socket");
            assertThat(v.arg(0)).isIn(2L, 10L);
        });
    }

    private static String readAll(java.io.InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "<" + e + ">";
        }
    }
}
