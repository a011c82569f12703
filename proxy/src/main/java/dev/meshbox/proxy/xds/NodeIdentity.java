package dev.meshbox.proxy.xds;

import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import java.util.Map;

/**
 * Who this proxy is to the control plane: the {@code Node} it sends on the ADS stream, with the metadata Istio's
 * agent sends ({@code NAMESPACE}, {@code NAME}, {@code WORKLOAD_NAME}, {@code LABELS}, {@code INSTANCE_IPS}, and
 * {@code PROXY_CONFIG} when the pod's {@code proxy.istio.io/config} annotation gave one).
 */
public record NodeIdentity(
        String id,
        String cluster,
        String namespace,
        String podName,
        String workloadName,
        Map<String, String> labels,
        String instanceIp,
        Struct proxyConfig) {

    public NodeIdentity {
        labels = Map.copyOf(labels);
        proxyConfig = proxyConfig == null ? Struct.getDefaultInstance() : proxyConfig;
    }

    public NodeIdentity(
            String id,
            String cluster,
            String namespace,
            String podName,
            String workloadName,
            Map<String, String> labels,
            String instanceIp) {
        this(id, cluster, namespace, podName, workloadName, labels, instanceIp, null);
    }

    Node toNode() {
        Struct.Builder labelStruct = Struct.newBuilder();
        labels.forEach((k, v) -> labelStruct.putFields(k, string(v)));
        Struct.Builder metadata = Struct.newBuilder()
                .putFields("NAMESPACE", string(namespace))
                .putFields("NAME", string(podName))
                .putFields("WORKLOAD_NAME", string(workloadName))
                .putFields(
                        "LABELS", Value.newBuilder().setStructValue(labelStruct).build())
                .putFields("INSTANCE_IPS", string(instanceIp))
                .putFields(
                        "INSTANCE_IPS_LIST",
                        Value.newBuilder()
                                .setListValue(ListValue.newBuilder().addValues(string(instanceIp)))
                                .build());
        if (proxyConfig.getFieldsCount() > 0) {
            // As Istio's agent: the ProxyConfig the pod's annotation gave, which istiod reads (e.g. tracing sampling).
            metadata.putFields(
                    "PROXY_CONFIG",
                    Value.newBuilder().setStructValue(proxyConfig).build());
        }
        return Node.newBuilder()
                .setId(id)
                .setCluster(cluster)
                .setMetadata(metadata)
                .setUserAgentName("meshbox-proxy")
                .build();
    }

    private static Value string(String s) {
        return Value.newBuilder().setStringValue(s).build();
    }
}
