package dev.pluginhost.samples.hostile;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import dev.pluginhost.sdk.Plugin;
import dev.pluginhost.sdk.PluginContext;
import dev.pluginhost.sdk.Request;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * A hostile plugin: one operation per attack class of docs/threat-model.md. Each operation tries the attack and
 * returns a JSON map of what happened ({@code "allowed: ..."} or {@code "denied: ..."} per attempt); nothing here
 * harms the machine beyond the bounded exhaustion operations. Operations that aim at something take its location as
 * the request text: {@code unix-socket} a socket path, {@code other-process} a pid, {@code read-file} a file,
 * {@code write-outside} a directory. The proof that each attack works without the sandbox and fails inside is
 * sandbox-launcher's HostileSuiteTest; this plugin lets an operator watch the same attempts in a running host.
 */
public final class HostilePlugin implements Plugin {

    interface LibC extends Library {
        long syscall(long nr, long a1, long a2, long a3, long a4, long a5, long a6);
    }

    private LibC libc;

    @Override
    public void start(PluginContext context) {
        for (Map.Entry<String, Function<Request, Map<String, String>>> op : operations().entrySet()) {
            context.operation(op.getKey(), request -> {
                context.log().info("attack {}", op.getKey());
                return op.getValue().apply(request);
            });
        }
    }

    private LibC libc() {
        if (libc == null) {
            libc = Native.load("libc.so.6", LibC.class); // full soname: JNA would otherwise search with ldconfig
        }
        return libc;
    }

    private String sys(long nr, long... args) {
        long[] a = new long[6];
        System.arraycopy(args, 0, a, 0, args.length);
        long r = libc().syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
        return r >= 0 ? "allowed: returned " + r : "denied: errno " + Native.getLastError();
    }

    private static long str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        Memory m = new Memory(b.length + 1L);
        m.write(0, b, 0, b.length);
        m.setByte(b.length, (byte) 0);
        KEEP.add(m);
        return Pointer.nativeValue(m);
    }

    private static final List<Memory> KEEP = new java.util.concurrent.CopyOnWriteArrayList<>();

    private static String attempt(Attempt a) {
        try {
            return "allowed: " + a.run();
        } catch (Exception | Error e) {
            return "denied: " + e;
        }
    }

    interface Attempt {
        Object run() throws Exception;
    }

    private Map<String, Function<Request, Map<String, String>>> operations() {
        Map<String, Function<Request, Map<String, String>>> ops = new LinkedHashMap<>();
        ops.put("exec", r -> Map.of(
                "ProcessBuilder /bin/true", attempt(() -> "exit " + new ProcessBuilder("/bin/true").start().waitFor()),
                "memfd_create", sys(319, str("payload"), 1)));
        ops.put("fork", r -> Map.of("fork (raw)", "not attempted from Java: the child would run a copy of this JVM; "
                + "see HostileSuiteTest", "vfork via posix_spawn", attempt(() -> new ProcessBuilder("/bin/true")
                .start().waitFor())));
        ops.put("namespaces", r -> Map.of(
                "unshare(UTS|IPC|NET)", sys(272, 0x04000000L | 0x08000000L | 0x40000000L),
                "setns(-1)", sys(308, -1, 0)));
        ops.put("sockets", r -> {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("AF_INET", sys(41, 2, 1, 0));
            m.put("AF_INET6", sys(41, 10, 1, 0));
            m.put("AF_NETLINK", sys(41, 16, 3, 0));
            m.put("AF_PACKET", sys(41, 17, 3, 0x0300));
            m.put("AF_VSOCK", sys(41, 40, 1, 0));
            m.put("TCP 127.0.0.1:22", attempt(() -> {
                try (SocketChannel s = SocketChannel.open(new InetSocketAddress("127.0.0.1", 22))) {
                    return "connected";
                }
            }));
            return m;
        });
        ops.put("unix-socket", r -> Map.of(r.text().isBlank() ? "/var/run/docker.sock" : r.text(), attempt(() -> {
            try (SocketChannel s = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                s.connect(UnixDomainSocketAddress.of(r.text().isBlank() ? "/var/run/docker.sock" : r.text()));
                return "connected";
            }
        })));
        ops.put("other-process", r -> {
            long pid = r.text().isBlank() ? 1 : Long.parseLong(r.text().strip());
            Map<String, String> m = new LinkedHashMap<>();
            m.put("ptrace(SEIZE)", sys(101, 0x4206, pid, 0, 0));
            m.put("kill(pid, 0)", sys(62, pid, 0));
            m.put("prlimit64(pid)", sys(302, pid, 7, 0, Pointer.nativeValue(keep(new Memory(16)))));
            m.put("pidfd_open", sys(434, pid, 0));
            m.put("kcmp", sys(312, ProcessHandle.current().pid(), pid, 0, 0, 0));
            m.put("/proc/pid/environ", attempt(() -> Files.readAllBytes(Path.of("/proc/" + pid + "/environ")).length
                    + " bytes"));
            m.put("/proc/pid/cmdline", attempt(() -> new String(Files.readAllBytes(Path.of("/proc/" + pid
                    + "/cmdline")), StandardCharsets.UTF_8).replace('\0', ' ')));
            return m;
        });
        ops.put("kernel-surface", r -> {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("io_uring_setup", sys(425, 8, Pointer.nativeValue(keep(zeroed(120)))));
            m.put("bpf", sys(321, 0, Pointer.nativeValue(keep(zeroed(72))), 72));
            m.put("perf_event_open", sys(298, Pointer.nativeValue(keep(zeroed(128))), 0, -1, -1, 0));
            m.put("userfaultfd", sys(323, 0x80000));
            m.put("add_key", sys(248, str("user"), str("hostile"), str("payload"), 7, -2));
            m.put("mount", sys(165, str("none"), str("/tmp"), str("tmpfs"), 0, 0));
            m.put("chroot", sys(161, str("/")));
            m.put("personality", sys(135, 0x0400000));
            m.put("seccomp(SET_MODE_FILTER)", sys(317, 1, 0, 0));
            m.put("prctl(PR_SET_SECCOMP)", sys(157, 22, 2, 0, 0, 0));
            m.put("open_by_handle_at", sys(304, -100, Pointer.nativeValue(keep(zeroed(136))), 0));
            return m;
        });
        // Apart: the filter answers a foreign architecture by killing the process, which would end the others.
        ops.put("x32", r -> Map.of("x32 getpid", sys(39 | 0x40000000L)));
        ops.put("tiocsti", r -> Map.of("ioctl(0, 0x123<<32|TIOCSTI)", sys(16, 0, (0x123L << 32) | 0x5412,
                str("x"))));
        ops.put("read-file", r -> {
            Path file = Path.of(r.text().isBlank() ? "/etc/passwd" : r.text().strip());
            return Map.of(file.toString(), attempt(() -> Files.readString(file).length() + " characters"));
        });
        ops.put("write-outside", r -> {
            Path file = Path.of(r.text().isBlank() ? "/tmp" : r.text().strip(), "written-by-hostile-plugin");
            return Map.of(file.toString(), attempt(() -> Files.writeString(file, "pwned")));
        });
        ops.put("environment", r -> Map.of("variables", String.join(",", System.getenv().keySet())));
        ops.put("descriptors", r -> {
            List<String> fds = new ArrayList<>();
            try (Stream<Path> list = Files.list(Path.of("/proc/self/fd"))) {
                for (Path fd : list.toList()) {
                    try {
                        fds.add(fd.getFileName() + "->" + Files.readSymbolicLink(fd));
                    } catch (IOException e) {
                        // the listing's own descriptor
                    }
                }
            } catch (IOException e) {
                fds.add("denied: " + e);
            }
            return Map.of("open", String.join(", ", fds));
        });
        ops.put("thread-bomb", r -> Map.of("threads (bounded at 2000)", attempt(() -> {
            int n = 0;
            for (; n < 2000; n++) {
                Thread t = new Thread(null, () -> sleepQuietly(60_000), "bomb", 64 * 1024);
                t.setDaemon(true);
                t.start();
            }
            return n + " started";
        })));
        ops.put("memory", r -> Map.of("native memory (bounded at 1 GiB)", attempt(() -> {
            long got = 0;
            for (; got < (1L << 30); got += 64L << 20) {
                String s = sys(9, 0, 64L << 20, 3, 0x22 | 0x8000, -1, 0); // mmap populate
                if (s.startsWith("denied")) {
                    return got + " bytes, then " + s;
                }
            }
            return got + " bytes";
        })));
        ops.put("disk", r -> Map.of("fallocate 1.5 GiB in java.io.tmpdir", attempt(() -> {
            Path file = Files.createTempFile("hostile", ".bin");
            try (var raf = new java.io.RandomAccessFile(file.toFile(), "rw")) {
                raf.setLength(1536L << 20); // sparse, so write the last block too
                raf.seek((1536L << 20) - 1);
                raf.write(1);
                return "1.5 GiB file";
            } finally {
                Files.deleteIfExists(file);
            }
        })));
        return ops;
    }

    private static Memory zeroed(int size) {
        Memory m = new Memory(size);
        m.clear();
        return m;
    }

    private static Memory keep(Memory m) {
        KEEP.add(m);
        return m;
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
