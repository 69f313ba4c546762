package dev.pluginhost.sandbox.cli;

import dev.pluginhost.sandbox.ArgRule;
import dev.pluginhost.sandbox.PolicyCompiler;
import dev.pluginhost.sandbox.SyscallPolicy;
import dev.pluginhost.sandbox.ViolationMode;
import dev.pluginhost.sandbox.oci.OciProfile;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * {@code plugin-sandbox}: run a command under exactly the isolation a plugin gets, explain the policy, and move it
 * to and from OCI seccomp profiles.
 *
 * <pre>
 * plugin-sandbox run [--policy FILE.json] [--ro PATH]... [--rw PATH]... [--mode deny|kill|audit]
 *                    [--events FILE] -- /abs/path/to/java [JVM ARGS] MAIN [ARGS]
 * plugin-sandbox explain [--policy FILE.json]
 * plugin-sandbox export --format oci [--reasons] [--policy FILE.json] [--output FILE]
 * plugin-sandbox import FILE.json
 * </pre>
 *
 * Exit status: {@code run} returns the program's status (128 + signal if a signal ended it, 125 if the sandbox could
 * not be set up); the other commands 0, or 1 on an error, 2 on a usage error.
 */
public final class PluginSandbox {

    static final int OK = 0;
    static final int ERROR = 1;
    static final int USAGE = 2;

    static final String USAGE_TEXT = """
            usage: plugin-sandbox run [--policy FILE.json] [--ro PATH]... [--rw PATH]... [--mode deny|kill|audit]
                                      [--events FILE] -- /abs/path/to/java [JVM ARGS] MAIN [ARGS]
                   plugin-sandbox explain [--policy FILE.json]
                   plugin-sandbox export --format oci [--reasons] [--policy FILE.json] [--output FILE]
                   plugin-sandbox import FILE.json
            """;

    private final PrintStream out;
    private final PrintStream err;

    PluginSandbox(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        int status = new PluginSandbox(System.out, System.err).execute(args);
        System.out.flush();
        System.err.flush();
        System.exit(status);
    }

    /** Runs one command line; returns the exit status. */
    int execute(String[] args) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            (args.length == 0 ? err : out).print(USAGE_TEXT);
            return args.length == 0 ? USAGE : OK;
        }
        List<String> rest = List.of(args).subList(1, args.length);
        try {
            return switch (args[0]) {
                case "run" -> run(rest);
                case "explain" -> explain(rest);
                case "export" -> export(rest);
                case "import" -> importProfile(rest);
                default -> throw new UsageException("unknown command " + args[0]);
            };
        } catch (UsageException e) {
            err.println("plugin-sandbox: " + e.getMessage());
            err.print(USAGE_TEXT);
            return USAGE;
        } catch (IOException | RuntimeException e) {
            err.println("plugin-sandbox: " + e.getMessage());
            return ERROR;
        }
    }

    static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    // ------------------------------------------------------------------------------------------------ run

    private int run(List<String> args) throws IOException {
        SandboxRun.Options options = new SandboxRun.Options();
        int i = 0;
        for (; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--")) {
                i++;
                break;
            }
            switch (a) {
                case "--policy" -> options.policy = loadPolicy(value(args, ++i, a));
                case "--ro" -> options.readOnly.add(Path.of(value(args, ++i, a)));
                case "--rw" -> options.readWrite.add(Path.of(value(args, ++i, a)));
                case "--mode" -> options.mode = mode(value(args, ++i, a));
                case "--events" -> options.events = Path.of(value(args, ++i, a));
                default -> throw new UsageException("run: unknown option " + a + " (the command goes after --)");
            }
        }
        if (i >= args.size()) {
            throw new UsageException("run: no command after --");
        }
        options.command = List.copyOf(args.subList(i, args.size()));
        if (!options.command.get(0).startsWith("/")) {
            throw new UsageException("run: the program must be an absolute path: " + options.command.get(0));
        }
        return new SandboxRun(options, err).run();
    }

    private static ViolationMode mode(String value) {
        try {
            return ViolationMode.valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--mode must be deny, kill or audit: " + value);
        }
    }

    // ------------------------------------------------------------------------------------------------ explain

    private int explain(List<String> args) throws IOException {
        SyscallPolicy policy = SyscallPolicy.jvmDefault();
        boolean imported = false;
        for (int i = 0; i < args.size(); i++) {
            if (args.get(i).equals("--policy")) {
                policy = loadPolicy(value(args, ++i, "--policy"));
                imported = true;
            } else {
                throw new UsageException("explain: unknown option " + args.get(i));
            }
        }
        out.println("# libseccomp pseudo-filter code (x86_64; default action: notify the supervisor)");
        out.print(PolicyCompiler.pfc(policy));
        out.println();
        out.print(ruleTable(policy, imported));
        return OK;
    }

    /** One line per rule: syscall, action, argument conditions, reason. */
    static String ruleTable(SyscallPolicy policy, boolean imported) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"SYSCALL", "ACTION", "CONDITIONS", "REASON"});
        for (SyscallPolicy.Rule rule : policy.rules()) {
            String action = rule.action() == SyscallPolicy.Action.ALLOW ? "allow"
                    : "errno " + rule.errno() + errnoName(rule.errno());
            String conditions = rule.conditions().isEmpty() ? "-"
                    : rule.conditions().stream().map(PluginSandbox::condition).collect(Collectors.joining(" && "));
            String reason = policy.reason(rule.syscall())
                    .orElse(imported ? "imported from an OCI profile" : "(no reason recorded)");
            rows.add(new String[] {rule.syscall(), action, conditions, reason});
        }
        int[] width = new int[3];
        for (String[] row : rows) {
            for (int c = 0; c < 3; c++) {
                width[c] = Math.max(width[c], row[c].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        sb.append("# rules (").append(policy.rules().size()).append("); anything else: notify the supervisor, ")
                .append("which reports it and answers per --mode (deny: EPERM)\n");
        for (String[] row : rows) {
            sb.append(String.format("%-" + width[0] + "s  %-" + width[1] + "s  %-" + width[2] + "s  %s%n",
                    row[0], row[1], row[2], row[3]));
        }
        return sb.toString();
    }

    private static String errnoName(int errno) {
        return switch (errno) {
            case 1 -> " (EPERM)";
            case 13 -> " (EACCES)";
            case 38 -> " (ENOSYS)";
            default -> "";
        };
    }

    static String condition(ArgRule c) {
        return c.op() == ArgRule.Op.MASKED_EQ
                ? "arg" + c.index() + " & 0x" + Long.toHexString(c.mask()) + " == 0x" + Long.toHexString(c.value())
                : "arg" + c.index() + " " + symbol(c.op()) + " 0x" + Long.toHexString(c.value());
    }

    private static String symbol(ArgRule.Op op) {
        return switch (op) {
            case NE -> "!=";
            case LT -> "<";
            case LE -> "<=";
            case EQ -> "==";
            case GE -> ">=";
            case GT -> ">";
            case MASKED_EQ -> "&==";
        };
    }

    // ------------------------------------------------------------------------------------------------ export

    private int export(List<String> args) throws IOException {
        String format = null;
        Path output = null;
        boolean reasons = false;
        SyscallPolicy policy = SyscallPolicy.jvmDefault();
        for (int i = 0; i < args.size(); i++) {
            switch (args.get(i)) {
                case "--format" -> format = value(args, ++i, "--format");
                case "--reasons" -> reasons = true;
                case "--output" -> output = Path.of(value(args, ++i, "--output"));
                case "--policy" -> policy = loadPolicy(value(args, ++i, "--policy"));
                default -> throw new UsageException("export: unknown option " + args.get(i));
            }
        }
        if (!"oci".equals(format)) {
            throw new UsageException("export: --format oci is required (the only format)");
        }
        String json = OciProfile.export(policy, reasons);
        if (output == null) {
            out.print(json);
        } else {
            Files.writeString(output, json, StandardCharsets.UTF_8);
            err.println("plugin-sandbox: wrote " + output + " (default action SCMP_ACT_ERRNO/EPERM: a container "
                    + "runtime has no supervisor to notify)");
        }
        return OK;
    }

    // ------------------------------------------------------------------------------------------------ import

    private int importProfile(List<String> args) throws IOException {
        if (args.size() != 1) {
            throw new UsageException("import: exactly one FILE.json");
        }
        OciProfile.Imported imported = imported(args.get(0));
        try {
            PolicyCompiler.compile(imported.policy()); // fails here, naming the syscall, if libseccomp refuses it
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(args.get(0) + ": " + e.getMessage(), e);
        }
        out.println("# imported " + args.get(0) + ": " + imported.policy().rules().size() + " rules, compiles");
        for (String note : imported.notes()) {
            out.println("# note: " + note);
        }
        out.print(ruleTable(imported.policy(), true));
        return OK;
    }

    static SyscallPolicy loadPolicy(String file) throws IOException {
        return imported(file).policy();
    }

    /** Every error about a policy file starts with the file's name: the operator may pass several. */
    private static OciProfile.Imported imported(String file) throws IOException {
        String json;
        try {
            json = Files.readString(Path.of(file), StandardCharsets.UTF_8);
        } catch (CharacterCodingException e) {
            throw new IOException(file + ": not UTF-8 text", e);
        } catch (NoSuchFileException e) {
            throw new IOException(file + ": no such file", e);
        } catch (IOException e) {
            throw new IOException(file + ": cannot read it: " + e.getMessage(), e);
        }
        try {
            return OciProfile.importProfile(json);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    private static String value(List<String> args, int i, String option) {
        if (i >= args.size()) {
            throw new UsageException(option + " needs a value");
        }
        return args.get(i);
    }
}
