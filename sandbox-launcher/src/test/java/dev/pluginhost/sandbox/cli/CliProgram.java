package dev.pluginhost.sandbox.cli;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@code plugin-sandbox run} runs in the tests. {@code exit N}: prints a line on each stream, exits N.
 * {@code env}: prints its environment and writes a file into $TMPDIR. {@code sleep}: prints its pid, sleeps.
 * {@code inet}: tries an AF_INET socket, prints what happened. {@code honest}: writes a temporary file and loads a
 * native library through JNA.
 */
public final class CliProgram {
    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "exit" -> {
                System.out.println("out: hello from the sandbox");
                System.err.println("err: hello from the sandbox");
                System.exit(Integer.parseInt(args[1]));
            }
            case "env" -> {
                Map<String, String> env = new TreeMap<>(System.getenv());
                env.forEach((k, v) -> System.out.println("env " + k + "=" + v));
                Path tmp = Path.of(System.getenv("TMPDIR"));
                Files.writeString(tmp.resolve("scratch.txt"), "written");
                System.out.println("tmp-writable " + Files.readString(tmp.resolve("scratch.txt")));
            }
            case "sleep" -> {
                System.out.println("pid " + ProcessHandle.current().pid());
                System.out.flush();
                Thread.sleep(60_000);
            }
            case "honest" -> { // what an honest program does: a temporary file, a native library through JNA
                Path file = Files.createTempFile("honest", ".txt");
                Files.writeString(file, "written");
                System.out.println("temp " + Files.readString(file) + " in " + file.getParent());
                com.sun.jna.Library c = com.sun.jna.Native.load("c", com.sun.jna.Library.class);
                System.out.println("jna loaded " + (c != null));
            }
            case "inet" -> {
                try (SocketChannel s = SocketChannel.open(StandardProtocolFamily.INET)) {
                    System.out.println("inet opened");
                } catch (IOException e) {
                    System.out.println("inet refused: " + e.getMessage());
                }
            }
            default -> throw new IllegalArgumentException(args[0]);
        }
    }
}
