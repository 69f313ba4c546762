package dev.pluginhost.sdk.contract;

/** What the scope of a grant admits: topics and topic patterns for events, host names for http. */
public final class Scopes {

    private Scopes() {
    }

    /**
     * Whether a scope pattern admits a value: {@code *} admits everything, {@code orders.*} admits
     * {@code orders.<anything>}, {@code *.example.com} admits any sub-domain of example.com, anything else admits
     * itself only. For a subscription, the value is itself a pattern and must be no wider than the grant
     * ({@code orders.*} admits {@code orders.eu.*}, never {@code *}).
     *
     * @param pattern the scope of a grant
     * @param value a topic, a topic pattern or a host name
     * @return whether the grant's scope covers the value
     */
    public static boolean admits(String pattern, String value) {
        if (pattern.equals("*") || pattern.equals(value)) {
            return true;
        }
        if (pattern.endsWith(".*")) {
            String prefix = pattern.substring(0, pattern.length() - 1);
            return value.startsWith(prefix) && value.length() > prefix.length();
        }
        if (pattern.startsWith("*.")) {
            String suffix = pattern.substring(1);
            return value.endsWith(suffix) && value.length() > suffix.length() && !value.startsWith("*");
        }
        return false;
    }
}
