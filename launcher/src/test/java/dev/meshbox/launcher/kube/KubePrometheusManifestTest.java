package dev.meshbox.launcher.kube;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Istio's Prometheus addon on Kubernetes as {@code samples/addons/prometheus.yaml} deploys it, written and read back
 * through the API test server: a Deployment without a sidecar on the ConfigMap's {@code prometheus.yml}, whose
 * {@code kubernetes-pods} job discovers pods and keeps those annotated {@code prometheus.io/scrape} (the injector
 * annotates every sidecar's pod with 15090 and {@code /stats/prometheus}), a Service on 9090, and the RBAC that
 * discovery needs.
 */
@EnableKubernetesMockClient(crud = true)
class KubePrometheusManifestTest {

    KubernetesClient client;

    @Test
    void prometheusIsIstiosAddonInIstioSystem() throws Exception {
        for (HasMetadata o : PrometheusManifest.objects(client, PrometheusManifest.IMAGE)) {
            client.resource(o).create();
        }

        Deployment d = client.apps()
                .deployments()
                .inNamespace("istio-system")
                .withName("prometheus")
                .get();
        assertThat(d.getSpec().getTemplate().getMetadata().getAnnotations())
                .containsEntry("sidecar.istio.io/inject", "false");
        assertThat(d.getSpec().getTemplate().getSpec().getServiceAccountName()).isEqualTo("prometheus");
        var container = d.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(container.getImage()).isEqualTo(PrometheusManifest.IMAGE);
        assertThat(container.getArgs()).contains("--config.file=/etc/config/prometheus.yml");

        Service s = client.services()
                .inNamespace("istio-system")
                .withName("prometheus")
                .get();
        assertThat(s.getSpec().getSelector()).containsEntry("app", "prometheus");
        assertThat(s.getSpec().getPorts()).singleElement().satisfies(p -> {
            assertThat(p.getName()).isEqualTo("http");
            assertThat(p.getPort()).isEqualTo(9090);
        });

        ClusterRoleBinding binding =
                client.rbac().clusterRoleBindings().withName("prometheus").get();
        assertThat(binding.getSubjects()).singleElement().satisfies(sub -> {
            assertThat(sub.getName()).isEqualTo("prometheus");
            assertThat(sub.getNamespace()).isEqualTo("istio-system");
        });

        ConfigMap cm = client.configMaps()
                .inNamespace("istio-system")
                .withName("prometheus")
                .get();
        JsonNode config =
                new ObjectMapper(new YAMLFactory()).readTree(cm.getData().get("prometheus.yml"));
        assertThat(config.path("global").path("scrape_interval").asText()).isEqualTo("15s");
        List<String> jobs = new ArrayList<>();
        config.path("scrape_configs").forEach(j -> jobs.add(j.path("job_name").asText()));
        assertThat(jobs).containsExactly("prometheus", "kubernetes-pods");
        JsonNode pods = config.path("scrape_configs").get(1);
        assertThat(pods.path("kubernetes_sd_configs").get(0).path("role").asText())
                .isEqualTo("pod");
        assertThat(pods.path("relabel_configs")
                        .get(0)
                        .path("source_labels")
                        .get(0)
                        .asText())
                .isEqualTo("__meta_kubernetes_pod_annotation_prometheus_io_scrape");
        assertThat(pods.path("relabel_configs").toString())
                .contains("__meta_kubernetes_pod_annotation_prometheus_io_path")
                .contains("\"target_label\":\"namespace\"")
                .contains("\"target_label\":\"pod\"");
    }
}
