package dev.meshbox.webui;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.scenarios.Scenario;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the traffic panel accepts, and the 400 that names a wrong field. */
class TrafficGeneratorsTest {

    private static final List<Pod> PODS = List.of(
            new Pod(
                    "productpage-v1-a",
                    "default",
                    "127.10.0.1",
                    "127.20.0.1",
                    Map.of("app", "productpage", "version", "v1"),
                    Pod.ProxyKind.SIDECAR,
                    true),
            new Pod(
                    "istio-ingressgateway-a",
                    "istio-system",
                    "127.0.0.1",
                    "127.0.0.1",
                    Map.of("app", "istio-ingressgateway"),
                    Pod.ProxyKind.GATEWAY,
                    true));

    @Test
    void aUserThroughTheIngressAtARateForAWhile() {
        Scenario.Traffic t = TrafficGenerators.traffic(
                new TrafficGenerators.Request("ingress", "/productpage", "jason", 20.0, 30.0), PODS);

        assertThat(t.from()).isEqualTo("ingress");
        assertThat(t.url()).isEqualTo("/productpage");
        assertThat(t.headers()).containsEntry("end-user", "jason");
        assertThat(t.rate()).isEqualTo(20.0);
        assertThat(t.duration()).isEqualTo(Duration.ofSeconds(30));
        assertThat(t.count()).isEqualTo(600);
    }

    @Test
    void fromASidecarTheTargetIsAServiceUrl() {
        Scenario.Traffic t = TrafficGenerators.traffic(
                new TrafficGenerators.Request("productpage", "http://reviews:9080/reviews/0", "", null, null), PODS);

        assertThat(t.from()).isEqualTo("productpage");
        assertThat(t.headers()).isEmpty();
        assertThat(t.rate()).isEqualTo(10.0);
    }

    @Test
    void eachWrongFieldIsA400NamingIt() {
        assertThatThrownBy(() -> TrafficGenerators.traffic(
                        new TrafficGenerators.Request("ratings", "http://reviews:9080/", "", 1.0, 1.0), PODS))
                .isInstanceOf(ApiException.class)
                .hasMessageStartingWith("from: \"ratings\" is not a workload with a sidecar")
                .hasMessageContaining("[productpage]")
                .extracting(e -> ((ApiException) e).status())
                .isEqualTo(400);
        assertThatThrownBy(() -> TrafficGenerators.traffic(
                        new TrafficGenerators.Request("istio-ingressgateway", "/", "", 1.0, 1.0), PODS))
                .hasMessageStartingWith("from:");
        assertThatThrownBy(() -> TrafficGenerators.traffic(
                        new TrafficGenerators.Request("ingress", "http://reviews:9080/", "", 1.0, 1.0), PODS))
                .hasMessageStartingWith("target: through the ingress, give a path");
        assertThatThrownBy(() -> TrafficGenerators.traffic(
                        new TrafficGenerators.Request("productpage", "/reviews/0", "", 1.0, 1.0), PODS))
                .hasMessageStartingWith("target: from productpage's sidecar, give a service URL");
        assertThatThrownBy(() ->
                        TrafficGenerators.traffic(new TrafficGenerators.Request("ingress", "/", "", 0.0, 1.0), PODS))
                .hasMessageStartingWith("rate:");
        assertThatThrownBy(() ->
                        TrafficGenerators.traffic(new TrafficGenerators.Request("ingress", "/", "", 5000.0, 1.0), PODS))
                .hasMessageStartingWith("rate:");
        assertThatThrownBy(() ->
                        TrafficGenerators.traffic(new TrafficGenerators.Request("ingress", "/", "", 1.0, 601.0), PODS))
                .hasMessageStartingWith("seconds:");
    }

    @Test
    void onSeveralClustersASourceIsAWorkloadAtItsCluster() {
        List<Pod> pods = List.of(
                new Pod(
                        "sleep-a",
                        "sample",
                        "127.10.0.1",
                        "127.20.0.1",
                        Map.of("app", "sleep", dev.meshbox.controlplane.registry.Topology.CLUSTER, "cluster1"),
                        Pod.ProxyKind.SIDECAR,
                        true),
                new Pod(
                        "sleep-b",
                        "sample",
                        "127.11.0.1",
                        "127.21.0.1",
                        Map.of("app", "sleep", dev.meshbox.controlplane.registry.Topology.CLUSTER, "cluster2"),
                        Pod.ProxyKind.SIDECAR,
                        true));

        Scenario.Traffic t = TrafficGenerators.traffic(
                new TrafficGenerators.Request("sleep@cluster2", "http://helloworld.sample:5000/hello", "", 5.0, 2.0),
                pods);
        assertThat(t.from()).isEqualTo("sleep@cluster2");
        assertThat(TrafficGenerators.traffic(
                                new TrafficGenerators.Request("ingress@cluster2", "/hello", "", 5.0, 2.0), pods)
                        .from())
                .isEqualTo("ingress@cluster2");

        assertThatThrownBy(() -> TrafficGenerators.traffic(
                        new TrafficGenerators.Request(
                                "sleep@cluster3", "http://helloworld.sample:5000/hello", "", 5.0, 2.0),
                        pods))
                .hasMessage("from: \"sleep@cluster3\" names no cluster of this mesh; clusters: [cluster1, cluster2]");
        assertThatThrownBy(() -> TrafficGenerators.traffic(
                        new TrafficGenerators.Request("httpbin@cluster1", "http://httpbin:8000/get", "", 5.0, 2.0),
                        pods))
                .hasMessageContaining("expected ingress or one of [sleep@cluster1, sleep@cluster2]");
    }
}
