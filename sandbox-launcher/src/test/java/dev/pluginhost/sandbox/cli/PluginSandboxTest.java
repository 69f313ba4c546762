package dev.pluginhost.sandbox.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pluginhost.sandbox.SyscallPolicy;
import dev.pluginhost.sandbox.oci.Json;
import dev.pluginhost.sandbox.oci.OciProfile;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** plugin-sandbox: explain/export/import in process, run as a real CLI process around a real JVM. */
class PluginSandboxTest {

    @TempDir
    Path tmp;

    /** The CLI's java.io.tmpdir: traversable by uid 65534, to which a root launcher drops the program. */
    private Path world;

    @org.junit.jupiter.api.BeforeEach
    void worldDir() throws IOException {
        Path base = Files.createDirectories(Path.of("target", "cli-world").toAbsolutePath());
        Files.setPosixFilePermissions(base, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        world = Files.createTempDirectory(base, "t");
        Files.setPosixFilePermissions(world, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private record Result(int code, String out, String err) {
    }

    private static Result inProcess(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = new PluginSandbox(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8)).execute(args);
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    static String testClasses() {
        try {
            return Path.of(CliProgram.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static String classpath() {
        return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    }

    /** The CLI in its own JVM, as {@code java -jar plugin-sandbox.jar} would run (same main class, test classpath). */
    private Result cli(List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(java(), "-XX:TieredStopAtLevel=1", "-Djava.io.tmpdir=" + world,
                "-cp", classpath(), PluginSandbox.class.getName()));
        cmd.addAll(args);
        Path out = tmp.resolve("cli-out.txt");
        Path err = tmp.resolve("cli-err.txt");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("CLI finished").isTrue();
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    private static List<String> program(String... args) {
        List<String> cmd = new ArrayList<>(List.of(java(), "-Xmx64m", "-XX:TieredStopAtLevel=1", "-cp", classpath(),
                CliProgram.class.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Landlock: the program's classes must be granted read access (--ro). */
    private static List<String> run(List<String> options, List<String> program) {
        List<String> args = new ArrayList<>(List.of("run", "--ro", testClasses()));
        args.addAll(options);
        args.add("--");
        args.addAll(program);
        return args;
    }

    @Test
    void explainPrintsThePseudoFilterAndAReasonForEveryRule() {
        Result r = inProcess("explain");
        assertThat(r.code).as(r.err).isZero();
        assertThat(r.out).contains("# libseccomp pseudo-filter code").contains("if ($arch == 3221225534)")
                .contains("# rules (");
        for (SyscallPolicy.Rule rule : SyscallPolicy.jvmDefault().rules()) {
            assertThat(SyscallPolicy.jvmDefault().reason(rule.syscall())).as("reason for " + rule.syscall())
                    .isPresent();
        }
        assertThat(r.out).doesNotContain("(no reason recorded)");
        assertThat(r.out.lines().filter(l -> l.startsWith("fchmodat "))).singleElement().asString()
                .contains("not mediated by Landlock").contains("minimal root");
        assertThat(r.out.lines().filter(l -> l.startsWith("clone3 "))).singleElement().asString()
                .contains("errno 38 (ENOSYS)").contains("glibc fall back");
        assertThat(r.out.lines().filter(l -> l.startsWith("ioctl "))).hasSize(3)
                .anyMatch(l -> l.contains("arg1 == 0x5401"));
        assertThat(r.out.lines().filter(l -> l.startsWith("clone ")).findFirst()).get().asString()
                .contains("arg0 & 0x7e030000 == 0x10000");
    }

    @Test
    void exportWritesAnOciProfileThatImportReadsBack() throws IOException {
        Path file = tmp.resolve("plugin.json");
        Result export = inProcess("export", "--format", "oci", "--output", file.toString());
        assertThat(export.code).as(export.err).isZero();
        assertThat(Json.parse(Files.readString(file))).isInstanceOf(Map.class);

        Result imported = inProcess("import", file.toString());
        assertThat(imported.code).as(imported.err).isZero();
        assertThat(imported.out).contains("rules, compiles").contains("replaced by supervisor notification");
        assertThat(new HashSet<>(OciProfile.importProfile(Files.readString(file)).policy().rules()))
                .isEqualTo(new HashSet<>(OciProfile.exportedRules(SyscallPolicy.jvmDefault())));

        Result stdout = inProcess("export", "--format", "oci");
        assertThat(stdout.out).isEqualTo(Files.readString(file));
    }

    @Test
    void usageErrorsExitTwo() {
        assertThat(inProcess().code).isEqualTo(2);
        assertThat(inProcess("export").code).isEqualTo(2);
        assertThat(inProcess("export", "--format", "yaml").code).isEqualTo(2);
        assertThat(inProcess("run", "--", "java").err).contains("absolute path");
        assertThat(inProcess("run", "--mode", "maybe", "--", "/bin/true").code).isEqualTo(2);
        assertThat(inProcess("frobnicate").code).isEqualTo(2);
        assertThat(inProcess("import", tmp.resolve("missing.json").toString()).code).isEqualTo(1);
    }

    @Test
    void runForwardsOutputAndTheExitCodeAndWritesViolationsAsJsonLines() throws Exception {
        Path events = tmp.resolve("events.jsonl");
        Result r = cli(run(List.of("--events", events.toString()), program("exit", "7")));

        assertThat(r.code).as(r.err).isEqualTo(7);
        assertThat(r.out).isEqualTo("out: hello from the sandbox\n");
        assertThat(r.err).contains("err: hello from the sandbox");
        // An honest JVM: at most the JDK's documented address-family probes (see JvmDefaultPolicy).
        for (String line : Files.readAllLines(events)) {
            assertThat(Json.parse(line)).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
                    .containsEntry("event", "violation").containsEntry("syscall", "socket");
        }
    }

    @Test
    void runGivesACleanEnvironmentAndAPrivateTmpdirThatIsRemovedAfterwards() throws Exception {
        Result r = cli(run(List.of(), program("env")));
        assertThat(r.code).as(r.err).isZero();
        List<String> env = r.out.lines().filter(l -> l.startsWith("env ")).toList();
        assertThat(env).hasSize(2).anyMatch(l -> l.equals("env LANG=C.UTF-8"))
                .anyMatch(l -> l.startsWith("env TMPDIR=" + world.resolve("plugin-sandbox-")));
        assertThat(r.out).contains("tmp-writable written");
        String tmpdir = env.stream().filter(l -> l.startsWith("env TMPDIR=")).findFirst().orElseThrow()
                .substring("env TMPDIR=".length());
        assertThat(Path.of(tmpdir)).doesNotExist();
    }

    /** Issue 12: an honest JVM through the CLI reports no violation (before: read-only /tmp, JNA, JDK probes). */
    @Test
    void anHonestJvmWritingATempFileAndLoadingJnaRunsClean() throws Exception {
        Path jna = Path.of(com.sun.jna.Native.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path events = tmp.resolve("events.jsonl");
        Result r = cli(run(List.of("--ro", jna.toString(), "--events", events.toString()), program("honest")));
        assertThat(r.code).as(r.out + r.err).isZero();
        assertThat(r.out).contains("temp written in " + world.resolve("plugin-sandbox-")).contains("jna loaded true");
        assertThat(r.err).doesNotContain("violation");
        // The JDK's own probes, before the program's main class loaded, are there, marked boot; nothing else is.
        for (String line : Files.readAllLines(events)) {
            assertThat(Json.parse(line)).as(line).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
                    .containsEntry("boot", true);
        }
        Result plain = cli(run(List.of("--ro", jna.toString()), program("honest")));
        assertThat(plain.err).as("without --events: stderr names no violation").doesNotContain("violation");
    }

    @Test
    void violationsGoToStderrAsReadableLinesWithoutEvents() throws Exception {
        Result r = cli(run(List.of(), program("inet")));
        assertThat(r.code).as(r.err).isZero();
        assertThat(r.out).contains("inet refused");
        assertThat(r.err).contains("plugin-sandbox: violation: socket(AF_INET, SOCK_STREAM, 0) by task ")
                .contains("(thread \"java\")").contains("denied (EPERM)");
    }

    @Test
    void killModeKillsAndTheStatusIs128PlusSignal() throws Exception {
        Result r = cli(run(List.of("--mode", "kill"), program("inet")));
        assertThat(r.code).as(r.out + r.err).isEqualTo(128 + 9);
        assertThat(r.err).contains("plugin-sandbox: violation: socket(AF_INET").contains("killed");
    }

    @Test
    void aSignalFromOutsideIsForwardedAs128PlusSignal() throws Exception {
        List<String> cmd = new ArrayList<>(List.of(java(), "-Djava.io.tmpdir=" + world, "-cp", classpath(),
                PluginSandbox.class.getName()));
        cmd.addAll(run(List.of(), program("sleep")));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try (InputStream in = p.getInputStream()) {
            String first = new String(readLine(in), StandardCharsets.UTF_8);
            assertThat(first).startsWith("pid "); // its pid in its own pid namespace: find it from here
            ProcessHandle launcher = p.toHandle().children().findFirst().orElseThrow();
            ProcessHandle program = launcher.children().findFirst().orElseThrow();
            assertThat(program.destroyForcibly()).isTrue(); // SIGKILL
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).isEqualTo(128 + 9);
        } finally {
            p.destroyForcibly();
        }
    }

    private static byte[] readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            line.write(c);
        }
        return line.toByteArray();
    }

    @Test
    void runUnderDockersDefaultProfileImported() throws Exception {
        Path docker = tmp.resolve("docker.json");
        try (InputStream in = OciProfile.class.getResourceAsStream("docker-default-seccomp.json")) {
            Files.write(docker, in.readAllBytes());
        }
        Path events = tmp.resolve("events.jsonl");
        Result r = cli(run(List.of("--policy", docker.toString(), "--events", events.toString()),
                program("inet")));
        assertThat(r.code).as(r.err).isZero();
        // Docker's profile allows AF_INET sockets: what the data README says a container alone lets through.
        assertThat(r.out).contains("inet opened");
        assertThat(Files.readString(events)).isEmpty();
    }

    // ------------------------------------------------------------------------------------- the CLI's own folders

    /** Another local user: any uid but root and 65534 (to which a root launcher drops programs). */
    static final int OTHER_UID = 1001;

    /**
     * The CLI used to work in a fixed folder, {@code <java.io.tmpdir>/sandbox-launcher}, and followed what it found
     * there. Another user plants that name in a shared /tmp-like folder (sticky, world-writable) as a link to a folder
     * of theirs; root runs the CLI. The CLI must neither follow the link nor change its target, and must work. Then
     * that other user runs the CLI after root: it must work too (it failed with "Operation not permitted").
     */
    @Test
    void aPlantedFolderIsNeverFollowedAndAnotherUserCanRunTheCliAfterRoot() throws Exception {
        assertThat(uid()).as("not available here: acting as two users needs root (this test runs as uid %d)",
                uid()).isZero();
        Path shared = sharedTmp();
        Path theirs = Files.createDirectory(shared.resolve("theirs"));
        Files.writeString(theirs.resolve("mine.txt"), "the other user's file");
        Files.setPosixFilePermissions(theirs, PosixFilePermissions.fromString("rwxr-xr-x"));
        chown(theirs.resolve("mine.txt"), OTHER_UID);
        chown(theirs, OTHER_UID);
        for (String name : List.of("sandbox-launcher", "sandbox-launcher-0", "plugin-sandbox-0")) {
            Path link = Files.createSymbolicLink(shared.resolve(name), theirs);
            chown(link, OTHER_UID);
        }

        Result root = cliIn(shared, -1, run(List.of(), program("exit", "0")));

        assertThat(root.code).as(root.err).isZero();
        assertThat(Files.readSymbolicLink(shared.resolve("sandbox-launcher"))).isEqualTo(theirs);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(theirs))).isEqualTo("rwxr-xr-x");
        assertThat(Files.getAttribute(theirs, "unix:uid")).isEqualTo(OTHER_UID);
        try (var files = Files.list(theirs)) {
            assertThat(files.map(f -> f.getFileName().toString())).containsExactly("mine.txt");
        }

        Result other = cliIn(shared, OTHER_UID, run(List.of(), program("exit", "3")));
        assertThat(other.code).as("the other user's CLI after root's: %s", other.err).isEqualTo(3);

        // Each run's private folders are gone: only the other user's plants are left.
        try (var left = Files.list(shared)) {
            assertThat(left.map(f -> f.getFileName().toString())).containsExactlyInAnyOrder("theirs",
                    "sandbox-launcher", "sandbox-launcher-0", "plugin-sandbox-0");
        }
    }

    private static int uid() throws IOException {
        return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    }

    /** A folder like /tmp: world-writable and sticky, under target/ (the real /tmp is shared with other builds). */
    private static Path sharedTmp() throws IOException, InterruptedException {
        Path base = Files.createDirectories(Path.of("target", "cli-shared").toAbsolutePath());
        Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path shared = Files.createTempDirectory(base, "tmp");
        new ProcessBuilder("chmod", "1777", shared.toString()).inheritIO().start().waitFor();
        return shared;
    }

    private static void chown(Path path, int uid) throws IOException {
        Files.setAttribute(path, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(path, "unix:gid", uid, LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * The CLI in its own JVM with {@code java.io.tmpdir=tmpdir}, as root or (uid &ge; 0) as that user through
     * {@code setpriv}. The other user cannot read root's ~/.m2, so the class path is copied where it can.
     */
    private Result cliIn(Path tmpdir, int asUid, List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>();
        if (asUid >= 0) {
            cmd.addAll(List.of("setpriv", "--reuid=" + asUid, "--regid=" + asUid, "--clear-groups"));
        }
        cmd.addAll(List.of(java(), "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData", "-Djava.io.tmpdir=" + tmpdir,
                "-cp", readableClasspath(), PluginSandbox.class.getName()));
        cmd.addAll(args);
        Path out = Files.createTempFile(tmpdir.getParent(), "cli-out", ".txt");
        Path err = Files.createTempFile(tmpdir.getParent(), "cli-err", ".txt");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("CLI finished").isTrue();
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    /** The test class path, with every entry another user cannot read copied to target/cli-classpath. */
    private static synchronized String readableClasspath() throws IOException {
        Path copies = Files.createDirectories(Path.of("target", "cli-classpath").toAbsolutePath());
        List<String> entries = new ArrayList<>();
        for (String entry : classpath().split(":")) {
            Path path = Path.of(entry).toAbsolutePath();
            if (path.startsWith(System.getProperty("user.home")) && Files.isRegularFile(path)) {
                Path copy = copies.resolve(path.getFileName());
                if (!Files.exists(copy)) {
                    Files.copy(path, copy);
                }
                copy.toFile().setReadable(true, false);
                entries.add(copy.toString());
            } else {
                entries.add(entry);
            }
        }
        return String.join(":", entries);
    }
}
