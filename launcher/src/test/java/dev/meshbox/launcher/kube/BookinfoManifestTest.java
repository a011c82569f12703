package dev.meshbox.launcher.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.meshbox.launcher.backend.MeshSpec;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The project's Bookinfo manifest is Istio's {@code platform/kube/bookinfo.yaml} with MeshBox's apps: the same
 * Services, ServiceAccounts, Deployments and labels. And Istio's own file runs once its images are swapped.
 */
class BookinfoManifestTest {

    private static final Path ISTIO =
            Path.of("..", "..", "shared", "istio", "samples", "bookinfo", "platform", "kube", "bookinfo.yaml");
    private static final String IMAGE = "registry.example.com/meshbox:1";
    private final KubernetesSerialization serialization = new KubernetesSerialization();

    private List<HasMetadata> load(String text) {
        Object o = serialization.unmarshal(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
        if (o instanceof List<?> list) {
            return list.stream().map(HasMetadata.class::cast).toList();
        }
        return o instanceof io.fabric8.kubernetes.api.model.KubernetesList l ? l.getItems() : List.of((HasMetadata) o);
    }

    /** Kind/name to what Istio's users rely on: labels, selectors, ports, service accounts. */
    private Map<String, String> shape(List<HasMetadata> objects) {
        Map<String, String> out = new TreeMap<>();
        for (HasMetadata o : objects) {
            String key = o.getKind() + "/" + o.getMetadata().getName();
            String value = "labels=" + new TreeMap<>(o.getMetadata().getLabels());
            if (o instanceof Service s) {
                value += " selector=" + s.getSpec().getSelector() + " ports="
                        + s.getSpec().getPorts().stream()
                                .map(p -> p.getName() + ":" + p.getPort())
                                .toList();
            }
            if (o instanceof Deployment d) {
                value += " selector=" + new TreeMap<>(d.getSpec().getSelector().getMatchLabels()) + " pod="
                        + new TreeMap<>(d.getSpec().getTemplate().getMetadata().getLabels()) + " sa="
                        + d.getSpec().getTemplate().getSpec().getServiceAccountName()
                        + " replicas=" + d.getSpec().getReplicas() + " ports="
                        + d.getSpec().getTemplate().getSpec().getContainers().get(0).getPorts().stream()
                                .map(p -> p.getContainerPort())
                                .toList();
            }
            out.put(key, value);
        }
        return out;
    }

    @Test
    void theProjectsManifestHasIstiosServicesAccountsDeploymentsAndLabels() throws Exception {
        assumeTrue(
                Files.isRegularFile(ISTIO),
                "Istio's samples are not beside this checkout (../shared/istio/samples): " + ISTIO);
        Map<String, String> istio = shape(load(Files.readString(ISTIO)));
        Map<String, String> ours = shape(load(MeshSpec.bundled("kube/bookinfo.yaml")));
        assertThat(ours).isEqualTo(istio);
        assertThat(ours)
                .containsKeys("Service/productpage", "ServiceAccount/bookinfo-reviews", "Deployment/reviews-v3");
    }

    @Test
    void istiosOwnFileRunsMeshBoxsAppsOnceItsImagesAreSwapped() throws Exception {
        assumeTrue(
                Files.isRegularFile(ISTIO),
                "Istio's samples are not beside this checkout (../shared/istio/samples): " + ISTIO);
        ImageMap.Result mapped = new ImageMap(IMAGE, true, Map.of()).apply("bookinfo.yaml", Files.readString(ISTIO));
        assertThat(mapped.report())
                .hasSize(6)
                .anySatisfy(l -> assertThat(l)
                        .contains("Deployment/reviews-v2")
                        .contains("examples-bookinfo-reviews-v2")
                        .contains("MeshBox's Bookinfo reviews v2"));
        Deployment reviews = load(mapped.yaml()).stream()
                .filter(o -> o.getMetadata().getName().equals("reviews-v2"))
                .map(Deployment.class::cast)
                .findFirst()
                .orElseThrow();
        Container c = reviews.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(c.getImage()).isEqualTo(IMAGE);
        assertThat(String.join(" ", c.getCommand()))
                .contains("dev.meshbox.bookinfo.Main --service reviews --version v2")
                .contains("--listen 127.0.0.1:9080")
                .contains("--pod $(POD_NAME)");
        assertThat(c.getEnv()).extracting(e -> e.getName()).contains("POD_NAME", "POD_NAMESPACE");
        // Everything else of Istio's file is as it was: the shape users rely on is unchanged.
        assertThat(shape(load(mapped.yaml()))).isEqualTo(shape(load(Files.readString(ISTIO))));
    }

    @Test
    void theProjectsManifestNamesThePlaceholderImageTheLauncherReplaces() {
        ImageMap.Result mapped = new ImageMap(IMAGE, false, Map.of())
                .apply("kube/bookinfo.yaml", MeshSpec.bundled("kube/bookinfo.yaml"));
        assertThat(mapped.yaml()).doesNotContain(ImageMap.PLACEHOLDER).contains("image: " + IMAGE);
        assertThat(mapped.report()).hasSize(6);
    }

    @Test
    void rulesSwapAnImageOrAPrefixAndBadRulesSayWhatIsExpected() {
        String deployment = """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: shop}
                spec:
                  selector: {matchLabels: {app: shop}}
                  template:
                    metadata: {labels: {app: shop}}
                    spec:
                      containers:
                      - {name: shop, image: docker.io/acme/shop:2}
                """;
        ImageMap.Result r = new ImageMap(IMAGE, false, ImageMap.rules(List.of("docker.io/acme/=mirror.local/acme/")))
                .apply("shop.yaml", deployment);
        assertThat(r.yaml()).contains("image: mirror.local/acme/shop:2");
        assertThatThrownBy(() -> ImageMap.rules(List.of("docker.io/acme")))
                .hasMessageContaining("--image-map docker.io/acme: expected FROM=TO");
        String unknown = deployment.replace(
                "docker.io/acme/shop:2", "registry.istio.io/release/examples-bookinfo-ratings-v2-mysql:1.20.3");
        assertThatThrownBy(() -> new ImageMap(IMAGE, true, Map.of()).apply("bookinfo-ratings-v2-mysql.yaml", unknown))
                .hasMessageContaining("MeshBox has no Bookinfo ratings v2");
    }
}
