package dev.pluginhost.sdk.runtime;

import dev.pluginhost.sdk.contract.Scopes;
import java.util.Collection;
import java.util.regex.Pattern;

/**
 * Topic patterns, as in the {@code events.publish:<pattern>} and {@code events.subscribe:<pattern>} grants: a topic
 * ({@code orders.created}), a prefix ending in {@code .*} ({@code orders.*}: every topic below {@code orders}), or
 * {@code *} (every topic). Shared by the runtime and the SDK's test kit.
 */
public final class TopicPatterns {

    private static final Pattern TOPIC = Pattern.compile("[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*");

    private TopicPatterns() {
    }

    /**
     * @param topic a candidate topic
     * @return whether it is a valid topic: dot-separated words of letters, digits, {@code _} and {@code -}
     */
    public static boolean isTopic(String topic) {
        return topic != null && TOPIC.matcher(topic).matches();
    }

    /**
     * @param pattern a candidate pattern
     * @return whether it is a valid pattern: a topic, a topic followed by {@code .*}, or {@code *}
     */
    public static boolean isPattern(String pattern) {
        return pattern != null && (pattern.equals("*") || isTopic(pattern)
                || pattern.endsWith(".*") && isTopic(pattern.substring(0, pattern.length() - 2)));
    }

    /**
     * @param pattern a pattern
     * @param topic a topic
     * @return whether the topic matches the pattern
     */
    public static boolean matches(String pattern, String topic) {
        return Scopes.admits(pattern, topic);
    }

    /**
     * Whether a grant's pattern covers a requested pattern: every topic the requested one matches, the granted one
     * matches too.
     *
     * @param granted the pattern of a grant
     * @param requested a topic or pattern the plugin asks for
     * @return whether {@code granted} covers {@code requested}
     */
    public static boolean covers(String granted, String requested) {
        return Scopes.admits(granted, requested); // the host's rule for a grant's scope
    }

    /**
     * @param grants granted capability names, for example {@code events.subscribe:orders.*}
     * @param prefix {@code events.publish:} or {@code events.subscribe:}
     * @param requested a topic or pattern
     * @return whether any of the grants with that prefix covers {@code requested}
     */
    public static boolean covered(Collection<String> grants, String prefix, String requested) {
        for (String grant : grants) {
            if (grant.startsWith(prefix) && covers(grant.substring(prefix.length()), requested)) {
                return true;
            }
        }
        return false;
    }
}
