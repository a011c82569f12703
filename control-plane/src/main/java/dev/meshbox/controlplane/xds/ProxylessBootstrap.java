package dev.meshbox.controlplane.xds;

import java.util.List;
import java.util.Map;

/**
 * The bootstrap a proxyless gRPC client (grpc-java's {@code xds:///} channels) needs to take its routing from MeshBox's
 * control plane, as Istio's agent writes it ({@code grpc_bootstrap.go}), but naming the ADS server itself (plaintext
 * on loopback) rather than the agent's Unix socket: the node id {@code sidecar~<ip>~<pod>.<ns>~<ns>.svc.cluster.local}
 * and the metadata {@code GENERATOR: grpc} by which the control plane serves it as Istio's {@code grpcgen} does.
 *
 * <p>Give it to grpc-java as the file {@code GRPC_XDS_BOOTSTRAP} names, as the JSON of the system property
 * {@code io.grpc.xds.bootstrapConfig} (both global to the JVM), or per channel with
 * {@code XdsNameResolverProvider.createForTest("xds", ProxylessBootstrap.map(...))}.
 *
 * @param xdsHost   the control plane's ADS address
 * @param xdsPort   its port
 * @param pod       the client's pod name (any name: it shows in the control plane's proxy status)
 * @param namespace the client's namespace, where short names ({@code xds:///echo:7070}) resolve
 * @param ip        the client's address (informational)
 */
public record ProxylessBootstrap(String xdsHost, int xdsPort, String pod, String namespace, String ip) {

    /** The node id Istio's agent gives the client. */
    public String nodeId() {
        return "sidecar~" + ip + "~" + pod + "." + namespace + "~" + namespace + ".svc.cluster.local";
    }

    /** The bootstrap as grpc-java's JSON parser gives it (a tree of maps, lists and strings). */
    public Map<String, ?> map() {
        return Map.of(
                "xds_servers",
                List.of(Map.of(
                        "server_uri",
                        xdsHost + ":" + xdsPort,
                        "channel_creds",
                        List.of(Map.of("type", "insecure")),
                        "server_features",
                        List.of("xds_v3"))),
                "node",
                Map.of(
                        "id",
                        nodeId(),
                        "metadata",
                        Map.of(
                                "GENERATOR", "grpc",
                                "NAMESPACE", namespace,
                                "INSTANCE_IPS", ip)),
                "server_listener_resource_name_template",
                "xds.istio.io/grpc/lds/inbound/%s");
    }

    /** The bootstrap file's JSON. */
    public String json() {
        return """
                {
                  "xds_servers": [{
                    "server_uri": "%s:%d",
                    "channel_creds": [{"type": "insecure"}],
                    "server_features": ["xds_v3"]
                  }],
                  "node": {
                    "id": "%s",
                    "metadata": {"GENERATOR": "grpc", "NAMESPACE": "%s", "INSTANCE_IPS": "%s"}
                  },
                  "server_listener_resource_name_template": "xds.istio.io/grpc/lds/inbound/%%s"
                }
                """.formatted(xdsHost, xdsPort, nodeId(), namespace, ip);
    }
}
