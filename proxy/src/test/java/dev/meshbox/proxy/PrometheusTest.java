package dev.meshbox.proxy;

import static dev.meshbox.proxy.testing.XdsFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.meshbox.proxy.testing.Sidecars;
import dev.meshbox.proxy.testing.TestControlPlane;
import dev.meshbox.proxy.testing.TestHttp;
import dev.meshbox.proxy.testing.TestUpstream;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** productpage's sidecar calls reviews through reviews' sidecar; both are scraped on :15090. */
class PrometheusTest {

    private static final String CLIENT_IP = "127.0.0.201";
    private static final String SERVER_IP = "127.0.0.202";
    private static final String APP_IP = "127.0.0.203";
    private static final String REVIEWS_V1 = "outbound|9080|v1|reviews.default.svc.cluster.local";

    private static TestControlPlane controlPlane;
    private static TestUpstream app;
    private static Proxy client;
    private static Proxy server;

    private static ClusterLoadAssignment reviewsEndpoint() {
        ClusterLoadAssignment cla = cla(REVIEWS_V1, SERVER_IP + ":9080");
        Struct istio = Struct.newBuilder()
                .putFields(
                        "pod",
                        Value.newBuilder().setStringValue("reviews-v1-202").build())
                .putFields(
                        "namespace",
                        Value.newBuilder().setStringValue("default").build())
                .putFields(
                        "workload",
                        Value.newBuilder().setStringValue("reviews-v1").build())
                .putFields(
                        "labels",
                        Value.newBuilder()
                                .setStructValue(Struct.newBuilder()
                                        .putFields(
                                                "app",
                                                Value.newBuilder()
                                                        .setStringValue("reviews")
                                                        .build())
                                        .putFields(
                                                "version",
                                                Value.newBuilder()
                                                        .setStringValue("v1")
                                                        .build()))
                                .build())
                .build();
        var builder = cla.toBuilder();
        builder.getEndpointsBuilder(0)
                .getLbEndpointsBuilder(0)
                .setMetadata(Metadata.newBuilder().putFilterMetadata("istio", istio));
        return builder.build();
    }

    @BeforeAll
    static void start() throws Exception {
        controlPlane = new TestControlPlane();
        app = new TestUpstream("reviews-app", APP_IP, 9080);
        controlPlane.set(
                Sidecars.nodeId(CLIENT_IP, "productpage-v1-201"),
                Snapshot.create(
                        List.of(edsCluster(REVIEWS_V1, Cluster.LbPolicy.LEAST_REQUEST)),
                        List.of(reviewsEndpoint()),
                        List.of(virtualOutbound(), outboundPort(9080)),
                        List.of(routeConfig(
                                "9080",
                                service("reviews", "default", 9080, route("", prefix("/"), cluster(REVIEWS_V1))))),
                        List.of(),
                        "1"));
        controlPlane.set(
                Sidecars.nodeId(SERVER_IP, "reviews-v1-202"),
                Snapshot.create(
                        List.of(staticCluster("inbound|9080||", APP_IP, 9080)),
                        List.of(),
                        List.of(virtualInbound(9080)),
                        List.of(),
                        List.of(),
                        "1"));
        client = Sidecars.start(controlPlane, CLIENT_IP, "productpage", "v1", o -> o);
        server = Sidecars.start(controlPlane, SERVER_IP, "reviews", "v1", o -> o);
    }

    @AfterAll
    static void stop() {
        client.close();
        server.close();
        app.close();
        controlPlane.close();
    }

    @Test
    void bothSidecarsReportIstioStandardMetricsWithPeerLabels() throws Exception {
        InetSocketAddress outbound = new InetSocketAddress(CLIENT_IP, 15001);
        for (int i = 0; i < 3; i++) {
            TestHttp.Response r = TestHttp.get(outbound, "reviews:9080", "/reviews/0");
            assertThat(r.body()).isEqualTo("reviews-app");
            assertThat(r.header("x-envoy-peer-metadata")).isNull();
            assertThat(r.header("x-envoy-peer-metadata-id")).isNull();
        }
        TestUpstream.Seen seen = app.seen().get(app.seen().size() - 1);
        assertThat(seen.header("x-envoy-peer-metadata")).isNull();
        assertThat(seen.header("x-envoy-peer-metadata-id")).isNull();

        TestHttp.Response scrape = TestHttp.get(new InetSocketAddress(CLIENT_IP, 15090), "prom", "/stats/prometheus");
        assertThat(scrape.status()).isEqualTo(200);
        assertThat(scrape.header("content-type")).isEqualTo("text/plain; version=0.0.4; charset=utf-8");
        String sourceLabels =
                "reporter=\"source\",source_workload=\"productpage-v1\",source_workload_namespace=\"default\","
                        + "source_principal=\"unknown\",source_app=\"productpage\",source_version=\"v1\","
                        + "source_cluster=\"Kubernetes\",destination_workload=\"reviews-v1\",destination_workload_namespace=\"default\","
                        + "destination_principal=\"unknown\",destination_app=\"reviews\",destination_version=\"v1\","
                        + "destination_service=\"reviews.default.svc.cluster.local\",destination_service_name=\"reviews\","
                        + "destination_service_namespace=\"default\",destination_cluster=\"Kubernetes\",request_protocol=\"http\",response_code=\"200\","
                        + "response_flags=\"-\",connection_security_policy=\"unknown\"";
        assertThat(scrape.body())
                .contains(
                        "# TYPE istio_requests_total counter\n",
                        "istio_requests_total{" + sourceLabels + "} 3\n",
                        "# TYPE istio_request_duration_milliseconds histogram\n",
                        "istio_request_duration_milliseconds_bucket{" + sourceLabels + ",le=\"0.5\"} ",
                        "istio_request_duration_milliseconds_bucket{" + sourceLabels + ",le=\"3600000\"} 3\n",
                        "istio_request_duration_milliseconds_bucket{" + sourceLabels + ",le=\"+Inf\"} 3\n",
                        "istio_request_duration_milliseconds_count{" + sourceLabels + "} 3\n",
                        "istio_request_bytes_count{" + sourceLabels + "} 3\n",
                        "istio_response_bytes_count{" + sourceLabels + "} 3\n",
                        "# TYPE envoy_cluster_upstream_rq_total counter\n",
                        "envoy_cluster_upstream_rq_total{cluster_name=\"" + REVIEWS_V1 + "\"} 3\n",
                        "envoy_cluster_upstream_rq_active{cluster_name=\"" + REVIEWS_V1 + "\"} 0\n",
                        "envoy_http_downstream_rq_total{http_conn_manager_prefix=\"outbound_0.0.0.0_9080\"} 3\n");

        String destinationLabels = "reporter=\"destination\",source_workload=\"productpage-v1\","
                + "source_workload_namespace=\"default\",source_principal=\"unknown\",source_app=\"productpage\","
                + "source_version=\"v1\",source_cluster=\"Kubernetes\",destination_workload=\"reviews-v1\",destination_workload_namespace=\"default\","
                + "destination_principal=\"unknown\",destination_app=\"reviews\",destination_version=\"v1\","
                + "destination_service=\"reviews.default.svc.cluster.local\",destination_service_name=\"reviews\","
                + "destination_service_namespace=\"default\",destination_cluster=\"Kubernetes\",request_protocol=\"http\",response_code=\"200\","
                + "response_flags=\"-\",connection_security_policy=\"none\"";
        String serverScrape = TestHttp.get(new InetSocketAddress(SERVER_IP, 15090), "prom", "/stats/prometheus")
                .body();
        assertThat(serverScrape).contains("istio_requests_total{" + destinationLabels + "} 3\n");
    }

    @Test
    void aCallerWithoutMetadataExchangeIsUnknown() throws Exception {
        TestHttp.get(new InetSocketAddress(SERVER_IP, 9080), "reviews:9080", "/direct");
        String serverScrape = TestHttp.get(new InetSocketAddress(SERVER_IP, 15090), "prom", "/stats/prometheus")
                .body();
        assertThat(serverScrape)
                .contains("istio_requests_total{reporter=\"destination\",source_workload=\"unknown\","
                        + "source_workload_namespace=\"unknown\",source_principal=\"unknown\",source_app=\"unknown\","
                        + "source_version=\"unknown\",source_cluster=\"unknown\",destination_workload=\"reviews-v1\"");
    }
}
