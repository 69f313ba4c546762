package dev.pluginhost.host;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Everything an operator can set under {@code plugins.*}.
 */
@ConfigurationProperties("plugins")
public class PluginHostProperties {

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
            "-Xmx128m", "-Xss512k", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto"));

    /** How long a plugin may take from launch to ready before it is marked failed. */
    private Duration startTimeout = Duration.ofSeconds(30);

    /** How long an invocation may take before the caller gets a timeout. */
    private Duration invokeTimeout = Duration.ofSeconds(30);

    /** How long a stopping plugin may finish its work before it is killed. */
    private Duration stopGrace = Duration.ofSeconds(5);

    /** Largest plugin jar the host accepts, in bytes. */
    private long maxJarSize = 64L * 1024 * 1024;

    /** Capabilities granted to plugins without an entry in {@code grants}. {@code log} is always granted. */
    private List<String> defaultGrants = new ArrayList<>(List.of("log"));

    /**
     * Capabilities granted per plugin id, for example {@code plugins.grants.hello=log,kv}. A plugin gets what its
     * manifest requests and this grants, nothing more.
     */
    private Map<String, List<String>> grants = new LinkedHashMap<>();

    /** What happens when a plugin makes a forbidden system call. */
    private Sandbox sandbox = new Sandbox();

    /** Sandbox settings. */
    public static class Sandbox {

        /**
         * deny: the call fails (EPERM) and is reported; kill: the plugin is killed at its first violation; audit:
         * the call proceeds and is reported (for writing a policy, never in production).
         */
        private String mode = "deny";

        public String getMode() {
            return mode;
        }

        public void setMode(String mode) {
            this.mode = mode;
        }
    }

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

    public long getMaxJarSize() {
        return maxJarSize;
    }

    public void setMaxJarSize(long maxJarSize) {
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
}
