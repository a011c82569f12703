/**
 * MeshBox's sidecar and gateway proxy: plain Envoy v3 resources in over ADS, HTTP/1.1 on Netty out.
 *
 * <p>Data flows one way. {@code xds.AdsClient} keeps one ADS stream (LDS and CDS wildcard, RDS and EDS by name)
 * and hands each response to {@code xds.ConfigApplier}, which converts the protos once into MeshBox's own
 * records ({@code listener.ListenerSpec}, {@code route.RouteTable}, {@code cluster.ClusterSpec},
 * {@code endpoint.EndpointSpec}) and publishes one immutable {@code xds.ProxyConfig} through an
 * {@code AtomicReference}; a response it cannot convert is NACKed and the previous config keeps serving.
 *
 * <p>A request goes down the layers: {@code listener} (which bound port, which filter chain, or for
 * {@code virtualOutbound} which {@code 0.0.0.0_<port>} listener) -> {@code route} (a pure function from table and
 * request to a decision) -> {@code forward} (fault filter, router: timeouts, retries, mirrors, local replies,
 * access log) -> {@code cluster} (balancer over healthy hosts) -> {@code endpoint} (keep-alive connection pool
 * per host, upstream channels on the downstream event loop). {@code admin} serves Envoy's admin endpoints from
 * the same published config. Every random choice uses the seeded source in {@code ProxyOptions}; wall time comes
 * from its clock and durations from its ticker.
 */
package dev.meshbox.proxy;
