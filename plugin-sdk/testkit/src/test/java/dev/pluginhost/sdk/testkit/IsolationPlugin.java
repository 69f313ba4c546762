package dev.pluginhost.sdk.testkit;

import dev.pluginhost.sdk.Plugin;
import dev.pluginhost.sdk.PluginContext;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.LoggerFactory;

/** Reports what its class loader lets it see; run by {@link RuntimeJarTest} on the real runtime jar. */
public final class IsolationPlugin implements Plugin {

    @Override
    public void start(PluginContext context) {
        context.operation("see", request -> {
            Map<String, String> seen = new LinkedHashMap<>();
            for (String name : new String[] {"org.slf4j.Logger", "io.grpc.Channel", "com.google.protobuf.ByteString",
                    "com.google.gson.Gson", "com.google.common.collect.ImmutableList",
                    "dev.pluginhost.sdk.runtime.PluginMain", "dev.pluginhost.contract.v1.GetRequest"}) {
                try {
                    Class.forName(name, false, IsolationPlugin.class.getClassLoader());
                    seen.put(name, "visible");
                } catch (ClassNotFoundException e) {
                    seen.put(name, "hidden");
                }
            }
            return seen;
        });
        context.operation("log", request -> {
            LoggerFactory.getLogger("isolation").info("slf4j says {}", request.text());
            context.log().info("plugin log says {}", request.text());
            return null;
        });
    }
}
