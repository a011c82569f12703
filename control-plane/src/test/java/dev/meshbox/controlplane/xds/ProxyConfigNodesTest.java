package dev.meshbox.controlplane.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The proxies' own ProxyConfig (node metadata PROXY_CONFIG) as istiod reads its tracing sampling. */
class ProxyConfigNodesTest {

    private static Struct metadata(String json) throws InvalidProtocolBufferException {
        Struct.Builder b = Struct.newBuilder();
        JsonFormat.parser().merge(json, b);
        return b.build();
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
            delimiter = '|',
            nullValues = "none",
            value = {
                "{\"PROXY_CONFIG\": {\"tracing\": {\"sampling\": 10}}}   | 10.0",
                "{\"PROXY_CONFIG\": {\"tracing\": {\"sampling\": \"2.5\"}}} | 2.5",
                "{\"PROXY_CONFIG\": {\"tracing\": {\"sampling\": 0}}}    | none",
                "{\"PROXY_CONFIG\": {\"tracing\": {\"sampling\": 150}}}  | 1.0",
                "{\"PROXY_CONFIG\": {\"concurrency\": 2}}                | none",
                "{\"NAMESPACE\": \"default\"}                            | none"
            })
    void samplingAsIstiodReadsIt(String json, Double expected) throws Exception {
        assertThat(ProxyConfigNodes.tracingSampling(metadata(json))).isEqualTo(expected);
    }

    @Test
    void aNodesSamplingIsKeptAndANewValueAnnounced() throws Exception {
        ProxyConfigNodes nodes = new ProxyConfigNodes();
        AtomicInteger changes = new AtomicInteger();
        nodes.onChange(changes::incrementAndGet);
        DiscoveryRequest first = DiscoveryRequest.newBuilder()
                .setNode(Node.newBuilder()
                        .setId("sidecar~10.0.0.1~reviews-v1-0.default~default.svc.cluster.local")
                        .setMetadata(metadata("{\"PROXY_CONFIG\": {\"tracing\": {\"sampling\": 25}}}")))
                .build();
        nodes.onV3StreamRequest(1, first);
        nodes.onV3StreamRequest(1, first);
        nodes.onV3StreamRequest(
                2,
                DiscoveryRequest.newBuilder()
                        .setNode(Node.newBuilder()
                                .setId("sidecar~10.0.0.2~ratings-v1-0.default~default.svc.cluster.local"))
                        .build());
        assertThat(nodes.tracingSampling())
                .isEqualTo(Map.of("sidecar~10.0.0.1~reviews-v1-0.default~default.svc.cluster.local", 25.0));
        assertThat(changes).hasValue(1);
    }
}
