package dev.pluginhost.sdk.testkit;

import dev.pluginhost.contract.v1.GetRequest;
import dev.pluginhost.contract.v1.GetResponse;
import dev.pluginhost.sdk.CapabilityDeniedException;
import dev.pluginhost.sdk.Plugin;
import dev.pluginhost.sdk.PluginContext;
import dev.pluginhost.sdk.PluginHttp;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.LoggerFactory;

/** Exercises every capability, for the kit's own tests. */
public final class ProbePlugin implements Plugin {

    /** A stand-in for an application capability's generated stub. */
    static final MethodDescriptor<GetRequest, GetResponse> LOOKUP = MethodDescriptor.<GetRequest, GetResponse>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName("test.Inventory/Lookup")
            .setRequestMarshaller(ProtoUtils.marshaller(GetRequest.getDefaultInstance()))
            .setResponseMarshaller(ProtoUtils.marshaller(GetResponse.getDefaultInstance()))
            .build();

    record Topic(String topic) {}

    record Url(String url) {}

    final List<String> received = new CopyOnWriteArrayList<>();
    volatile boolean stopped;

    @Override
    public void start(PluginContext context) {
        context.operation("config", request -> context.config().all());
        context.operation("greeting", request -> context.config().get("greeting", "Hello"));
        context.operation("subscribe", request -> {
            String pattern = request.json(Topic.class).topic();
            try {
                context.events().subscribe(pattern, event -> received.add(event.topic() + " " + event.text()));
                return "subscribed";
            } catch (CapabilityDeniedException e) {
                return "denied " + e.capability() + ": " + e.getMessage();
            }
        });
        context.operation("received", request -> received);
        context.operation("publish", request -> context.events().publish(request.json(Topic.class).topic(),
                Map.of("n", 1)));
        context.operation("fetch", request -> {
            try {
                PluginHttp.Response response = context.http().get(request.json(Url.class).url())
                        .header("accept", "application/json").send();
                return Map.of("status", response.status(), "body", response.text(),
                        "type", response.header("Content-Type").orElse(""));
            } catch (IOException e) {
                return Map.of("error", e.getMessage());
            }
        });
        context.operation("slf4j", request -> {
            LoggerFactory.getLogger("probe.slf4j").warn("via slf4j {}", 42);
            return null;
        });
        context.operation("app", request -> {
            GetResponse response = ClientCalls.blockingUnaryCall(context.channel("inventory"), LOOKUP,
                    CallOptions.DEFAULT, GetRequest.newBuilder().setKey(request.text()).build());
            return response.getValue().toStringUtf8();
        });
        context.operation("boom", request -> {
            throw new IllegalStateException("boom");
        });
    }

    @Override
    public void stop() {
        stopped = true;
    }
}
