package dev.pluginhost.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pluginhost.host.fixtures.VersionedPlugin;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Development mode with real processes: a plugin runs from its build output (a folder of classes, no jar, no
 * manifest) under the sandbox, and a debugger attaches to its JVM: the test plays the debugger, listening on a local
 * port as IntelliJ's "Listen to remote JVM" does, completes the JDWP handshake and asks the VM for its version. The
 * sandbox stays on; only that one TCP port is let through.
 */
class DevModeIT {

    @TempDir
    Path work;

    @Test
    void aPluginRunsFromItsBuildOutputAndADebuggerAttaches() throws Exception {
        Path classes = Files.createDirectories(work.resolve("build/classes"));
        copyFixture(classes, VersionedPlugin.class);
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (ServerSocket debugger = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             HostProcess host = HostProcess.start(work, Files.createDirectories(work.resolve("plugins")),
                     "--plugins.dev.devp.classes=" + classes,
                     "--plugins.dev.devp.plugin-class=" + VersionedPlugin.class.getName(),
                     "--plugins.dev.devp.debug-port=" + debugger.getLocalPort())) {
            debugger.setSoTimeout(60_000);
            try (Socket jvm = debugger.accept()) {
                DataInputStream in = new DataInputStream(jvm.getInputStream());
                DataOutputStream out = new DataOutputStream(jvm.getOutputStream());
                // JDWP: the debugger speaks first, whichever side connected; the VM echoes the 14 bytes.
                out.write("JDWP-Handshake".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                assertThat(new String(in.readNBytes(14), StandardCharsets.US_ASCII)).isEqualTo("JDWP-Handshake");
                // VirtualMachine.Version: length 11, id 1, flags 0, command set 1, command 1.
                out.writeInt(11);
                out.writeInt(1);
                out.writeByte(0);
                out.writeByte(1);
                out.writeByte(1);
                out.flush();
                // The VM may send events (VM_START) before our reply: skip command packets until reply 1.
                while (true) {
                    int length = in.readInt();
                    int id = in.readInt();
                    int flags = in.readByte() & 0xff;
                    byte[] rest = in.readNBytes(length - 9);
                    if (flags == 0x80 && id == 1) {
                        assertThat((rest[0] << 8) | (rest[1] & 0xff)).as("JDWP error code").isZero();
                        assertThat(new String(rest, 2, rest.length - 2, StandardCharsets.UTF_8))
                                .contains("Java Debug Wire Protocol");
                        break;
                    }
                }
            }

            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() ->
                    host.plugin("devp").get("state").asString().equals("running"));
            assertThat(host.post("/api/plugins/devp/invoke/version", "").body()).isEqualTo("{\"version\":\"dev\"}");

            JsonNode devp = host.plugin("devp");
            String status = Files.readString(Path.of("/proc", devp.get("pid").asString(), "status"));
            assertThat(field(status, "Seccomp")).as("the sandbox stays on").isEqualTo("2");
            assertThat(devp.get("isolation").toString())
                    .contains("connect only to the --tcp-connect port")
                    .contains("minimal-root");
            assertThat(host.log()).contains("DEVELOPMENT MODE");
        }
    }

    /** The class and its nested classes, as a build would leave them in target/classes. */
    private static void copyFixture(Path classes, Class<?> type) throws Exception {
        Path root = root(type);
        String dir = type.getPackageName().replace('.', '/');
        Path target = Files.createDirectories(classes.resolve(dir));
        try (Stream<Path> files = Files.list(root.resolve(dir))) {
            for (Path file : files.filter(f -> f.getFileName().toString().startsWith(type.getSimpleName()))
                    .toList()) {
                Files.copy(file, target.resolve(file.getFileName()));
            }
        }
    }

    private static Path root(Class<?> type) throws URISyntaxException {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    private static String field(String status, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + ":\\s*(.*)$").matcher(status);
        assertThat(m.find()).isTrue();
        return m.group(1).trim();
    }
}
