package dev.pluginhost.host.security;

import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Who may use the management API ({@code plugins.api.*}). Users with a password come from Spring Boot's own
 * {@code spring.security.user.*}; API tokens are configured here, by their SHA-256 only.
 *
 * @param anonymousProbes Whether /actuator/health (with its liveness and readiness groups) and /actuator/prometheus
 *        answer without credentials, for probes and scrapers. false: they need the VIEWER role like the rest.
 * @param tokens API tokens, sent as {@code Authorization: Bearer <token>}, by name (the name is who the audit log
 *        shows).
 */
@ConfigurationProperties("plugins.api")
public record ApiProperties(
        @DefaultValue("true") boolean anonymousProbes,
        @DefaultValue Map<String, Token> tokens) {

    /**
     * One API token.
     *
     * @param sha256 SHA-256 of the token, in hex ({@code printf %s "$TOKEN" | sha256sum}); the token itself is never
     *        configured.
     * @param role Its role: VIEWER (reads) or OPERATOR (everything).
     */
    public record Token(
            String sha256,
            @DefaultValue("VIEWER") ApiRole role) {
    }
}
