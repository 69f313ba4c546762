package dev.pluginhost.sandbox.programs;

import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Runs attacks one after another, printing one line each, then exits 0:
 * <ul>
 *   <li>{@code whoami}: "pid P uid U" (its pid as it sees it, its uid)</li>
 *   <li>{@code procs}: "procs N" (processes /proc lists) or "procs denied", and "netdev a,b" (interfaces it
 *   sees)</li>
 *   <li>{@code kill PID}: "sees PID true|false" (/proc/PID exists), then "kill-sent true|false|no-handle"</li>
 *   <li>{@code read FILE}: "read ok CONTENT" or "read failed EXCEPTION"</li>
 *   <li>{@code write FILE}: "write ok" or "write failed EXCEPTION"</li>
 *   <li>{@code connect PORT}: TCP to 127.0.0.1:PORT: "connect ok" or "connect failed EXCEPTION"</li>
 *   <li>{@code unix PATH}: connects to a pathname Unix socket and reads a line: "unix ok LINE" or "unix failed
 *   EXCEPTION"</li>
 *   <li>{@code wait FILE}: prints "waiting", then waits until FILE exists</li>
 *   <li>{@code autogroup}: "autogroup LINE", its session's scheduling group as /proc/self/autogroup says</li>
 * </ul>
 */
public final class ProbeProgram {
    public static void main(String[] args) throws Exception {
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "whoami" -> System.out.println("pid " + ProcessHandle.current().pid() + " uid "
                        + Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
                case "procs" -> {
                    try (var entries = Files.list(Path.of("/proc"))) {
                        System.out.println("procs " + entries.filter(p -> p.getFileName().toString()
                                .matches("[0-9]+")).count());
                    } catch (java.nio.file.AccessDeniedException e) {
                        System.out.println("procs denied"); // Landlock without a pid namespace: own entries only
                    }
                    List<String> dev = Files.readAllLines(Path.of("/proc/self/net/dev"));
                    System.out.println("netdev " + String.join(",", dev.stream().skip(2)
                            .map(l -> l.strip().split(":")[0]).toList()));
                }
                case "kill" -> {
                    long pid = Long.parseLong(args[++i]);
                    System.out.println("sees " + pid + " " + Files.exists(Path.of("/proc/" + pid)));
                    Optional<ProcessHandle> handle = ProcessHandle.of(pid);
                    System.out.println("kill-sent " + handle.map(h -> Boolean.toString(h.destroyForcibly()))
                            .orElse("no-handle"));
                }
                case "read" -> {
                    try {
                        System.out.println("read ok " + Files.readString(Path.of(args[++i])).strip());
                    } catch (Exception e) {
                        System.out.println("read failed " + e);
                    }
                }
                case "write" -> {
                    try {
                        Files.writeString(Path.of(args[++i]), "written");
                        System.out.println("write ok");
                    } catch (Exception e) {
                        System.out.println("write failed " + e);
                    }
                }
                case "connect" -> {
                    int port = Integer.parseInt(args[++i]);
                    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.INET)) {
                        ch.connect(new InetSocketAddress("127.0.0.1", port));
                        System.out.println("connect ok");
                    } catch (Exception e) {
                        System.out.println("connect failed " + e);
                    }
                }
                case "unix" -> {
                    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                        ch.connect(java.net.UnixDomainSocketAddress.of(args[++i]));
                        java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(256);
                        ch.read(buf);
                        System.out.println("unix ok " + new String(buf.array(), 0, buf.position(),
                                java.nio.charset.StandardCharsets.UTF_8).strip());
                    } catch (Exception e) {
                        System.out.println("unix failed " + e);
                    }
                }
                case "wait" -> {
                    Path go = Path.of(args[++i]);
                    System.out.println("waiting");
                    System.out.flush();
                    while (!Files.exists(go)) {
                        Thread.sleep(10);
                    }
                }
                case "autogroup" -> System.out.println("autogroup "
                        + Files.readString(Path.of("/proc/self/autogroup")).strip());
                default -> throw new IllegalArgumentException(args[i]);
            }
            System.out.flush();
        }
        System.exit(0);
    }
}
