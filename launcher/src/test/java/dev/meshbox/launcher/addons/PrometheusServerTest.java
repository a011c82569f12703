package dev.meshbox.launcher.addons;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.controlplane.registry.Pod;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PrometheusServerTest {

    @Test
    void theConfigHasIstiosIntervalAndJobs() {
        String config = PrometheusServer.config(
                PrometheusServer.ISTIO_SCRAPE_INTERVAL, Path.of("/tmp/p/kubernetes-pods.json"), "127.0.0.1:9090");

        assertThat(config)
                .contains("scrape_interval: 15s")
                .contains("- job_name: kubernetes-pods\n")
                .contains("metrics_path: /stats/prometheus")
                .contains("files: ['/tmp/p/kubernetes-pods.json']")
                .contains("- job_name: prometheus\n")
                .contains("targets: ['127.0.0.1:9090']");
    }

    @Test
    void everyProxyIsATargetOn15090WithItsPodLabels() {
        Pod reviews = new Pod(
                "reviews-v3-abc",
                "default",
                "127.9.0.6",
                "127.9.128.6",
                Map.of("app", "reviews", "version", "v3"),
                Pod.ProxyKind.SIDECAR,
                true,
                "bookinfo-reviews");
        Pod gateway = new Pod(
                "istio-ingressgateway-x",
                "istio-system",
                "127.9.0.250",
                "127.9.0.250",
                Map.of("app", "istio-ingressgateway", "istio", "ingressgateway"),
                Pod.ProxyKind.GATEWAY,
                true,
                "istio-ingressgateway-service-account");

        String json = PrometheusServer.targets(List.of(gateway, reviews));

        assertThat(json)
                .contains("{\"targets\": [\"127.9.0.6:15090\"], \"labels\": {\"app\": \"reviews\","
                        + " \"namespace\": \"default\", \"pod\": \"reviews-v3-abc\", \"version\": \"v3\"}}")
                .contains("\"127.9.0.250:15090\"")
                .contains("\"namespace\": \"istio-system\"");
    }

    @Test
    void noProxiesIsAnEmptyList() {
        assertThat(PrometheusServer.targets(List.of()).strip()).isEqualTo("[\n]".strip());
        assertThat(Duration.ofSeconds(15)).isEqualTo(PrometheusServer.ISTIO_SCRAPE_INTERVAL);
    }

    @Test
    void theControlPlaneIsATargetAsIstiodsPodWithItsMetricsPath() throws Exception {
        String json = PrometheusServer.targets(
                List.of(), java.util.Optional.of(new java.net.InetSocketAddress("127.0.0.1", 15014)));

        assertThat(json)
                .contains("{\"targets\": [\"127.0.0.1:15014\"], \"labels\": {\"__metrics_path__\": \"/metrics\","
                        + " \"app\": \"istiod\", \"istio\": \"pilot\", \"namespace\": \"istio-system\","
                        + " \"pod\": \"istiod\"}}");
        assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(json))
                .hasSize(1);
    }
}
