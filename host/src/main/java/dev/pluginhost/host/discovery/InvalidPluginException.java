package dev.pluginhost.host.discovery;

import java.nio.file.Path;

/** A jar that cannot be a plugin; the message names the file, the field (where there is one) and the reason. */
public class InvalidPluginException extends Exception {

    private static final long serialVersionUID = 1L;

    private final transient Path jar;

    public InvalidPluginException(Path jar, String reason) {
        super(jar.getFileName() + ": " + reason);
        this.jar = jar;
    }

    public InvalidPluginException(Path jar, String reason, Throwable cause) {
        super(jar.getFileName() + ": " + reason, cause);
        this.jar = jar;
    }

    public Path jar() {
        return jar;
    }
}
