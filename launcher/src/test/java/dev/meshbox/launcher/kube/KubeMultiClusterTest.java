package dev.meshbox.launcher.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.Config;
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
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Istio's multi-primary, multi-network install steps on two API servers (fabric8's, CRUD mode), each already running a
 * MeshBox mesh: the objects created in each, as KubeMeshInstallTest checks a single cluster.
 */
@EnableKubernetesMockClient(crud = true, https = false)
class KubeMultiClusterTest {

    KubernetesMockServer server;
    KubernetesClient client;

    private KubernetesMockServer server2;
    private KubernetesClient client2;

    @BeforeEach
    void clusters() {
        server2 = new KubernetesMockServer(
                new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
        server2.init(InetAddress.getLoopbackAddress(), 0);
        client2 = server2.createClient();
        installed(client, "token-1");
        installed(client2, "token-2");
    }

    @AfterEach
    void close() {
        client2.close();
        server2.destroy();
    }

    /** What a MeshBox install leaves that linking uses: istiod and the reader service account (its token filled in). */
    private static void installed(KubernetesClient c, String token) {
        c.apps()
                .deployments()
                .inNamespace("istio-system")
                .resource(new DeploymentBuilder()
                        .withNewMetadata()
                        .withName("istiod")
                        .endMetadata()
                        .withNewSpec()
                        .withNewTemplate()
                        .withNewSpec()
                        .addNewContainer()
                        .withName("discovery")
                        .withImage("meshbox/meshbox")
                        .endContainer()
                        .endSpec()
                        .endTemplate()
                        .endSpec()
                        .build())
                .create();
        for (HasMetadata o : RemoteSecrets.readerObjects("m")) {
            if (o instanceof Secret s) {
                s.setData(Map.of("token", Base64.getEncoder().encodeToString(token.getBytes(StandardCharsets.UTF_8))));
            }
            c.resource(o).create();
        }
    }

    private List<KubeMultiCluster.Member> members(String network2) {
        return List.of(
                new KubeMultiCluster.Member("cluster1", "network1", client, null),
                new KubeMultiCluster.Member("cluster2", network2, client2, null));
    }

    @Test
    void eachClusterGetsItsIdentityItsEastWestGatewayAndTheOthersRemoteSecret() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        KubeMultiCluster.link(members("network2"), "meshbox/meshbox:test", Duration.ofSeconds(2), new PrintStream(out));

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
            assertThat(k.apps()
                            .deployments()
                            .inNamespace("istio-system")
                            .withName("istiod")
                            .get()
                            .getSpec()
                            .getTemplate()
                            .getSpec()
                            .getContainers()
                            .get(0)
                            .getEnv())
                    .extracting(EnvVar::getName, EnvVar::getValue)
                    .contains(org.assertj.core.groups.Tuple.tuple("CLUSTER_ID", name));
            Deployment ew = k.apps()
                    .deployments()
                    .inNamespace("istio-system")
                    .withName("istio-eastwestgateway")
                    .get();
            assertThat(ew.getSpec().getTemplate().getMetadata().getLabels())
                    .containsEntry("istio", "eastwestgateway")
                    .containsEntry("topology.istio.io/network", network)
                    .containsEntry("topology.istio.io/cluster", name);
            assertThat(ew.getSpec()
                            .getTemplate()
                            .getSpec()
                            .getContainers()
                            .get(0)
                            .getImage())
                    .isEqualTo("meshbox/meshbox:test");
            assertThat(k.services()
                            .inNamespace("istio-system")
                            .withName("istio-eastwestgateway")
                            .get()
                            .getSpec()
                            .getPorts())
                    .extracting(p -> p.getName() + ":" + p.getPort())
                    .containsExactly("status-port:15021", "tls:15443");
            GenericKubernetesResource gateway = k.genericKubernetesResources(KubeMultiCluster.GATEWAYS)
                    .inNamespace("istio-system")
                    .withName("cross-network-gateway")
                    .get();
            assertThat(gateway).as("expose-services.yaml in " + name).isNotNull();
            assertThat(k.secrets()
                            .inNamespace("istio-system")
                            .withName("istio-remote-secret-" + name)
                            .get())
                    .as("a cluster never gets its own remote secret")
                    .isNull();
            Secret remote = k.secrets()
                    .inNamespace("istio-system")
                    .withName("istio-remote-secret-" + other)
                    .get();
            assertThat(remote.getMetadata().getLabels()).containsEntry("istio/multiCluster", "true");
            String kubeconfig = remote.getStringData() != null
                    ? remote.getStringData().get(other)
                    : new String(Base64.getDecoder().decode(remote.getData().get(other)), StandardCharsets.UTF_8);
            Config config = Config.fromKubeconfig(kubeconfig);
            KubernetesClient otherClient = other.equals("cluster1") ? client : client2;
            assertThat(config.getMasterUrl())
                    .isEqualTo(otherClient.getConfiguration().getMasterUrl());
            assertThat(config.getAutoOAuthToken()).isEqualTo(other.equals("cluster1") ? "token-1" : "token-2");
        }
        assertThat(out.toString())
                .contains("cluster1        remote secret istio-remote-secret-cluster2 applied")
                .contains("cluster2        remote secret istio-remote-secret-cluster1 applied");
    }

    @Test
    void onOneNetworkThereIsNoEastWestGatewayAndANameUsedTwiceIsAnError() throws Exception {
        KubeMultiCluster.link(
                members("network1"),
                "meshbox/meshbox:test",
                Duration.ofSeconds(2),
                new PrintStream(new ByteArrayOutputStream()));
        assertThat(client2.apps()
                        .deployments()
                        .inNamespace("istio-system")
                        .withName("istio-eastwestgateway")
                        .get())
                .isNull();
        assertThat(client2.secrets()
                        .inNamespace("istio-system")
                        .withName("istio-remote-secret-cluster1")
                        .get())
                .isNotNull();

        assertThatThrownBy(() -> KubeMultiCluster.link(
                        List.of(
                                new KubeMultiCluster.Member("cluster1", "network1", client, null),
                                new KubeMultiCluster.Member("cluster1", "network2", client2, null)),
                        "meshbox/meshbox:test",
                        Duration.ofSeconds(1),
                        new PrintStream(new ByteArrayOutputStream())))
                .hasMessage("clusters: the cluster name cluster1 is used twice");
    }
}
