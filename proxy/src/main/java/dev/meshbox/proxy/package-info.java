/**
 * MeshBox's sidecar and gateway proxy: plain Envoy v3 resources in over ADS, HTTP/1.1 on Netty out.
 *
 * <p>Packages sit in floors; each uses only the floors below it ({@code ArchitectureTest} checks this):
 *
 * <ol>
 *   <li>{@code route} (the routing model and the pure {@code Router}), {@code random}, {@code accesslog};
 *   <li>{@code spec}: the only readers of Envoy's protos besides {@code xds}. Converters turn listeners, routes,
 *       clusters and endpoints into immutable records once per update; {@code HttpFilterTypes} is the registry of
 *       HTTP filter config types, which parses {@code http_filters} and {@code typed_per_filter_config};
 *   <li>{@code endpoint} (hosts and their connection pools), then {@code cluster} (balancing, outlier ejection,
 *       circuit breakers), then {@code stats};
 *   <li>{@code http}: Envoy's HTTP connection manager: a request's {@code HttpExchange}, the {@code HttpFilter}
 *       contract and chain, local replies, response flags;
 *   <li>{@code router} (the terminal filter: forwarding, retries, timeouts, mirrors), then {@code filter} (fault,
 *       CORS, metadata exchange, Istio's stats, ALPN, gRPC stats, and {@code HttpFilterFactory}, which makes a
 *       connection manager's chain by config type URL);
 *   <li>{@code config}: the published {@code ProxyConfig} snapshot;
 *   <li>{@code listener} (sockets and one downstream connection) and {@code xds} (the ADS client and
 *       {@code ConfigApplier}, which publishes a new snapshot per accepted response and NACKs a bad one, keeping the
 *       previous);
 *   <li>{@code admin}, and the wiring in this package ({@code Proxy}, {@code Main}).
 * </ol>
 *
 * <p>A request: {@code DownstreamHandler} reads the published {@code ProxyConfig} once and resolves the listener, its
 * connection manager, filter chain, route table and clusters from that one snapshot ({@code ResolvedListener}). The
 * {@code HttpConnectionManager} gives the request its id and {@code RequestFacts}, decides its route once, and runs
 * the filters in order until one answers or stops; the router, last, forwards through {@code cluster} and
 * {@code endpoint} on the downstream connection's event loop. The response passes the filters in reverse, the access
 * log records it, and every filter's {@code onComplete} runs (where Istio's metrics are recorded).
 *
 * <p>Two separate mechanisms protect upstreams, each a small state machine with its own tests: the circuit breakers
 * ({@code endpoint.ResourceLimits}, shared by a cluster's pools; {@code endpoint.ConnectionPool}, Envoy's HTTP/1.1
 * pool on one event loop) and outlier ejection ({@code cluster.OutlierDetector}). A cluster added over CDS warms until
 * its EDS arrives ({@code xds.ConfigApplier}).
 *
 * <p>Every random choice comes from {@code random.RandomSource}, seeded from {@code ProxyOptions}: in arrival order by
 * default, or, with an explicit seed, as a function of (seed, x-request-id, decision) so that a run replays. Wall time
 * comes from the injected clock and durations from the injected ticker; timers run on the event loops.
 */
package dev.meshbox.proxy;
