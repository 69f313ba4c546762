package dev.pluginhost.sandbox.cli;

import dev.pluginhost.sandbox.ExitStatus;
import dev.pluginhost.sandbox.LaunchSpec;
import dev.pluginhost.sandbox.PluginIsolation;
import dev.pluginhost.sandbox.SafeFiles;
import dev.pluginhost.sandbox.SandboxLauncher;
import dev.pluginhost.sandbox.SandboxListener;
import dev.pluginhost.sandbox.SandboxedProcess;
import dev.pluginhost.sandbox.SyscallPolicy;
import dev.pluginhost.sandbox.Violation;
import dev.pluginhost.sandbox.ViolationMode;
import dev.pluginhost.sandbox.oci.Json;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * {@code plugin-sandbox run}: one command under the plugin sandbox. The command gets what a plugin gets — the policy
 * ({@link SyscallPolicy#jvmDefault()} unless {@code --policy}), the launcher's clean environment and descriptors
 * 0-2 only — plus a private writable temporary folder, created 0700 and removed afterwards, named by {@code TMPDIR}
 * (each file is capped by the launcher's fsize limit, 1 GiB). The environment is exactly {@code TMPDIR} and
 * {@code LANG=C.UTF-8}; the working directory is the caller's.
 *
 * <p>A JVM (a program whose file is named {@code java}) is run as the host runs a plugin JVM, so that an honest program
 * reports no violation: java.io.tmpdir, jna.tmpdir and io.netty.native.workdir point at the private folder and JNA's
 * library path is set (PluginIsolation#temporaryFolderOptions), and the JDK's lazy start-up probes run in a boot phase
 * before the program's main class loads ({@link BootAgent}); they are written to {@code --events} marked boot, never
 * printed as the program's violations.
 *
 * <p>stdout and stderr are forwarded. stdin is not: the launcher's stdin is the host-liveness pipe, and the program's
 * stdin is /dev/null (see the threat model: a second host descriptor in the launcher would be needed).
 */
final class SandboxRun {

    static final class Options {
        SyscallPolicy policy = SyscallPolicy.jvmDefault();
        ViolationMode mode = ViolationMode.DENY;
        Path events;
        final List<Path> readOnly = new ArrayList<>();
        final List<Path> readWrite = new ArrayList<>();
        List<String> command;
    }

    /** The host's defaults for a plugin (PluginHostProperties): 512 MB of memory, 256 tasks. */
    static final long MEMORY_LIMIT = PluginIsolation.DEFAULT_MEMORY;
    static final int PIDS_LIMIT = PluginIsolation.DEFAULT_PIDS;

    private final Options options;
    private final PrintStream err;

    SandboxRun(Options options, PrintStream err) {
        this.options = options;
        this.err = err;
    }

    int run() throws IOException {
        // The folder is made like mkdtemp (new random name, this user's) in java.io.tmpdir, never reused: another
        // user cannot plant it, and every user (and every run) gets its own. Traversable by the program's uid, not
        // listable: it reaches its tmp/ (0700, its own).
        Path workRoot = Path.of(System.getProperty("java.io.tmpdir"));
        Path own = Files.createTempDirectory(workRoot, "plugin-sandbox-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx--x--x")));
        Path tmp = Files.createDirectory(own.resolve("tmp"), PosixFilePermissions.asFileAttribute(SafeFiles.OWNER_ONLY));
        BufferedWriter events = null;
        SandboxLauncher launcher = null;
        BootPhase boot = null;
        Thread hook = null;
        try {
            events = options.events == null ? null : Files.newBufferedWriter(options.events, StandardCharsets.UTF_8);
            launcher = new SandboxLauncher(workRoot);
            if (launcher.childUid() >= 0) { // a root launcher drops the program to this uid: it must own its tmp
                Files.setAttribute(tmp, "unix:uid", launcher.childUid(), LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(tmp, "unix:gid", launcher.childGid(), LinkOption.NOFOLLOW_LINKS);
            }
            List<String> command = options.command;
            if (isJvm(command)) {
                boot = BootPhase.prepare();
                command = jvmCommand(command, tmp, boot);
            }
            LaunchSpec spec = PluginIsolation.builder(List.of(tmp))
                    .command(command)
                    .bootPhase(boot != null)
                    .readOnly(boot == null ? new Path[0] : new Path[] {boot.dir()})
                    .env("TMPDIR", tmp.toString())
                    .workingDirectory(Path.of("").toAbsolutePath())
                    .policy(options.policy)
                    .mode(options.mode)
                    .readOnly(options.readOnly.toArray(Path[]::new))
                    .readWrite(options.readWrite.toArray(Path[]::new))
                    .build();
            Listener listener = new Listener(events);
            SandboxedProcess process = launcher.launch(spec, listener);
            if (boot != null) {
                boot.serve(process, err);
            }
            SandboxLauncher started = launcher;
            // Ctrl-C / SIGTERM end the program too, and remove the folders (the finally below does not run then).
            hook = new Thread(() -> {
                process.kill();
                try {
                    process.onExit().get(2, TimeUnit.SECONDS);
                } catch (Exception ex) {
                    // removed anyway; a later run removes what is left
                }
                started.close();
                deleteRecursively(own);
            }, "plugin-sandbox-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            Thread o = pump(process.stdout(), System.out);
            Thread e = pump(process.stderr(), System.err);
            ExitStatus status;
            try {
                status = process.onExit().get();
                o.join();
                e.join();
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                process.kill();
                return 128 + 2;
            } catch (ExecutionException ex) {
                throw new IOException("launch failed: " + ex.getCause(), ex.getCause());
            }
            return status.exitCode();
        } finally {
            if (hook != null) {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException ex) {
                    // already shutting down: the hook removes the folders
                }
            }
            if (boot != null) {
                boot.close();
            }
            if (events != null) {
                events.close();
            }
            if (launcher != null) {
                launcher.close();
            }
            deleteRecursively(own);
        }
    }

    /** Whether the program is a JVM: its file is named {@code java}. */
    static boolean isJvm(List<String> command) {
        return Path.of(command.get(0)).getFileName().toString().equals("java");
    }

    /**
     * The JVM's command with, right after the java executable, the boot agent (first, so that it runs before any
     * other agent) and the same temporary-folder options a plugin JVM gets: the program's private folder for
     * java.io.tmpdir (the minimal root's /tmp is read-only), JNA's and Netty's native-library copies, and JNA's
     * library path (else JNA execs /sbin/ldconfig, a refused fork). The caller's options follow and win.
     */
    static List<String> jvmCommand(List<String> command, Path tmp, BootPhase boot) {
        List<String> jvm = new ArrayList<>();
        jvm.add(command.get(0));
        jvm.add("-javaagent:" + boot.agentJar() + "=" + boot.socket());
        jvm.addAll(PluginIsolation.temporaryFolderOptions(tmp));
        jvm.addAll(command.subList(1, command.size()));
        return jvm;
    }

    private final class Listener implements SandboxListener {
        private final BufferedWriter events;

        Listener(BufferedWriter events) {
            this.events = events;
        }

        @Override
        public void onViolation(Violation v) {
            if (v.boot() && events == null) {
                return; // the JDK's own start-up probes, before the program's code ran (BootAgent): not its doing
            }
            if (events == null) {
                err.println("plugin-sandbox: violation: " + v.describe() + " by task " + v.pid() + thread(v) + ": "
                        + (v.boot() ? "boot probe, denied" : switch (v.action()) {
                            case DENY -> "denied (EPERM)";
                            case KILL -> "killed";
                            case AUDIT -> "allowed (audit mode)";
                        }));
                return;
            }
            write(violationJson(v));
        }

        @Override
        public void onLayer(String name, boolean active, String reason) {
            if (!active) { // a weaker sandbox is never silent
                err.println("plugin-sandbox: layer " + name + " is OFF: " + reason);
            }
        }

        @Override
        public void onError(String message) {
            err.println("plugin-sandbox: launcher: " + message);
        }

        private synchronized void write(String line) {
            try {
                events.write(line);
                events.newLine();
                events.flush();
            } catch (IOException e) {
                err.println("plugin-sandbox: cannot write events: " + e.getMessage());
            }
        }
    }

    private static String thread(Violation v) {
        return v.task().thread().isEmpty() ? "" : " (thread \"" + Violation.printable(v.task().thread()) + "\")";
    }

    /**
     * One violation as a JSON line: event, time, pid, syscall, nr, arch, args (hex strings), action, boot, call (the
     * decoded call, see {@link Violation#describe()}), thread, and the path the supervisor read (reported) if any.
     */
    static String violationJson(Violation v) {
        StringBuilder sb = new StringBuilder("{\"event\":\"violation\",\"time\":");
        Json.quote(sb, v.time().toString());
        sb.append(",\"pid\":").append(v.pid()).append(",\"syscall\":");
        Json.quote(sb, v.syscall());
        sb.append(",\"nr\":").append(v.nr()).append(",\"arch\":\"0x").append(Long.toHexString(v.arch()))
                .append("\",\"args\":[");
        long[] args = v.args();
        for (int i = 0; i < args.length; i++) {
            sb.append(i == 0 ? "" : ",").append("\"0x").append(Long.toHexString(args[i])).append('"');
        }
        sb.append("],\"action\":\"").append(v.action().cliName()).append("\",\"boot\":").append(v.boot());
        sb.append(",\"call\":");
        Json.quote(sb, v.describe());
        sb.append(",\"thread\":");
        Json.quote(sb, v.task().thread());
        if (v.task().path() != null) {
            sb.append(",\"path_reported\":");
            Json.quote(sb, v.task().path());
        }
        sb.append('}');
        return sb.toString();
    }

    private static Thread pump(InputStream in, OutputStream out) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[8192];
            try (in) {
                int n;
                while ((n = in.read(buffer)) > 0) {
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // the program or launcher closed the pipe
            }
        }, "plugin-sandbox-pump");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void deleteRecursively(Path dir) {
        try {
            SafeFiles.deleteTree(dir); // the program may have left links in it: never followed
        } catch (IOException e) {
            // best effort
        }
    }
}
