package dev.pluginhost.sandbox.hostile;

import static dev.pluginhost.sandbox.hostile.Native64.addr;
import static dev.pluginhost.sandbox.hostile.Native64.cstr;
import static dev.pluginhost.sandbox.hostile.Native64.sys;

import com.sun.jna.Memory;
import dev.pluginhost.sandbox.hostile.Native64.Ret;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * A hostile plugin's attacks, one per attack class of the sandbox notes. Each runs on its own fresh thread, so the
 * supervisor's violation reports (which carry the calling thread's id) can be matched to the attack. For every
 * attack it prints one line:
 *
 * <pre>RESULT &lt;tab&gt; name &lt;tab&gt; OK|FAIL &lt;tab&gt; tid &lt;tab&gt; detail</pre>
 *
 * OK means the attack achieved what it wanted. Usage: {@code HostileProgram batch|ATTACK key=value...} with keys
 * victim (pid of a sibling plugin), host (pid of the host JVM), secret (a host file we were not given), outside (a host directory we
 * were not given), uds (a host Unix socket), tcp (a host TCP port on 127.0.0.1), scratch (our own directory).
 */
public final class HostileProgram {

    /** The attacks run together in one JVM ({@code batch}); the others need a JVM each. */
    static final List<String> BATCH = List.of("exec-processbuilder", "fork", "vfork", "clone-process",
            "clone3-namespaces", "unshare", "setns", "socket-inet", "socket-inet6", "socket-netlink",
            "socket-packet", "socket-vsock", "tcp-connect-host", "unix-connect-host", "ptrace", "process_vm_readv",
            "pidfd_getfd", "kcmp", "kill-other", "tgkill-other", "kill-all", "fcntl-setown", "prlimit-other", "proc-environ", "proc-cmdline",
            "proc-mem", "io_uring", "bpf", "perf_event_open", "userfaultfd", "keyctl", "mount", "chroot",
            "seccomp-stacking", "personality", "tiocsti-upper-garbage", "open_by_handle_at", "read-host-file",
            "write-outside", "env-secrets", "chmod-outside", "chmod-readonly", "utime-outside", "link-outside",
            "symlink-outside");

    /** The attacks that need a JVM each: success replaces or kills the process, or loads the machine. */
    static final List<String> SOLO = List.of("exec-execve", "exec-memfd", "inherited-fds", "x32-syscall", "int80",
            "thread-bomb", "memory-bomb", "disk-fill");

    /** First argument of the marker call: "HT". */
    static final long MARKER = 0x4854;

    /** Every attack; its index is the marker's second argument. */
    static List<String> all() {
        List<String> all = new ArrayList<>(BATCH);
        all.addAll(SOLO);
        return all;
    }

    private static Map<String, String> conf = Map.of();

    public static void main(String[] args) throws Exception {
        Map<String, String> c = new LinkedHashMap<>();
        for (int i = 1; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            c.put(args[i].substring(0, eq), args[i].substring(eq + 1));
        }
        conf = c;
        Native64.gettid(); // load JNA on the main thread, before any attack
        List<String> attacks = args[0].equals("batch") ? BATCH : List.of(args[0]);
        for (String attack : attacks) {
            runOnFreshThread(attack);
        }
        System.out.println("END");
        System.out.flush();
        System.exit(0);
    }

    private static void runOnFreshThread(String name) throws InterruptedException {
        Thread t = new Thread(() -> {
            long tid = Native64.gettid();
            // Marker: getpriority(0x4854, index) is harmless (EINVAL) and not in the policy, so the supervisor reports
            // it with this thread's id as the host sees it (gettid() inside a pid namespace is another number).
            sys(140, MARKER, all().indexOf(name));
            String line;
            try {
                Outcome o = attack(name).call();
                line = "RESULT\t" + name + "\t" + (o.ok ? "OK" : "FAIL") + "\t" + tid + "\t" + o.detail;
            } catch (Throwable e) {
                line = "RESULT\t" + name + "\tFAIL\t" + tid + "\t" + e.getClass().getSimpleName() + ": "
                        + String.valueOf(e.getMessage()).replace('\n', ' ');
            }
            synchronized (System.out) {
                System.out.println(line);
                System.out.flush();
            }
        }, "attack-" + name);
        t.start();
        t.join(20_000);
    }

    record Outcome(boolean ok, String detail) {
    }

    static Outcome ok(String detail) {
        return new Outcome(true, detail);
    }

    static Outcome fail(String detail) {
        return new Outcome(false, detail);
    }

    static Outcome of(Ret r, String what) {
        return new Outcome(r.ok(), what + " " + r);
    }

    private static long victim() {
        return Long.parseLong(conf.get("victim"));
    }

    private static Path scratch() throws IOException {
        return Files.createDirectories(Path.of(conf.get("scratch")));
    }

    private static Callable<Outcome> attack(String name) {
        return switch (name) {
            // ---- exec and process creation
            case "exec-processbuilder" -> () -> {
                Process p = new ProcessBuilder("/bin/true").start();
                return p.waitFor() == 0 ? ok("/bin/true ran, exit 0") : fail("exit " + p.exitValue());
            };
            case "exec-execve" -> () -> {
                Ret r = sys(59, addr(cstr("/bin/echo")), addr(Native64.argv("/bin/echo", "PWNED-EXECVE")),
                        addr(Native64.argv()));
                return fail("execve " + r); // only reached when execve failed
            };
            case "exec-memfd" -> HostileProgram::memfdExec;
            case "fork" -> () -> of(Native64.forkLike(57), "fork");
            case "vfork" -> () -> of(Native64.forkLike(58), "vfork");
            case "clone-process" -> () -> of(Native64.forkLike(56, 17 /* SIGCHLD, no CLONE_THREAD */), "clone");
            case "clone3-namespaces" -> () -> {
                Memory args = new Memory(88);
                args.clear();
                args.setLong(0, 0x04000000L | 0x08000000L); // flags: CLONE_NEWUTS | CLONE_NEWIPC
                args.setLong(32, 17); // exit_signal SIGCHLD
                return of(Native64.forkLike(435, addr(args), 88), "clone3(NEWUTS|NEWIPC)");
            };
            case "unshare" -> () -> of(sys(272, 0x04000000L | 0x08000000L | 0x40000000L), "unshare(UTS|IPC|NET)");
            case "setns" -> () -> {
                Ret fd = sys(257, -100, addr(cstr("/proc/" + victim() + "/ns/uts")), 0x80000);
                if (!fd.ok()) {
                    return fail("open the victim's ns/uts " + fd + "; setns " + sys(308, -1, 0x04000000L));
                }
                return of(sys(308, fd.value(), 0x04000000L), "setns(the victim's uts namespace)");
            };
            // ---- network
            case "socket-inet" -> () -> of(sys(41, 2, 1, 0), "socket(AF_INET, SOCK_STREAM)");
            case "socket-inet6" -> () -> of(sys(41, 10, 1, 0), "socket(AF_INET6, SOCK_STREAM)");
            case "socket-netlink" -> () -> of(sys(41, 16, 3, 0), "socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE)");
            case "socket-packet" -> () -> of(sys(41, 17, 3, 0x0300), "socket(AF_PACKET, SOCK_RAW, ETH_P_ALL)");
            case "socket-vsock" -> () -> of(sys(41, 40, 1, 0), "socket(AF_VSOCK, SOCK_STREAM)");
            case "tcp-connect-host" -> () -> {
                try (SocketChannel s = SocketChannel.open(new InetSocketAddress("127.0.0.1",
                        Integer.parseInt(conf.get("tcp"))))) {
                    return ok("connected to 127.0.0.1:" + conf.get("tcp") + ", read " + readLine(s));
                }
            };
            case "unix-connect-host" -> () -> {
                try (SocketChannel s = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                    s.connect(UnixDomainSocketAddress.of(conf.get("uds")));
                    return ok("connected to " + conf.get("uds") + ", read " + readLine(s));
                }
            };
            // ---- other processes
            case "ptrace" -> () -> of(sys(101, 0x4206 /* PTRACE_SEIZE */, victim(), 0, 0), "ptrace(SEIZE, victim)");
            case "process_vm_readv" -> () -> {
                long address = readableAddress();
                Memory buf = new Memory(16);
                Memory local = new Memory(16);
                local.setLong(0, addr(buf));
                local.setLong(8, 16);
                Memory remote = new Memory(16);
                remote.setLong(0, address);
                remote.setLong(8, 16);
                return of(sys(310, victim(), addr(local), 1, addr(remote), 1, 0),
                        "process_vm_readv(victim, 0x" + Long.toHexString(address) + ")");
            };
            case "pidfd_getfd" -> () -> {
                Ret pidfd = sys(434, victim(), 0);
                if (!pidfd.ok()) {
                    return fail("pidfd_open " + pidfd + "; pidfd_getfd " + sys(438, -1, 1, 0));
                }
                return of(sys(438, pidfd.value(), 1, 0), "pidfd_getfd(victim's fd 1)");
            };
            case "kcmp" -> () -> of(sys(312, ProcessHandle.current().pid(), victim(), 0 /* KCMP_FILE */, 1, 1),
                    "kcmp(self, victim, KCMP_FILE)");
            case "kill-other" -> () -> of(sys(62, victim(), 0), "kill(victim, 0)");
            case "tgkill-other" -> () -> of(sys(234, victim(), victim(), 0), "tgkill(victim, victim, 0)");
            // Every process the uid may signal; signal 0 delivers nothing, so the control harms no one.
            case "kill-all" -> () -> of(sys(62, -1, 0), "kill(-1, 0)");
            // A signal by another name: the victim becomes the pipe's owner, and O_ASYNC I/O would SIGIO it (the
            // kernel checks nothing until delivery). The ownership taken is the attack; nothing is written.
            case "fcntl-setown" -> () -> {
                Memory fds = new Memory(8);
                Ret pipe = sys(293 /* pipe2 */, addr(fds), 0);
                if (!pipe.ok()) {
                    return fail("pipe2 " + pipe);
                }
                return of(sys(72 /* fcntl */, fds.getInt(0), 8 /* F_SETOWN */, victim()), "fcntl(pipe, F_SETOWN, victim)");
            };
            case "prlimit-other" -> () -> {
                Memory old = new Memory(16);
                // The host JVM (same uid as the plain control: this machine's root lacks CAP_SYS_RESOURCE, which
                // prlimit on another uid needs). Read only: new_limit is NULL.
                long host = Long.parseLong(conf.get("host"));
                return of(sys(302, host, 7 /* NOFILE */, 0, addr(old)), "prlimit64(host JVM, NOFILE)");
            };
            case "proc-environ" -> () -> {
                String env = new String(Files.readAllBytes(Path.of("/proc/" + victim() + "/environ")),
                        StandardCharsets.UTF_8);
                return env.contains("VICTIM_SECRET=") ? ok("read the victim's VICTIM_SECRET")
                        : fail("environ read but no secret: " + env.length() + " bytes");
            };
            case "proc-cmdline" -> () -> {
                String cmd = new String(Files.readAllBytes(Path.of("/proc/" + victim() + "/cmdline")),
                        StandardCharsets.UTF_8).replace('\0', ' ').strip();
                return cmd.isEmpty() ? fail("empty cmdline") : ok("read \"" + cmd + "\"");
            };
            case "proc-mem" -> () -> {
                long address = readableAddress();
                try (RandomAccessFile mem = new RandomAccessFile("/proc/" + victim() + "/mem", "r")) {
                    mem.seek(address);
                    byte[] b = new byte[16];
                    mem.readFully(b);
                    return ok("read 16 bytes of the victim's memory at 0x" + Long.toHexString(address));
                }
            };
            // ---- kernel attack surface
            case "io_uring" -> () -> {
                Memory params = new Memory(120);
                params.clear();
                return of(sys(425, 8, addr(params)), "io_uring_setup(8)");
            };
            case "bpf" -> () -> {
                Memory attr = new Memory(72);
                attr.clear();
                attr.setInt(0, 2); // BPF_MAP_TYPE_ARRAY
                attr.setInt(4, 4); // key_size
                attr.setInt(8, 4); // value_size
                attr.setInt(12, 1); // max_entries
                return of(sys(321, 0 /* BPF_MAP_CREATE */, addr(attr), 72), "bpf(BPF_MAP_CREATE)");
            };
            case "perf_event_open" -> () -> {
                Memory attr = new Memory(128);
                attr.clear();
                attr.setInt(0, 1); // PERF_TYPE_SOFTWARE
                attr.setInt(4, 128); // size
                attr.setLong(8, 0); // PERF_COUNT_SW_CPU_CLOCK
                return of(sys(298, addr(attr), 0, -1, -1, 0), "perf_event_open(SW_CPU_CLOCK, self)");
            };
            case "userfaultfd" -> () -> of(sys(323, 0x80000), "userfaultfd(O_CLOEXEC)");
            case "keyctl" -> () -> of(sys(248, addr(cstr("user")), addr(cstr("hostile")), addr(cstr("payload")), 7,
                    -2 /* KEY_SPEC_PROCESS_KEYRING */), "add_key(user, process keyring)");
            case "mount" -> () -> {
                Path target = Files.createDirectories(scratch().resolve("mnt"));
                Ret r = sys(165, addr(cstr("none")), addr(cstr(target.toString())), addr(cstr("tmpfs")), 0, 0);
                if (r.ok()) {
                    sys(166, addr(cstr(target.toString())), 2 /* MNT_DETACH */);
                }
                return of(r, "mount(tmpfs on " + target + ")");
            };
            case "chroot" -> () -> of(sys(161, addr(cstr("/"))), "chroot(\"/\")");
            case "seccomp-stacking" -> () -> {
                Memory insn = new Memory(8);
                insn.setShort(0, (short) 0x06); // BPF_RET | BPF_K
                insn.setShort(2, (short) 0);
                insn.setInt(4, 0x7fff0000); // SECCOMP_RET_ALLOW
                Memory prog = new Memory(16);
                prog.clear();
                prog.setShort(0, (short) 1);
                prog.setPointer(8, insn);
                Ret viaSeccomp = sys(317, 1 /* SET_MODE_FILTER */, 0, addr(prog));
                Ret viaPrctl = sys(157, 22 /* PR_SET_SECCOMP */, 2, addr(prog), 0, 0);
                return new Outcome(viaSeccomp.ok() || viaPrctl.ok(),
                        "seccomp(SET_MODE_FILTER) " + viaSeccomp + ", prctl(PR_SET_SECCOMP) " + viaPrctl);
            };
            case "personality" -> () -> {
                Ret r = sys(135, 0x0400000 /* READ_IMPLIES_EXEC */);
                if (r.ok()) {
                    sys(135, r.value()); // restore
                }
                return of(r, "personality(READ_IMPLIES_EXEC)");
            };
            case "tiocsti-upper-garbage" -> () -> {
                Ret fd = sys(257, -100, addr(cstr("/dev/ptmx")), 2 | 0x100 | 0x80000); // O_RDWR|O_NOCTTY|CLOEXEC
                Memory ch = new Memory(1);
                ch.setByte(0, (byte) 'x');
                if (!fd.ok()) { // still make the call, on stdin, so that the filter's 64-bit compare is exercised
                    return fail("open /dev/ptmx " + fd + "; ioctl(0, 0x123<<32|TIOCSTI) "
                            + sys(16, 0, (0x123L << 32) | 0x5412, addr(ch)));
                }
                Ret r = sys(16, fd.value(), (0x123L << 32) | 0x5412 /* TIOCSTI */, addr(ch));
                sys(3, fd.value());
                return of(r, "ioctl(pty, 0x123<<32|TIOCSTI)");
            };
            case "open_by_handle_at" -> () -> {
                Memory handle = new Memory(8 + 128);
                handle.clear();
                handle.setInt(0, 128);
                Memory mountId = new Memory(4);
                Ret named = sys(303, -100, addr(cstr("/etc/hostname")), addr(handle), addr(mountId), 0);
                Ret root = sys(257, -100, addr(cstr("/")), 0x10000 | 0x80000); // O_DIRECTORY|O_CLOEXEC
                Ret opened = sys(304, root.value(), addr(handle), 0x80000);
                return new Outcome(opened.ok(), "name_to_handle_at " + named + ", open_by_handle_at " + opened);
            };
            // ---- files, secrets, descriptors
            case "read-host-file" -> () -> ok("read \"" + Files.readString(Path.of(conf.get("secret"))).strip()
                    + "\" from " + conf.get("secret"));
            case "write-outside" -> () -> {
                Path file = Path.of(conf.get("outside"), "written-by-plugin-" + ProcessHandle.current().pid());
                Files.writeString(file, "pwned");
                return ok("wrote " + file);
            };
            // ---- what the default policy allows on the plugin's own files (chmod, utime, link, symlink), aimed at
            // files that are not the plugin's: Landlock, the minimal root and the uid drop must stop them
            case "chmod-outside" -> () -> {
                Path dir = Path.of(conf.get("outside"));
                Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
                return ok("chmod 0777 " + dir);
            };
            case "chmod-readonly" -> () -> {
                Path jar = Path.of(HostileProgram.class.getProtectionDomain().getCodeSource().getLocation().toURI());
                Set<java.nio.file.attribute.PosixFilePermission> mode = Files.getPosixFilePermissions(jar);
                Files.setPosixFilePermissions(jar, mode); // same mode: a chmod that changes nothing, if it passes
                return ok("chmod of the program's own class path " + jar);
            };
            case "utime-outside" -> () -> {
                Path file = Path.of(conf.get("secret"));
                Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(1_000_000_000_000L));
                return ok("set the modification time of " + file);
            };
            case "link-outside" -> () -> {
                Path link = scratch().resolve("secret-link-" + ProcessHandle.current().pid());
                Files.createLink(link, Path.of(conf.get("secret")));
                return ok("hard link " + link + " to " + conf.get("secret") + ": \"" + Files.readString(link).strip()
                        + "\"");
            };
            case "symlink-outside" -> () -> {
                Path link = Path.of(conf.get("outside"), "plugin-link-" + ProcessHandle.current().pid());
                Files.createSymbolicLink(link, Path.of("/"));
                return ok("symbolic link " + link + " -> /");
            };
            case "env-secrets" -> () -> {
                String secret = System.getenv("HOST_SECRET");
                return secret != null ? ok("HOST_SECRET=" + secret + " among " + System.getenv().size() + " vars")
                        : fail("no host variable; environment is " + System.getenv().keySet());
            };
            case "inherited-fds" -> () -> {
                List<String> found = new ArrayList<>();
                try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
                    for (Path fd : fds.toList()) {
                        try {
                            if (Files.readSymbolicLink(fd).toString().equals(conf.get("secret"))) {
                                found.add("fd " + fd.getFileName());
                            }
                        } catch (IOException e) {
                            // closed meanwhile (the listing's own fd)
                        }
                    }
                }
                return found.isEmpty() ? fail("no descriptor of the host's secret file")
                        : ok("inherited " + found + " -> " + conf.get("secret"));
            };
            // ---- architecture tricks
            case "x32-syscall" -> () -> of(sys(39 | 0x40000000L), "x32 getpid (39|0x40000000)");
            case "int80" -> () -> {
                long r = Native64.int80Getpid();
                return r == ProcessHandle.current().pid() ? ok("i386 getpid via int 0x80 returned our pid " + r)
                        : fail("int 0x80 returned " + r);
            };
            // ---- exhaustion (bounded so that the machine survives)
            case "thread-bomb" -> HostileProgram::threadBomb;
            case "memory-bomb" -> HostileProgram::memoryBomb;
            case "disk-fill" -> () -> {
                long size = Long.parseLong(conf.getOrDefault("disk", Long.toString(1536L << 20)));
                Path file = scratch().resolve("fill.bin");
                Ret fd = sys(257, -100, addr(cstr(file.toString())), 1 | 0x40 | 0x80000, 0600);
                if (!fd.ok()) {
                    return fail("open " + fd);
                }
                try {
                    Ret r = sys(285, fd.value(), 0, 0, size); // fallocate: real blocks, no time spent writing
                    return of(r, "fallocate(" + (size >> 20) + " MiB)");
                } finally {
                    sys(3, fd.value());
                    Files.deleteIfExists(file);
                }
            };
            default -> throw new IllegalArgumentException("unknown attack " + name);
        };
    }

    private static Outcome memfdExec() throws IOException {
        Ret fd = sys(319, addr(cstr("payload")), 0); // memfd_create
        if (!fd.ok()) {
            return fail("memfd_create " + fd + "; execveat " + sys(322, -1, addr(cstr("")), 0, 0, 0x1000));
        }
        byte[] elf = Files.readAllBytes(Path.of("/bin/echo"));
        Memory m = new Memory(elf.length);
        m.write(0, elf, 0, elf.length);
        Ret w = sys(1, fd.value(), addr(m), elf.length);
        if (!w.ok()) {
            return fail("write to memfd " + w);
        }
        Ret r = sys(322, fd.value(), addr(cstr("")), addr(Native64.argv("echo", "PWNED-MEMFD")),
                addr(Native64.argv()), 0x1000 /* AT_EMPTY_PATH */);
        return fail("memfd_create ok; execveat " + r);
    }

    private static Outcome threadBomb() {
        int target = Integer.parseInt(conf.getOrDefault("threads", "3000"));
        List<Thread> threads = new ArrayList<>();
        Object forever = new Object();
        try {
            for (int i = 0; i < target; i++) {
                Thread t = new Thread(null, () -> {
                    synchronized (forever) {
                        try {
                            forever.wait();
                        } catch (InterruptedException e) {
                            // end
                        }
                    }
                }, "bomb", 64 * 1024);
                t.setDaemon(true);
                t.start();
                threads.add(t);
            }
            return ok("started " + threads.size() + " threads (the bound of this test)");
        } catch (OutOfMemoryError e) {
            return fail("stopped after " + threads.size() + " threads: " + e.getMessage());
        }
    }

    private static Outcome memoryBomb() {
        long target = Long.parseLong(conf.getOrDefault("memory", Long.toString(2048L << 20)));
        long chunk = 64L << 20;
        long got = 0;
        while (got < target) {
            // mmap(MAP_PRIVATE|MAP_ANONYMOUS|MAP_POPULATE): the kernel faults every page in, so it is resident
            Ret r = sys(9, 0, chunk, 3, 0x22 | 0x8000, -1, 0);
            if (!r.ok()) {
                return fail("mmap stopped at " + (got >> 20) + " MiB: " + r);
            }
            got += chunk;
        }
        return ok("allocated and touched " + (got >> 20) + " MiB (the bound of this test)");
    }

    /** An address in the victim that is mapped and readable, from its maps (or a typical one if hidden). */
    private static long readableAddress() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + victim() + "/maps"))) {
                String[] f = line.split("\\s+");
                if (f[1].startsWith("r")) {
                    return Long.parseUnsignedLong(f[0].substring(0, f[0].indexOf('-')), 16);
                }
            }
        } catch (IOException | RuntimeException e) {
            // hidden from us: try the usual executable base
        }
        return 0x400000L;
    }

    private static String readLine(SocketChannel s) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(64);
        s.read(b);
        return "\"" + new String(b.array(), 0, b.position(), StandardCharsets.UTF_8).strip() + "\"";
    }
}
