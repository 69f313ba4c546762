package dev.pluginhost.host.security;

import jakarta.servlet.http.HttpServletRequest;
import java.util.Arrays;
import java.util.List;
import org.springframework.http.HttpMethod;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;
import org.springframework.security.web.util.matcher.RequestMatcher;

/**
 * Every endpoint of the management API with the roles that may call it: one table, read by the authorization rules
 * and by the audit (whose {@code action} label takes exactly these names, plus {@code other}).
 */
public enum ApiAction {
    LIST(HttpMethod.GET, "/api/plugins", ApiRole.VIEWER),
    PLUGIN(HttpMethod.GET, "/api/plugins/*", ApiRole.VIEWER),
    VIOLATIONS(HttpMethod.GET, "/api/plugins/*/violations", ApiRole.VIEWER),
    LOGS(HttpMethod.GET, "/api/plugins/*/logs", ApiRole.VIEWER),
    REJECTIONS(HttpMethod.GET, "/api/rejections", ApiRole.VIEWER),
    START(HttpMethod.POST, "/api/plugins/*/start", ApiRole.OPERATOR),
    STOP(HttpMethod.POST, "/api/plugins/*/stop", ApiRole.OPERATOR),
    RESTART(HttpMethod.POST, "/api/plugins/*/restart", ApiRole.OPERATOR),
    INVOKE(HttpMethod.POST, "/api/plugins/*/invoke/*", ApiRole.OPERATOR),
    PUBLISH(HttpMethod.POST, "/api/events/*", ApiRole.OPERATOR),
    UPLOAD(HttpMethod.POST, "/api/plugins", ApiRole.OPERATOR),
    REMOVE(HttpMethod.DELETE, "/api/plugins/*", ApiRole.OPERATOR),
    /** Anything else under /api: OPERATOR only (it answers 404 or 405 then). */
    OTHER(null, "/api/**", ApiRole.OPERATOR);

    private final RequestMatcher matcher;
    private final ApiRole least;

    ApiAction(HttpMethod method, String pattern, ApiRole least) {
        this.matcher = PathPatternRequestMatcher.withDefaults().matcher(method, pattern);
        this.least = least;
    }

    public RequestMatcher matcher() {
        return matcher;
    }

    /** @return the roles that may call it: OPERATOR may do everything VIEWER may */
    public String[] roles() {
        return least == ApiRole.VIEWER ? new String[] {"VIEWER", "OPERATOR"} : new String[] {"OPERATOR"};
    }

    /** @return the label value: lower case */
    public String label() {
        return name().toLowerCase();
    }

    /** @return the action a request is, or null when it is not under /api */
    static ApiAction of(HttpServletRequest request) {
        return Arrays.stream(values()).filter(a -> a.matcher.matches(request)).findFirst().orElse(null);
    }

    static List<ApiAction> all() {
        return List.of(values());
    }
}
