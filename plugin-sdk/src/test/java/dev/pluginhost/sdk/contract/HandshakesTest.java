package dev.pluginhost.sdk.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.pluginhost.contract.v1.HandshakeRequest;
import io.grpc.Status;
import io.grpc.StatusException;
import org.junit.jupiter.api.Test;

/** The version check every host half of the handshake makes (the host, the test kit, the benchmarks' host). */
class HandshakesTest {

    private static HandshakeRequest speaking(int min, int max) {
        return HandshakeRequest.newBuilder().setMinContractVersion(min).setMaxContractVersion(max).build();
    }

    @Test
    void theHighestVersionBothSidesSpeakIsAgreed() throws Exception {
        assertThat(Handshakes.agree("p", 1, 2, speaking(1, 2))).isEqualTo(2);
        assertThat(Handshakes.agree("p", 1, 2, speaking(1, 1))).isEqualTo(1);
        assertThat(Handshakes.agree("p", 1, 1, speaking(1, 3))).isEqualTo(1);
    }

    @Test
    void rangesThatDoNotMeetAreRefusedNamingBoth() {
        StatusException refused = catchThrowableOfType(StatusException.class,
                () -> Handshakes.agree("p", 1, 2, speaking(3, 4)));
        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(refused.getStatus().getDescription()).isEqualTo("plugin 'p' speaks contract versions 3-4 but "
                + "this host serves 1-2: rebuild the plugin with a matching plugin-sdk");
    }
}
