package dev.pluginhost.host.security;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import jakarta.servlet.DispatcherType;
import java.nio.charset.StandardCharsets;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.security.autoconfigure.web.servlet.ConditionalOnDefaultWebSecurity;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.config.annotation.web.configurers.AuthorizeHttpRequestsConfigurer;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.AccessDeniedHandler;
import org.springframework.security.web.access.intercept.AuthorizationFilter;
import org.springframework.security.web.authentication.www.BasicAuthenticationFilter;

/**
 * The management API, authenticated and authorized by default: every {@code /api/**} call needs credentials, and
 * each endpoint needs a role ({@link ApiAction}: VIEWER reads, OPERATOR does everything). Users come from Spring
 * Boot's {@code spring.security.user.*} (HTTP Basic) and from API tokens ({@code plugins.api.tokens.*}, Bearer).
 * Health and Prometheus stay open to probes and scrapers unless {@code plugins.api.anonymous-probes=false}.
 *
 * <p>Spring Boot's pattern: the chain is only a default. An application that defines its own
 * {@link SecurityFilterChain} keeps it, and this one backs off ({@link ConditionalOnDefaultWebSecurity}, as Boot's
 * own default chain does); {@link #authorizeApi} gives such an application the API's rules to include. The audit
 * ({@link ApiAudit}) applies either way.
 */
@AutoConfiguration(beforeName = {
        "org.springframework.boot.security.autoconfigure.actuate.web.servlet.ManagementWebSecurityAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.web.servlet.ServletWebSecurityAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration"})
@ConditionalOnClass(SecurityFilterChain.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@EnableConfigurationProperties(ApiProperties.class)
public class ManagementSecurityAutoConfiguration {

    /** Probe and scrape paths that {@code plugins.api.anonymous-probes} opens. */
    static final String[] PROBES = {"/actuator/health", "/actuator/health/**", "/actuator/prometheus"};

    /**
     * What a VIEWER reads in Actuator: the endpoints the runnable host exposes (health, info, metrics, prometheus) and
     * their index. An endpoint an operator exposes beyond them is OPERATOR's, so a read-only token never gains it.
     */
    static final String[] VIEWER_ACTUATOR = {"/actuator", "/actuator/health", "/actuator/health/**", "/actuator/info",
            "/actuator/metrics", "/actuator/metrics/**", "/actuator/prometheus"};

    /** Before Spring Security's filter (order -100), so that its refusals are audited too. */
    @Bean
    public FilterRegistrationBean<ApiAudit> pluginApiAudit(ObjectProvider<MeterRegistry> meters) {
        FilterRegistrationBean<ApiAudit> registration = new FilterRegistrationBean<>(
                new ApiAudit(meters.getIfAvailable(() -> Metrics.globalRegistry)));
        registration.setOrder(-101);
        registration.setDispatcherTypes(DispatcherType.REQUEST);
        return registration;
    }

    /**
     * The API's rules, for an application's own chain: {@code http.authorizeHttpRequests(r -> { authorizeApi(r);
     * ...your rules... })}.
     */
    public static void authorizeApi(
            AuthorizeHttpRequestsConfigurer<HttpSecurity>.AuthorizationManagerRequestMatcherRegistry requests) {
        for (ApiAction action : ApiAction.values()) {
            requests.requestMatchers(action.matcher()).hasAnyRole(action.roles());
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnDefaultWebSecurity
    static class DefaultChain {

        @Bean
        SecurityFilterChain pluginHostSecurityFilterChain(HttpSecurity http, ApiProperties properties)
                throws Exception {
            AuthenticationEntryPoint unauthenticated = (request, response, e) -> problem(response, 401,
                    "Unauthenticated", "the management API needs credentials: HTTP Basic or an API token (Bearer)");
            AccessDeniedHandler forbidden = (request, response, e) -> problem(response, 403, "Forbidden",
                    "your role may not " + request.getMethod() + " " + request.getRequestURI());
            http.authorizeHttpRequests(requests -> {
                // Each request was authorized on its first dispatch; the async dispatch (an invocation's answer)
                // and the error page rendering its refusal must not be refused again.
                requests.dispatcherTypeMatchers(DispatcherType.ASYNC, DispatcherType.ERROR).permitAll();
                if (properties.anonymousProbes()) {
                    requests.requestMatchers(HttpMethod.GET, PROBES).permitAll();
                }
                authorizeApi(requests);
                // VIEWER reads the endpoints the host exposes, nothing an operator exposes later (loggers, env,
                // threaddump, heapdump, shutdown): those, and every write, need OPERATOR.
                requests.requestMatchers(HttpMethod.GET, VIEWER_ACTUATOR).hasAnyRole("VIEWER", "OPERATOR");
                requests.requestMatchers("/actuator/**").hasRole("OPERATOR");
                requests.anyRequest().authenticated();
            });
            // No Basic challenge: a browser never prompts, so it never holds credentials that another site's page
            // could make it send to the API (cross-site request forgery); curl -u and clients send them unasked.
            http.httpBasic(basic -> basic.authenticationEntryPoint(unauthenticated));
            http.exceptionHandling(e -> e.authenticationEntryPoint(unauthenticated).accessDeniedHandler(forbidden));
            http.addFilterBefore(new ApiTokenFilter(properties.tokens(), unauthenticated),
                    BasicAuthenticationFilter.class);
            http.addFilterBefore(ApiAudit.recordCaller(), AuthorizationFilter.class);
            // Stateless: no session cookie, so nothing for a cross-site request to ride on.
            http.sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS));
            http.csrf(AbstractHttpConfigurer::disable);
            http.formLogin(AbstractHttpConfigurer::disable);
            return http.build();
        }

        /**
         * Tokens only, no password: then there is no password user at all (Spring Boot would otherwise generate one,
         * an OPERATOR credential nobody asked for).
         */
        @Bean
        @Conditional(TokensWithoutPassword.class)
        public UserDetailsService pluginApiNoPasswordUsers() {
            return new InMemoryUserDetailsManager();
        }

        private static void problem(jakarta.servlet.http.HttpServletResponse response, int status, String title,
                String detail) throws java.io.IOException {
            response.setStatus(status);
            if (status == 401) {
                response.setHeader("WWW-Authenticate", "Bearer realm=\"pluginhost\"");
            }
            response.setContentType("application/problem+json");
            response.setHeader("X-Content-Type-Options", "nosniff");
            response.getOutputStream().write(("{\"type\":\"about:blank\",\"title\":\"" + title + "\",\"status\":"
                    + status + ",\"detail\":\"" + detail.replaceAll("[\"\\\\\\p{Cntrl}]", "?") + "\"}")
                    .getBytes(StandardCharsets.UTF_8));
        }
    }

    static final class TokensWithoutPassword extends SpringBootCondition {
        @Override
        public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
            Binder binder = Binder.get(context.getEnvironment());
            boolean tokens = binder.bind("plugins.api", ApiProperties.class).map(p -> !p.tokens().isEmpty())
                    .orElse(false);
            boolean password = context.getEnvironment().containsProperty("spring.security.user.password");
            return tokens && !password ? ConditionOutcome.match("API tokens and no spring.security.user.password")
                    : ConditionOutcome.noMatch("no API tokens, or a password is configured");
        }
    }
}
