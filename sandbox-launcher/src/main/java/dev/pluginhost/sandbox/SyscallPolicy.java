package dev.pluginhost.sandbox;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An immutable seccomp policy: which system calls a plugin may make, by name. Everything not listed goes to the
 * supervisor (SECCOMP_RET_USER_NOTIF), which reports it as a {@link Violation} and answers it according to the
 * {@link ViolationMode}. Compile it with {@link PolicyCompiler}.
 *
 * <p>Two requirements come from the launcher itself: {@code sendmsg} must be allowed (the launcher hands its
 * supervisor the notification fd with it after the filter is installed), and {@code execve} should not be (the
 * supervisor lets exactly the launcher's own exec of the program through and reports every later one).
 */
public final class SyscallPolicy {

    /** What a rule does with a matching call. */
    public enum Action {
        /** The call proceeds, decided inside the kernel. */
        ALLOW,
        /** The call fails with the rule's errno inside the kernel, without a notification or report. */
        ERRNO
    }

    /**
     * One rule. Several rules for the same syscall are alternatives (any may match); the conditions of one rule
     * must all hold.
     *
     * @param syscall the syscall name as libseccomp knows it (x86_64)
     * @param action what happens to a matching call
     * @param errno the error for {@link Action#ERRNO}, else 0
     * @param conditions argument conditions, all of which must hold; empty for an unconditional rule
     */
    public record Rule(String syscall, Action action, int errno, List<ArgRule> conditions) {
        public Rule {
            Objects.requireNonNull(syscall, "syscall");
            Objects.requireNonNull(action, "action");
            conditions = List.copyOf(conditions);
        }
    }

    /**
     * Stands for "the sandboxed process's own pid" in an {@link ArgRule}: the filter is compiled before the fork, and
     * the launcher replaces this value with the child's pid just before installing it ({@code filter.c}). Above any
     * pid the kernel hands out (at most 2^22), so it never means a real process.
     */
    public static final long SELF_PID = 0x5E1F0000L;

    private final List<Rule> rules;
    private final Map<String, String> reasons;

    private SyscallPolicy(List<Rule> rules, Map<String, String> reasons) {
        this.rules = List.copyOf(rules);
        this.reasons = Collections.unmodifiableMap(new LinkedHashMap<>(reasons));
    }

    /**
     * Why {@code syscall} is in the policy, one line, as its author wrote it with {@link Builder#because(String)};
     * {@code plugin-sandbox explain} prints it.
     *
     * @param syscall a syscall name
     * @return the reason, if one was recorded
     */
    public Optional<String> reason(String syscall) {
        return Optional.ofNullable(reasons.get(syscall));
    }

    /** The rules in the order they were added. */
    public List<Rule> rules() {
        return rules;
    }

    /** Whether some rule lets {@code syscall} through (with or without conditions). */
    public boolean allows(String syscall) {
        return rules.stream().anyMatch(r -> r.syscall().equals(syscall) && r.action() == Action.ALLOW);
    }

    /** A new, empty builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this policy's rules, to extend it. */
    public Builder toBuilder() {
        Builder builder = new Builder();
        rules.forEach(builder::add);
        builder.reasons.putAll(reasons);
        return builder;
    }

    /**
     * The default-deny allowlist for a HotSpot JVM (17) running gRPC over a Unix domain socket with
     * grpc-netty-shaded's epoll transport. See {@link JvmDefaultPolicy} for the reason behind every entry.
     */
    public static SyscallPolicy jvmDefault() {
        return JvmDefaultPolicy.POLICY;
    }

    /**
     * What a plugin JVM gets: {@link #jvmDefault()} without {@code socket}, {@code connect}, {@code bind},
     * {@code listen}, {@code accept} and {@code accept4}. Its one connection, to its host, is made by the launcher
     * and inherited ({@link LaunchSpec.Builder#connect}), so no other pathname or abstract socket on the machine is
     * reachable from it, even where no mount or net namespace hides them.
     */
    public static SyscallPolicy pluginDefault() {
        return JvmDefaultPolicy.PLUGIN;
    }

    @Override
    public String toString() {
        return "SyscallPolicy" + rules;
    }

    /** Collects rules; rejects a syscall that is both allowed and answered with an errno. */
    public static final class Builder {
        private final List<Rule> rules = new ArrayList<>();
        private final Map<String, Action> actions = new LinkedHashMap<>();
        private final Map<String, String> reasons = new LinkedHashMap<>();
        private final List<String> last = new ArrayList<>();

        private Builder() {
        }

        /** Allows these syscalls unconditionally (cheapest: the kernel caches argument-free allows). */
        public Builder allow(String... names) {
            last.clear();
            for (String name : names) {
                add(new Rule(checkName(name), Action.ALLOW, 0, List.of()));
                last.add(name);
            }
            return this;
        }

        /**
         * Records why the syscalls of the previous {@link #allow}, {@link #allowIf} or {@link #errno} call are in the
         * policy: {@code b.allow("fsync", "fdatasync").because("FileChannel.force")}. One reason per syscall (for a
         * syscall with several rules, give it after the last).
         *
         * @param why one line, in the operator's words
         * @return this
         */
        public Builder because(String why) {
            if (last.isEmpty()) {
                throw new IllegalStateException("because(\"" + why + "\") follows no rule");
            }
            for (String name : last) {
                String previous = reasons.putIfAbsent(name, why);
                if (previous != null && !previous.equals(why)) {
                    throw new IllegalArgumentException("two reasons for " + name + ": '" + previous + "' and '"
                            + why + "'");
                }
            }
            last.clear();
            return this;
        }

        /** Whether some rule for {@code name} has been added. */
        public boolean hasRule(String name) {
            return actions.containsKey(name);
        }

        /**
         * Records {@code why} as the reason for {@code name} unless it has one: for reasons read from elsewhere (an
         * imported profile's comments), where two entries may explain one syscall differently.
         */
        public Builder reasonIfNone(String name, String why) {
            if (!actions.containsKey(name)) {
                throw new IllegalStateException("reason for " + name + ", which has no rule");
            }
            reasons.putIfAbsent(name, why);
            return this;
        }

        /** Allows {@code name} when all {@code rules} hold. Call again for an alternative. */
        public Builder allowIf(String name, ArgRule... rules) {
            if (rules.length == 0) {
                throw new IllegalArgumentException("allowIf(" + name + ") without conditions: use allow()");
            }
            add(new Rule(checkName(name), Action.ALLOW, 0, List.of(rules)));
            last.clear();
            last.add(name);
            return this;
        }

        /**
         * Answers {@code name} with {@code errno} inside the filter, unreported. For probed syscalls whose callers
         * fall back quietly on the right errno, such as {@code clone3} with ENOSYS.
         */
        public Builder errno(String name, int errno) {
            if (errno <= 0 || errno > 4095) {
                throw new IllegalArgumentException("errno out of range for " + name + ": " + errno);
            }
            add(new Rule(checkName(name), Action.ERRNO, errno, List.of()));
            last.clear();
            last.add(name);
            return this;
        }

        private Builder add(Rule rule) {
            Action previous = actions.putIfAbsent(rule.syscall(), rule.action());
            if (previous != null && previous != rule.action()) {
                throw new IllegalArgumentException(
                        "syscall " + rule.syscall() + " is both " + previous + " and " + rule.action());
            }
            if (rule.action() == Action.ERRNO && rules.stream().anyMatch(r -> r.syscall().equals(rule.syscall()))) {
                throw new IllegalArgumentException("syscall " + rule.syscall() + " already has an errno rule");
            }
            rules.add(rule);
            return this;
        }

        private static String checkName(String name) {
            Objects.requireNonNull(name, "syscall name");
            if (name.isBlank()) {
                throw new IllegalArgumentException("blank syscall name");
            }
            return name;
        }

        /** The immutable policy. Names are checked against libseccomp when it is compiled. */
        public SyscallPolicy build() {
            return new SyscallPolicy(Collections.unmodifiableList(rules), reasons);
        }
    }
}
