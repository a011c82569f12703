package dev.meshbox.proxy.stats;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which service a TCP connection's series names, from the cluster it was proxied to, as Istio's stats filter does. */
class TcpMetricsLabelsTest {

    private static final Workload SLEEP = new Workload("sleep", "sample", "sleep", "v1", "sleep-1");
    private static final Workload GATEWAY =
            new Workload("istio-eastwestgateway", "istio-system", "istio-eastwestgateway", "", "ew-1", "cluster2");

    @Test
    void aSidecarsOutboundClusterNamesItsService() {
        assertThat(TcpMetrics.labels(SLEEP, true, "outbound|9000|v1|tcp-echo.sample.svc.cluster.local", null))
                .startsWith("reporter=\"source\",source_workload=\"sleep\",source_workload_namespace=\"sample\"")
                .contains("destination_service=\"tcp-echo.sample.svc.cluster.local\"")
                .contains("destination_service_name=\"tcp-echo\",destination_service_namespace=\"sample\"")
                .endsWith("request_protocol=\"tcp\",response_flags=\"-\"");
    }

    @Test
    void anEastWestGatewaysPassthroughClusterNamesTheServiceItsSniNamed() {
        assertThat(TcpMetrics.labels(GATEWAY, true, "outbound_.5000_._.helloworld.sample.svc.cluster.local", null))
                .contains("source_workload=\"istio-eastwestgateway\"")
                .contains("source_cluster=\"cluster2\"")
                .contains("destination_service=\"helloworld.sample.svc.cluster.local\"")
                .contains("destination_service_name=\"helloworld\",destination_service_namespace=\"sample\"");
        assertThat(TcpMetrics.labels(GATEWAY, true, "outbound_.5000_.v2_.helloworld.sample.svc.cluster.local", "UF"))
                .contains("destination_service=\"helloworld.sample.svc.cluster.local\"")
                .endsWith("response_flags=\"UF\"");
    }

    @Test
    void aClusterNamingNoServiceIsUnknown() {
        assertThat(TcpMetrics.labels(GATEWAY, true, "PassthroughCluster", null))
                .contains("destination_service=\"unknown\",destination_service_name=\"unknown\"")
                .contains("destination_service_namespace=\"unknown\"");
        assertThat(TcpMetrics.labels(GATEWAY, true, "outbound_.5000_._.", null))
                .contains("destination_service=\"unknown\"");
    }
}
