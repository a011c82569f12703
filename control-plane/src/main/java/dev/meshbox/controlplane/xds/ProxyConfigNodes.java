package dev.meshbox.controlplane.xds;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The per-proxy {@code ProxyConfig} proxies announce in their node metadata {@code PROXY_CONFIG}, as Istio's agent
 * sends what the pod's {@code proxy.istio.io/config} annotation set (the injector bakes it into the bootstrap). Istio
 * reads from it, among others, {@code tracing.sampling} ({@code proxyConfigSamplingValue}): a Telemetry's percentage
 * wins over it, it wins over the mesh config's {@code defaultConfig}. Kept per node id (a reconnecting proxy sends the
 * same again); the listener is told, on the stream's thread before its first request is answered, when a node's
 * value is new or changed.
 */
final class ProxyConfigNodes implements DiscoveryServerCallbacks {

    private final Map<String, Double> sampling = new ConcurrentHashMap<>();
    private volatile Runnable listener = () -> {};

    void onChange(Runnable l) {
        this.listener = l;
    }

    /** Node id to its {@code PROXY_CONFIG.tracing.sampling}, for the nodes that sent one. */
    Map<String, Double> tracingSampling() {
        return Map.copyOf(sampling);
    }

    /**
     * Istio's reading of {@code tracing.sampling}: absent or 0 leaves the mesh default, above 100 means 1 %
     * ({@code pilot/pkg/networking/core/tracing.go}); null when it sets none.
     */
    static Double tracingSampling(Struct nodeMetadata) {
        Value config = nodeMetadata.getFieldsMap().get("PROXY_CONFIG");
        if (config == null || !config.hasStructValue()) {
            return null;
        }
        Value tracing = config.getStructValue().getFieldsMap().get("tracing");
        if (tracing == null || !tracing.hasStructValue()) {
            return null;
        }
        Value s = tracing.getStructValue().getFieldsMap().get("sampling");
        if (s == null) {
            return null;
        }
        double v;
        if (s.hasNumberValue()) {
            v = s.getNumberValue();
        } else if (s.hasStringValue()) {
            try {
                v = Double.parseDouble(s.getStringValue().trim());
            } catch (NumberFormatException e) {
                return null;
            }
        } else {
            return null;
        }
        if (v == 0 || Double.isNaN(v) || v < 0) {
            return null;
        }
        return v > 100 ? 1.0 : v;
    }

    @Override
    public void onV3StreamRequest(long streamId, DiscoveryRequest request) {
        if (!request.hasNode() || request.getNode().getId().isEmpty()) {
            return;
        }
        String node = request.getNode().getId();
        Double value = tracingSampling(request.getNode().getMetadata());
        Double before = value == null ? sampling.remove(node) : sampling.put(node, value);
        if (!Objects.equals(before, value)) {
            listener.run();
        }
    }

    @Override
    public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) {}

    @Override
    public void onV3StreamResponse(long streamId, DiscoveryRequest request, DiscoveryResponse response) {}
}
