package dev.meshbox.webui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.controlplane.registry.MeshService;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.controlplane.registry.ServicePort;
import dev.meshbox.controlplane.registry.Topology;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The topology of a multi-cluster mesh: a workload per cluster (the same Deployment runs in both), one service for all
 * clusters, east-west gateways, and the edges that crossed clusters from telemetry's source_cluster and
 * destination_cluster labels.
 */
class TrafficGraphClustersTest {

    private static final List<MeshService> SERVICES = List.of(new MeshService(
            "helloworld", "sample", List.of(new ServicePort("http", 5000, 5000, "HTTP")), Map.of("app", "helloworld")));

    private static Pod pod(String name, String app, String version, String cluster, String network) {
        Map<String, String> labels = version.isEmpty()
                ? Map.of("app", app, Topology.CLUSTER, cluster, Topology.NETWORK, network)
                : Map.of("app", app, "version", version, Topology.CLUSTER, cluster, Topology.NETWORK, network);
        return new Pod(name, "sample", "127.10.0.1", "127.20.0.1", labels, Pod.ProxyKind.SIDECAR, true);
    }

    private static final List<Pod> PODS = List.of(
            pod("sleep-a", "sleep", "", "cluster1", "network1"),
            pod("helloworld-v1-a", "helloworld", "v1", "cluster1", "network1"),
            pod("sleep-b", "sleep", "", "cluster2", "network2"),
            pod("helloworld-v2-b", "helloworld", "v2", "cluster2", "network2"),
            new Pod(
                    "istio-eastwestgateway-b",
                    "istio-system",
                    "127.30.0.1",
                    "127.30.0.1",
                    Map.of(
                            "app",
                            "istio-eastwestgateway",
                            "istio",
                            "eastwestgateway",
                            Topology.CLUSTER,
                            "cluster2",
                            Topology.NETWORK,
                            "network2"),
                    Pod.ProxyKind.GATEWAY,
                    true));

    /** sleep's sidecar in cluster1 (reporter source), its calls to helloworld served in cluster {@code to}. */
    private static String series(String destination, String version, String to, long n) {
        return "istio_requests_total{reporter=\"source\",source_workload=\"sleep\",source_cluster=\"cluster1\","
                + "destination_workload=\"" + destination + "\",destination_version=\"" + version
                + "\",destination_cluster=\"" + to + "\",destination_service=\"helloworld.sample.svc.cluster.local\","
                + "destination_service_name=\"helloworld\",destination_service_namespace=\"sample\","
                + "response_code=\"200\",response_flags=\"-\"} " + n + "\n";
    }

    @Test
    void eachClustersWorkloadIsItsOwnNodeWithItsClusterAndNetwork() {
        TrafficGraph.Graph g = TrafficGraph.build(PODS, SERVICES, null, new Scrape(0, Map.of()));

        assertThat(g.nodes())
                .extracting(TrafficGraph.Node::id)
                .containsExactlyInAnyOrder(
                        "svc:helloworld.sample",
                        "wl:sleep@cluster1",
                        "wl:helloworld-v1@cluster1",
                        "wl:sleep@cluster2",
                        "wl:helloworld-v2@cluster2",
                        "wl:istio-eastwestgateway@cluster2");
        assertThat(g.nodes())
                .filteredOn(n -> n.id().equals("wl:istio-eastwestgateway@cluster2"))
                .singleElement()
                .satisfies(n -> {
                    assertThat(n.kind()).isEqualTo("gateway");
                    assertThat(n.cluster()).isEqualTo("cluster2");
                    assertThat(n.network()).isEqualTo("network2");
                });
        assertThat(g.nodes())
                .filteredOn(n -> n.kind().equals("service"))
                .extracting(TrafficGraph.Node::cluster)
                .containsExactly("");
        assertThat(g.edges())
                .extracting(TrafficGraph.Edge::id)
                .contains(
                        "svc:helloworld.sample->wl:helloworld-v1@cluster1",
                        "svc:helloworld.sample->wl:helloworld-v2@cluster2");
    }

    @Test
    void callsServedInAnotherClusterAreCountedAsCrossingClusters() {
        Scrape before = Scrape.of(0, Map.of("sleep-a", series("helloworld-v1", "v1", "cluster1", 10)));
        Scrape after = Scrape.of(
                5_000_000_000L,
                Map.of(
                        "sleep-a",
                        series("helloworld-v1", "v1", "cluster1", 20) + series("helloworld-v2", "v2", "cluster2", 10)));

        TrafficGraph.Graph g = TrafficGraph.build(PODS, SERVICES, before, after);

        TrafficGraph.Edge remote = g.edges().stream()
                .filter(e -> e.id().equals("svc:helloworld.sample->wl:helloworld-v2@cluster2"))
                .findFirst()
                .orElseThrow();
        assertThat(remote.crossCluster()).isEqualTo(10);
        assertThat(remote.fromClusters()).containsExactly(Map.entry("cluster1", 10L));
        assertThat(remote.requests()).isEqualTo(10);
        TrafficGraph.Edge local = g.edges().stream()
                .filter(e -> e.id().equals("svc:helloworld.sample->wl:helloworld-v1@cluster1"))
                .findFirst()
                .orElseThrow();
        assertThat(local.crossCluster()).isZero();
        assertThat(local.fromClusters()).containsExactly(Map.entry("cluster1", 20L));
        TrafficGraph.Edge calls = g.edges().stream()
                .filter(e -> e.id().equals("wl:sleep@cluster1->svc:helloworld.sample"))
                .findFirst()
                .orElseThrow();
        assertThat(calls.total()).isEqualTo(30);
        assertThat(calls.crossCluster()).isEqualTo(10);
    }

    @Test
    void oneClustersTelemetryKeepsTheIdsWithoutCluster() {
        // On one cluster the proxies report source_cluster "Kubernetes", which no pod label names.
        Pod sleep = new Pod(
                "sleep-a", "sample", "127.10.0.1", "127.20.0.1", Map.of("app", "sleep"), Pod.ProxyKind.SIDECAR, true);
        Scrape s = Scrape.of(
                0,
                Map.of("sleep-a", series("helloworld-v1", "v1", "Kubernetes", 3).replace("cluster1", "Kubernetes")));

        TrafficGraph.Graph g = TrafficGraph.build(List.of(sleep), SERVICES, null, s);

        assertThat(g.edges())
                .extracting(TrafficGraph.Edge::id)
                .contains("wl:sleep->svc:helloworld.sample", "svc:helloworld.sample->wl:helloworld-v1");
        assertThat(g.edges()).allSatisfy(e -> {
            assertThat(e.crossCluster()).isZero();
            assertThat(e.fromClusters()).isEmpty();
        });
    }

    @Test
    void theEastWestGatewayPassesConnectionsThroughToTheServiceItsSniNamed() {
        String cx =
                "envoy_cluster_upstream_cx_total{cluster_name=\"outbound_.5000_._.helloworld.sample.svc.cluster.local\"} ";
        String local =
                "envoy_cluster_upstream_cx_total{cluster_name=\"outbound|5000||helloworld.sample.svc.cluster.local\"} 9\n";
        Scrape before = Scrape.of(0, Map.of("istio-eastwestgateway-b", cx + "1\n", "sleep-a", local));
        Scrape after = Scrape.of(2_000_000_000L, Map.of("istio-eastwestgateway-b", cx + "5\n", "sleep-a", local));

        TrafficGraph.Graph g = TrafficGraph.build(PODS, SERVICES, before, after);

        TrafficGraph.Edge tunnel = g.edges().stream()
                .filter(e -> e.id().equals("wl:istio-eastwestgateway@cluster2->svc:helloworld.sample"))
                .findFirst()
                .orElseThrow(() -> new AssertionError(g.edges()));
        assertThat(tunnel.kind()).isEqualTo("passthrough");
        assertThat(tunnel.total()).isEqualTo(5);
        assertThat(tunnel.requests()).isEqualTo(4);
        assertThat(tunnel.rps()).isEqualTo(2.0);
        assertThat(tunnel.health()).isEqualTo("ok");
        // A sidecar's own clusters (outbound|PORT|SUBSET|HOST) are not passthrough.
        assertThat(g.edges()).filteredOn(e -> e.kind().equals("passthrough")).hasSize(1);
        assertThat(Scrape.passedThrough("outbound_.8000_._.httpbin.bar.global")).isEqualTo("httpbin.bar");
        assertThat(Scrape.passedThrough("outbound|5000||helloworld.sample.svc.cluster.local"))
                .isNull();
    }
}
