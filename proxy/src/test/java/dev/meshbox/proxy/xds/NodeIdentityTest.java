package dev.meshbox.proxy.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The node metadata the proxy sends, as Istio's agent does. */
class NodeIdentityTest {

    @Test
    void aProxyConfigGoesOutAsProxyConfigMetadataAndNoneWithout() {
        Struct config = Struct.newBuilder()
                .putFields(
                        "tracing",
                        Value.newBuilder()
                                .setStructValue(Struct.newBuilder()
                                        .putFields(
                                                "sampling",
                                                Value.newBuilder()
                                                        .setNumberValue(10)
                                                        .build()))
                                .build())
                .build();
        Node with = new NodeIdentity("n", "c", "default", "p", "w", Map.of(), "10.0.0.1", config).toNode();
        Node without = new NodeIdentity("n", "c", "default", "p", "w", Map.of(), "10.0.0.1").toNode();
        assertThat(with.getMetadata().getFieldsMap().get("PROXY_CONFIG").getStructValue())
                .isEqualTo(config);
        assertThat(without.getMetadata().getFieldsMap()).doesNotContainKey("PROXY_CONFIG");
    }
}
