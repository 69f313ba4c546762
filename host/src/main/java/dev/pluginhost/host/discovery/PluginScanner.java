package dev.pluginhost.host.discovery;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the plugins in the plugins folder. Every jar is either a plugin or a {@link Rejection} with its reason; one
 * bad jar never hides the others. Which jar gets an id is decided by {@link #decide}.
 */
public final class PluginScanner {

    private static final Logger log = LoggerFactory.getLogger(PluginScanner.class);

    private final ManifestReader reader;
    private final PluginPins pins;

    public PluginScanner(ManifestReader reader) {
        this(reader, PluginPins.none());
    }

    public PluginScanner(ManifestReader reader, PluginPins pins) {
        this.reader = reader;
        this.pins = pins;
    }

    /**
     * The plugins and rejections of one folder.
     *
     * @param plugins valid plugins, in file-name order
     * @param rejections jars that are not started, with the reason
     * @param claims every readable plugin jar, started or not, by the id it claims
     */
    public record Result(List<PluginDescriptor> plugins, List<Rejection> rejections, List<PluginDescriptor> claims) {
    }

    /**
     * Who gets a plugin id, from every jar that claims it.
     *
     * @param winner the one jar that gets the id, or null when none does
     * @param rejections the other claims, each with its reason
     */
    public record Decision(PluginDescriptor winner, List<Rejection> rejections) {
    }

    /**
     * Decides which jar gets an id. A manifest is only a claim: a jar that does not match the id's pins is refused,
     * and when more than one jar is left, none gets the id (no file name, and no arrival order, wins), so that no
     * jar receives another's grants, configuration and data. The operator removes all but one, or pins the id.
     */
    public Decision decide(String id, List<PluginDescriptor> claims) {
        List<PluginDescriptor> eligible = new ArrayList<>();
        List<Rejection> rejections = new ArrayList<>();
        List<PluginDescriptor> sorted = new ArrayList<>(claims);
        sorted.sort(Comparator.comparing(d -> d.jar().getFileName().toString()));
        for (PluginDescriptor claim : sorted) {
            String refused = pins.check(claim);
            if (refused != null) {
                rejections.add(new Rejection(claim.jar(), refused, Instant.now()));
            } else {
                eligible.add(claim);
            }
        }
        if (eligible.size() <= 1) {
            return new Decision(eligible.isEmpty() ? null : eligible.get(0), rejections);
        }
        String files = eligible.stream().map(d -> d.jar().getFileName().toString()).collect(Collectors.joining(", "));
        for (PluginDescriptor claim : eligible) {
            rejections.add(new Rejection(claim.jar(), claim.jar().getFileName() + ": duplicate Plugin-Id '" + id
                    + "': claimed by " + eligible.size() + " jars (" + files + "); none of them is started. Remove "
                    + "all but one, or pin the id to one jar (plugins.identity.pins." + id + "=sha256:... or "
                    + "signer:...)", Instant.now()));
        }
        return new Decision(null, rejections);
    }

    public Result scan(Path dir) {
        List<PluginDescriptor> plugins = new ArrayList<>();
        List<Rejection> rejections = new ArrayList<>();
        List<PluginDescriptor> claims = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            log.warn("plugins folder {} does not exist: no plugins to start", dir.toAbsolutePath());
            return new Result(plugins, rejections, claims);
        }
        List<Path> jars = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, "*.jar")) {
            stream.forEach(jars::add);
        } catch (IOException e) {
            log.error("cannot list plugins folder {}: {}", dir.toAbsolutePath(), e.toString());
            return new Result(plugins, rejections, claims);
        }
        jars.sort(null);
        Map<String, List<PluginDescriptor>> byId = new LinkedHashMap<>();
        for (Path jar : jars) {
            try {
                PluginDescriptor descriptor = reader.read(jar);
                claims.add(descriptor);
                byId.computeIfAbsent(descriptor.id(), id -> new ArrayList<>()).add(descriptor);
            } catch (InvalidPluginException e) {
                log.error("plugin rejected: {}", e.getMessage());
                rejections.add(new Rejection(jar, e.getMessage(), Instant.now()));
            }
        }
        byId.forEach((id, claimsOfId) -> {
            Decision decision = decide(id, claimsOfId);
            decision.rejections().forEach(r -> log.error("plugin rejected: {}", r.reason()));
            rejections.addAll(decision.rejections());
            if (decision.winner() != null) {
                plugins.add(decision.winner());
            }
        });
        plugins.sort(Comparator.comparing(d -> d.jar().getFileName().toString()));
        return new Result(plugins, rejections, claims);
    }
}
