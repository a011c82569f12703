package dev.meshbox.proxy.filter;

import dev.meshbox.proxy.http.HttpFilter;

/**
 * {@code envoy.filters.http.grpc_stats}, which Istio adds to every connection manager. Envoy's filter only acts on
 * gRPC requests, which need HTTP/2; MeshBox's listeners speak HTTP/1.1, so every request it sees passes through
 * untouched, exactly as a non-gRPC request passes Envoy's.
 */
public final class GrpcStatsFilter implements HttpFilter {

    private final String name;

    public GrpcStatsFilter(String name) {
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }
}
