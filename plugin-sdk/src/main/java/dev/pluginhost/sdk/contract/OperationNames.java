package dev.pluginhost.sdk.contract;

import java.util.regex.Pattern;

/**
 * What an operation's name may be: a letter or digit, then letters, digits, {@code _}, {@code .} or {@code -}, at most
 * 64 in all. The SDK checks it when a plugin registers an operation; the host checks it again on the names a session
 * announces, since the SDK's check runs inside the plugin's JVM and the host writes the names into its log and API.
 */
public final class OperationNames {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

    private OperationNames() {
    }

    /**
     * @param name an operation's name, or null
     * @return whether it follows the rule above
     */
    public static boolean valid(String name) {
        return name != null && NAME.matcher(name).matches();
    }
}
