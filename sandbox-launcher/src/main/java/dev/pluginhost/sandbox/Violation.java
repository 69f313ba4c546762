package dev.pluginhost.sandbox;

import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;

/**
 * A system call the policy did not allow, as the supervisor saw it.
 *
 * @param pid the calling task: the thread id (in the launcher's pid namespace), which is the process id for the main
 *     thread
 * @param syscall the name, resolved with libseccomp
 * @param nr the syscall number
 * @param arch the AUDIT_ARCH_* value ({@link Syscalls#ARCH_X86_64})
 * @param args the six raw arguments (pointers are just numbers here; {@link #describe()} decodes them)
 * @param action what the supervisor did: {@link ViolationMode#DENY} (EPERM), KILL or AUDIT (let through)
 * @param time when the supervisor saw it
 * @param boot whether it happened in the boot phase ({@link LaunchSpec#bootPhase()}), before the host ended it
 *     with {@link SandboxedProcess#endBootPhase()}: only trusted code (the JDK, the plugin runtime) ran then, and
 *     the call was refused with EPERM whatever the mode ({@code action} is then {@link ViolationMode#DENY})
 * @param task what the supervisor read about the calling thread while the call was pending
 */
public record Violation(long pid, String syscall, int nr, long arch, long[] args, ViolationMode action,
                        Instant time, boolean boot, Task task) {

    /**
     * What the supervisor read about the calling thread, while its call was pending. The plugin could change any of
     * it between its call and the read (rename the thread, rewrite the path buffer): it is <em>reported</em>, never
     * the ground for a decision.
     *
     * @param thread the thread's name ({@code /proc/<tid>/comm}; a JVM gives each native thread the first 15
     *     characters of its Java thread's name), empty when unknown
     * @param nsTid the thread's id in its own pid namespace (what the plugin itself sees), 0 when unknown
     * @param pathArg the index of the argument that holds a path, -1 when the call takes none
     * @param path the path the supervisor read at that argument, null when none was read
     * @param pathTruncated the path was longer than the supervisor reads (255 bytes)
     * @param pathError why the path could not be read, null otherwise
     */
    public record Task(String thread, long nsTid, int pathArg, String path, boolean pathTruncated,
                       String pathError) {

        /** Nothing known (an older launcher, or a test). */
        public static final Task UNKNOWN = new Task("", 0, -1, null, false, null);

        public Task {
            thread = thread == null ? "" : thread;
        }
    }

    /** Copies {@code args}. */
    public Violation {
        args = args.clone();
        task = task == null ? Task.UNKNOWN : task;
    }

    /** A violation without what the supervisor read about the thread. */
    public Violation(long pid, String syscall, int nr, long arch, long[] args, ViolationMode action, Instant time,
                     boolean boot) {
        this(pid, syscall, nr, arch, args, action, time, boot, Task.UNKNOWN);
    }

    /** A violation outside the boot phase ({@code boot} false). */
    public Violation(long pid, String syscall, int nr, long arch, long[] args, ViolationMode action, Instant time) {
        this(pid, syscall, nr, arch, args, action, time, false);
    }

    /** A copy of the six arguments. */
    @Override
    public long[] args() {
        return args.clone();
    }

    /** Argument {@code index} (0..5). */
    public long arg(int index) {
        return args[index];
    }

    /**
     * The call with its arguments decoded, e.g. {@code socket(AF_INET, SOCK_STREAM, 0)} or
     * {@code chmod("/data/x" (reported), 0644)}: names for address families, socket types, open and clone flags,
     * ioctl requests, prctl options and signals; the path the supervisor read, marked "reported"; other arguments
     * in hex. Safe to log: control characters are escaped.
     */
    public String describe() {
        return SyscallArguments.describe(this);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Violation v && pid == v.pid && nr == v.nr && arch == v.arch
                && Arrays.equals(args, v.args) && action == v.action && syscall.equals(v.syscall)
                && time.equals(v.time) && boot == v.boot && task.equals(v.task);
    }

    @Override
    public int hashCode() {
        return 31 * Long.hashCode(pid) + 31 * nr + Arrays.hashCode(args) + time.hashCode() + (boot ? 1 : 0)
                + Objects.hashCode(task);
    }

    /** {@code text} (a thread name, a path: the plugin's words) with control characters escaped, for a log line. */
    public static String printable(String text) {
        return SyscallArguments.printable(text);
    }

    /** The decoded call, the task, its thread's name and what was done, e.g. for a log line. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(describe()).append(" pid=").append(pid);
        if (!task.thread().isEmpty()) {
            sb.append(" thread=\"").append(SyscallArguments.printable(task.thread())).append('"');
        }
        return sb.append(" nr=").append(nr).append(' ').append(action).append(boot ? " boot" : "").toString();
    }
}
