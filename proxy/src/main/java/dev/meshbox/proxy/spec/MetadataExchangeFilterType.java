package dev.meshbox.proxy.spec;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.meshbox.proxy.route.FilterConfig;

/**
 * {@code istio.metadata_exchange}, Istio's peer metadata filter ({@code io.istio.http.peer_metadata.Config}, sent as
 * a {@code TypedStruct}). On a sidecar's inbound side it learns the caller from the request's
 * {@code x-envoy-peer-metadata} headers and answers with its own ({@code downstream_discovery},
 * {@code downstream_propagation}); on the outbound side and on gateways it sends its own with the request and learns
 * the callee from the response ({@code upstream_propagation}, {@code upstream_discovery}). Only the
 * {@code istio_headers} method is implemented; {@code workload_discovery} entries are accepted and have no effect.
 */
public final class MetadataExchangeFilterType implements HttpFilterType {

    public static final String NAME = "istio.metadata_exchange";
    public static final String TYPE_URL = "type.googleapis.com/io.istio.http.peer_metadata.Config";

    public record Config(
            boolean downstreamDiscovery,
            boolean downstreamPropagation,
            boolean upstreamDiscovery,
            boolean upstreamPropagation)
            implements FilterConfig {

        /** What Istio configures on a sidecar's inbound listeners. */
        public static final Config INBOUND = new Config(true, true, false, false);
        /** What Istio configures on outbound listeners and gateways. */
        public static final Config OUTBOUND = new Config(false, false, true, true);
    }

    @Override
    public String typeUrl() {
        return TYPE_URL;
    }

    @Override
    public FilterConfig parse(TypedConfig config, String where) {
        if (config.fields() == null) {
            throw new IllegalArgumentException(where + ": " + TYPE_URL + " is read as a TypedStruct only");
        }
        Struct fields = config.fields();
        return new Config(
                usesIstioHeaders(fields, "downstream_discovery", where),
                usesIstioHeaders(fields, "downstream_propagation", where),
                usesIstioHeaders(fields, "upstream_discovery", where),
                usesIstioHeaders(fields, "upstream_propagation", where));
    }

    /** Whether the list field {@code name} has an {@code istio_headers} method. */
    private static boolean usesIstioHeaders(Struct fields, String name, String where) {
        Value list = fields.getFieldsMap().get(name);
        if (list == null) {
            return false;
        }
        if (!list.hasListValue()) {
            throw new IllegalArgumentException(where + ".value." + name + ": must be a list of discovery methods");
        }
        for (Value method : list.getListValue().getValuesList()) {
            if (method.hasStructValue() && method.getStructValue().containsFields("istio_headers")) {
                return true;
            }
        }
        return false;
    }
}
