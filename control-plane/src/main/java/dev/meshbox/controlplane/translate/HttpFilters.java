package dev.meshbox.controlplane.translate;

import com.github.udpa.udpa.type.v1.TypedStruct;
import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.extensions.filters.http.cors.v3.Cors;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The HTTP filters Istio puts on a connection manager, per listener class, in Istio's order
 * ({@code buildHTTPConnectionManager} in {@code pilot/pkg/networking/core/listener_builder.go}): metadata exchange,
 * gRPC stats, ALPN (not on a sidecar's inbound side), fault, CORS, Istio's stats, router. Authentication
 * ({@code jwt_authn}, see {@link JwtFilters}) then authorization ({@code rbac}, see {@link AuthorizationTranslator})
 * come between the metadata exchange and gRPC stats. Built once; every listener shares
 * the same messages.
 */
final class HttpFilters {

    /** Istio's {@code ListenerClass}: where the connection manager sits. */
    enum ListenerClass {
        SIDECAR_INBOUND,
        SIDECAR_OUTBOUND,
        GATEWAY
    }

    static final String METADATA_EXCHANGE = "istio.metadata_exchange";
    static final String GRPC_STATS = "envoy.filters.http.grpc_stats";
    static final String ALPN = "istio.alpn";
    static final String CORS = "envoy.filters.http.cors";
    static final String STATS = "istio.stats";

    private static final String PEER_METADATA_TYPE = "type.googleapis.com/io.istio.http.peer_metadata.Config";
    private static final String STATS_TYPE = "type.googleapis.com/stats.PluginConfig";
    private static final String ALPN_TYPE =
            "type.googleapis.com/istio.envoy.config.filter.http.alpn.v2alpha1.FilterConfig";

    private static final List<HttpFilter> INBOUND = build(ListenerClass.SIDECAR_INBOUND);
    private static final List<HttpFilter> OUTBOUND = build(ListenerClass.SIDECAR_OUTBOUND);

    private HttpFilters() {}

    static List<HttpFilter> of(ListenerClass listenerClass) {
        return listenerClass == ListenerClass.SIDECAR_INBOUND ? INBOUND : OUTBOUND;
    }

    /**
     * A workload's security filters in Istio's order: the CUSTOM action's filter, RequestAuthentication's
     * {@code jwt_authn}, then the other RBAC filters.
     */
    static List<HttpFilter> security(java.util.Optional<HttpFilter> jwt, List<HttpFilter> authorization) {
        if (jwt.isEmpty()) {
            return authorization;
        }
        List<HttpFilter> out = new ArrayList<>(authorization.size() + 1);
        int custom = 0;
        while (custom < authorization.size() && AuthorizationTranslator.isCustom(authorization.get(custom))) {
            out.add(authorization.get(custom++));
        }
        out.add(jwt.get());
        out.addAll(authorization.subList(custom, authorization.size()));
        return List.copyOf(out);
    }

    /**
     * The filters with a workload's security filters ({@link #security}) where Istio puts them: right after the
     * metadata exchange, before gRPC stats.
     */
    static List<HttpFilter> of(ListenerClass listenerClass, List<HttpFilter> security) {
        List<HttpFilter> base = of(listenerClass);
        if (security.isEmpty()) {
            return base;
        }
        List<HttpFilter> out = new ArrayList<>(base.size() + security.size());
        out.add(base.get(0));
        out.addAll(security);
        out.addAll(base.subList(1, base.size()));
        return List.copyOf(out);
    }

    private static List<HttpFilter> build(ListenerClass listenerClass) {
        boolean inbound = listenerClass == ListenerClass.SIDECAR_INBOUND;
        List<HttpFilter> out = new ArrayList<>();
        out.add(filter(
                METADATA_EXCHANGE,
                typedStruct(
                        PEER_METADATA_TYPE,
                        inbound
                                ? methods("downstream_discovery", "downstream_propagation")
                                : methods("upstream_discovery", "upstream_propagation"))));
        out.add(filter(
                GRPC_STATS,
                Any.pack(io.envoyproxy.envoy.extensions.filters.http.grpc_stats.v3.FilterConfig.newBuilder()
                        .setEmitFilterState(true)
                        .build())));
        if (!inbound) {
            out.add(filter(ALPN, alpn()));
        }
        out.add(filter(Names.FAULT, Any.pack(HTTPFault.getDefaultInstance())));
        out.add(filter(CORS, Any.pack(Cors.getDefaultInstance())));
        out.add(filter(STATS, typedStruct(STATS_TYPE, Struct.getDefaultInstance())));
        out.add(filter(Names.ROUTER, Any.pack(Router.getDefaultInstance())));
        return List.copyOf(out);
    }

    private static HttpFilter filter(String name, Any config) {
        return HttpFilter.newBuilder().setName(name).setTypedConfig(config).build();
    }

    private static Any typedStruct(String typeUrl, Struct fields) {
        return Any.pack(
                TypedStruct.newBuilder().setTypeUrl(typeUrl).setValue(fields).build());
    }

    /** Each field a list with Istio's {@code istio_headers} and {@code workload_discovery} methods, as Istio writes. */
    private static Struct methods(String discovery, String propagation) {
        Value istioHeaders = method("istio_headers");
        return Struct.newBuilder()
                .putFields(discovery, list(istioHeaders, method("workload_discovery")))
                .putFields(propagation, list(istioHeaders))
                .build();
    }

    private static Value method(String name) {
        return Value.newBuilder()
                .setStructValue(Struct.newBuilder()
                        .putFields(
                                name,
                                Value.newBuilder()
                                        .setStructValue(Struct.getDefaultInstance())
                                        .build()))
                .build();
    }

    private static Value list(Value... values) {
        return Value.newBuilder()
                .setListValue(ListValue.newBuilder().addAllValues(List.of(values)))
                .build();
    }

    /**
     * Istio's ALPN overrides for mTLS upstreams, in Istio's own message (not in Envoy's API, so encoded here by field
     * number: {@code repeated AlpnOverride alpn_override = 1} of {@code {Protocol upstream_protocol = 1; repeated
     * string alpn_override = 2}}, protocols HTTP10 = 0, HTTP11 = 1, HTTP2 = 2).
     */
    private static Any alpn() {
        String[][] byProtocol = {
            {"istio-http/1.0", "istio", "http/1.0"},
            {"istio-http/1.1", "istio", "http/1.1"},
            {"istio-h2", "istio", "h2"}
        };
        try {
            ByteString.Output config = ByteString.newOutput();
            CodedOutputStream out = CodedOutputStream.newInstance(config);
            for (int protocol = 0; protocol < byProtocol.length; protocol++) {
                ByteString.Output entry = ByteString.newOutput();
                CodedOutputStream e = CodedOutputStream.newInstance(entry);
                if (protocol != 0) {
                    e.writeEnum(1, protocol);
                }
                for (String alpn : byProtocol[protocol]) {
                    e.writeString(2, alpn);
                }
                e.flush();
                out.writeBytes(1, entry.toByteString());
            }
            out.flush();
            return Any.newBuilder()
                    .setTypeUrl(ALPN_TYPE)
                    .setValue(config.toByteString())
                    .build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
