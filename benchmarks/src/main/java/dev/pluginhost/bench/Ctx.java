package dev.pluginhost.bench;

import dev.pluginhost.sandbox.SandboxLauncher;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.jar.JarFile;

/** What every benchmark shares: paths, the launcher, event loops, the report, the repetition count. */
final class Ctx {
    final Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    final Path files;        // target/bench: pluginhost.jar, hello.jar, plugin-runtime.jar
    final Path classes;      // this module's classes (workloads)
    final Path benchPluginJar;
    final Path dockerProfile;
    final Path base;         // scratch root, world-traversable (plugin JVMs run as uid 65534)
    final SandboxLauncher launcher;
    final int childUid;
    final EventLoopGroup boss = new EpollEventLoopGroup(1, new DefaultThreadFactory("bench-accept", true));
    final EventLoopGroup workers = new EpollEventLoopGroup(2, new DefaultThreadFactory("bench-io", true));
    final Report report = new Report();
    final int reps;
    /** --quick: a developer's check (fewer repetitions and shorter measurements; BenchMain says which). */
    boolean quick;
    final String helloClass;

    Ctx(Path files, Path classes, Path benchPluginJar, Path dockerProfile, int reps) throws IOException {
        this.files = files;
        this.classes = classes;
        this.benchPluginJar = benchPluginJar;
        this.dockerProfile = dockerProfile;
        this.reps = reps;
        this.base = Files.createTempDirectory(Path.of("/tmp"), "pb-");
        Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path launcherDir = Files.createDirectories(base.resolve("l"));
        this.launcher = new SandboxLauncher(launcherDir);
        this.childUid = launcher.childUid();
        try (JarFile jar = new JarFile(files.resolve("hello.jar").toFile())) {
            this.helloClass = jar.getManifest().getMainAttributes().getValue("Plugin-Class");
        }
    }

    Path runtimeJar() {
        return files.resolve("plugin-runtime.jar");
    }

    Path helloJar() {
        return files.resolve("hello.jar");
    }

    Path hostJar() {
        return files.resolve("pluginhost.jar");
    }

    /** A fresh world-traversable directory under the scratch root. */
    Path dir(String name) throws IOException {
        Path d = Files.createDirectories(base.resolve(name));
        Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
        return d;
    }
}
