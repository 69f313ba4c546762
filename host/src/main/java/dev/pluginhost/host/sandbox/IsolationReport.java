package dev.pluginhost.host.sandbox;

import dev.pluginhost.sandbox.Layer;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the host makes of the layers a launcher reported for one plugin: a summary logged once per distinct outcome
 * (not once per launch), and the refusal when {@code plugins.sandbox.require} names a layer that is missing. A
 * weaker sandbox is never silent, and an operator who will not accept one can say so.
 */
public final class IsolationReport {

    private static final Logger log = LoggerFactory.getLogger(IsolationReport.class);

    private final Set<String> required;
    private final List<String> causes;
    private final Set<String> logged = ConcurrentHashMap.newKeySet();

    /**
     * @param required layer names that every plugin must have ({@code plugins.sandbox.require})
     * @param facts why layers may be missing on this machine, named in the summary
     * @throws IllegalArgumentException for a name that is not a layer (a typo fails the host at start)
     */
    public IsolationReport(Collection<String> required, DeploymentFacts facts) {
        this.required = new LinkedHashSet<>();
        for (String name : required) {
            String layer = name.trim();
            if (layer.isEmpty()) {
                continue;
            }
            if (!Layer.NAMES.contains(layer)) {
                throw new IllegalArgumentException("plugins.sandbox.require: '" + layer + "' is not an isolation "
                        + "layer; one of " + String.join(", ", Layer.NAMES));
            }
            this.required.add(layer);
        }
        this.causes = facts.causes();
        causes.forEach(cause -> log.warn("sandbox: {}", cause));
    }

    /** @return the layers a plugin should have but lacks, each with the launcher's reason */
    public static List<Layer> missing(List<Layer> layers) {
        return layers.stream().filter(Layer::missing).toList();
    }

    /** @return why this machine weakens the sandbox, for the health details */
    public List<String> causes() {
        return causes;
    }

    /** Logs the outcome of a launch's layers, once for every distinct outcome. */
    public void report(String pluginId, List<Layer> layers) {
        List<Layer> missing = missing(layers);
        String outcome = missing.stream().map(l -> l.name() + " (" + l.reason() + ")")
                .collect(Collectors.joining("; "));
        long active = layers.stream().filter(Layer::active).count();
        if (!logged.add(outcome)) {
            log.debug("plugin {}: isolation as logged before: {} layers active", pluginId, active);
            return;
        }
        if (missing.isEmpty()) {
            log.info("isolation (plugin {} and any with the same outcome): {} layers active, none missing", pluginId,
                    active);
        } else {
            log.warn("isolation (plugin {} and any with the same outcome): {} layers active; missing: {}", pluginId,
                    active, outcome);
        }
    }

    /** @return why a plugin with these layers must not run (plugins.sandbox.require), or empty */
    public Optional<String> refusal(List<Layer> layers) {
        List<Layer> lacking = layers.stream()
                .filter(l -> required.contains(l.name()) && !l.active())
                .toList();
        List<String> unreported = required.stream()
                .filter(name -> layers.stream().noneMatch(l -> l.name().equals(name)))
                .toList();
        if (lacking.isEmpty() && unreported.isEmpty()) {
            return Optional.empty();
        }
        String why = lacking.stream().map(l -> l.name() + " (" + l.reason() + ")").collect(Collectors.joining("; "));
        if (!unreported.isEmpty()) {
            why += (why.isEmpty() ? "" : "; ") + String.join(", ", unreported) + " (not reported by the launcher)";
        }
        return Optional.of("plugins.sandbox.require asks for a layer that is missing here, so the plugin was not "
                + "started: " + why);
    }
}
