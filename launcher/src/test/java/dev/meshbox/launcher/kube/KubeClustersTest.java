package dev.meshbox.launcher.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meshbox.launcher.backend.ClusterCerts;
import dev.meshbox.launcher.backend.MeshSpec;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code up --backend kubernetes --clusters 2} against two Kubernetes API servers (fabric8's, CRUD mode): the objects
 * each cluster holds afterwards, as KubeMeshInstallTest checks one. The API servers run no pods and no controllers, so
 * each cluster's install is what {@link KubeMesh#start} creates before it waits for pods ({@link KubeMesh#manifests}),
 * and the test fills in the reader's token as Kubernetes' token controller would.
 */
@EnableKubernetesMockClient(crud = true, https = false)
class KubeClustersTest {

    KubernetesMockServer server;
    KubernetesClient client;

    private KubernetesMockServer server2;
    private KubernetesClient client2;
    private final ByteArrayOutputStream progress = new ByteArrayOutputStream();
    private final List<String> removed = new ArrayList<>();

    @TempDir
    Path dir;

    private static final String IMAGE = "registry.example.com/meshbox:1";

    @BeforeEach
    void secondCluster() {
        server2 = new KubernetesMockServer(
                new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
        server2.init(InetAddress.getLoopbackAddress(), 0);
        client2 = server2.createClient();
    }

    @AfterEach
    void close() {
        client2.close();
        server2.destroy();
    }

    /** What KubeMesh.start creates before it waits, the reader's token filled in; removing it is recorded. */
    private KubeClusters.Installer manifestsOnly() {
        return (c, spec, options, out) -> {
            for (HasMetadata o : KubeMesh.manifests(
                    c,
                    spec,
                    options,
                    "m-" + options.cluster().clusterId(),
                    WebhookTls.forService("istiod", "istio-system"))) {
                if (o instanceof Secret s && s.getType().equals("kubernetes.io/service-account-token")) {
                    s.setData(Map.of(
                            "token",
                            Base64.getEncoder()
                                    .encodeToString(
                                            ("token-" + options.cluster().clusterId())
                                                    .getBytes(StandardCharsets.UTF_8))));
                }
                c.resource(o).create();
            }
            out.println("control plane   istiod and istio-ingressgateway created in istio-system");
            return () -> removed.add(options.cluster().clusterId());
        };
    }

    private List<KubeClusters.Target> targets() {
        return List.of(
                new KubeClusters.Target("cluster1", "network1", client, IMAGE),
                new KubeClusters.Target("cluster2", "network2", client2, IMAGE));
    }

    private KubeMesh.Options base() {
        return new KubeMesh.Options(IMAGE, OptionalLong.empty(), 8080, 15014, Duration.ofSeconds(2));
    }

    @Test
    void eachClusterRunsItsControlPlaneWithItsIdNetworkAndIntermediateAndTheyAreLinkedBothWays() throws Exception {
        KubeClusters clusters = KubeClusters.start(
                targets(),
                MeshSpec.bookinfo(),
                base(),
                null,
                Duration.ofSeconds(2),
                manifestsOnly(),
                new PrintStream(progress, true));

        String root = null;
        for (var c : Map.of("cluster1", client, "cluster2", client2).entrySet()) {
            String name = c.getKey();
            KubernetesClient k = c.getValue();
            String other = name.equals("cluster1") ? "cluster2" : "cluster1";
            String network = name.equals("cluster1") ? "network1" : "network2";
            assertThat(k.namespaces()
                            .withName("istio-system")
                            .get()
                            .getMetadata()
                            .getLabels())
                    .containsEntry("topology.istio.io/network", network);
            Deployment istiod = k.apps()
                    .deployments()
                    .inNamespace("istio-system")
                    .withName("istiod")
                    .get();
            assertThat(istiod.getSpec()
                            .getTemplate()
                            .getSpec()
                            .getContainers()
                            .get(0)
                            .getEnv())
                    .extracting(EnvVar::getName, EnvVar::getValue)
                    .containsOnlyOnce(org.assertj.core.groups.Tuple.tuple("CLUSTER_ID", name));
            assertThat(istiod.getSpec().getTemplate().getSpec().getVolumes())
                    .anySatisfy(v -> assertThat(v.getSecret().getSecretName()).isEqualTo("cacerts"));
            // Bookinfo in each cluster.
            assertThat(k.apps()
                            .deployments()
                            .inNamespace("default")
                            .withName("reviews-v3")
                            .get())
                    .isNotNull();
            // One root, an intermediate of the cluster's own.
            Secret cacerts =
                    k.secrets().inNamespace("istio-system").withName("cacerts").get();
            String clusterRoot = text(cacerts, "root-cert.pem");
            if (root == null) {
                root = clusterRoot;
            } else {
                assertThat(clusterRoot).isEqualTo(root);
            }
            assertThat(text(cacerts, "cert-chain.pem")).isEqualTo(text(cacerts, "ca-cert.pem") + root);
            // The east-west gateway and expose-services.yaml on its network.
            Deployment ew = k.apps()
                    .deployments()
                    .inNamespace("istio-system")
                    .withName("istio-eastwestgateway")
                    .get();
            assertThat(ew.getSpec().getTemplate().getMetadata().getLabels())
                    .containsEntry("istio", "eastwestgateway")
                    .containsEntry("topology.istio.io/network", network);
            assertThat(ew.getSpec()
                            .getTemplate()
                            .getSpec()
                            .getContainers()
                            .get(0)
                            .getReadinessProbe())
                    .as("the gateway pod spec every gateway here shares")
                    .isNotNull();
            assertThat(k.services()
                            .inNamespace("istio-system")
                            .withName("istio-eastwestgateway")
                            .get()
                            .getSpec()
                            .getPorts())
                    .extracting(p -> p.getPort())
                    .contains(15443);
            assertThat(k.genericKubernetesResources(KubeMultiCluster.GATEWAYS)
                            .inNamespace("istio-system")
                            .withName("cross-network-gateway")
                            .get())
                    .isNotNull();
            // The other cluster's remote secret: its API server and its reader's token.
            Secret remote = k.secrets()
                    .inNamespace("istio-system")
                    .withName("istio-remote-secret-" + other)
                    .get();
            String kubeconfig =
                    remote.getStringData() != null ? remote.getStringData().get(other) : text(remote, other);
            var config = io.fabric8.kubernetes.client.Config.fromKubeconfig(kubeconfig);
            assertThat(config.getMasterUrl())
                    .isEqualTo((other.equals("cluster1") ? client : client2)
                            .getConfiguration()
                            .getMasterUrl());
            assertThat(config.getAutoOAuthToken()).isEqualTo("token-" + other);
        }
        assertThat(progress.toString())
                .contains("[cluster1] control plane   istiod and istio-ingressgateway created in istio-system")
                .contains("[cluster2] control plane   istiod and istio-ingressgateway created in istio-system")
                .contains("cluster1        remote secret istio-remote-secret-cluster2 applied")
                .contains("cluster2        remote secret istio-remote-secret-cluster1 applied")
                // The API test servers listen on loopback, as kind's kubeconfigs name their servers.
                .contains("cluster1        note: its remote secret names API server "
                        + client.getConfiguration().getMasterUrl() + ", a loopback address");

        clusters.close();
        assertThat(removed).containsExactly("cluster2", "cluster1");
        for (KubernetesClient k : List.of(client, client2)) {
            assertThat(k.apps()
                            .deployments()
                            .inNamespace("istio-system")
                            .withName("istio-eastwestgateway")
                            .get())
                    .isNull();
            assertThat(k.secrets()
                            .inNamespace("istio-system")
                            .withLabel("istio/multiCluster")
                            .list()
                            .getItems())
                    .isEmpty();
        }
    }

    @Test
    void theUsersCacertsAreEachClustersDirectoryAndOneMissingIsNamedBeforeAnythingIsCreated() throws Exception {
        ClusterCerts.generate(dir, List.of("cluster1"));
        assertThatThrownBy(() -> KubeClusters.start(
                        targets(),
                        MeshSpec.bookinfo(),
                        base(),
                        dir,
                        Duration.ofSeconds(2),
                        manifestsOnly(),
                        new PrintStream(progress, true)))
                .hasMessageContaining("cluster cluster2: cacerts " + dir.resolve("cluster2") + " is not a directory");
        assertThat(client.namespaces().list().getItems()).isEmpty();
        assertThat(client2.namespaces().list().getItems()).isEmpty();

        ClusterCerts.generate(dir, List.of("cluster1", "cluster2"));
        try (KubeClusters clusters = KubeClusters.start(
                targets(),
                MeshSpec.bookinfo(),
                base(),
                dir,
                Duration.ofSeconds(2),
                manifestsOnly(),
                new PrintStream(progress, true))) {
            assertThat(text(
                            client2.secrets()
                                    .inNamespace("istio-system")
                                    .withName("cacerts")
                                    .get(),
                            "ca-key.pem"))
                    .isEqualTo(java.nio.file.Files.readString(dir.resolve("cluster2/ca-key.pem")));
            assertThat(clusters.meshes()).containsOnlyKeys("cluster1", "cluster2");
        }
    }

    @Test
    void aClusterThatFailsToInstallIsNamedAndTheOtherIsRemoved() {
        KubeClusters.Installer failing2 = (c, spec, options, out) -> {
            if (options.cluster().clusterId().equals("cluster2")) {
                throw new IllegalStateException("deployment istio-system/istiod was not ready within 2 s");
            }
            return manifestsOnly().install(c, spec, options, out);
        };
        assertThatThrownBy(() -> KubeClusters.start(
                        targets(),
                        MeshSpec.bookinfo(),
                        base(),
                        null,
                        Duration.ofSeconds(2),
                        failing2,
                        new PrintStream(progress, true)))
                .hasMessage("cluster cluster2: deployment istio-system/istiod was not ready within 2 s");
        assertThat(removed).containsExactly("cluster1");
    }

    private static String text(Secret s, String key) {
        return new String(Base64.getDecoder().decode(s.getData().get(key)), StandardCharsets.UTF_8);
    }
}
