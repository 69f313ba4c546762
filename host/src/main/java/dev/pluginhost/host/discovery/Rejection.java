package dev.pluginhost.host.discovery;

import java.nio.file.Path;
import java.time.Instant;

/**
 * A jar in the plugins folder that was not started, and why.
 *
 * @param jar the file
 * @param reason what is wrong with it, naming the field where there is one
 * @param time when it was found
 */
public record Rejection(Path jar, String reason, Instant time) {
}
