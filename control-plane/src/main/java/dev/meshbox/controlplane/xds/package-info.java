/**
 * Serving: each proxy's Envoy resources as a versioned snapshot over gRPC ADS, on java-control-plane's {@code
 * V3DiscoveryServer} and {@code SimpleCache}, and a ledger of what every proxy made of them.
 *
 * <p>{@link dev.meshbox.controlplane.xds.XdsServer} owns the gRPC server and {@code publish}: it takes a proxy's
 * {@link dev.meshbox.controlplane.xds.ProxyResources}, versions each type by content ({@link
 * dev.meshbox.controlplane.xds.ResourceVersions}, memoised by identity so lists shared between proxies are hashed
 * once), checks the snapshot is consistent ({@link dev.meshbox.controlplane.xds.Consistency}) and sets a {@link
 * dev.meshbox.controlplane.xds.PrehashedSnapshot} whose versions per requested names come from {@link
 * dev.meshbox.controlplane.xds.NamedVersions}. {@link dev.meshbox.controlplane.xds.IdentitySerializer} packs each
 * message once. The stream callbacks are {@link dev.meshbox.controlplane.xds.AckLedger}: per node and type what was
 * sent, ACKed and NACKed, in immutable records; {@link dev.meshbox.controlplane.xds.ProxyStatus} shows it as {@code
 * istioctl proxy-status} does, and {@link dev.meshbox.controlplane.xds.Convergence} waits on it until proxies hold what
 * they should.
 *
 * <p>Depends on no other control-plane package: what to serve comes in through {@code publish}.
 */
package dev.meshbox.controlplane.xds;
