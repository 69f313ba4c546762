package dev.pluginhost.host.security;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Who may use the management API ({@code plugins.api.*}). Users with a password come from Spring Boot's own
 * {@code spring.security.user.*}; API tokens are configured here, by their SHA-256 only.
 */
@ConfigurationProperties("plugins.api")
public class ApiProperties {

    /**
     * Whether /actuator/health (with its liveness and readiness groups) and /actuator/prometheus answer without
     * credentials, for probes and scrapers. false: they need the VIEWER role like the rest.
     */
    private boolean anonymousProbes = true;

    /** API tokens, sent as {@code Authorization: Bearer <token>}, by name (the name is who the audit log shows). */
    private Map<String, Token> tokens = new LinkedHashMap<>();

    public boolean isAnonymousProbes() {
        return anonymousProbes;
    }

    public void setAnonymousProbes(boolean anonymousProbes) {
        this.anonymousProbes = anonymousProbes;
    }

    public Map<String, Token> getTokens() {
        return tokens;
    }

    public void setTokens(Map<String, Token> tokens) {
        this.tokens = tokens;
    }

    /** One API token. */
    public static class Token {

        /**
         * SHA-256 of the token, in hex ({@code printf %s "$TOKEN" | sha256sum}); the token itself is never
         * configured.
         */
        private String sha256;

        /** Its role: VIEWER (reads) or OPERATOR (everything). */
        private ApiRole role = ApiRole.VIEWER;

        public String getSha256() {
            return sha256;
        }

        public void setSha256(String sha256) {
            this.sha256 = sha256;
        }

        public ApiRole getRole() {
            return role;
        }

        public void setRole(ApiRole role) {
            this.role = role;
        }
    }
}
