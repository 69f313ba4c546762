package dev.pluginhost.sandbox.programs;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Prints its environment ("env NAME=VALUE") and its open descriptors ("fd N TARGET"). */
public final class EnvFdProgram {
    public static void main(String[] args) throws Exception {
        for (Map.Entry<String, String> e : System.getenv().entrySet()) {
            System.out.println("env " + e.getKey() + "=" + e.getValue());
        }
        List<Path> fds;
        try (Stream<Path> list = Files.list(Path.of("/proc/self/fd"))) {
            fds = list.toList();
        }
        for (Path fd : fds) {
            String target;
            try {
                target = Files.readSymbolicLink(fd).toString();
            } catch (Exception e) {
                target = "?";
            }
            System.out.println("fd " + fd.getFileName() + " " + target);
        }
        System.out.println("cwd " + Path.of("").toAbsolutePath());
    }
}
