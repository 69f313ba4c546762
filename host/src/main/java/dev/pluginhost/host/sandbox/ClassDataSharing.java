package dev.pluginhost.host.sandbox;

import dev.pluginhost.host.PluginHostProperties;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A class-data-sharing archive of the plugin runtime, made once per host start by a trusted training run
 * ({@code dev.pluginhost.sdk.runtime.CdsTraining}, no plugin code) with the plugin JVMs' own options; every plugin JVM
 * then maps it read-only ({@code -XX:SharedArchiveFile}). Measured: plugin start ×0.6 (docs/benchmarks.md). Any
 * failure only costs that speed: plugins start without it.
 *
 * <p>When the plugin JDK is 25 or later the archive is an ahead-of-time cache instead (JEP 483/514/515: classes
 * loaded <em>and linked</em>, method profiles), made with {@code -XX:AOTCacheOutput} and mapped with
 * {@code -XX:AOTCache}; those refuse every {@code -Xshare} option, so the plugin JVMs' own are left out of both runs.
 * Measured here on JDK 25 under load, the runtime's training program: no archive 2.3–3.9 s, dynamic CDS 1.8–2.0 s,
 * AOT cache 1.5–2.1 s.
 */
public final class ClassDataSharing {

    private static final Logger log = LoggerFactory.getLogger(ClassDataSharing.class);

    static final String TRAINING = "dev.pluginhost.sdk.runtime.CdsTraining";

    private ClassDataSharing() {
    }

    /** @return the archive, or empty when it is turned off or could not be made (logged) */
    public static Optional<Path> train(PluginHostProperties properties, Path runtimeJar, Path runDir) {
        if (!properties.isClassDataSharing()) {
            return Optional.empty();
        }
        boolean aot = PluginJvm.aheadOfTimeCache(PluginJvm.java(properties));
        Path archive = runDir.resolve(aot ? "plugin-runtime.aot" : "plugin-runtime.jsa");
        Path scratch = runDir.resolve("cds-training");
        List<String> command = new ArrayList<>();
        command.add(PluginJvm.java(properties).toString());
        // the same options as plugin JVMs, or the archive is not used
        command.addAll(PluginJvm.jvmOptions(properties, aot));
        command.addAll(PluginJvm.nativeAccess(PluginJvm.java(properties)));
        command.add(aot ? "-XX:AOTCacheOutput=" + archive : "-XX:ArchiveClassesAtExit=" + archive);
        command.add("-Xlog:cds=off");
        command.add("-cp");
        command.add(runtimeJar.toString());
        command.add(TRAINING);
        command.add(runtimeJar.toString());
        command.add(scratch.toString());
        long start = System.nanoTime();
        try {
            Process training = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!training.waitFor(60, TimeUnit.SECONDS)) {
                training.destroyForcibly();
                log.warn("class-data sharing off: the training run took longer than 60 s");
                return Optional.empty();
            }
            if (training.exitValue() != 0 || !Files.isRegularFile(archive)) {
                log.warn("class-data sharing off: the training run exited with {}", training.exitValue());
                return Optional.empty();
            }
            Files.setPosixFilePermissions(archive, PosixFilePermissions.fromString("r--r--r--"));
            log.info("class-data sharing on: {} ({} KiB, made in {} ms)", archive, Files.size(archive) / 1024,
                    (System.nanoTime() - start) / 1_000_000);
            return Optional.of(archive);
        } catch (IOException e) {
            log.warn("class-data sharing off: {}", e.toString());
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }
}
