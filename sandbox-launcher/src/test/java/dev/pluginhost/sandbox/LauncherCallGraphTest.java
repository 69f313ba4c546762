package dev.pluginhost.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The C launcher's files call each other in layers, never in a circle (log.c lowest, fail.c above events.c): read
 * from the object files the build compiled, with binutils' {@code nm}, so the graph is the linker's, not a guess.
 */
class LauncherCallGraphTest {

    private static final Path OBJECTS = Path.of("target", "native-obj");

    /** file -> the other files whose functions or data it uses. */
    static Map<String, Set<String>> callGraph() throws Exception {
        Map<String, String> definedIn = new HashMap<>();
        Map<String, Set<String>> undefined = new TreeMap<>();
        List<Path> objects;
        try (var files = Files.list(OBJECTS)) {
            objects = files.filter(p -> p.toString().endsWith(".o")).sorted().toList();
        }
        assertThat(objects).as("the launcher's objects in " + OBJECTS + " (built by generate-resources)")
                .hasSizeGreaterThan(10);
        for (Path object : objects) {
            String file = object.getFileName().toString().replace(".o", ".c");
            undefined.put(file, new TreeSet<>());
            for (String line : nm(object)) {
                String[] parts = line.trim().split("\\s+");
                if (parts.length == 3 && "TDBR".contains(parts[1])) {
                    definedIn.put(parts[2], file);
                } else if (parts.length == 2 && parts[0].equals("U")) {
                    undefined.get(file).add(parts[1]);
                }
            }
        }
        Map<String, Set<String>> graph = new TreeMap<>();
        undefined.forEach((file, symbols) -> {
            Set<String> callees = new TreeSet<>();
            symbols.stream().map(definedIn::get).filter(f -> f != null && !f.equals(file)).forEach(callees::add);
            graph.put(file, callees);
        });
        return graph;
    }

    private static List<String> nm(Path object) throws IOException, InterruptedException {
        Process nm = new ProcessBuilder("nm", object.toString()).redirectErrorStream(true).start();
        String out = new String(nm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(nm.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(nm.exitValue()).as("nm " + object + ": " + out).isZero();
        return out.lines().toList();
    }

    /** Every circle, each as the path that closes it. */
    static List<List<String>> circles(Map<String, Set<String>> graph) {
        List<List<String>> found = new ArrayList<>();
        for (String start : graph.keySet()) {
            walk(graph, start, new ArrayList<>(List.of(start)), found);
        }
        return found;
    }

    private static void walk(Map<String, Set<String>> graph, String start, List<String> path,
            List<List<String>> found) {
        for (String next : graph.getOrDefault(path.get(path.size() - 1), Set.of())) {
            if (next.equals(start)) {
                List<String> circle = new ArrayList<>(path);
                circle.add(start);
                found.add(circle);
            } else if (!path.contains(next) && next.compareTo(start) > 0) { // each circle once, from its least file
                path.add(next);
                walk(graph, start, path, found);
                path.remove(path.size() - 1);
            }
        }
    }

    @Test
    void theLaunchersFilesCallNoCircle() throws Exception {
        Map<String, Set<String>> graph = callGraph();
        assertThat(graph.get("main.c")).as("the graph is read (main.c calls the steps)").contains("filter.c");
        assertThat(circles(graph)).as("circles in " + graph).isEmpty();
        assertThat(graph.get("log.c")).as("log.c is the lowest layer").isEmpty();
    }

    @Test
    void aCircleIsFound() {
        Map<String, Set<String>> circular = Map.of("a.c", Set.of("b.c"), "b.c", Set.of("c.c"), "c.c", Set.of("a.c"));
        assertThat(circles(circular)).containsExactly(List.of("a.c", "b.c", "c.c", "a.c"));
    }
}
