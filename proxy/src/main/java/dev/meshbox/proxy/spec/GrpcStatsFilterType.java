package dev.meshbox.proxy.spec;

import dev.meshbox.proxy.route.FilterConfig;
import io.envoyproxy.envoy.extensions.filters.http.grpc_stats.v3.FilterConfig.Builder;

/**
 * {@code envoy.filters.http.grpc_stats}, which Istio puts on every connection manager: it counts the messages of
 * gRPC requests. It acts only on requests with a {@code content-type} of {@code application/grpc}.
 */
public final class GrpcStatsFilterType implements HttpFilterType {

    public static final String NAME = "envoy.filters.http.grpc_stats";
    public static final String TYPE_URL = HttpFilterType.typeUrlOf(
            io.envoyproxy.envoy.extensions.filters.http.grpc_stats.v3.FilterConfig.getDefaultInstance());

    /** @param emitFilterState whether the message counts are kept for access logs and other filters */
    public record Config(boolean emitFilterState) implements FilterConfig {}

    @Override
    public String typeUrl() {
        return TYPE_URL;
    }

    @Override
    public FilterConfig parse(TypedConfig config, String where) {
        Builder builder = io.envoyproxy.envoy.extensions.filters.http.grpc_stats.v3.FilterConfig.newBuilder();
        var parsed = config.unpack(
                io.envoyproxy.envoy.extensions.filters.http.grpc_stats.v3.FilterConfig.class, builder, where);
        return new Config(parsed.getEmitFilterState());
    }
}
