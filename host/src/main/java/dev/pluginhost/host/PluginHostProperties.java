package dev.pluginhost.host;

import dev.pluginhost.sandbox.PolicyAllowances;
import dev.pluginhost.sandbox.ViolationMode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.Errors;
import org.springframework.validation.Validator;
import org.springframework.validation.annotation.Validated;

/**
 * Everything an operator can set under {@code plugins.*}. Checked when bound: a value of the wrong type (a mistyped
 * {@code plugins.sandbox.mode}) or out of range stops the host at start, naming the property, instead of failing
 * each plugin later.
 */
@ConfigurationProperties("plugins")
@Validated
public class PluginHostProperties implements Validator {

    /** Folder scanned for plugin jars at start. */
    private Path dir = Path.of("plugins");

    /** Folder for each plugin's persistent data (one sub-folder per plugin id). */
    private Path dataDir = Path.of("plugin-data");

    /**
     * Folder for sockets and per-plugin temporary files while the host runs. Unix socket paths are limited to 107
     * bytes, so keep it short; by default a fresh folder under /tmp, removed at stop.
     */
    private Path runDir;

    /** The java executable for plugin JVMs; by default the one running the host. */
    private Path java;

    /** JVM options for every plugin JVM. */
    private List<String> jvmOptions = new ArrayList<>(List.of(
            "-Xmx128m", "-Xss512k", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
            // No shared hsperfdata file: plugins share one uid, and the file would be a channel between them.
            "-XX:-UsePerfData"));

    /** How long a plugin may take from launch to ready before it is marked failed. */
    private Duration startTimeout = Duration.ofSeconds(30);

    /**
     * How many plugin JVMs may boot at once; the others wait their turn (0: one per CPU the host may use). A JVM's
     * start is CPU-bound: thirty-two at once on two cores take longer in all than in turns, and starve the host's own
     * request threads meanwhile.
     */
    private int startConcurrency = 0;

    /** How long an invocation may take before the caller gets a timeout. */
    private Duration invokeTimeout = Duration.ofSeconds(30);

    /** How long a stopping plugin may finish its work before it is killed. */
    private Duration stopGrace = Duration.ofSeconds(5);

    /** Largest plugin jar the host accepts, in bytes. */
    private DataSize maxJarSize = DataSize.ofMegabytes(64);

    /** Capabilities granted to plugins without an entry in {@code grants}. {@code log} is always granted. */
    private List<String> defaultGrants = new ArrayList<>(List.of("log"));

    /**
     * Capabilities granted per plugin id, for example {@code plugins.grants.hello=log,kv}. A plugin gets what its
     * manifest requests and this grants, nothing more.
     */
    private Map<String, List<String>> grants = new LinkedHashMap<>();

    /** What happens when a plugin makes a forbidden system call. */
    private Sandbox sandbox = new Sandbox();

    /**
     * Each plugin's own configuration, served by the {@code config} capability: {@code plugins.config.<id>.<key>}.
     */
    private Map<String, Map<String, String>> config = new LinkedHashMap<>();

    /** Limits on every plugin's capability calls. */
    private Limits limits = group(Limits.class);

    /** Restarts, quarantine and health checks. */
    private Supervision supervision = group(Supervision.class);

    /**
     * Development mode, per plugin id: run a plugin from its build output and attach a debugger. Never in production:
     * a plugin with a debug port may open one TCP connection, to that port on this machine.
     */
    private Map<String, Dev> dev = new LinkedHashMap<>();

    /** What the host keeps of and writes from each plugin's output. */
    private Logs logs = group(Logs.class);

    /**
     * Map the plugin runtime's classes from a class-data-sharing archive made by a trusted training run (plugin start
     * ×0.6; an ahead-of-time cache on a JDK 25 or later {@code java}), kept under {@code data-dir} in
     * {@code .runtime-archives} across host starts and checked at each; off: every plugin JVM loads them itself.
     */
    private boolean classDataSharing = true;

    /**
     * Where the kept runtime archives live, instead of {@code .runtime-archives} under {@code data-dir}: hosts of one
     * machine may share it (each archive is keyed by everything it depends on). Its parents must be traversable by
     * the plugin uid, and the folder the host's own.
     */
    private Path runtimeArchiveDir;

    /** Watch {@code plugins.dir} and add, replace and remove plugins as jars come and go. */
    private boolean watch = true;

    /** How long a new or changed jar must stay unchanged before it is loaded. */
    private Duration watchSettle = Duration.ofMillis(750);

    /** Limits on each plugin's use of the {@code events} capability; over a limit: RESOURCE_EXHAUSTED, counted. */
    private Events events = new Events();

    /** Which jar may have which plugin id: pins, and the trust store for signer pins. */
    private Identity identity = group(Identity.class);

    /** Replicas sharing one PostgreSQL ({@code spring.datasource.*}): events and plugin set (docs/fleet.md). */
    private Fleet fleet = group(Fleet.class);

    /** A booted JVM held ready for each plugin's next start (docs/threat-model.md, "Standby launches"). */
    private Standby standby = new Standby();

    /** Who plugin JVMs run as when the host runs as root. */
    private PluginUser pluginUser = group(PluginUser.class);

    public Path getDir() {
        return dir;
    }

    public void setDir(Path dir) {
        this.dir = dir;
    }

    public Path getDataDir() {
        return dataDir;
    }

    public void setDataDir(Path dataDir) {
        this.dataDir = dataDir;
    }

    public Path getRunDir() {
        return runDir;
    }

    public void setRunDir(Path runDir) {
        this.runDir = runDir;
    }

    public Path getJava() {
        return java;
    }

    public void setJava(Path java) {
        this.java = java;
    }

    public List<String> getJvmOptions() {
        return jvmOptions;
    }

    public void setJvmOptions(List<String> jvmOptions) {
        this.jvmOptions = jvmOptions;
    }

    public Duration getStartTimeout() {
        return startTimeout;
    }

    public void setStartTimeout(Duration startTimeout) {
        this.startTimeout = startTimeout;
    }

    public int getStartConcurrency() {
        return startConcurrency;
    }

    public void setStartConcurrency(int startConcurrency) {
        this.startConcurrency = startConcurrency;
    }

    /** @return {@link #getStartConcurrency()}, with 0 resolved to the CPUs this JVM may use */
    public int effectiveStartConcurrency() {
        return startConcurrency > 0 ? startConcurrency : Runtime.getRuntime().availableProcessors();
    }

    public Duration getInvokeTimeout() {
        return invokeTimeout;
    }

    public void setInvokeTimeout(Duration invokeTimeout) {
        this.invokeTimeout = invokeTimeout;
    }

    public Duration getStopGrace() {
        return stopGrace;
    }

    public void setStopGrace(Duration stopGrace) {
        this.stopGrace = stopGrace;
    }

    public DataSize getMaxJarSize() {
        return maxJarSize;
    }

    public void setMaxJarSize(DataSize maxJarSize) {
        this.maxJarSize = maxJarSize;
    }

    public List<String> getDefaultGrants() {
        return defaultGrants;
    }

    public void setDefaultGrants(List<String> defaultGrants) {
        this.defaultGrants = defaultGrants;
    }

    public Map<String, List<String>> getGrants() {
        return grants;
    }

    public void setGrants(Map<String, List<String>> grants) {
        this.grants = grants;
    }

    public Sandbox getSandbox() {
        return sandbox;
    }

    public void setSandbox(Sandbox sandbox) {
        this.sandbox = sandbox;
    }

    public Map<String, Map<String, String>> getConfig() {
        return config;
    }

    public void setConfig(Map<String, Map<String, String>> config) {
        this.config = config;
    }

    public Limits getLimits() {
        return limits;
    }

    public void setLimits(Limits limits) {
        this.limits = limits;
    }

    public Supervision getSupervision() {
        return supervision;
    }

    public void setSupervision(Supervision supervision) {
        this.supervision = supervision;
    }

    public Map<String, Dev> getDev() {
        return dev;
    }

    public void setDev(Map<String, Dev> dev) {
        this.dev = dev;
    }

    public Logs getLogs() {
        return logs;
    }

    public void setLogs(Logs logs) {
        this.logs = logs;
    }

    public boolean isClassDataSharing() {
        return classDataSharing;
    }

    public void setClassDataSharing(boolean classDataSharing) {
        this.classDataSharing = classDataSharing;
    }

    public boolean isWatch() {
        return watch;
    }

    public void setWatch(boolean watch) {
        this.watch = watch;
    }

    public Duration getWatchSettle() {
        return watchSettle;
    }

    public void setWatchSettle(Duration watchSettle) {
        this.watchSettle = watchSettle;
    }

    public Events getEvents() {
        return events;
    }

    public void setEvents(Events events) {
        this.events = events;
    }

    public Identity getIdentity() {
        return identity;
    }

    public void setIdentity(Identity identity) {
        this.identity = identity;
    }

    public Fleet getFleet() {
        return fleet;
    }

    public void setFleet(Fleet fleet) {
        this.fleet = fleet;
    }

    public Path getRuntimeArchiveDir() {
        return runtimeArchiveDir;
    }

    public void setRuntimeArchiveDir(Path runtimeArchiveDir) {
        this.runtimeArchiveDir = runtimeArchiveDir;
    }

    public Standby getStandby() {
        return standby;
    }

    public void setStandby(Standby standby) {
        this.standby = standby;
    }

    public PluginUser getPluginUser() {
        return pluginUser;
    }

    public void setPluginUser(PluginUser pluginUser) {
        this.pluginUser = pluginUser;
    }

    @Override
    public boolean supports(Class<?> type) {
        return PluginHostProperties.class.isAssignableFrom(type);
    }

    /**
     * The ranges the host relies on (Spring Boot calls this when binding, as there is no Bean Validation provider on
     * the host's class path); a type mismatch, such as an unknown violation mode, already failed the binding.
     */
    @Override
    public void validate(Object target, Errors errors) {
        PluginHostProperties p = (PluginHostProperties) target;
        positive(errors, "start-timeout", p.startTimeout);
        positive(errors, "invoke-timeout", p.invokeTimeout);
        atLeast(errors, "start-concurrency", p.startConcurrency, 0);
        notNegative(errors, "stop-grace", p.stopGrace);
        bytes(errors, "max-jar-size", p.maxJarSize, Long.MAX_VALUE);
        atLeast(errors, "limits.rate", p.limits.rate(), 1);
        atLeast(errors, "limits.burst", p.limits.burst(), 0);
        atLeast(errors, "limits.concurrency", p.limits.concurrency(), 1);
        positive(errors, "limits.default-deadline", p.limits.defaultDeadline());
        positive(errors, "limits.max-deadline", p.limits.maxDeadline());
        positive(errors, "limits.http-timeout", p.limits.httpTimeout());
        bytes(errors, "limits.http-max-response-bytes", p.limits.httpMaxResponseBytes(), Integer.MAX_VALUE);
        bytes(errors, "limits.kv-max-value-bytes", p.limits.kvMaxValueBytes(), Integer.MAX_VALUE);
        bytes(errors, "limits.kv-max-total-bytes", p.limits.kvMaxTotalBytes(), Long.MAX_VALUE);
        bytes(errors, "events.max-payload-bytes", p.events.getMaxPayloadBytes(), Integer.MAX_VALUE);
        bytes(errors, "logs.kept-bytes", p.logs.keptBytes(), Integer.MAX_VALUE);
        bytes(errors, "logs.max-line-bytes", p.logs.maxLineBytes(), Integer.MAX_VALUE);
        bytes(errors, "logs.bytes-per-second", p.logs.bytesPerSecond(), Integer.MAX_VALUE);
        atLeast(errors, "supervision.quarantine-after", p.supervision.quarantineAfter(), 1);
        atLeast(errors, "supervision.health-failures", p.supervision.healthFailures(), 1);
        notNegative(errors, "supervision.health-interval", p.supervision.healthInterval());
        positive(errors, "supervision.health-timeout", p.supervision.healthTimeout());
        notNegative(errors, "supervision.initial-backoff", p.supervision.initialBackoff());
        notNegative(errors, "supervision.max-backoff", p.supervision.maxBackoff());
        atLeast(errors, "sandbox.violation-limit", p.sandbox.getViolationLimit(), 1);
        positive(errors, "sandbox.violation-window", p.sandbox.getViolationWindow());
    }

    private static void atLeast(Errors errors, String field, int value, int min) {
        if (value < min) {
            errors.rejectValue(beanPath(field), "range", "plugins." + field + " must be at least " + min + ", not " + value);
        }
    }

    private static void positive(Errors errors, String field, Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            errors.rejectValue(beanPath(field), "range", "plugins." + field + " must be longer than zero, not " + value);
        }
    }

    private static void notNegative(Errors errors, String field, Duration value) {
        if (value == null || value.isNegative()) {
            errors.rejectValue(beanPath(field), "range", "plugins." + field + " must not be negative, not " + value);
        }
    }

    private static void bytes(Errors errors, String field, DataSize value, long max) {
        if (value == null || value.toBytes() < 1 || value.toBytes() > max) {
            errors.rejectValue(beanPath(field), "range", "plugins." + field + " must be from 1 byte to " + max + " bytes, not "
                    + value);
        }
    }

    /** {@code limits.http-max-response-bytes} → {@code limits.httpMaxResponseBytes}, the path Errors reads. */
    private static String beanPath(String property) {
        StringBuilder path = new StringBuilder();
        for (int i = 0; i < property.length(); i++) {
            char c = property.charAt(i);
            if (c == '-' && i + 1 < property.length()) {
                path.append(Character.toUpperCase(property.charAt(++i)));
            } else {
                path.append(c);
            }
        }
        return path.toString();
    }

    /**
     * A group bound the way the host binds it: its {@code @DefaultValue}s, overridden by {@code name=value} pairs
     * spelled as in application.properties (e.g. {@code "initial-backoff=1ms"}). The defaults live in one place, the
     * annotations the metadata is written from; tests and embedders set a few values this way.
     *
     * @param type a record group of this class, e.g. {@link Supervision}
     * @param values {@code name=value} pairs under the group
     * @return the bound group; a value that does not bind fails with a {@code BindException} naming it
     */
    public static <T extends Record> T group(Class<T> type, String... values) {
        Map<String, String> source = new LinkedHashMap<>();
        for (String value : values) {
            int eq = value.indexOf('=');
            if (eq < 1) {
                throw new IllegalArgumentException("not a name=value pair: '" + value + "'");
            }
            source.put("group." + value.substring(0, eq), value.substring(eq + 1));
        }
        return new Binder(new MapConfigurationPropertySource(source)).bindOrCreate("group", type);
    }

    /** Development mode for one plugin. */
    public static class Dev {

        /** The plugin's build output (e.g. target/classes), run as it is, without packaging. */
        private Path classes;

        /** The entry class, when running from {@code classes}. */
        private String pluginClass;

        /** The capabilities it requests, when running from {@code classes} (as Plugin-Capabilities). */
        private List<String> capabilities = new ArrayList<>(List.of("log"));

        /**
         * A local port a debugger listens on (IntelliJ: "Listen to remote JVM"; jdb: {@code jdb -listen PORT}); the
         * plugin JVM connects out to it with JDWP. The sandbox stays on; only that connection is let through.
         */
        private Integer debugPort;

        /** Whether the plugin JVM waits for the debugger before running. */
        private boolean suspend;

        public Path getClasses() {
            return classes;
        }

        public void setClasses(Path classes) {
            this.classes = classes;
        }

        public String getPluginClass() {
            return pluginClass;
        }

        public void setPluginClass(String pluginClass) {
            this.pluginClass = pluginClass;
        }

        public List<String> getCapabilities() {
            return capabilities;
        }

        public void setCapabilities(List<String> capabilities) {
            this.capabilities = capabilities;
        }

        public Integer getDebugPort() {
            return debugPort;
        }

        public void setDebugPort(Integer debugPort) {
            this.debugPort = debugPort;
        }

        public boolean isSuspend() {
            return suspend;
        }

        public void setSuspend(boolean suspend) {
            this.suspend = suspend;
        }
    }

    /**
     * Restarts, quarantine and health checks.
     *
     * @param initialBackoff Delay before the first restart of a crashed plugin; doubled each time, with jitter.
     * @param maxBackoff The longest delay between restarts.
     * @param quarantineAfter Crashes within {@code crash-window} after which the plugin is quarantined.
     * @param crashWindow The window in which crashes count towards quarantine.
     * @param healthInterval How often the host checks each running plugin over its session; 0 turns checks off.
     * @param healthTimeout How long a health check may take.
     * @param healthFailures Failed health checks in a row after which the plugin is killed and restarted.
     */
    public record Supervision(
            @DefaultValue("1s") Duration initialBackoff,
            @DefaultValue("1m") Duration maxBackoff,
            @DefaultValue("5") int quarantineAfter,
            @DefaultValue("5m") Duration crashWindow,
            @DefaultValue("10s") Duration healthInterval,
            @DefaultValue("5s") Duration healthTimeout,
            @DefaultValue("3") int healthFailures) {
    }

    /**
     * What the host keeps of and writes from each plugin's output.
     *
     * @param rate Lines per second of one plugin written to the host's log; the rest are dropped and counted.
     * @param burst Lines above the rate written at once.
     * @param kept Lines kept per plugin for GET /api/plugins/{id}/logs.
     * @param keptBytes Bytes of text kept per plugin for GET /api/plugins/{id}/logs (oldest lines go first).
     * @param maxLineBytes The longest line of a plugin's output or log record; the rest of it is discarded unread and
     *        marked.
     * @param bytesPerSecond Bytes per second one plugin may write (stdout, stderr and log records together); the rest
     *        is discarded.
     */
    public record Logs(
            @DefaultValue("200") int rate,
            @DefaultValue("1000") int burst,
            @DefaultValue("500") int kept,
            @DefaultValue("256KB") DataSize keptBytes,
            @DefaultValue("16KB") DataSize maxLineBytes,
            @DefaultValue("256KB") DataSize bytesPerSecond) {
    }

    /**
     * Limits on every plugin's capability calls; a call over a limit gets RESOURCE_EXHAUSTED and is counted.
     *
     * @param rate Sustained capability calls per second, per plugin.
     * @param burst Calls above the rate a plugin may make at once.
     * @param concurrency Capability calls a plugin may have in flight at once.
     * @param defaultDeadline Deadline of a capability call that sets none.
     * @param maxDeadline The longest deadline any capability call gets, whatever the plugin asks.
     * @param httpTimeout Default timeout of an outbound request made by the http capability.
     * @param httpMaxResponseBytes Response bodies of the http capability are cut at this many bytes.
     * @param kvMaxValueBytes The largest value a plugin may store in kv.
     * @param kvMaxTotalBytes All of one plugin's kv keys and values together.
     */
    public record Limits(
            @DefaultValue("500") int rate,
            @DefaultValue("1000") int burst,
            @DefaultValue("32") int concurrency,
            @DefaultValue("10s") Duration defaultDeadline,
            @DefaultValue("30s") Duration maxDeadline,
            @DefaultValue("10s") Duration httpTimeout,
            @DefaultValue("1MB") DataSize httpMaxResponseBytes,
            @DefaultValue("1MB") DataSize kvMaxValueBytes,
            @DefaultValue("64MB") DataSize kvMaxTotalBytes) {
    }

    /** Sandbox settings. */
    public static class Sandbox {

        /**
         * deny: the call fails (EPERM) and is reported; kill: the plugin is killed at its first violation; audit:
         * the call proceeds and is reported (for writing a policy, never in production). Any other value stops
         * the host at start, naming the property.
         */
        private ViolationMode mode = ViolationMode.DENY;

        /** The mode for one plugin, overriding {@code mode}: {@code plugins.sandbox.modes.<id>=kill}. */
        private Map<String, ViolationMode> modes = new LinkedHashMap<>();

        /**
         * System calls added to one plugin's policy, comma-separated: {@code plugins.sandbox.allow.<id>=chmod,mlock}.
         * Shown in the plugin's view and health. Calls that would break the isolation itself (execve, fork, clone
         * without CLONE_THREAD, unshare, mount, ptrace, bpf, io_uring, seccomp, keyctl, ...) cannot be allowed: the
         * host refuses to start, naming the property and the call.
         */
        private Map<String, String> allow = new LinkedHashMap<>();

        /** The parsed {@link #allow}, checked when set. */
        private Map<String, List<String>> allowances = Map.of();

        /** Memory (RSS plus page cache) of one plugin JVM, enforced by its cgroup where the machine offers one. */
        private DataSize memory = DataSize.ofMegabytes(512);

        /** Threads of one plugin JVM, enforced by its pids cgroup where the machine offers one. */
        private int pids = 256;

        /**
         * Run-phase violations within {@code violation-window} after which the host kills the plugin, whatever the
         * mode: a flood is an attack or a broken plugin, and the kill counts as a crash (restart, then quarantine).
         */
        private int violationLimit = 200;

        /** The window of {@code violation-limit}. */
        private Duration violationWindow = Duration.ofSeconds(10);

        /**
         * Isolation layers every plugin must have, by the names its isolation list shows ({@code minimal-root},
         * {@code pid-namespace}, {@code landlock}, ...): a plugin whose launcher cannot apply one is not started and
         * its state says why. Empty: plugins run with whatever layers the machine offers, missing ones reported.
         */
        private List<String> require = new ArrayList<>();

        public ViolationMode getMode() {
            return mode;
        }

        public void setMode(ViolationMode mode) {
            this.mode = mode;
        }

        public Map<String, ViolationMode> getModes() {
            return modes;
        }

        public void setModes(Map<String, ViolationMode> modes) {
            this.modes = modes;
        }

        public Map<String, String> getAllow() {
            return allow;
        }

        public void setAllow(Map<String, String> allow) {
            Map<String, List<String>> parsed = new LinkedHashMap<>();
            allow.forEach((id, value) -> parsed.put(id,
                    PolicyAllowances.parse("plugins.sandbox.allow." + id, value)));
            this.allow = allow;
            this.allowances = Map.copyOf(parsed);
        }

        public DataSize getMemory() {
            return memory;
        }

        public void setMemory(DataSize memory) {
            this.memory = memory;
        }

        public int getPids() {
            return pids;
        }

        public void setPids(int pids) {
            this.pids = pids;
        }

        public int getViolationLimit() {
            return violationLimit;
        }

        public void setViolationLimit(int violationLimit) {
            this.violationLimit = violationLimit;
        }

        public Duration getViolationWindow() {
            return violationWindow;
        }

        public void setViolationWindow(Duration violationWindow) {
            this.violationWindow = violationWindow;
        }

        public List<String> getRequire() {
            return require;
        }

        public void setRequire(List<String> require) {
            this.require = require;
        }

        /**
         * @param pluginId a plugin id
         * @return the system calls the operator allowed that plugin beyond the default policy, in order; empty if none
         */
        public List<String> allowances(String pluginId) {
            return allowances.getOrDefault(pluginId, List.of());
        }
    }

    /** Limits on each plugin's use of the {@code events} capability. */
    public static class Events {

        /** Subscriptions (Subscribe streams) one plugin may hold open at once. */
        private int maxSubscriptions = 16;

        /** Topic patterns in one subscription. */
        private int maxPatterns = 64;

        /** Events one plugin may publish per second. */
        private int publishRate = 100;

        /** Events above the publish rate a plugin may publish at once. */
        private int publishBurst = 200;

        /** The largest payload of one event a plugin publishes. */
        private DataSize maxPayloadBytes = DataSize.ofKilobytes(256);

        /** The longest topic or pattern, in characters. */
        private int maxTopicLength = 255;

        public int getMaxSubscriptions() {
            return maxSubscriptions;
        }

        public void setMaxSubscriptions(int maxSubscriptions) {
            this.maxSubscriptions = maxSubscriptions;
        }

        public int getMaxPatterns() {
            return maxPatterns;
        }

        public void setMaxPatterns(int maxPatterns) {
            this.maxPatterns = maxPatterns;
        }

        public int getPublishRate() {
            return publishRate;
        }

        public void setPublishRate(int publishRate) {
            this.publishRate = publishRate;
        }

        public int getPublishBurst() {
            return publishBurst;
        }

        public void setPublishBurst(int publishBurst) {
            this.publishBurst = publishBurst;
        }

        public DataSize getMaxPayloadBytes() {
            return maxPayloadBytes;
        }

        public void setMaxPayloadBytes(DataSize maxPayloadBytes) {
            this.maxPayloadBytes = maxPayloadBytes;
        }

        public int getMaxTopicLength() {
            return maxTopicLength;
        }

        public void setMaxTopicLength(int maxTopicLength) {
            this.maxTopicLength = maxTopicLength;
        }
    }

    /**
     * Plugin identity. A jar's manifest only claims an id; with a pin, the id (and its grants, configuration and kv
     * data) goes only to a jar that matches it.
     *
     * @param pins Pins per plugin id, for example {@code plugins.identity.pins.weather=sha256:<64 hex digits>} (the
     *        jar's digest, as {@code GET /api/plugins/{id}} shows it) or {@code signer:<alias>} (a jar signed with
     *        {@code jarsigner} by the certificate under that alias in the trust store, or by one it issued). Several
     *        pins (comma-separated): any one matches. A jar claiming a pinned id that matches none is rejected.
     * @param trustStore The trust store holding the certificates that {@code signer:} pins name.
     */
    public record Identity(
            @DefaultValue Map<String, List<String>> pins,
            @DefaultValue TrustStore trustStore) {
    }

    /**
     * A key store file of trusted certificates.
     *
     * @param path The trust store file.
     * @param type Its type: {@code PKCS12} or {@code JKS}.
     * @param password Its password (PKCS12 trust stores made by keytool have one).
     */
    public record TrustStore(
            Path path,
            @DefaultValue("PKCS12") String type,
            String password) {
    }

    /**
     * How replicas on one PostgreSQL share events and the plugin set; used only when the host has a PostgreSQL
     * {@code DataSource}. Without one, events stay in memory and the plugin set is the folder's.
     *
     * @param eventPoll Longest wait between two looks at the event table when no NOTIFY arrives; also how often
     *        leases are renewed at most.
     * @param eventLease How long a replica keeps a plugin's topic after its last renewal: a replica killed while
     *        delivering is replaced by another after at most this long.
     * @param eventAckAfter An event handed to a plugin counts as delivered (its cursor moves past it) once the
     *        plugin's replica has run this long after: a replica killed sooner leaves it to be delivered again.
     * @param eventRetention Events older than this are deleted from the event table, delivered or not.
     * @param pluginPoll How often each replica compares its plugins folder with the fleet's plugin set.
     */
    public record Fleet(
            @DefaultValue("500ms") Duration eventPoll,
            @DefaultValue("5s") Duration eventLease,
            @DefaultValue("1s") Duration eventAckAfter,
            @DefaultValue("1d") Duration eventRetention,
            @DefaultValue("2s") Duration pluginPoll) {
    }

    /** Standby launches: plugins start in a fraction of a JVM's boot, at the cost of one idle JVM each. */
    public static class Standby {

        /**
         * After a plugin runs, boot one more sandboxed JVM for it, exactly as its cold start would and held before
         * any plugin code, which its next start (an operator's, or a restart after a crash) takes instead of booting.
         * Costs one idle JVM per plugin (about 64 MiB resident).
         */
        private boolean enabled = false;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }
    }
    /**
     * The uid and gid plugin JVMs run as when the host runs as root (a non-root host's plugins keep its uid, in a user
     * namespace where there is one). Any process of that uid outside the sandbox can read a plugin's environment,
     * files and root ({@code /proc/<pid>/root}) and attach to its JVM (ptrace), and so use its host connection and
     * grants: the default, 65534 ({@code nobody}), is shared with whatever else runs as nobody on the machine. Give
     * plugins a uid and gid nothing else uses.
     *
     * @param uid The plugin JVMs' uid, above 0; unset: 65534.
     * @param gid The plugin JVMs' gid, above 0; unset: 65534. Set both or neither.
     */
    public record PluginUser(Integer uid, Integer gid) {

        public PluginUser {
            if ((uid == null) != (gid == null) || uid != null && (uid <= 0 || gid <= 0)) {
                throw new IllegalArgumentException("plugins.plugin-user.uid and .gid go together and must be above 0 "
                        + "(were " + uid + ", " + gid + "): plugins never run as root");
            }
        }

        /** @return the configured uid, or the launcher's default (65534) */
        public int uidOr(int launcherDefault) {
            return uid == null ? launcherDefault : uid;
        }

        /** @return the configured gid, or the launcher's default (65534) */
        public int gidOr(int launcherDefault) {
            return gid == null ? launcherDefault : gid;
        }
    }
}
