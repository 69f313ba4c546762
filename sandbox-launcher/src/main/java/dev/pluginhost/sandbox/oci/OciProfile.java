package dev.pluginhost.sandbox.oci;

import dev.pluginhost.sandbox.ArgRule;
import dev.pluginhost.sandbox.Syscalls;
import dev.pluginhost.sandbox.SyscallPolicy;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Converts between a {@link SyscallPolicy} and an OCI seccomp profile (the {@code linux.seccomp} object of the OCI
 * runtime spec, the file format Docker, containerd, CRI-O and Kubernetes' {@code Localhost} profiles load).
 *
 * <h2>Export</h2>
 * <ul>
 *   <li>{@code defaultAction} is {@code SCMP_ACT_ERRNO} with {@code defaultErrnoRet} 1 (EPERM). Our own default is
 *       user notification to the plugin-launcher's supervisor, which reports and then denies; a container runtime
 *       has no such supervisor (OCI's {@code SCMP_ACT_NOTIFY} needs a {@code listenerPath} agent that Docker does not
 *       run), so the exported profile denies silently with the same errno our supervisor answers.</li>
 *   <li>{@code architectures} is {@code [SCMP_ARCH_X86_64]} only: i386 ({@code int 0x80}) and x32 calls are then
 *       refused by the runtime's bad-architecture action, as our filter kills them.</li>
 *   <li>Rules with the same action, errno and argument conditions share one entry; {@code errnoRet} is written for
 *       ERRNO rules ({@code clone3} → 38, ENOSYS); {@link ArgRule.Op#MASKED_EQ} becomes {@code SCMP_CMP_MASKED_EQ}
 *       with {@code value} = mask and {@code valueTwo} = expected value (libseccomp's datum_a/datum_b order).</li>
 * </ul>
 *
 * <h2>Import</h2>
 * ALLOW entries become {@code allow}/{@code allowIf}, ERRNO entries become {@code errno}; everything the policy
 * cannot express is reported in {@link Imported#notes()} and left to the default (supervisor notification):
 * other actions (KILL, TRAP, TRACE, LOG, NOTIFY), ERRNO with argument conditions, syscalls that do not exist on
 * x86_64. Docker's {@code includes}/{@code excludes} are evaluated for an x86_64 container with no extra
 * capabilities on the running kernel: an entry that {@code includes} any capability is skipped, an {@code excludes}
 * of capabilities never excludes. The profile's own {@code defaultAction} is recorded and replaced by notification,
 * so that every call the profile would refuse is reported. An entry's {@code comment} (Docker's field, written by
 * {@link #export(SyscallPolicy, boolean)}) becomes the reason of its syscalls.
 */
public final class OciProfile {

    /** The only architecture we export and accept. */
    public static final String ARCH = "SCMP_ARCH_X86_64";

    private static final int EPERM = 1;

    private static final Map<ArgRule.Op, String> OPS = Map.of(
            ArgRule.Op.NE, "SCMP_CMP_NE", ArgRule.Op.LT, "SCMP_CMP_LT", ArgRule.Op.LE, "SCMP_CMP_LE",
            ArgRule.Op.EQ, "SCMP_CMP_EQ", ArgRule.Op.GE, "SCMP_CMP_GE", ArgRule.Op.GT, "SCMP_CMP_GT",
            ArgRule.Op.MASKED_EQ, "SCMP_CMP_MASKED_EQ");

    /** Names Docker (Go's GOARCH) and the OCI spec use for x86_64. */
    private static final Set<String> OUR_ARCH_NAMES = Set.of("amd64", "x86_64", "SCMP_ARCH_X86_64");

    private static final Set<String> TOP_LEVEL = Set.of("defaultAction", "defaultErrnoRet", "architectures",
            "archMap", "syscalls", "flags", "listenerPath", "listenerMetadata");

    private OciProfile() {
    }

    // ------------------------------------------------------------------------------------------------ export

    /** The policy as an OCI seccomp profile, as pretty-printed JSON. */
    public static String export(SyscallPolicy policy) {
        return export(policy, false);
    }

    /**
     * The policy as an OCI seccomp profile; with {@code reasons}, each entry carries the reason of its syscalls as
     * read from the policy ({@link SyscallPolicy#reason}) in Docker's {@code comment} field, which runtimes ignore and
     * {@link #importProfile} reads back.
     */
    public static String export(SyscallPolicy policy, boolean reasons) {
        return Json.write(toJson(policy, reasons));
    }

    /** The policy as an OCI seccomp profile, as maps and lists ({@link Json#write} writes it). */
    public static Map<String, Object> toJson(SyscallPolicy policy) {
        return toJson(policy, false);
    }

    /** As {@link #toJson(SyscallPolicy)}; with {@code reasons}, entries are also grouped by reason and say it. */
    public static Map<String, Object> toJson(SyscallPolicy policy, boolean reasons) {
        record Key(SyscallPolicy.Action action, int errno, List<ArgRule> conditions, String reason) {
        }
        Map<Key, Set<String>> groups = new LinkedHashMap<>();
        for (SyscallPolicy.Rule rule : exportedRules(policy)) {
            String reason = reasons ? policy.reason(rule.syscall()).orElse(null) : null;
            groups.computeIfAbsent(new Key(rule.action(), rule.errno(), rule.conditions(), reason),
                    k -> new TreeSet<>()).add(rule.syscall());
        }
        List<Object> syscalls = new ArrayList<>();
        for (Map.Entry<Key, Set<String>> group : groups.entrySet()) {
            Key key = group.getKey();
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("names", List.copyOf(group.getValue()));
            if (key.action() == SyscallPolicy.Action.ALLOW) {
                entry.put("action", "SCMP_ACT_ALLOW");
            } else {
                entry.put("action", "SCMP_ACT_ERRNO");
                entry.put("errnoRet", key.errno());
            }
            if (!key.conditions().isEmpty()) {
                List<Object> args = new ArrayList<>();
                for (ArgRule c : key.conditions()) {
                    Map<String, Object> arg = new LinkedHashMap<>();
                    arg.put("index", c.index());
                    boolean masked = c.op() == ArgRule.Op.MASKED_EQ;
                    arg.put("value", unsigned(masked ? c.mask() : c.value()));
                    arg.put("valueTwo", unsigned(masked ? c.value() : 0));
                    arg.put("op", OPS.get(c.op()));
                    args.add(arg);
                }
                entry.put("args", args);
            }
            if (key.reason() != null) {
                entry.put("comment", key.reason());
            }
            syscalls.add(entry);
        }
        Map<String, Object> profile = new LinkedHashMap<>();
        profile.put("defaultAction", "SCMP_ACT_ERRNO");
        profile.put("defaultErrnoRet", EPERM);
        profile.put("architectures", List.of(ARCH));
        profile.put("syscalls", syscalls);
        return profile;
    }

    /**
     * The policy's rules as a container runtime can hold them: a runtime cannot name the process's own pid, so a rule
     * that compares with {@link SyscallPolicy#SELF_PID} (kill, tgkill) goes out without that condition, bounded by the
     * container's pid namespace instead.
     */
    public static List<SyscallPolicy.Rule> exportedRules(SyscallPolicy policy) {
        return policy.rules().stream()
                .map(r -> r.conditions().stream().anyMatch(c -> c.value() == SyscallPolicy.SELF_PID)
                        ? new SyscallPolicy.Rule(r.syscall(), r.action(), r.errno(), List.of()) : r)
                .distinct()
                .toList();
    }

    private static BigInteger unsigned(long value) {
        return new BigInteger(Long.toUnsignedString(value));
    }

    // ------------------------------------------------------------------------------------------------ import

    /**
     * An imported profile.
     *
     * @param policy the rules this project's policy can express
     * @param defaultAction the profile's own default action (replaced by supervisor notification)
     * @param notes everything that was skipped or changed, one readable line each
     */
    public record Imported(SyscallPolicy policy, String defaultAction, List<String> notes) {
        public Imported {
            notes = List.copyOf(notes);
        }
    }

    /**
     * Reads an OCI seccomp profile for the running kernel.
     *
     * @throws IllegalArgumentException if the text is not strict JSON or not an OCI profile
     */
    public static Imported importProfile(String json) {
        return importProfile(json, System.getProperty("os.version", "0"));
    }

    /** As {@link #importProfile(String)}, evaluating {@code minKernel} against {@code kernelRelease}. */
    public static Imported importProfile(String json, String kernelRelease) {
        Object root = Json.parse(json);
        if (!(root instanceof Map<?, ?> profile)) {
            throw new IllegalArgumentException("OCI profile: the top level must be an object");
        }
        List<String> notes = new ArrayList<>();
        for (Object key : profile.keySet()) {
            if (!TOP_LEVEL.contains(key)) {
                notes.add("ignored unknown top-level field \"" + key + "\"");
            }
        }
        String defaultAction = string(profile.get("defaultAction"), "defaultAction");
        if (defaultAction == null) {
            throw new IllegalArgumentException("OCI profile: defaultAction is required");
        }
        int defaultErrno = profile.containsKey("defaultErrnoRet")
                ? integer(profile.get("defaultErrnoRet"), "defaultErrnoRet") : EPERM;
        notes.add("defaultAction " + defaultAction + " replaced by supervisor notification (reported, then "
                + "answered by the launcher's --mode)");
        checkArchitectures(profile, notes);
        if (profile.containsKey("flags") || profile.containsKey("listenerPath")) {
            notes.add("ignored flags/listenerPath: the plugin-launcher sets its own");
        }

        SyscallPolicy.Builder builder = SyscallPolicy.builder();
        Set<String> notOnX86 = new TreeSet<>();
        Set<String> needCaps = new TreeSet<>();
        Object list = profile.get("syscalls");
        if (list != null && !(list instanceof List)) {
            throw new IllegalArgumentException("OCI profile: syscalls must be an array");
        }
        int index = 0;
        for (Object item : list == null ? List.of() : (List<?>) list) {
            String where = "syscalls[" + index++ + "]";
            if (!(item instanceof Map<?, ?> entry)) {
                throw new IllegalArgumentException("OCI profile: " + where + " must be an object");
            }
            List<String> names = names(entry, where);
            String skip = skipReason(entry, where, kernelRelease);
            if (skip != null) {
                if (skip.startsWith("caps ")) {
                    needCaps.add(skip.substring(5) + ": " + String.join(",", names));
                } else {
                    notes.add("skipped " + where + " " + names + ": " + skip);
                }
                continue;
            }
            String action = string(entry.get("action"), where + ".action");
            if (action == null) {
                throw new IllegalArgumentException("OCI profile: " + where + ".action is required");
            }
            List<ArgRule> conditions = conditions(entry.get("args"), where);
            // Free text in Docker's format: read when it is a string, ignored otherwise (as before it was read).
            String comment = entry.get("comment") instanceof String c && !c.isBlank() ? c : null;
            for (String name : names) {
                if (Syscalls.number(name) < 0) {
                    notOnX86.add(name);
                    continue;
                }
                try {
                    switch (action) {
                        case "SCMP_ACT_ALLOW" -> addAllow(builder, name, conditions);
                        case "SCMP_ACT_ERRNO" -> {
                            if (!conditions.isEmpty()) {
                                notes.add("left to the default: " + name + " ERRNO with argument conditions "
                                        + conditions + " (errno rules are unconditional here)");
                            } else {
                                int errno = entry.containsKey("errnoRet")
                                        ? integer(entry.get("errnoRet"), where + ".errnoRet") : defaultErrno;
                                builder.errno(name, errno);
                            }
                        }
                        default -> notes.add("left to the default: " + name + " " + action
                                + " (only SCMP_ACT_ALLOW and SCMP_ACT_ERRNO are expressible)");
                    }
                    if (comment != null && builder.hasRule(name)) {
                        builder.reasonIfNone(name, comment); // the first entry's comment for a syscall wins
                    }
                } catch (IllegalArgumentException e) {
                    notes.add("skipped " + name + " in " + where + ": " + e.getMessage());
                }
            }
        }
        if (!needCaps.isEmpty()) {
            notes.add("skipped " + needCaps.size() + " entries that need capabilities a plugin does not have: "
                    + String.join("; ", needCaps));
        }
        if (!notOnX86.isEmpty()) {
            notes.add("skipped " + notOnX86.size() + " names that are not x86_64 syscalls: "
                    + String.join(", ", notOnX86));
        }
        return new Imported(builder.build(), defaultAction, notes);
    }

    /** OCI (runc) semantics: conditions on distinct arguments are ANDed; several on one argument are ORed. */
    private static void addAllow(SyscallPolicy.Builder builder, String name, List<ArgRule> conditions) {
        if (conditions.isEmpty()) {
            builder.allow(name);
            return;
        }
        Set<Integer> indexes = new LinkedHashSet<>();
        boolean repeated = false;
        for (ArgRule c : conditions) {
            repeated |= !indexes.add(c.index());
        }
        if (!repeated) {
            builder.allowIf(name, conditions.toArray(ArgRule[]::new));
        } else {
            for (ArgRule c : conditions) {
                builder.allowIf(name, c);
            }
        }
    }

    private static void checkArchitectures(Map<?, ?> profile, List<String> notes) {
        Set<String> arches = new LinkedHashSet<>();
        Object architectures = profile.get("architectures");
        if (architectures instanceof List<?> l) {
            l.forEach(a -> arches.add(String.valueOf(a)));
        } else if (architectures != null && architectures != Json.NULL) {
            throw new IllegalArgumentException("OCI profile: architectures must be an array");
        }
        Object archMap = profile.get("archMap");
        if (archMap instanceof List<?> l) {
            for (Object m : l) {
                if (m instanceof Map<?, ?> entry && ARCH.equals(entry.get("architecture"))) {
                    arches.add(ARCH);
                    if (entry.get("subArchitectures") instanceof List<?> subs) {
                        subs.forEach(s -> arches.add(String.valueOf(s)));
                    }
                }
            }
        }
        if (!arches.isEmpty() && !arches.contains(ARCH)) {
            throw new IllegalArgumentException("OCI profile: does not cover " + ARCH + " (has " + arches + ")");
        }
        arches.remove(ARCH);
        if (!arches.isEmpty()) {
            notes.add("architectures " + arches + " not accepted: the filter is x86_64 only and kills i386 and x32"
                    + " calls");
        }
    }

    private static List<String> names(Map<?, ?> entry, String where) {
        List<String> names = new ArrayList<>();
        Object list = entry.get("names");
        if (list instanceof List<?> l) {
            for (Object n : l) {
                names.add(string(n, where + ".names"));
            }
        } else if (list != null) {
            throw new IllegalArgumentException("OCI profile: " + where + ".names must be an array");
        }
        if (entry.get("name") != null) { // the pre-1.0 single-name form
            names.add(string(entry.get("name"), where + ".name"));
        }
        if (names.isEmpty()) {
            throw new IllegalArgumentException("OCI profile: " + where + " has no names");
        }
        return names;
    }

    /** Why Docker's includes/excludes rule this entry out for an x86_64 plugin without capabilities, or null. */
    private static String skipReason(Map<?, ?> entry, String where, String kernelRelease) {
        if (entry.get("includes") instanceof Map<?, ?> includes) {
            List<String> caps = strings(includes.get("caps"), where + ".includes.caps");
            if (!caps.isEmpty()) {
                return "caps " + String.join("|", caps);
            }
            List<String> arches = strings(includes.get("arches"), where + ".includes.arches");
            if (!arches.isEmpty() && arches.stream().noneMatch(OUR_ARCH_NAMES::contains)) {
                return "only for arches " + arches;
            }
            Object minKernel = includes.get("minKernel");
            if (minKernel != null && compareKernel(kernelRelease, string(minKernel, where + ".minKernel")) < 0) {
                return "needs kernel " + minKernel + ", running " + kernelRelease;
            }
        }
        if (entry.get("excludes") instanceof Map<?, ?> excludes) {
            // excludes.caps never applies: the plugin has no capabilities.
            List<String> arches = strings(excludes.get("arches"), where + ".excludes.arches");
            if (arches.stream().anyMatch(OUR_ARCH_NAMES::contains)) {
                return "excluded for arches " + arches;
            }
            Object minKernel = excludes.get("minKernel");
            if (minKernel != null && compareKernel(kernelRelease, string(minKernel, where + ".minKernel")) >= 0) {
                return "excluded from kernel " + minKernel + " on";
            }
        }
        return null;
    }

    /** Compares "major.minor" prefixes of two kernel release strings. */
    static int compareKernel(String running, String wanted) {
        int[] a = majorMinor(running);
        int[] b = majorMinor(wanted);
        return a[0] != b[0] ? Integer.compare(a[0], b[0]) : Integer.compare(a[1], b[1]);
    }

    private static int[] majorMinor(String release) {
        String[] parts = release.split("[^0-9]+");
        int major = parts.length > 0 && !parts[0].isEmpty() ? Integer.parseInt(parts[0]) : 0;
        int minor = parts.length > 1 && !parts[1].isEmpty() ? Integer.parseInt(parts[1]) : 0;
        return new int[] {major, minor};
    }

    private static List<ArgRule> conditions(Object args, String where) {
        if (args == null || args == Json.NULL) {
            return List.of();
        }
        if (!(args instanceof List<?> list)) {
            throw new IllegalArgumentException("OCI profile: " + where + ".args must be an array");
        }
        List<ArgRule> rules = new ArrayList<>();
        for (Object a : list) {
            if (!(a instanceof Map<?, ?> arg)) {
                throw new IllegalArgumentException("OCI profile: " + where + ".args must hold objects");
            }
            int index = integer(arg.get("index"), where + ".args.index");
            long value = uint64(arg.get("value"), where + ".args.value");
            long valueTwo = arg.containsKey("valueTwo") ? uint64(arg.get("valueTwo"), where + ".args.valueTwo") : 0;
            String op = string(arg.get("op"), where + ".args.op");
            ArgRule.Op parsed = OPS.entrySet().stream().filter(e -> e.getValue().equals(op))
                    .map(Map.Entry::getKey).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("OCI profile: " + where + ": unknown op " + op));
            try {
                rules.add(parsed == ArgRule.Op.MASKED_EQ ? ArgRule.maskedEq(index, value, valueTwo)
                        : new ArgRule(index, parsed, value, 0));
            } catch (IllegalArgumentException e) { // e.g. an index outside 0..5: say where
                throw new IllegalArgumentException("OCI profile: " + where + ".args: " + e.getMessage(), e);
            }
        }
        return rules;
    }

    private static String string(Object value, String what) {
        if (value == null || value == Json.NULL) {
            return null;
        }
        if (!(value instanceof String s)) {
            throw new IllegalArgumentException("OCI profile: " + what + " must be a string");
        }
        return s;
    }

    private static List<String> strings(Object value, String what) {
        if (value == null || value == Json.NULL) {
            return List.of();
        }
        if (!(value instanceof Collection<?> c)) {
            throw new IllegalArgumentException("OCI profile: " + what + " must be an array");
        }
        return c.stream().map(v -> string(v, what)).toList();
    }

    private static int integer(Object value, String what) {
        if (!(value instanceof BigInteger b) || b.bitLength() > 31) {
            throw new IllegalArgumentException("OCI profile: " + what + " must be a small integer");
        }
        return b.intValue();
    }

    private static long uint64(Object value, String what) {
        if (!(value instanceof BigInteger b) || b.signum() < 0 || b.bitLength() > 64) {
            throw new IllegalArgumentException("OCI profile: " + what + " must be an unsigned 64-bit integer");
        }
        return b.longValue();
    }
}
