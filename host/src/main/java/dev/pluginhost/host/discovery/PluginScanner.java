package dev.pluginhost.host.discovery;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the plugins in the plugins folder. Every jar is either a plugin or a {@link Rejection} with its reason; one
 * bad jar never hides the others.
 */
public final class PluginScanner {

    private static final Logger log = LoggerFactory.getLogger(PluginScanner.class);

    private final ManifestReader reader;

    public PluginScanner(ManifestReader reader) {
        this.reader = reader;
    }

    /**
     * The plugins and rejections of one folder.
     *
     * @param plugins valid plugins, in file-name order
     * @param rejections jars that are not started, with the reason
     */
    public record Result(List<PluginDescriptor> plugins, List<Rejection> rejections) {
    }

    public Result scan(Path dir) {
        List<PluginDescriptor> plugins = new ArrayList<>();
        List<Rejection> rejections = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            log.warn("plugins folder {} does not exist: no plugins to start", dir.toAbsolutePath());
            return new Result(plugins, rejections);
        }
        List<Path> jars = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, "*.jar")) {
            stream.forEach(jars::add);
        } catch (IOException e) {
            log.error("cannot list plugins folder {}: {}", dir.toAbsolutePath(), e.toString());
            return new Result(plugins, rejections);
        }
        jars.sort(null);
        Map<String, Path> seen = new HashMap<>();
        for (Path jar : jars) {
            try {
                PluginDescriptor descriptor = reader.read(jar);
                Path first = seen.putIfAbsent(descriptor.id(), jar);
                if (first != null) {
                    throw new InvalidPluginException(jar, "duplicate Plugin-Id '" + descriptor.id() + "': "
                            + first.getFileName() + " already has it");
                }
                plugins.add(descriptor);
            } catch (InvalidPluginException e) {
                log.error("plugin rejected: {}", e.getMessage());
                rejections.add(new Rejection(jar, e.getMessage(), Instant.now()));
            }
        }
        return new Result(plugins, rejections);
    }
}
