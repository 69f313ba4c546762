package dev.pluginhost.sandbox;

import dev.pluginhost.sandbox.programs.ProbeProgram;
import dev.pluginhost.sandbox.programs.SleeperProgram;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The launches of one test, each with its events and output, all killed after each test: a test class registers it
 * with {@code @RegisterExtension}.
 */
final class Launches implements BeforeEachCallback, AfterEachCallback {

    static final Duration RUN = Duration.ofSeconds(30);

    private final List<SandboxedProcess> started = new ArrayList<>();
    /** What needs root in every test of the class, or null. */
    private final String rootNeededBy;

    Launches() {
        this(null);
    }

    private Launches(String rootNeededBy) {
        this.rootNeededBy = rootNeededBy;
    }

    /** For a class whose every test needs root: without it each fails (never skips), saying {@code why}. */
    static Launches needingRoot(String why) {
        return new Launches(why);
    }

    /** One launch: the process, its events, its stdout and stderr lines. */
    record Run(SandboxedProcess process, TestJvm.Recorder events, TestJvm.Lines out, TestJvm.Lines err) {

        /** Waits for the program to end and its output to be read. */
        Run finish() throws Exception {
            process.onExit().get(RUN.toSeconds(), TimeUnit.SECONDS);
            out.closed.get(5, TimeUnit.SECONDS);
            err.closed.get(5, TimeUnit.SECONDS);
            return this;
        }

        /** @return the first stdout line starting with {@code prefix} */
        String line(String prefix) {
            return out.await(l -> l.startsWith(prefix), RUN);
        }
    }

    Run launch(LaunchSpec.Builder spec) throws Exception {
        TestJvm.Recorder events = new TestJvm.Recorder();
        SandboxedProcess process = TestJvm.launcher().launch(spec.build(), events);
        started.add(process);
        return new Run(process, events, new TestJvm.Lines(process.stdout()), new TestJvm.Lines(process.stderr()));
    }

    /** @return a launch of {@link ProbeProgram} running {@code args}, the attacks and probes of the tests */
    static LaunchSpec.Builder probe(String... args) {
        return LaunchSpec.builder().command(TestJvm.command(ProbeProgram.class, args));
    }

    /** @return the pid of a sleeping program dropped to uid 65534: another plugin, an attacker's sibling */
    long sibling() throws Exception {
        Run sibling = launch(LaunchSpec.builder().command(TestJvm.command(SleeperProgram.class)).user(65534, 65534));
        sibling.out().await("ready"::equals, RUN);
        return sibling.process().pid();
    }

    void killAll() {
        started.forEach(SandboxedProcess::kill);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        if (rootNeededBy != null) {
            TestJvm.requireRoot(rootNeededBy);
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        killAll();
    }
}
