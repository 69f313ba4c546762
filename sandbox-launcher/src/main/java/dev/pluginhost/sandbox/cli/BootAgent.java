package dev.pluginhost.sandbox.cli;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * The boot phase of a JVM that {@code plugin-sandbox run} runs, as a Java agent: the CLI has no handshake with its
 * program, so this agent ({@code premain}, before the program's main class is even loaded) does what the plugin
 * runtime does before its handshake: it runs the JDK's lazy start-up probes (libnet's address-family checks when the
 * net library loads, {@code jdk.net.ExtendedSocketOptions}, the DRBG's seed), which the sandbox refuses and reports as
 * boot probes, then tells the CLI over a Unix socket that boot is over and waits until the CLI has ended the launcher's
 * boot phase. Only then does the program's own code run: every violation it causes is reported as its own.
 *
 * <p>Self-contained: the CLI copies this class alone into the agent jar. If the CLI cannot be reached, the agent stops
 * the JVM (status 125) rather than run the program's code while the boot phase, which reports nothing as the
 * program's, still lasts.
 */
public final class BootAgent {

    private BootAgent() {
    }

    /** @param socket the CLI's boot socket, from {@code -javaagent:agent.jar=<socket>} */
    public static void premain(String socket) {
        warmUpProbes();
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(Path.of(socket)));
            channel.write(ByteBuffer.wrap(new byte[] {'B'}));
            ByteBuffer answer = ByteBuffer.allocate(1);
            if (channel.read(answer) != 1) { // the CLI answers once the launcher's boot phase has ended
                throw new IOException("the CLI closed the boot socket without ending the boot phase");
            }
        } catch (IOException | RuntimeException e) {
            System.err.println("plugin-sandbox: boot agent: " + e.getMessage() + "; not running the program");
            Runtime.getRuntime().halt(125);
        }
    }

    /** The same probes as the plugin runtime's PluginMain.warmUpProbes, plus the net library's load. */
    static void warmUpProbes() {
        java.net.InetAddress.getLoopbackAddress(); // loads libnet: socket(AF_INET), socket(AF_INET6) probes
        try {
            Class.forName("jdk.net.ExtendedSocketOptions");
        } catch (ClassNotFoundException | LinkageError e) {
            // not in this JDK
        }
        try {
            java.security.SecureRandom.getInstance("DRBG").nextBytes(new byte[1]);
        } catch (java.security.NoSuchAlgorithmException e) {
            // no DRBG
        }
    }
}
