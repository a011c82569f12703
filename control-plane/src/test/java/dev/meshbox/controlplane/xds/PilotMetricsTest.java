package dev.meshbox.controlplane.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.rpc.Status;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PilotMetricsTest {
    private static DiscoveryResponse response(String typeUrl) {
        return DiscoveryResponse.newBuilder().setTypeUrl(typeUrl).setNonce("n").build();
    }

    @Test
    void streamsPushesAndRejectsAreCountedUnderIstiodsNames() throws Exception {
        PilotMetrics m = new PilotMetrics();
        m.onStreamOpen(1, "");
        m.onStreamOpen(2, "");
        m.onStreamClose(2, "");
        DiscoveryRequest subscribe = DiscoveryRequest.newBuilder()
                .setTypeUrl(Resources.V3.LISTENER_TYPE_URL)
                .build();
        m.onV3StreamResponse(1, subscribe, response(Resources.V3.LISTENER_TYPE_URL));
        m.onV3StreamResponse(1, subscribe, response(Resources.V3.LISTENER_TYPE_URL));
        m.onV3StreamResponse(1, subscribe, response(Resources.V3.CLUSTER_TYPE_URL));
        m.onV3StreamRequest(
                1,
                DiscoveryRequest.newBuilder()
                        .setTypeUrl(Resources.V3.ROUTE_TYPE_URL)
                        .setResponseNonce("n")
                        .setErrorDetail(Status.newBuilder().setMessage("bad route"))
                        .build());
        // An ACK and a first subscription are not rejects.
        m.onV3StreamRequest(
                1,
                DiscoveryRequest.newBuilder()
                        .setTypeUrl(Resources.V3.CLUSTER_TYPE_URL)
                        .setResponseNonce("n")
                        .build());
        m.onV3StreamRequest(1, subscribe);

        String text = m.prometheusText(Map.of("pilot_services", 4L));

        assertThat(text)
                .contains("# TYPE pilot_xds gauge\npilot_xds{version=\"meshbox\"} 1\n")
                .contains("# TYPE pilot_xds_pushes counter\n")
                .contains("pilot_xds_pushes{type=\"cds\"} 1\n")
                .contains("pilot_xds_pushes{type=\"lds\"} 2\n")
                .contains("pilot_total_xds_rejects{type=\"rds\"} 1\n")
                .doesNotContain("pilot_total_xds_rejects{type=\"cds\"}")
                .contains("# TYPE pilot_services gauge\npilot_services 4\n");
    }
}
