package dev.pluginhost.sdk.testkit;

import dev.pluginhost.sdk.runtime.Json;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.pluginhost.contract.v1.HostMessage;
import dev.pluginhost.contract.v1.Invocation;
import dev.pluginhost.contract.v1.InvocationResult;
import dev.pluginhost.contract.v1.Shutdown;
import dev.pluginhost.sdk.runtime.RuntimeEnvironment;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The production path without the sandbox: a plugin jar in a child JVM on the shaded runtime jar, connected to the
 * kit's in-memory host over a real Unix socket. Proves what only the runtime jar can show: the plugin class loader
 * shares exactly io.grpc, protobuf and SLF4J, and SLF4J finds the runtime's provider through ServiceLoader.
 */
class RuntimeJarTest {

    @TempDir
    Path work;

    @Test
    void aPluginJarRunsOnTheRuntimeJar() throws Exception {
        Path runtimeJar = Path.of("target/runtime/plugin-runtime.jar");
        assertThat(runtimeJar).exists();
        Path pluginJar = work.resolve("isolation.jar");
        try (JarOutputStream jar = new JarOutputStream(Files.newOutputStream(pluginJar))) {
            String entry = IsolationPlugin.class.getName().replace('.', '/') + ".class";
            jar.putNextEntry(new JarEntry(entry));
            try (var in = IsolationPlugin.class.getClassLoader().getResourceAsStream(entry)) {
                in.transferTo(jar);
            }
        }
        InMemoryHost state = new InMemoryHost("isolation", Set.of(), Map.of(), false);
        Path socket = work.resolve("plugin.sock");
        EpollEventLoopGroup loop = new EpollEventLoopGroup(2);
        Server server = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollServerDomainSocketChannel.class)
                .bossEventLoopGroup(loop)
                .workerEventLoopGroup(loop)
                .fallbackHandlerRegistry(state.registry)
                .build()
                .start();
        ProcessBuilder child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", runtimeJar.toAbsolutePath().toString(), "dev.pluginhost.sdk.runtime.PluginMain")
                .redirectErrorStream(true)
                .redirectOutput(work.resolve("plugin.out").toFile());
        child.environment().putAll(Map.of(
                RuntimeEnvironment.ID, "isolation",
                RuntimeEnvironment.VERSION, "1",
                RuntimeEnvironment.CLASS, IsolationPlugin.class.getName(),
                RuntimeEnvironment.JAR, pluginJar.toString(),
                RuntimeEnvironment.SOCKET, socket.toString(),
                RuntimeEnvironment.SECRET, state.launchSecret,
                RuntimeEnvironment.DATA_DIR, work.toString()));
        Process process = child.start();
        try {
            java.util.List<String> ready;
            try {
                ready = state.ready.get(30, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                throw new AssertionError("not ready within 30 s; plugin JVM alive: " + process.isAlive()
                        + "; its output:\n" + Files.readString(work.resolve("plugin.out")), e);
            }
            assertThat(ready).containsExactly("log", "see");

            @SuppressWarnings("unchecked")
            Map<String, String> seen = Json.read(invoke(state, "see", "").getReply().getPayload()
                    .toStringUtf8(), Map.class);
            assertThat(seen).containsEntry("org.slf4j.Logger", "visible")
                    .containsEntry("io.grpc.Channel", "visible")
                    .containsEntry("com.google.protobuf.ByteString", "visible")
                    .containsEntry("com.google.gson.Gson", "hidden")
                    .containsEntry("com.google.common.collect.ImmutableList", "hidden")
                    .containsEntry("dev.pluginhost.sdk.runtime.PluginMain", "hidden")
                    .containsEntry("dev.pluginhost.contract.v1.GetRequest", "hidden");

            assertThat(invoke(state, "log", "hi").hasReply()).isTrue();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (state.logs.size() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(state.logs).extracting(LogEntry::logger, LogEntry::message).contains(
                    org.assertj.core.groups.Tuple.tuple("isolation", "slf4j says hi"),
                    org.assertj.core.groups.Tuple.tuple("isolation", "plugin log says hi"));

            state.send(HostMessage.newBuilder().setShutdown(Shutdown.newBuilder().setGraceMs(1000)).build());
            assertThat(process.waitFor(20, TimeUnit.SECONDS)).as(Files.readString(work.resolve("plugin.out")))
                    .isTrue();
            assertThat(process.exitValue()).as(Files.readString(work.resolve("plugin.out"))).isZero();
        } finally {
            process.destroyForcibly();
            server.shutdownNow();
            loop.shutdownGracefully(0, 0, TimeUnit.SECONDS);
        }
    }

    private static InvocationResult invoke(InMemoryHost state, String operation, String payload) throws Exception {
        CompletableFuture<InvocationResult> result = new CompletableFuture<>();
        state.pending.put(operation, result);
        state.send(HostMessage.newBuilder().setInvocation(Invocation.newBuilder().setId(operation)
                .setOperation(operation).setPayload(ByteString.copyFrom(payload, StandardCharsets.UTF_8))
                .setContentType("text/plain")).build());
        return result.get(20, TimeUnit.SECONDS);
    }
}
