package dev.pluginhost.host.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

/** The invoke endpoint answers only JSON the host wrote, whatever type the plugin declared. */
class InvocationReplyTest {

    private static String body(ResponseEntity<?> reply) {
        assertThat(reply.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_JSON);
        assertThat(reply.getHeaders().getFirst("X-Content-Type-Options")).isEqualTo("nosniff");
        return new String((byte[]) reply.getBody(), StandardCharsets.UTF_8);
    }

    @Test
    void jsonReadsAsThePluginWroteIt() {
        assertThat(body(PluginController.reply("application/json", "{\"greeting\":\"Hello, Ada!\"}".getBytes())))
                .isEqualTo("{\"greeting\":\"Hello, Ada!\"}");
        assertThat(body(PluginController.reply("application/json", "{\"pi\":3.14159265358979323846264}"
                .getBytes()))).as("decimals are not rounded").isEqualTo("{\"pi\":3.14159265358979323846264}");
        assertThat(body(PluginController.reply("application/problem+json", "[1,2]".getBytes()))).isEqualTo("[1,2]");
    }

    @Test
    void anythingElseIsWrapped() {
        assertThat(body(PluginController.reply("text/html", "<script>x()</script>".getBytes())))
                .isEqualTo("{\"contentType\":\"text/html\",\"text\":\"<script>x()</script>\"}");
        assertThat(body(PluginController.reply("application/json", "<html>".getBytes())))
                .as("declared JSON, is not").isEqualTo("{\"contentType\":\"application/json\",\"text\":\"<html>\"}");
        assertThat(body(PluginController.reply("image/png", new byte[] {(byte) 0x89, 'P', 'N', 'G'})))
                .isEqualTo("{\"contentType\":\"image/png\",\"base64\":\"iVBORw==\"}");
        assertThat(body(PluginController.reply("not a type", "x".getBytes())))
                .isEqualTo("{\"contentType\":\"not a type\",\"text\":\"x\"}");
    }

    @Test
    void noPayloadIsNoContent() {
        assertThat(PluginController.reply("", new byte[0]).getStatusCode().value()).isEqualTo(204);
    }
}
