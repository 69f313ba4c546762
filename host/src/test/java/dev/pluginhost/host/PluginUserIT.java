package dev.pluginhost.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A root host's plugins run as one uid, and any process of that uid outside the sandbox reaches them: it reads a
 * plugin's environment, descriptors and root in /proc and attaches to its JVM (ptrace), so it could drive the JVM's
 * host connection and use its grants. On main that uid was always 65534, {@code nobody}'s, shared with whatever runs
 * as nobody on the machine (found by hand: a nobody process attached to hello's JVM and read its memory).
 * {@code plugins.plugin-user} gives plugins a uid nothing else uses. Both attacks run twice: as the plugin's own uid
 * (the control: they work) and as nobody (they must not).
 */
class PluginUserIT {

    /** A uid and gid no account of this machine has. */
    static final int UID = 47011;

    @RegisterExtension
    static final HostProcess host = HostProcess.forClass(work -> HostProcess.start(work,
            PluginsFolder.in(work).sample("hello").path(), "--plugins.plugin-user.uid=" + UID,
            "--plugins.plugin-user.gid=" + UID), Duration.ofSeconds(240), "hello");

    /** Debian's own: a python3 found on root's PATH may live where other uids cannot run it. */
    static final String PYTHON = "/usr/bin/python3";

    /** Attaches to a pid and detaches at once; prints "attached" or "refused: <errno text>". */
    static final String ATTACH = String.join("\n",
            "import ctypes, os, sys",
            "libc = ctypes.CDLL(None, use_errno=True)",
            "pid = int(sys.argv[1])",
            "if libc.ptrace(16, pid, None, None) != 0:",  // PTRACE_ATTACH
            "    print('refused: ' + os.strerror(ctypes.get_errno())); sys.exit(0)",
            "os.waitpid(pid, 0x40000000)",  // __WALL
            "libc.ptrace(17, pid, None, 0)",  // PTRACE_DETACH
            "print('attached')");

    @Test
    void onlyAProcessOfThePluginsOwnUidReachesItNotOneOfNobody() throws Exception {
        assertThat(uidOf(Path.of("/proc/self/status"))).as("not available here: the uid drop needs a root host, and "
                + "this test runs as another user").isZero();
        long pid = host.plugin("hello").get("pid").asLong();
        assertThat(uidOf(Path.of("/proc/" + pid + "/status"))).as("hello's JVM runs as plugins.plugin-user")
                .isEqualTo(UID);

        // Control: the plugin's own uid reads its environment and attaches to it. The attack is real.
        assertThat(as(UID, "cat", "/proc/" + pid + "/environ")).contains("PLUGIN_ID=hello");
        assertThat(as(UID, PYTHON, "-c", ATTACH, String.valueOf(pid))).isEqualTo("attached");

        // Nobody (65534), the uid every plugin had on main: refused.
        assertThat(as(65534, "cat", "/proc/" + pid + "/environ")).doesNotContain("PLUGIN_ID").contains("denied");
        assertThat(as(65534, PYTHON, "-c", ATTACH, String.valueOf(pid))).startsWith("refused: ");

        HttpResponse<String> greet = host.post("/api/plugins/hello/invoke/greet", "{\"name\":\"Ada\"}");
        assertThat(greet.statusCode()).as("hello still serves after the attach: %s", greet.body()).isEqualTo(200);
    }

    /** Runs a command as a uid and gid (no supplementary groups); its output and errors together, trimmed. */
    static String as(int uid, String... command) throws IOException, InterruptedException {
        List<String> line = new ArrayList<>(List.of("setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups",
                "--"));
        line.addAll(List.of(command));
        Process process = new ProcessBuilder(line).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes()).replace('\0', '\n').trim();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("%s", line).isTrue();
        return out;
    }

    private static int uidOf(Path status) throws IOException {
        return Files.readAllLines(status).stream().filter(l -> l.startsWith("Uid:")).map(l -> l.split("\\s+")[1])
                .mapToInt(Integer::parseInt).findFirst().orElseThrow();
    }
}
