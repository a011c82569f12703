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
 * per host and event loop, upstream channels on the downstream event loop). {@code admin} serves Envoy's admin
 * endpoints from the same published config, and {@code stats} Istio's standard metrics on {@code :15090}.
 *
 * <p>Two separate mechanisms protect upstreams, each a small state machine with its own tests: the circuit
 * breakers ({@code endpoint.ResourceLimits}, shared by a cluster's pools; {@code endpoint.ConnectionPool}, Envoy's
 * HTTP/1.1 pool on one event loop: ready, busy, connecting, pending, overflow) and outlier ejection
 * ({@code cluster.OutlierDetector}: counting, ejected, back at an interval tick). Overflow (flag UO) never reaches
 * the detector. A cluster added over CDS warms until its EDS arrives ({@code xds.ConfigApplier}).
 *
 * <p>Every random choice uses {@code forward.RandomSource}, seeded from {@code ProxyOptions}: in arrival order
 * by default, or, with an explicit seed, as a function of (seed, x-request-id, decision) so that a run replays.
 * Wall time comes from the clock and durations (timeouts aside, which Netty schedules) from the ticker.
 */
package dev.meshbox.proxy;
