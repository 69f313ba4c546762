package dev.pluginhost.host.capability;

import dev.pluginhost.contract.v1.CapabilityCheck;
import dev.pluginhost.contract.v1.CapabilityVerdict;
import dev.pluginhost.contract.v1.HandshakeRequest;
import dev.pluginhost.contract.v1.HandshakeResponse;
import dev.pluginhost.contract.v1.HostMessage;
import dev.pluginhost.contract.v1.PluginChannelGrpc;
import dev.pluginhost.contract.v1.PluginMessage;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletionStage;

/** The handshake and the session stream, for one plugin. */
final class ChannelService extends PluginChannelGrpc.PluginChannelImplBase {

    /**
     * The counter label of a checked name that is no capability of this host. The name is the plugin's own text:
     * counted under it, every made-up name would be a new series kept for the host's lifetime (up to a message's
     * 4 MiB each, at the call rate). Not a capability name ({@link Grant}'s rule has no parentheses).
     */
    static final String UNKNOWN = "(unknown)";

    private final PluginConnection connection;
    private final CapabilityCatalog catalog;

    ChannelService(PluginConnection connection, CapabilityCatalog catalog) {
        this.connection = connection;
        this.catalog = catalog;
    }

    @Override
    public void handshake(HandshakeRequest request, StreamObserver<HandshakeResponse> response) {
        CompletionStage<Integer> admitted;
        try {
            admitted = connection.admit(request);
        } catch (StatusException e) {
            response.onError(e);
            return;
        }
        // A standby launch's runtime waits here until the host starts the plugin; others are answered at once.
        admitted.whenComplete((version, failure) -> {
            try {
                if (failure != null) {
                    response.onError(Status.UNAVAILABLE.withDescription("the host did not start this launch: "
                            + failure.getMessage()).asException());
                    return;
                }
                response.onNext(connection.answer(version));
                response.onCompleted();
            } catch (StatusException e) {
                response.onError(e);
            } catch (RuntimeException e) {
                // the runtime went away while it waited: nothing to answer
            }
        });
    }

    /** Refused capabilities are counted here as they would be on a call (method {@code CheckCapability}). */
    @Override
    public void checkCapability(CapabilityCheck request, StreamObserver<CapabilityVerdict> response) {
        String capability = request.getCapability();
        CapabilityVerdict.Builder verdict = CapabilityVerdict.newBuilder();
        if (connection.grants().has(capability)) {
            verdict.setGranted(true);
        } else {
            verdict.setMessage(CallGuard.denied(connection, capability, "CheckCapability", "",
                    PluginChannelGrpc.SERVICE_NAME, catalog.names().contains(capability) ? capability : UNKNOWN)
                    .getDescription());
        }
        response.onNext(verdict.build());
        response.onCompleted();
    }

    @Override
    public StreamObserver<PluginMessage> session(StreamObserver<HostMessage> toPlugin) {
        try {
            return connection.openSession(toPlugin);
        } catch (StatusException e) {
            toPlugin.onError(e);
            return new StreamObserver<>() {
                @Override
                public void onNext(PluginMessage value) {
                }

                @Override
                public void onError(Throwable t) {
                }

                @Override
                public void onCompleted() {
                }
            };
        }
    }
}
