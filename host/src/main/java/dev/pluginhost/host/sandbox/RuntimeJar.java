package dev.pluginhost.host.sandbox;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The plugin runtime (the SDK with gRPC and protobuf) ships inside the host as a resource; plugin JVMs need it as a
 * file, so it is copied once into the run folder.
 */
public final class RuntimeJar {

    static final String RESOURCE = "/dev/pluginhost/host/runtime/plugin-runtime.jar";

    private RuntimeJar() {
    }

    public static Path extract(Path runDir) throws IOException {
        Path target = runDir.resolve("plugin-runtime.jar");
        try (InputStream in = RuntimeJar.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IOException("the host was built without its plugin runtime (" + RESOURCE
                        + " is missing): build it with 'mvn package'");
            }
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
        return target;
    }
}
