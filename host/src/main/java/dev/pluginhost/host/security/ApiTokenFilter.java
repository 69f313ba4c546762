package dev.pluginhost.host.security;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.core.context.SecurityContextHolderStrategy;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.context.RequestAttributeSecurityContextRepository;
import org.springframework.security.web.context.SecurityContextRepository;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * API tokens: {@code Authorization: Bearer <token>}. The host keeps only each token's SHA-256 (a token is random
 * and long, so a fast hash is enough, unlike a password) and compares the request's hash with every configured one
 * in constant time. A bearer token that matches none is refused at once (401); it never falls through to anonymous.
 */
final class ApiTokenFilter extends OncePerRequestFilter {

    private static final String BEARER = "bearer ";

    private record Known(String name, byte[] sha256, ApiRole role) {
    }

    private final List<Known> tokens;
    private final AuthenticationEntryPoint refuse;
    private final SecurityContextHolderStrategy contexts = SecurityContextHolder.getContextHolderStrategy();
    private final SecurityContextRepository repository = new RequestAttributeSecurityContextRepository();

    ApiTokenFilter(Map<String, ApiProperties.Token> configured, AuthenticationEntryPoint refuse) {
        this.tokens = new LinkedHashMap<>(configured).entrySet().stream().map(e -> known(e.getKey(), e.getValue()))
                .toList();
        this.refuse = refuse;
    }

    /** Bad configuration stops the start, naming the property: a token that silently never matches helps no one. */
    private static Known known(String name, ApiProperties.Token token) {
        String property = "plugins.api.tokens." + name + ".sha256";
        if (token.sha256() == null || !token.sha256().matches("[0-9a-fA-F]{64}")) {
            throw new IllegalArgumentException(property + " must be the token's SHA-256 in hex (64 characters): "
                    + "printf %s \"$TOKEN\" | sha256sum");
        }
        if (token.role() == null) {
            throw new IllegalArgumentException("plugins.api.tokens." + name + ".role must be VIEWER or OPERATOR");
        }
        return new Known(name, HexFormat.of().parseHex(token.sha256()), token.role());
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String header = request.getHeader("Authorization");
        if (header == null || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            chain.doFilter(request, response);
            return;
        }
        byte[] presented = sha256(header.substring(BEARER.length()).trim());
        Known match = null;
        for (Known token : tokens) { // no early exit: the time does not say which token came close
            if (MessageDigest.isEqual(token.sha256(), presented)) {
                match = token;
            }
        }
        if (match == null) {
            contexts.clearContext();
            refuse.commence(request, response, new BadCredentialsException("unknown API token"));
            return;
        }
        SecurityContext context = contexts.createEmptyContext();
        context.setAuthentication(UsernamePasswordAuthenticationToken.authenticated("token:" + match.name(), null,
                List.of(new SimpleGrantedAuthority("ROLE_" + match.role().name()))));
        contexts.setContext(context);
        repository.saveContext(context, request, response);
        chain.doFilter(request, response);
    }

    private static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
