package dev.pluginhost.host.security;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Every management API call — who, what, when, from where, and the outcome — in the log
 * {@code dev.pluginhost.host.api.audit} and in the counter {@code plugin.api.actions{action, outcome}}.
 *
 * <p>It runs before Spring Security, so that refusals (401, 403) are seen too; who the caller is comes from
 * {@link #recordCaller()}, a filter inside the security chain that notes the authenticated name on the request.
 * Reads that succeed are logged at DEBUG (probes and dashboards poll them), everything else at INFO, refusals at WARN.
 */
public final class ApiAudit extends OncePerRequestFilter {

    static final Logger LOG = LoggerFactory.getLogger("dev.pluginhost.host.api.audit");
    private static final String CALLER = ApiAudit.class.getName() + ".caller";

    private final MeterRegistry meters;

    public ApiAudit(MeterRegistry meters) {
        this.meters = meters;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return ApiAction.of(request) == null;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        long start = System.nanoTime();
        try {
            chain.doFilter(request, response);
        } catch (IOException | ServletException | RuntimeException e) {
            record(request, 500, start);
            throw e;
        }
        if (request.isAsyncStarted()) { // an invocation: its status is known when the plugin has answered
            request.getAsyncContext().addListener(new AsyncListener() {
                @Override
                public void onComplete(AsyncEvent event) {
                    record(request, response.getStatus(), start);
                }

                @Override
                public void onTimeout(AsyncEvent event) {
                }

                @Override
                public void onError(AsyncEvent event) {
                }

                @Override
                public void onStartAsync(AsyncEvent event) {
                }
            });
        } else {
            record(request, response.getStatus(), start);
        }
    }

    private void record(HttpServletRequest request, int status, long start) {
        ApiAction action = ApiAction.of(request);
        String outcome = outcome(status);
        Counter.builder("plugin.api.actions")
                .description("Management API calls, by action and outcome (ok, unauthenticated, forbidden, "
                        + "rejected, failed)")
                .tag("action", action == null ? "other" : action.label()).tag("outcome", outcome)
                .register(meters).increment();
        Object caller = request.getAttribute(CALLER);
        String line = "{} {} {} -> {} {} ({}, {} ms, from {})";
        Object[] args = {caller == null ? "anonymous" : caller, request.getMethod(), printable(request.getRequestURI()),
                status, outcome, action == null ? "other" : action.label(), (System.nanoTime() - start) / 1_000_000,
                request.getRemoteAddr()};
        if (status == 401 || status == 403) {
            LOG.warn(line, args);
        } else if ("GET".equals(request.getMethod()) && status < 400) {
            LOG.debug(line, args);
        } else {
            LOG.info(line, args);
        }
    }

    static String outcome(int status) {
        if (status == 401) {
            return "unauthenticated";
        }
        if (status == 403) {
            return "forbidden";
        }
        return status >= 500 ? "failed" : status >= 400 ? "rejected" : "ok";
    }

    /** A path as the log shows it: no control characters (no forged log lines), at most 200 characters. */
    private static String printable(String uri) {
        String clean = uri.replaceAll("\\p{Cntrl}", "?");
        return clean.length() > 200 ? clean.substring(0, 200) + "..." : clean;
    }

    /**
     * @return the filter that notes the caller on the request, for the audit line; add it to a security chain
     *     before its {@code AuthorizationFilter} (the host's own chain does)
     */
    public static OncePerRequestFilter recordCaller() {
        return new OncePerRequestFilter() {
            @Override
            protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response,
                    FilterChain chain) throws ServletException, IOException {
                Authentication who = SecurityContextHolder.getContext().getAuthentication();
                if (who != null && who.isAuthenticated() && !"anonymousUser".equals(who.getName())) {
                    request.setAttribute(CALLER, printable(who.getName()));
                }
                chain.doFilter(request, response);
            }
        };
    }
}
