package dev.meshbox.scenarios;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.xds.XdsNameResolverProvider;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;

/**
 * Proxyless gRPC clients of a running mesh: grpc-java channels with {@code xds:///host:port} targets that take their
 * routing (listeners, routes, clusters, endpoints) from MeshBox's control plane over ADS, as Istio's proxyless gRPC
 * (its {@code grpc-agent} pods) does, with no sidecar on the client's side.
 *
 * <p>The bootstrap is Istio's agent's ({@code grpc_bootstrap.go}), naming the control plane's ADS port straight
 * (plaintext, loopback) rather than the agent's socket: node id {@code sidecar~IP~POD.NS~NS.svc.cluster.local}, metadata
 * {@code GENERATOR: grpc}. Each channel gets its own: grpc-java's default {@code xds} resolver reads one bootstrap per
 * JVM ({@code GRPC_XDS_BOOTSTRAP}, {@code io.grpc.xds.bootstrapConfig}), which would leak between meshes and tests.
 */
public final class ProxylessGrpcChannels {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ProxylessGrpcChannels() {}

    /** A proxyless client's bootstrap, as grpc-java's JSON parser gives it (maps, lists, strings). */
    public static Map<String, ?> bootstrap(InetSocketAddress xds, String pod, String namespace, String ip) {
        return Map.of(
                "xds_servers",
                List.of(Map.of(
                        "server_uri",
                        xds.getHostString() + ":" + xds.getPort(),
                        "channel_creds",
                        List.of(Map.of("type", "insecure")),
                        "server_features",
                        List.of("xds_v3"))),
                "node",
                Map.of(
                        "id",
                        "sidecar~" + ip + "~" + pod + "." + namespace + "~" + namespace + ".svc.cluster.local",
                        "metadata",
                        Map.of("GENERATOR", "grpc", "NAMESPACE", namespace, "INSTANCE_IPS", ip)),
                "server_listener_resource_name_template",
                "xds.istio.io/grpc/lds/inbound/%s");
    }

    /** The bootstrap as the JSON file {@code GRPC_XDS_BOOTSTRAP} names. */
    public static String json(Map<String, ?> bootstrap) {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(bootstrap);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A channel builder for {@code target} ({@code xds:///echo-grpc:7070}) whose xDS client uses {@code bootstrap},
     * whatever the JVM's global bootstrap says. Plaintext to the endpoints (Istio sends proxyless clients no TLS
     * without a DestinationRule's {@code ISTIO_MUTUAL}).
     */
    @SuppressWarnings("deprecation")
    public static ManagedChannelBuilder<?> channel(String target, Map<String, ?> bootstrap) {
        if (!target.startsWith("xds:///")) {
            throw new IllegalArgumentException("a proxyless gRPC target is xds:///HOST:PORT, got \"" + target + "\"");
        }
        // Not Grpc.newChannelBuilder: it binds the registry's xds resolver (the global bootstrap) first, and
        // nameResolverFactory would not replace it.
        return NettyChannelBuilder.forTarget(target, InsecureChannelCredentials.create())
                .nameResolverFactory(XdsNameResolverProvider.createForTest("xds", bootstrap));
    }

    /** {@code grpc: {proxyless: true}} of a built-in workload's options; false when absent, reporting bad values. */
    static boolean option(FieldReader r, JsonNode grpc, String path) {
        if (grpc == null) {
            return false;
        }
        if (!r.isObject(grpc, path, "{proxyless: true}")) {
            return false;
        }
        r.only(grpc, path, java.util.Set.of("proxyless"));
        JsonNode p = grpc.get("proxyless");
        if (p == null) {
            return false;
        }
        if (!p.isBoolean()) {
            r.problem(
                    path + ".proxyless",
                    "must be true or false (true: gRPC calls through an xds:/// channel, no sidecar), got " + p);
            return false;
        }
        return p.asBoolean();
    }
}
