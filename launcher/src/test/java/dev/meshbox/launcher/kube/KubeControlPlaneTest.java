package dev.meshbox.launcher.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.meshbox.controlplane.kubernetes.IstioCrds;
import dev.meshbox.launcher.lifecycle.Wait;
import dev.meshbox.proxy.Proxy;
import dev.meshbox.proxy.ProxyOptions;
import dev.meshbox.proxy.ProxyRole;
import dev.meshbox.scenarios.MeshAccess;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The control plane as it runs in a cluster, against a Kubernetes API server (fabric8's mock server, CRUD mode) and a
 * real sidecar over gRPC ADS: pods and services come from the API, {@code kubectl apply} of Istio's own sample files
 * reaches the proxy, and config applied through the mesh lands in the API as custom resources.
 */
@EnableKubernetesMockClient(crud = true)
class KubeControlPlaneTest {

    private static final Path NETWORKING = Path.of("..", "..", "shared", "istio", "samples", "bookinfo", "networking");
    private static final String PRODUCTPAGE_IP = "127.0.77.2";

    KubernetesMockServer server;
    KubernetesClient client;
    private KubeControlPlane cp;
    private Proxy sidecar;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        IstioCrds.install(client);
        for (String app : List.of("productpage", "reviews")) {
            client.services()
                    .inNamespace("default")
                    .resource(new ServiceBuilder()
                            .withNewMetadata()
                            .withName(app)
                            .endMetadata()
                            .withNewSpec()
                            .addToSelector("app", app)
                            .addNewPort()
                            .withName("http")
                            .withPort(9080)
                            .endPort()
                            .endSpec()
                            .build())
                    .create();
        }
        client.pods()
                .inNamespace("default")
                .resource(pod("productpage-v1-abc", "productpage", "v1", PRODUCTPAGE_IP, true))
                .create();
        // Pods without a sidecar: only the productpage proxy below is a real one (a registered sidecar must ACK for an
        // apply).
        client.pods()
                .inNamespace("default")
                .resource(pod("reviews-v1-abc", "reviews", "v1", "127.0.77.3", false))
                .create();
        client.pods()
                .inNamespace("default")
                .resource(pod("reviews-v2-abc", "reviews", "v2", "127.0.77.4", false))
                .create();
        cp = KubeControlPlane.start(
                client,
                new KubeControlPlane.Settings(
                        new InetSocketAddress("127.0.0.1", 0),
                        new InetSocketAddress("127.0.0.1", 0),
                        null,
                        null,
                        "meshbox/meshbox:latest",
                        "istiod.istio-system.svc:15010",
                        List.of("default", "istio-system"),
                        List.of("bookinfo-gateway.yaml")));
        sidecar = Proxy.start(ProxyOptions.builder(
                        "sidecar~" + PRODUCTPAGE_IP + "~productpage-v1-abc.default~default.svc.cluster.local",
                        InetAddress.getByName(PRODUCTPAGE_IP),
                        new InetSocketAddress("127.0.0.1", cp.xdsPort()))
                .nodeCluster("productpage.default")
                .labels(Map.of("app", "productpage", "version", "v1"))
                .namespace("default")
                .podName("productpage-v1-abc")
                .role(ProxyRole.SIDECAR)
                .adminPort(0)
                .drawnSeed(7L)
                .healthPort(0)
                .prometheusPort(0)
                .build());
        sidecar.ready().get(15, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() {
        if (sidecar != null) {
            sidecar.close();
        }
        if (cp != null) {
            cp.close();
        }
    }

    private static Pod pod(String name, String app, String version, String ip, boolean sidecar) {
        PodBuilder pod = new PodBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace("default")
                .addToLabels("app", app)
                .addToLabels("version", version)
                .endMetadata()
                .withNewSpec()
                .addNewContainer()
                .withName(app)
                .withImage("meshbox/meshbox:latest")
                .addNewPort()
                .withContainerPort(9080)
                .endPort()
                .endContainer()
                .endSpec()
                .withNewStatus()
                .withPodIP(ip)
                .addNewCondition()
                .withType("Ready")
                .withStatus("True")
                .endCondition()
                .endStatus();
        if (sidecar) {
            pod.editSpec()
                    .addNewContainer()
                    .withName("istio-proxy")
                    .withImage("meshbox/meshbox:latest")
                    .endContainer()
                    .endSpec();
        }
        return pod.build();
    }

    private String configDump() throws Exception {
        InetSocketAddress admin = sidecar.adminAddress();
        return http.send(
                        HttpRequest.newBuilder(URI.create(
                                        "http://" + admin.getHostString() + ":" + admin.getPort() + "/config_dump"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
    }

    /** Empty once the sidecar's config dump holds every part, else which are missing. */
    private Optional<String> dumpLacks(String... parts) {
        String dump;
        try {
            dump = configDump();
        } catch (Exception e) {
            return Optional.of("no config dump: " + e);
        }
        List<String> missing =
                List.of(parts).stream().filter(p -> !dump.contains(p)).toList();
        return missing.isEmpty() ? Optional.empty() : Optional.of("the config dump lacks " + missing);
    }

    @Test
    void kubectlApplyOfIstiosSampleReachesTheSidecarOverAds() throws Exception {
        Path rules = NETWORKING.resolve("destination-rule-all.yaml");
        Path split = NETWORKING.resolve("virtual-service-reviews-90-10.yaml");
        assumeTrue(
                Files.isRegularFile(split),
                "Istio's samples are not beside this checkout (../shared/istio/samples): " + split);
        // kubectl apply -f, file by file, unmodified.
        for (Path file : List.of(rules, split)) {
            try (InputStream in = Files.newInputStream(file)) {
                client.load(in).inNamespace("default").create();
            }
        }
        Wait.atMost(Duration.ofSeconds(15))
                .until(
                        "the 90/10 split in the sidecar's routes",
                        () -> dumpLacks(
                                "outbound|9080|v1|reviews.default.svc.cluster.local",
                                "outbound|9080|v2|reviews.default.svc.cluster.local",
                                "\"weight\": 90"));
        // The pods' endpoints came from the API as well.
        assertThat(configDump()).contains("127.0.77.3").contains("127.0.77.4");
    }

    @Test
    void configAppliedThroughTheMeshIsACustomResourceAndResetDeletesIt() throws Exception {
        // The mesh's own Gateway and VirtualService, applied at start, are custom resources too.
        assertThat(client.genericKubernetesResources(IstioCrds.KINDS.get(2).context())
                        .inNamespace("default")
                        .withName("bookinfo-gateway")
                        .get())
                .isNotNull();
        MeshAccess.ApplyOutcome outcome =
                cp.control().apply(List.of(new MeshAccess.ConfigText("reviews-v1.yaml", """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews}
                spec:
                  hosts: [reviews]
                  http:
                  - route:
                    - destination: {host: reviews}
                      headers: {response: {set: {x-routed-by: meshbox}}}
                """)));
        assertThat(outcome.problems()).isEmpty();
        GenericKubernetesResource vs = client.genericKubernetesResources(
                        IstioCrds.KINDS.get(0).context())
                .inNamespace("default")
                .withName("reviews")
                .get();
        assertThat(vs.getMetadata().getLabels()).containsEntry("app.kubernetes.io/managed-by", "meshbox");
        // apply returns once the proxy ACKed, so its config has it now.
        assertThat(configDump()).contains("x-routed-by");

        cp.control().resetConfig();
        assertThat(client.genericKubernetesResources(IstioCrds.KINDS.get(0).context())
                        .inNamespace("default")
                        .withName("reviews")
                        .get())
                .isNull();
        assertThat(client.genericKubernetesResources(IstioCrds.KINDS.get(2).context())
                        .inNamespace("default")
                        .withName("bookinfo-gateway")
                        .get())
                .as("reset keeps the mesh's own config")
                .isNotNull();
        assertThat(configDump()).doesNotContain("x-routed-by");
    }
}
