package dev.pluginhost.sdk.runtime;

/** The plugin contract ({@code pluginhost.v1}) versions this runtime speaks. */
public final class ContractVersion {

    /** Oldest contract version this runtime can speak. */
    public static final int MIN = 1;
    /** Newest contract version this runtime can speak: 2 adds the health call (HealthCheck, HealthReport). */
    public static final int MAX = 2;

    /** The first contract version with the health call; an older runtime is checked with an invocation. */
    public static final int HEALTH_CALL = 2;

    private ContractVersion() {
    }

    /** @return the SDK's version, from the jar manifest, or {@code dev} when run from classes */
    public static String sdkVersion() {
        String version = ContractVersion.class.getPackage().getImplementationVersion();
        return version == null ? "dev" : version;
    }
}
