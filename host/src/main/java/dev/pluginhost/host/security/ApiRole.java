package dev.pluginhost.host.security;

/** The management API's two roles, as Spring Security authorities {@code ROLE_VIEWER} and {@code ROLE_OPERATOR}. */
public enum ApiRole {
    /** Reads: plugins, violations, logs, rejections, info and metrics. */
    VIEWER,
    /** Everything: also start, stop, restart and invoke (which uses the plugin's grants). */
    OPERATOR
}
