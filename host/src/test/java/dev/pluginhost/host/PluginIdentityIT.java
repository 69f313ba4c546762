package dev.pluginhost.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pluginhost.host.fixtures.CapabilityPlugin;
import dev.pluginhost.host.fixtures.TestPluginJar;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Plugin identity against the real packaged host: a third-party jar named to sort first ({@code aaa-spoof.jar}) that
 * claims another plugin's id ({@code weather}, with grants, a secret in its configuration and kv data) gets nothing;
 * pins (digest, signer made with keytool and jarsigner) give the id to the pinned jar only. Also the modes of the data
 * and kv folders a real plugin used, and the removal of a launch's folder (with its jar copy) when the launch ends.
 */
class PluginIdentityIT {

    static final Duration START = Duration.ofSeconds(180);
    static final String SECRET = "s3cret-api-key";

    @TempDir
    Path work;

    private Path plugins;

    private HostProcess start(String... extra) throws IOException {
        List<String> args = new ArrayList<>(List.of("--plugins.grants.weather=log,config,kv",
                "--plugins.config.weather.api-key=" + SECRET, "--plugins.run-dir=" + work.resolve("run"),
                "--plugins.watch-settle=200ms", "--plugins.start-timeout=120s"));
        args.addAll(List.of(extra));
        return HostProcess.start(work, plugins, args.toArray(String[]::new));
    }

    private Path weatherJar(String fileName, String version) throws IOException {
        return TestPluginJar.write(plugins, fileName, "weather", version, CapabilityPlugin.class, "log, config, kv");
    }

    /** A jar written beside the folder and renamed into it: the documented install. */
    private Path install(Path jar, String fileName) throws IOException {
        return Files.move(jar, plugins.resolve(fileName), StandardCopyOption.ATOMIC_MOVE);
    }

    @Test
    void twoJarsClaimingOneIdStartNeitherAtStartOrWhenTheSecondArrivesWhileOneRuns() throws Exception {
        plugins = Files.createDirectories(work.resolve("plugins"));
        weatherJar("weather.jar", "1.0.0");
        weatherJar("aaa-spoof.jar", "6.6.6");
        try (HostProcess host = start()) {
            await().atMost(START).ignoreExceptions().until(() -> host.json("/api/rejections").size() == 2);
            assertBothRejected(host, "aaa-spoof.jar", "weather.jar");
            assertThat(host.get("/api/plugins/weather").statusCode()).as("nobody has the id").isEqualTo(404);
            assertThat(host.log()).doesNotContain("plugin weather 6.6.6 running").doesNotContain("plugin weather 1.0.0 running");

            // The spoof goes: the one jar left gets the id.
            Files.delete(plugins.resolve("aaa-spoof.jar"));
            JsonNode running = awaitRunning(host, "weather", "weather.jar");
            assertThat(running.get("jar").asString()).isEqualTo("weather.jar");
            assertThat(running.get("digest").asString()).isEqualTo(sha256(plugins.resolve("weather.jar")));
            assertThat(config(host)).isEqualTo(SECRET);
            long pid = running.get("pid").asLong();

            // A second jar claims the running plugin's id: it gets nothing, both are reported, and the running one
            // stops too (the host cannot tell which is genuine; the outcome must not depend on arrival order).
            Path spoof = TestPluginJar.write(work, "bbb-spoof.jar", "weather", "6.6.7", CapabilityPlugin.class,
                    "log, config, kv");
            install(spoof, "bbb-spoof.jar");
            await().atMost(START).ignoreExceptions().until(() -> host.json("/api/rejections").size() == 2
                    && host.get("/api/plugins/weather").statusCode() == 404);
            assertBothRejected(host, "bbb-spoof.jar", "weather.jar");
            await().atMost(Duration.ofSeconds(20)).until(() -> ProcessHandle.of(pid).isEmpty()
                    || !ProcessHandle.of(pid).get().isAlive());
            assertThat(host.log()).doesNotContain("plugin weather 6.6.7 running");
        }
    }

    private static void assertBothRejected(HostProcess host, String spoof, String real) throws Exception {
        JsonNode rejections = host.json("/api/rejections");
        List<String> files = new ArrayList<>();
        for (JsonNode rejection : rejections) {
            files.add(rejection.get("file").asString());
            assertThat(rejection.get("reason").asString()).as(rejection.toString())
                    .contains("duplicate Plugin-Id 'weather'").contains(spoof).contains(real);
        }
        assertThat(files).containsExactlyInAnyOrder(spoof, real);
    }

    @Test
    void aDigestPinGivesTheIdToThePinnedJarOnlyAndPrivateFoldersHoldItsData() throws Exception {
        plugins = Files.createDirectories(work.resolve("plugins"));
        Path real = weatherJar("weather.jar", "1.0.0");
        weatherJar("aaa-spoof.jar", "6.6.6");
        String pin = sha256(real);
        try (HostProcess host = start("--plugins.identity.pins.weather=" + pin)) {
            JsonNode running = awaitRunning(host, "weather", "weather.jar");
            assertThat(running.get("jar").asString()).isEqualTo("weather.jar");
            assertThat(running.get("digest").asString()).isEqualTo(pin);
            assertThat(running.get("signer").isNull()).isTrue();
            assertThat(config(host)).isEqualTo(SECRET);
            assertThat(host.post("/api/plugins/weather/invoke/kv-put", "{\"key\":\"k\",\"value\":\"v\"}")
                    .statusCode()).isEqualTo(200);
            String spoofDigest = sha256(plugins.resolve("aaa-spoof.jar"));
            assertThat(rejection(host, "aaa-spoof.jar")).contains("pinned (plugins.identity.pins.weather) to " + pin)
                    .contains("this jar is " + spoofDigest);

            // Dropped in while the pinned plugin runs: rejected, and the pinned one keeps running.
            install(TestPluginJar.write(work, "ccc-spoof.jar", "weather", "6.6.7", CapabilityPlugin.class,
                    "log, config, kv"), "ccc-spoof.jar");
            await().atMost(START).ignoreExceptions().until(() -> rejection(host, "ccc-spoof.jar") != null);
            assertThat(rejection(host, "ccc-spoof.jar")).contains("pinned").contains(pin);
            assertThat(host.plugin("weather").get("pid").asLong()).isEqualTo(running.get("pid").asLong());
            assertThat(host.plugin("weather").get("state").asString()).isEqualTo("running");

            // Who may read the plugin's data: the plugin (its own uid when the host is root) and the host only.
            Path data = work.resolve("data");
            assertThat(mode(data)).isEqualTo("rwx--x--x");
            assertThat(mode(data.resolve("weather"))).isEqualTo("rwx------");
            assertThat(Files.getAttribute(data.resolve("weather"), "unix:uid"))
                    .isEqualTo(uid() == 0 ? 65534 : uid());
            assertThat(mode(data.resolve(".kv"))).isEqualTo("rwx------");
            assertThat(Files.getAttribute(data.resolve(".kv"), "unix:uid")).isEqualTo(uid());
            try (Stream<Path> files = Files.list(data.resolve(".kv"))) {
                List<Path> kv = files.toList();
                assertThat(kv).extracting(p -> p.getFileName().toString()).contains("kv.mv.db");
                for (Path file : kv) {
                    assertThat(mode(file)).as(file.toString()).isEqualTo("rw-------");
                    assertThat(Files.getAttribute(file, "unix:uid")).isEqualTo(uid());
                }
            }

            // A launch's folder (its jar copy, socket, temporary files) goes when the launch ends: restarted, then
            // stopped.
            Path runs = work.resolve("run").resolve("weather");
            List<Path> before = launchFolders(runs);
            assertThat(before).hasSize(1);
            assertThat(before.get(0).resolve("plugin.jar")).exists();
            long pid = running.get("pid").asLong();
            assertThat(host.post("/api/plugins/weather/restart", "").statusCode()).isLessThan(300);
            await().atMost(START).ignoreExceptions().until(() -> host.plugin("weather").get("state").asString()
                    .equals("running") && host.plugin("weather").get("pid").asLong() != pid);
            await().atMost(Duration.ofSeconds(20)).until(() -> !launchFolders(runs).contains(before.get(0)));
            assertThat(launchFolders(runs)).hasSize(1);
            assertThat(host.post("/api/plugins/weather/stop", "").statusCode()).isLessThan(300);
            await().atMost(Duration.ofSeconds(20)).until(() -> launchFolders(runs).isEmpty());
        }
    }

    @Test
    void aSignerPinGivesTheIdToAJarSignedByTheTrustedKeyOnly() throws Exception {
        plugins = Files.createDirectories(work.resolve("plugins"));
        Path keys = Files.createDirectories(work.resolve("keys"));
        Path trusted = keys.resolve("acme.p12");
        Path other = keys.resolve("other.p12");
        Path trustStore = keys.resolve("trust.p12");
        keytool("-genkeypair", "-keystore", trusted.toString(), "-storepass", "changeit", "-alias", "acme",
                "-keyalg", "EC", "-dname", "CN=Acme Plugins,O=Acme", "-validity", "30");
        keytool("-genkeypair", "-keystore", other.toString(), "-storepass", "changeit", "-alias", "acme",
                "-keyalg", "EC", "-dname", "CN=Acme Plugins,O=Other", "-validity", "30");
        Path cert = keys.resolve("acme.cer");
        keytool("-exportcert", "-keystore", trusted.toString(), "-storepass", "changeit", "-alias", "acme",
                "-file", cert.toString());
        keytool("-importcert", "-noprompt", "-keystore", trustStore.toString(), "-storepass", "trustpass",
                "-alias", "acme", "-file", cert.toString());

        Path real = TestPluginJar.write(work, "weather.jar", "weather", "1.0.0", CapabilityPlugin.class,
                "log, config, kv");
        jarsigner(real, trusted);
        Path spoof = TestPluginJar.write(work, "aaa-spoof.jar", "weather", "6.6.6", CapabilityPlugin.class,
                "log, config, kv");
        jarsigner(spoof, other);
        install(real, "weather.jar");
        install(spoof, "aaa-spoof.jar");

        try (HostProcess host = start("--plugins.identity.pins.weather=signer:acme",
                "--plugins.identity.trust-store.path=" + trustStore,
                "--plugins.identity.trust-store.password=trustpass")) {
            JsonNode running = awaitRunning(host, "weather", "weather.jar");
            assertThat(running.get("jar").asString()).isEqualTo("weather.jar");
            assertThat(running.get("signer").asString()).isEqualTo("CN=Acme Plugins,O=Acme");
            assertThat(config(host)).isEqualTo(SECRET);
            assertThat(rejection(host, "aaa-spoof.jar")).contains("a jar signed by 'acme' (CN=Acme Plugins,O=Acme)")
                    .contains("signed by CN=Acme Plugins,O=Other");
        }
    }

    @Test
    void aRunFolderThatIsALinkOrSomeoneElsesIsRefused() throws Exception {
        plugins = Files.createDirectories(work.resolve("plugins"));
        Path elsewhere = Files.createDirectories(work.resolve("elsewhere"));
        Path link = Files.createSymbolicLink(work.resolve("run-link"), elsewhere);
        try (HostProcess host = HostProcess.start(work, plugins, "--plugins.run-dir=" + link)) {
            await().atMost(START).until(() -> !host.isAlive());
            assertThat(host.log()).contains("plugins.run-dir: " + link + " is a symbolic link: refusing to use it");
        }
        try (Stream<Path> files = Files.list(elsewhere)) {
            assertThat(files).as("nothing written through the link").isEmpty();
        }
        if (uid() == 0) {
            Path theirs = Files.createDirectories(work.resolve("run-theirs"));
            Files.setAttribute(theirs, "unix:uid", 1001);
            try (HostProcess host = HostProcess.start(work, plugins, "--plugins.run-dir=" + theirs)) {
                await().atMost(START).until(() -> !host.isAlive());
                assertThat(host.log()).contains("plugins.run-dir: " + theirs + " is owned by uid 1001, not by uid 0");
            }
        }
    }

    /**
     * Waits until the plugin runs, first checking which jar has its id. The failure message carries the plugin's
     * last error and the host's log.
     */
    private static JsonNode awaitRunning(HostProcess host, String id, String jar) throws Exception {
        try {
            await().atMost(START).ignoreExceptions().until(() -> host.plugin(id) != null);
            assertThat(host.plugin(id).get("jar").asString()).as("the jar that has the id '%s'", id).isEqualTo(jar);
            await().atMost(START).ignoreExceptions().until(() -> host.plugin(id).get("state").asString()
                    .equals("running"));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            JsonNode plugin = host.plugin(id);
            String log = host.log();
            throw new AssertionError("plugin " + id + " not running: " + plugin + "\nhost log (end):\n"
                    + log.substring(Math.max(0, log.length() - 6000)), e);
        }
        return host.json("/api/plugins/" + id);
    }

    private static String config(HostProcess host) throws Exception {
        return HostProcess.JSON.readTree(host.post("/api/plugins/weather/invoke/config", "{\"key\":\"api-key\"}")
                .body()).get("value").asString();
    }

    /** @return the reason the jar is rejected, or null when it is not */
    private static String rejection(HostProcess host, String jar) throws Exception {
        for (JsonNode rejection : host.json("/api/rejections")) {
            if (rejection.get("file").asString().equals(jar)) {
                return rejection.get("reason").asString();
            }
        }
        return null;
    }

    private static List<Path> launchFolders(Path runs) throws IOException {
        if (!Files.isDirectory(runs)) {
            return List.of();
        }
        try (Stream<Path> folders = Files.list(runs)) {
            return folders.filter(p -> p.getFileName().toString().startsWith("l")).toList();
        }
    }

    static String sha256(Path file) throws Exception {
        return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(Files.readAllBytes(file)));
    }

    private static String mode(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS));
    }

    private static int uid() throws IOException {
        return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    }

    private static void keytool(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool")
                .toString()));
        command.addAll(List.of(args));
        run(command);
    }

    private static void jarsigner(Path jar, Path keyStore) throws Exception {
        run(List.of(Path.of(System.getProperty("java.home"), "bin", "jarsigner").toString(), "-keystore",
                keyStore.toString(), "-storepass", "changeit", jar.toString(), "acme"));
    }

    private static void run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("%s: %s", command, out).isZero();
    }
}
