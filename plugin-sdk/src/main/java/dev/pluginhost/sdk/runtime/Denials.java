package dev.pluginhost.sdk.runtime;

import dev.pluginhost.sdk.CapabilityDeniedException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/** Turns the host's PERMISSION_DENIED into the checked exception the API promises; other failures stay unchecked. */
final class Denials {

    private Denials() {
    }

    /**
     * @param capability the capability to name in the exception, for example {@code kv} or {@code http:example.com}
     * @param e the failed call
     * @return the checked exception, for a PERMISSION_DENIED status
     * @throws StatusRuntimeException {@code e} itself, for any other status
     */
    static CapabilityDeniedException translate(String capability, StatusRuntimeException e) {
        if (e.getStatus().getCode() == Status.Code.PERMISSION_DENIED) {
            String message = e.getStatus().getDescription();
            return new CapabilityDeniedException(capability, message == null || message.isBlank()
                    ? "the host refused capability '" + capability + "'" : message);
        }
        throw e;
    }
}
