/**
 * The rules of the plugin contract that a host applies, written once: the host, the SDK's test kit and the runtime
 * all use these, so that a plugin meets the same answers under test as in production.
 *
 * <ul>
 * <li>{@link dev.pluginhost.sdk.contract.Scopes}: what a scoped grant ({@code events.publish:orders.*},
 *     {@code http:*.example.com}) admits;</li>
 * <li>{@link dev.pluginhost.sdk.contract.Denials}: the message of a refused capability call;</li>
 * <li>{@link dev.pluginhost.sdk.contract.Handshakes}: the host's half of the handshake (the contract version both
 *     sides speak, the refusal when there is none);</li>
 * <li>{@link dev.pluginhost.sdk.contract.LogStreams}: the host's half of the log stream.</li>
 * </ul>
 */
package dev.pluginhost.sdk.contract;
