package dev.pluginhost.sdk.runtime;

/** The plugin contract ({@code pluginhost.v1}) versions this runtime speaks. */
public final class ContractVersion {

    /** Oldest contract version this runtime can speak. */
    public static final int MIN = 1;
    /** Newest contract version this runtime can speak. */
    public static final int MAX = 1;

    private ContractVersion() {
    }

    /** @return the SDK's version, from the jar manifest, or {@code dev} when run from classes */
    public static String sdkVersion() {
        String version = ContractVersion.class.getPackage().getImplementationVersion();
        return version == null ? "dev" : version;
    }
}
