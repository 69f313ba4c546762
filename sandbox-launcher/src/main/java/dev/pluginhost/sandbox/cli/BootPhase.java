package dev.pluginhost.sandbox.cli;

import dev.pluginhost.sandbox.SandboxedProcess;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/**
 * The CLI's side of a JVM's boot phase ({@link BootAgent}): a folder holding the agent's jar and a Unix socket, bound
 * read-only into the sandbox; one connection, one byte each way. The agent's byte means "the JDK's probes are done";
 * the CLI ends the launcher's boot phase, then answers, and only then does the program's main class load.
 */
final class BootPhase implements AutoCloseable {

    private final Path dir;
    private final ServerSocketChannel server;

    private BootPhase(Path dir, ServerSocketChannel server) {
        this.dir = dir;
        this.server = server;
    }

    /**
     * A fresh folder in /tmp, not in java.io.tmpdir: a Unix socket's path has at most 107 bytes. Traversable, not
     * listable; removed by {@link #close()}.
     */
    static BootPhase prepare() throws IOException {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "plugin-sandbox-boot-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx--x--x")));
        writeAgentJar(dir.resolve("boot-agent.jar"));
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        Path socket = dir.resolve("boot.sock");
        server.bind(UnixDomainSocketAddress.of(socket), 1);
        // the program runs as another uid (65534 under a root CLI): connecting needs write permission on the socket
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
        return new BootPhase(dir, server);
    }

    Path dir() {
        return dir;
    }

    Path agentJar() {
        return dir.resolve("boot-agent.jar");
    }

    Path socket() {
        return dir.resolve("boot.sock");
    }

    /** Serves the agent's one connection on a daemon thread. */
    void serve(SandboxedProcess process, PrintStream err) {
        Thread thread = new Thread(() -> {
            try (SocketChannel agent = server.accept()) {
                ByteBuffer booted = ByteBuffer.allocate(1);
                if (agent.read(booted) != 1) {
                    return; // the JVM died during its boot: nothing ran of the program
                }
                process.endBootPhase();
                agent.write(ByteBuffer.wrap(new byte[] {'G'}));
            } catch (IOException e) {
                if (server.isOpen()) {
                    err.println("plugin-sandbox: boot phase: " + e.getMessage());
                }
            }
        }, "plugin-sandbox-boot");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void close() throws IOException {
        server.close();
        Files.deleteIfExists(socket());
        Files.deleteIfExists(agentJar());
        Files.deleteIfExists(dir);
    }

    /** A jar holding BootAgent's class alone, with its Premain-Class. */
    private static void writeAgentJar(Path jar) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(new Attributes.Name("Premain-Class"), BootAgent.class.getName());
        String entry = BootAgent.class.getName().replace('.', '/') + ".class";
        try (OutputStream file = Files.newOutputStream(jar);
             JarOutputStream out = new JarOutputStream(file, manifest);
             InputStream in = BootAgent.class.getResourceAsStream("/" + entry)) {
            if (in == null) {
                throw new IOException("cannot find " + entry + " to build the boot agent");
            }
            out.putNextEntry(new JarEntry(entry));
            in.transferTo(out);
            out.closeEntry();
        }
        Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("rw-r--r--"));
    }
}
