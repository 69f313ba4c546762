package dev.pluginhost.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pluginhost.sandbox.ViolationMode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.BeanPropertyBindingResult;

/** Typed, checked configuration: the names and defaults operators use, and a clear refusal of what cannot work. */
class PluginHostPropertiesTest {

    @Test
    void theDefaultsAreValid() {
        PluginHostProperties properties = new PluginHostProperties();
        assertThat(errors(properties).getAllErrors()).isEmpty();
        assertThat(properties.getSandbox().getMode()).isEqualTo(ViolationMode.DENY);
        assertThat(properties.getMaxJarSize()).isEqualTo(DataSize.ofBytes(64L * 1024 * 1024));
        assertThat(properties.getLimits().kvMaxValueBytes()).isEqualTo(DataSize.ofBytes(1024 * 1024));
        assertThat(properties.getEvents().getMaxPayloadBytes()).isEqualTo(DataSize.ofBytes(256 * 1024));
    }

    @Test
    void theOperatorsSpellingsStillBind() {
        PluginHostProperties properties = bind(Map.of(
                "plugins.sandbox.mode", "audit",
                "plugins.sandbox.modes.hello", "kill",
                "plugins.limits.kv-max-total-bytes", "512",
                "plugins.events.max-payload-bytes", "65536",
                "plugins.max-jar-size", "10MB",
                "plugins.supervision.initial-backoff", "250ms",
                "plugins.identity.trust-store.path", "/etc/trust.p12"));
        assertThat(properties.getSandbox().getMode()).isEqualTo(ViolationMode.AUDIT);
        assertThat(properties.getSandbox().getModes()).containsEntry("hello", ViolationMode.KILL);
        assertThat(properties.getLimits().kvMaxTotalBytes().toBytes()).isEqualTo(512);
        assertThat(properties.getEvents().getMaxPayloadBytes().toBytes()).isEqualTo(65536);
        assertThat(properties.getMaxJarSize()).isEqualTo(DataSize.ofMegabytes(10));
        assertThat(properties.getSupervision().initialBackoff()).isEqualTo(Duration.ofMillis(250));
        assertThat(properties.getSupervision().maxBackoff()).as("the group's other defaults")
                .isEqualTo(Duration.ofMinutes(1));
        assertThat(properties.getIdentity().trustStore().path()).isEqualTo(Path.of("/etc/trust.p12"));
        assertThat(properties.getIdentity().trustStore().type()).isEqualTo("PKCS12");
    }

    @Test
    void aGroupIsMadeFromItsDefaultsAndTheValuesGiven() {
        PluginHostProperties.Logs logs = PluginHostProperties.group(PluginHostProperties.Logs.class, "kept-bytes=1KB");
        assertThat(logs.keptBytes()).isEqualTo(DataSize.ofKilobytes(1));
        assertThat(logs).isEqualTo(PluginHostProperties.group(PluginHostProperties.Logs.class, "kept-bytes=1024"));
        assertThat(new PluginHostProperties().getLogs()).isEqualTo(new PluginHostProperties.Logs(200, 1000, 500,
                DataSize.ofKilobytes(256), DataSize.ofKilobytes(16), DataSize.ofKilobytes(256)));
        assertThatThrownBy(() -> PluginHostProperties.group(PluginHostProperties.Logs.class, "rate=fast"))
                .isInstanceOf(BindException.class).hasMessageContaining("rate");
        assertThatThrownBy(() -> PluginHostProperties.group(PluginHostProperties.Logs.class, "rate"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'rate'");
    }

    @Test
    void thePluginUserIsBothIdsAboveZeroOrNeither() {
        assertThat(new PluginHostProperties().getPluginUser().uidOr(65534)).isEqualTo(65534);
        assertThat(bind(Map.of("plugins.plugin-user.uid", "47011", "plugins.plugin-user.gid", "47012"))
                .getPluginUser()).isEqualTo(new PluginHostProperties.PluginUser(47011, 47012));
        for (Map<String, String> bad : java.util.List.of(Map.of("plugins.plugin-user.uid", "0",
                "plugins.plugin-user.gid", "0"), Map.of("plugins.plugin-user.uid", "47011"))) {
            assertThatThrownBy(() -> bind(bad)).as("%s", bad).isInstanceOf(BindException.class)
                    .rootCause().hasMessageContaining("plugins.plugin-user.uid and .gid go together and must be "
                            + "above 0");
        }
    }

    @Test
    void aMistypedModeFailsTheBindingNamingTheProperty() {
        assertThatThrownBy(() -> bind(Map.of("plugins.sandbox.mode", "dney")))
                .isInstanceOf(BindException.class).hasMessageContaining("plugins.sandbox.mode");
        assertThatThrownBy(() -> bind(Map.of("plugins.sandbox.modes.hello", "kil")))
                .isInstanceOf(BindException.class).hasMessageContaining("plugins.sandbox.modes.hello");
    }

    @Test
    void valuesOutOfRangeAreRefusedByName() {
        PluginHostProperties properties = bind(Map.of(
                "plugins.limits.rate", "0",
                "plugins.limits.kv-max-value-bytes", "3GB",
                "plugins.supervision.health-failures", "0",
                "plugins.stop-grace", "-1s"));
        assertThat(errors(properties).getAllErrors()).extracting(e -> e.getDefaultMessage()).containsExactlyInAnyOrder(
                "plugins.stop-grace must not be negative, not PT-1S",
                "plugins.limits.rate must be at least 1, not 0",
                "plugins.limits.kv-max-value-bytes must be from 1 byte to 2147483647 bytes, not 3221225472B",
                "plugins.supervision.health-failures must be at least 1, not 0");
        assertThat(errors(properties).getFieldErrors()).extracting(e -> e.getField())
                .contains("limits.kvMaxValueBytes", "supervision.healthFailures");
    }

    private static PluginHostProperties bind(Map<String, String> values) {
        return new Binder(new MapConfigurationPropertySource(values))
                .bindOrCreate("plugins", Bindable.of(PluginHostProperties.class));
    }

    private static BeanPropertyBindingResult errors(PluginHostProperties properties) {
        BeanPropertyBindingResult errors = new BeanPropertyBindingResult(properties, "plugins");
        properties.validate(properties, errors);
        return errors;
    }
}
