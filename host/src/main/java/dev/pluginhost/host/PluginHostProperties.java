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
    private Limits limits = new Limits();

    /** Restarts, quarantine and health checks. */
    private Supervision supervision = new Supervision();

    /**
     * Development mode, per plugin id: run a plugin from its build output and attach a debugger. Never in production:
     * a plugin with a debug port may open one TCP connection, to that port on this machine.
     */
    private Map<String, Dev> dev = new LinkedHashMap<>();

    /** What the host keeps of and writes from each plugin's output. */
    private Logs logs = new Logs();

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
    private Identity identity = new Identity();

    /** Replicas sharing one PostgreSQL ({@code spring.datasource.*}): events and plugin set (docs/fleet.md). */
    private Fleet fleet = new Fleet();

    /** A booted JVM held ready for each plugin's next start (docs/threat-model.md, "Standby launches"). */
    private Standby standby = new Standby();

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
        atLeast(errors, "limits.rate", p.limits.getRate(), 1);
        atLeast(errors, "limits.burst", p.limits.getBurst(), 0);
        atLeast(errors, "limits.concurrency", p.limits.getConcurrency(), 1);
        positive(errors, "limits.default-deadline", p.limits.getDefaultDeadline());
        positive(errors, "limits.max-deadline", p.limits.getMaxDeadline());
        positive(errors, "limits.http-timeout", p.limits.getHttpTimeout());
        bytes(errors, "limits.http-max-response-bytes", p.limits.getHttpMaxResponseBytes(), Integer.MAX_VALUE);
        bytes(errors, "limits.kv-max-value-bytes", p.limits.getKvMaxValueBytes(), Integer.MAX_VALUE);
        bytes(errors, "limits.kv-max-total-bytes", p.limits.getKvMaxTotalBytes(), Long.MAX_VALUE);
        bytes(errors, "events.max-payload-bytes", p.events.getMaxPayloadBytes(), Integer.MAX_VALUE);
        bytes(errors, "logs.kept-bytes", p.logs.getKeptBytes(), Integer.MAX_VALUE);
        bytes(errors, "logs.max-line-bytes", p.logs.getMaxLineBytes(), Integer.MAX_VALUE);
        bytes(errors, "logs.bytes-per-second", p.logs.getBytesPerSecond(), Integer.MAX_VALUE);
        atLeast(errors, "supervision.quarantine-after", p.supervision.getQuarantineAfter(), 1);
        atLeast(errors, "supervision.health-failures", p.supervision.getHealthFailures(), 1);
        notNegative(errors, "supervision.health-interval", p.supervision.getHealthInterval());
        positive(errors, "supervision.health-timeout", p.supervision.getHealthTimeout());
        notNegative(errors, "supervision.initial-backoff", p.supervision.getInitialBackoff());
        notNegative(errors, "supervision.max-backoff", p.supervision.getMaxBackoff());
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

    /** Restarts, quarantine and health checks. */
    public static class Supervision {

        /** Delay before the first restart of a crashed plugin; doubled each time, with jitter. */
        private Duration initialBackoff = Duration.ofSeconds(1);

        /** The longest delay between restarts. */
        private Duration maxBackoff = Duration.ofMinutes(1);

        /** Crashes within {@code crash-window} after which the plugin is quarantined. */
        private int quarantineAfter = 5;

        /** The window in which crashes count towards quarantine. */
        private Duration crashWindow = Duration.ofMinutes(5);

        /** How often the host checks each running plugin over its session; 0 turns checks off. */
        private Duration healthInterval = Duration.ofSeconds(10);

        /** How long a health check may take. */
        private Duration healthTimeout = Duration.ofSeconds(5);

        /** Failed health checks in a row after which the plugin is killed and restarted. */
        private int healthFailures = 3;

        public Duration getInitialBackoff() {
            return initialBackoff;
        }

        public void setInitialBackoff(Duration initialBackoff) {
            this.initialBackoff = initialBackoff;
        }

        public Duration getMaxBackoff() {
            return maxBackoff;
        }

        public void setMaxBackoff(Duration maxBackoff) {
            this.maxBackoff = maxBackoff;
        }

        public int getQuarantineAfter() {
            return quarantineAfter;
        }

        public void setQuarantineAfter(int quarantineAfter) {
            this.quarantineAfter = quarantineAfter;
        }

        public Duration getCrashWindow() {
            return crashWindow;
        }

        public void setCrashWindow(Duration crashWindow) {
            this.crashWindow = crashWindow;
        }

        public Duration getHealthInterval() {
            return healthInterval;
        }

        public void setHealthInterval(Duration healthInterval) {
            this.healthInterval = healthInterval;
        }

        public Duration getHealthTimeout() {
            return healthTimeout;
        }

        public void setHealthTimeout(Duration healthTimeout) {
            this.healthTimeout = healthTimeout;
        }

        public int getHealthFailures() {
            return healthFailures;
        }

        public void setHealthFailures(int healthFailures) {
            this.healthFailures = healthFailures;
        }
    }

    /** What the host keeps of and writes from each plugin's output. */
    public static class Logs {

        /** Lines per second of one plugin written to the host's log; the rest are dropped and counted. */
        private int rate = 200;

        /** Lines above the rate written at once. */
        private int burst = 1000;

        /** Lines kept per plugin for GET /api/plugins/{id}/logs. */
        private int kept = 500;

        /** Bytes of text kept per plugin for GET /api/plugins/{id}/logs (oldest lines go first). */
        private DataSize keptBytes = DataSize.ofKilobytes(256);

        /** The longest line of a plugin's output or log record; the rest of it is discarded unread and marked. */
        private DataSize maxLineBytes = DataSize.ofKilobytes(16);

        /** Bytes per second one plugin may write (stdout, stderr and log records together); the rest is discarded. */
        private DataSize bytesPerSecond = DataSize.ofKilobytes(256);

        public int getRate() {
            return rate;
        }

        public void setRate(int rate) {
            this.rate = rate;
        }

        public int getBurst() {
            return burst;
        }

        public void setBurst(int burst) {
            this.burst = burst;
        }

        public int getKept() {
            return kept;
        }

        public void setKept(int kept) {
            this.kept = kept;
        }

        public DataSize getKeptBytes() {
            return keptBytes;
        }

        public void setKeptBytes(DataSize keptBytes) {
            this.keptBytes = keptBytes;
        }

        public DataSize getMaxLineBytes() {
            return maxLineBytes;
        }

        public void setMaxLineBytes(DataSize maxLineBytes) {
            this.maxLineBytes = maxLineBytes;
        }

        public DataSize getBytesPerSecond() {
            return bytesPerSecond;
        }

        public void setBytesPerSecond(DataSize bytesPerSecond) {
            this.bytesPerSecond = bytesPerSecond;
        }
    }

    /** Limits on every plugin's capability calls; a call over a limit gets RESOURCE_EXHAUSTED and is counted. */
    public static class Limits {

        /** Sustained capability calls per second, per plugin. */
        private int rate = 500;

        /** Calls above the rate a plugin may make at once. */
        private int burst = 1000;

        /** Capability calls a plugin may have in flight at once. */
        private int concurrency = 32;

        /** Deadline of a capability call that sets none. */
        private Duration defaultDeadline = Duration.ofSeconds(10);

        /** The longest deadline any capability call gets, whatever the plugin asks. */
        private Duration maxDeadline = Duration.ofSeconds(30);

        /** Default timeout of an outbound request made by the http capability. */
        private Duration httpTimeout = Duration.ofSeconds(10);

        /** Response bodies of the http capability are cut at this many bytes. */
        private DataSize httpMaxResponseBytes = DataSize.ofMegabytes(1);

        /** The largest value a plugin may store in kv. */
        private DataSize kvMaxValueBytes = DataSize.ofMegabytes(1);

        /** All of one plugin's kv keys and values together. */
        private DataSize kvMaxTotalBytes = DataSize.ofMegabytes(64);

        public int getRate() {
            return rate;
        }

        public void setRate(int rate) {
            this.rate = rate;
        }

        public int getBurst() {
            return burst;
        }

        public void setBurst(int burst) {
            this.burst = burst;
        }

        public int getConcurrency() {
            return concurrency;
        }

        public void setConcurrency(int concurrency) {
            this.concurrency = concurrency;
        }

        public Duration getDefaultDeadline() {
            return defaultDeadline;
        }

        public void setDefaultDeadline(Duration defaultDeadline) {
            this.defaultDeadline = defaultDeadline;
        }

        public Duration getMaxDeadline() {
            return maxDeadline;
        }

        public void setMaxDeadline(Duration maxDeadline) {
            this.maxDeadline = maxDeadline;
        }

        public Duration getHttpTimeout() {
            return httpTimeout;
        }

        public void setHttpTimeout(Duration httpTimeout) {
            this.httpTimeout = httpTimeout;
        }

        public DataSize getHttpMaxResponseBytes() {
            return httpMaxResponseBytes;
        }

        public void setHttpMaxResponseBytes(DataSize httpMaxResponseBytes) {
            this.httpMaxResponseBytes = httpMaxResponseBytes;
        }

        public DataSize getKvMaxValueBytes() {
            return kvMaxValueBytes;
        }

        public void setKvMaxValueBytes(DataSize kvMaxValueBytes) {
            this.kvMaxValueBytes = kvMaxValueBytes;
        }

        public DataSize getKvMaxTotalBytes() {
            return kvMaxTotalBytes;
        }

        public void setKvMaxTotalBytes(DataSize kvMaxTotalBytes) {
            this.kvMaxTotalBytes = kvMaxTotalBytes;
        }
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
     */
    public static class Identity {

        /**
         * Pins per plugin id, for example {@code plugins.identity.pins.weather=sha256:<64 hex digits>} (the jar's
         * digest, as {@code GET /api/plugins/{id}} shows it) or {@code signer:<alias>} (a jar signed with
         * {@code jarsigner} by the certificate under that alias in the trust store, or by one it issued). Several pins
         * (comma-separated): any one matches. A jar claiming a pinned id that matches none is rejected.
         */
        private Map<String, List<String>> pins = new LinkedHashMap<>();

        /** The trust store holding the certificates that {@code signer:} pins name. */
        private TrustStore trustStore = new TrustStore();

        public Map<String, List<String>> getPins() {
            return pins;
        }

        public void setPins(Map<String, List<String>> pins) {
            this.pins = pins;
        }

        public TrustStore getTrustStore() {
            return trustStore;
        }

        public void setTrustStore(TrustStore trustStore) {
            this.trustStore = trustStore;
        }
    }

    /** A key store file of trusted certificates. */
    public static class TrustStore {

        /** The trust store file. */
        private Path path;

        /** Its type: {@code PKCS12} or {@code JKS}. */
        private String type = "PKCS12";

        /** Its password (PKCS12 trust stores made by keytool have one). */
        private String password;

        public Path getPath() {
            return path;
        }

        public void setPath(Path path) {
            this.path = path;
        }

        public String getType() {
            return type;
        }

        public void setType(String type) {
            this.type = type;
        }

        public String getPassword() {
            return password;
        }

        public void setPassword(String password) {
            this.password = password;
        }
    }

    /**
     * How replicas on one PostgreSQL share events and the plugin set; used only when the host has a PostgreSQL
     * {@code DataSource}. Without one, events stay in memory and the plugin set is the folder's.
     */
    public static class Fleet {

        /**
         * Longest wait between two looks at the event table when no NOTIFY arrives; also how often leases are
         * renewed at most.
         */
        private Duration eventPoll = Duration.ofMillis(500);

        /**
         * How long a replica keeps a plugin's topic after its last renewal: a replica killed while delivering is
         * replaced by another after at most this long.
         */
        private Duration eventLease = Duration.ofSeconds(5);

        /**
         * An event handed to a plugin counts as delivered (its cursor moves past it) once the plugin's replica has
         * run this long after: a replica killed sooner leaves it to be delivered again.
         */
        private Duration eventAckAfter = Duration.ofSeconds(1);

        /** Events older than this are deleted from the event table, delivered or not. */
        private Duration eventRetention = Duration.ofDays(1);

        /** How often each replica compares its plugins folder with the fleet's plugin set. */
        private Duration pluginPoll = Duration.ofSeconds(2);

        public Duration getEventPoll() {
            return eventPoll;
        }

        public void setEventPoll(Duration eventPoll) {
            this.eventPoll = eventPoll;
        }

        public Duration getEventLease() {
            return eventLease;
        }

        public void setEventLease(Duration eventLease) {
            this.eventLease = eventLease;
        }

        public Duration getEventAckAfter() {
            return eventAckAfter;
        }

        public void setEventAckAfter(Duration eventAckAfter) {
            this.eventAckAfter = eventAckAfter;
        }

        public Duration getEventRetention() {
            return eventRetention;
        }

        public void setEventRetention(Duration eventRetention) {
            this.eventRetention = eventRetention;
        }

        public Duration getPluginPoll() {
            return pluginPoll;
        }

        public void setPluginPoll(Duration pluginPoll) {
            this.pluginPoll = pluginPoll;
        }
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
}
