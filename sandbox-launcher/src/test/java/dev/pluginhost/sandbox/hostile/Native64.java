package dev.pluginhost.sandbox.hostile;

import com.sun.jna.Function;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Raw x86_64 system calls for the hostile programs: libc's {@code syscall()} through JNA, and a few lines of machine
 * code for the calls that create a process (the child must exit in native code, without running a single byte of
 * the forked JVM) and for {@code int 0x80}.
 */
final class Native64 {

    interface LibC extends Library {
        long syscall(long nr, long a1, long a2, long a3, long a4, long a5, long a6);
    }

    /** Loaded by full soname (no ldconfig search; the JVM also sets jna.platform.library.path). */
    static final LibC LIBC = Native.load("libc.so.6", LibC.class);

    static final Map<Integer, String> ERRNO = Map.ofEntries(Map.entry(1, "EPERM"), Map.entry(2, "ENOENT"),
            Map.entry(3, "ESRCH"), Map.entry(5, "EIO"), Map.entry(9, "EBADF"), Map.entry(11, "EAGAIN"),
            Map.entry(12, "ENOMEM"), Map.entry(13, "EACCES"), Map.entry(14, "EFAULT"), Map.entry(16, "EBUSY"),
            Map.entry(19, "ENODEV"), Map.entry(22, "EINVAL"), Map.entry(25, "ENOTTY"), Map.entry(27, "EFBIG"),
            Map.entry(28, "ENOSPC"), Map.entry(30, "EROFS"), Map.entry(38, "ENOSYS"),
            Map.entry(93, "EPROTONOSUPPORT"), Map.entry(95, "EOPNOTSUPP"), Map.entry(97, "EAFNOSUPPORT"),
            Map.entry(111, "ECONNREFUSED"), Map.entry(18, "EXDEV"));

    private Native64() {
    }

    /** Result of a raw call: the return value, or -1 and errno. */
    record Ret(long value, int errno) {
        boolean ok() {
            return value >= 0;
        }

        @Override
        public String toString() {
            return ok() ? "returned " + value : "failed " + errnoName(errno);
        }
    }

    static String errnoName(int errno) {
        return ERRNO.getOrDefault(errno, "errno " + errno) + " (" + errno + ")";
    }

    static Ret sys(long nr, long... args) {
        long[] a = new long[6];
        System.arraycopy(args, 0, a, 0, args.length);
        long r = LIBC.syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
        return new Ret(r, r < 0 ? Native.getLastError() : 0);
    }

    static long gettid() {
        return sys(186).value();
    }

    static Memory cstr(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        Memory m = new Memory(b.length + 1L);
        m.write(0, b, 0, b.length);
        m.setByte(b.length, (byte) 0);
        return m;
    }

    static long addr(Pointer p) {
        return p == null ? 0 : Pointer.nativeValue(p);
    }

    /** A NULL-terminated char* array. */
    static Memory argv(String... strings) {
        Memory array = new Memory(8L * (strings.length + 1));
        Memory[] keep = new Memory[strings.length];
        for (int i = 0; i < strings.length; i++) {
            keep[i] = cstr(strings[i]);
            array.setPointer(8L * i, keep[i]);
        }
        array.setPointer(8L * strings.length, null);
        KEEP_ALIVE.add(keep);
        return array;
    }

    private static final java.util.List<Object> KEEP_ALIVE = new java.util.concurrent.CopyOnWriteArrayList<>();

    // ---------------------------------------------------------------------------------------------- machine code

    /**
     * {@code long call(nr, a1, a2, a3, a4, a5)}: makes the syscall; if it returns 0 (we are the new child), the
     * child calls exit_group(0) at once, in native code. The parent gets the child's pid (or -errno).
     */
    private static final byte[] FORK_LIKE = {
        0x48, (byte) 0x89, (byte) 0xf8, // mov rax, rdi
        0x48, (byte) 0x89, (byte) 0xf7, // mov rdi, rsi
        0x48, (byte) 0x89, (byte) 0xd6, // mov rsi, rdx
        0x48, (byte) 0x89, (byte) 0xca, // mov rdx, rcx
        0x4d, (byte) 0x89, (byte) 0xc2, // mov r10, r8
        0x4d, (byte) 0x89, (byte) 0xc8, // mov r8, r9
        0x0f, 0x05, // syscall
        0x48, (byte) 0x85, (byte) 0xc0, // test rax, rax
        0x75, 0x09, // jnz +9 (ret)
        (byte) 0xb8, (byte) 0xe7, 0, 0, 0, // mov eax, 231 (exit_group)
        0x31, (byte) 0xff, // xor edi, edi
        0x0f, 0x05, // syscall
        (byte) 0xc3 // ret
    };

    /** {@code long call(void)}: i386 getpid (20) through {@code int 0x80}. */
    private static final byte[] INT80_GETPID = {
        (byte) 0xb8, 0x14, 0, 0, 0, // mov eax, 20
        (byte) 0xcd, (byte) 0x80, // int 0x80
        0x48, 0x63, (byte) 0xc0, // movsxd rax, eax
        (byte) 0xc3 // ret
    };

    private static Function code(byte[] bytes) {
        // mmap(NULL, 4096, PROT_READ|PROT_WRITE|PROT_EXEC, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0): HotSpot's JIT needs
        // RWX too, so no sandbox policy here forbids it.
        Ret page = sys(9, 0, 4096, 7, 0x22, -1, 0);
        if (!page.ok()) {
            throw new IllegalStateException("mmap RWX " + page);
        }
        Pointer p = new Pointer(page.value());
        p.write(0, bytes, 0, bytes.length);
        return Function.getFunction(p);
    }

    /** A syscall that may create a process; the child exits immediately. Returns the raw result (-errno). */
    static Ret forkLike(long nr, long... args) {
        long[] a = new long[5];
        System.arraycopy(args, 0, a, 0, args.length);
        long r = code(FORK_LIKE).invokeLong(new Object[] {nr, a[0], a[1], a[2], a[3], a[4]});
        if (r > 0) {
            sys(61, r, 0, 0x40000000 /* __WALL */, 0); // wait4: reap the child
        }
        return r < 0 && r > -4096 ? new Ret(-1, (int) -r) : new Ret(r, 0);
    }

    /** i386 getpid through int 0x80 (SIGSEGV when the kernel runs without ia32 emulation). */
    static long int80Getpid() {
        return code(INT80_GETPID).invokeLong(new Object[0]);
    }
}
