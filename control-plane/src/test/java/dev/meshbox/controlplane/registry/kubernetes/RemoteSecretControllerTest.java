package dev.meshbox.controlplane.registry.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.controlplane.ControlPlane;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.controlplane.registry.Topology;
import dev.meshbox.controlplane.translate.XdsResources;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Istio's remote secrets on two Kubernetes API servers (fabric8's mock server in CRUD mode, real HTTP list and watch):
 * cluster1's control plane reads the Secret {@code istio-remote-secret-cluster2} from its own API server and, with the
 * kubeconfig in it, watches cluster2's Services and Pods; cluster2's helloworld-v2 appears in the EDS of cluster1's
 * sleep (behind cluster2's east-west gateway, another network) and vanishes when the Secret is deleted.
 */
@EnableKubernetesMockClient(crud = true)
class RemoteSecretControllerTest {

    private static final String HELLO = "outbound|5000||helloworld.sample.svc.cluster.local";

    KubernetesMockServer server;
    KubernetesClient client;

    private final List<KubernetesMockServer> others = new ArrayList<>();
    private final List<KubernetesClient> otherClients = new ArrayList<>();
    private ControlPlane cp;
    private KubernetesRegistry local;
    private RemoteSecretController secrets;

    @BeforeEach
    void cluster1() {
        cp = new ControlPlane().clusterIdentity("cluster1", "network1");
        local = new KubernetesRegistry(client, cp.registry()).start();
        createSample(client, "1", "v1", null);
        create(client, pod("sleep-1", "sleep", "v1", "10.1.0.10", Map.of()));
        secrets = new RemoteSecretController(
                        client, "istio-system", clusters(cp), RemoteSecretController::clientFor, Duration.ofSeconds(2))
                .start();
    }

    /** The control plane as the secret controller sees it (as KubeControlPlane adapts it). */
    public static RemoteSecretController.Clusters clusters(ControlPlane cp) {
        return new RemoteSecretController.Clusters() {
            @Override
            public String clusterId() {
                return cp.clusterId();
            }

            @Override
            public void add(String clusterId, dev.meshbox.controlplane.registry.ServiceRegistry registry) {
                cp.addRemoteCluster(clusterId, registry);
            }

            @Override
            public void remove(String clusterId) {
                cp.removeRemoteCluster(clusterId);
            }
        };
    }

    @AfterEach
    void close() {
        secrets.close();
        local.close();
        cp.close();
        otherClients.forEach(KubernetesClient::close);
        others.forEach(KubernetesMockServer::destroy);
    }

    /** Another cluster's API server, with helloworld (version {@code version}) and an east-west gateway on {@code network}. */
    private KubernetesMockServer cluster(String n, String version, String network) {
        KubernetesMockServer s = new KubernetesMockServer(
                new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
        s.init(InetAddress.getLoopbackAddress(), 0);
        others.add(s);
        KubernetesClient c = s.createClient();
        otherClients.add(c);
        // its pods unlabelled: they are on the network istio-system is labelled with, as Istio reads it
        c.namespaces()
                .resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder()
                        .withNewMetadata()
                        .withName("istio-system")
                        .addToLabels(Topology.NETWORK, network)
                        .endMetadata()
                        .build())
                .create();
        createSample(c, n, version, null);
        create(
                c,
                new PodBuilder(pod(
                                "istio-eastwestgateway-" + n,
                                "istio-eastwestgateway",
                                "v1",
                                "10." + n + ".0.100",
                                Map.of(Topology.NETWORK, network, "istio", "eastwestgateway")))
                        .editMetadata()
                        .withNamespace("istio-system")
                        .endMetadata()
                        .build());
        return s;
    }

    private static void createSample(KubernetesClient c, String n, String version, String network) {
        c.services()
                .inNamespace("sample")
                .resource(new ServiceBuilder()
                        .withNewMetadata()
                        .withName("helloworld")
                        .endMetadata()
                        .withNewSpec()
                        .addToSelector("app", "helloworld")
                        .addNewPort()
                        .withName("http")
                        .withPort(5000)
                        .endPort()
                        .endSpec()
                        .build())
                .create();
        create(
                c,
                pod(
                        "helloworld-" + version,
                        "helloworld",
                        version,
                        "10." + n + ".0.1",
                        network == null ? Map.of() : Map.of(Topology.NETWORK, network)));
    }

    private static void create(KubernetesClient c, io.fabric8.kubernetes.api.model.Pod p) {
        c.pods().inNamespace(p.getMetadata().getNamespace()).resource(p).create();
    }

    private static io.fabric8.kubernetes.api.model.Pod pod(
            String name, String app, String version, String ip, Map<String, String> labels) {
        return new PodBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace("sample")
                .addToLabels("app", app)
                .addToLabels("version", version)
                .addToLabels(labels)
                .endMetadata()
                .withNewSpec()
                .withServiceAccountName(app)
                .addNewContainer()
                .withName(app)
                .withImage(app)
                .endContainer()
                .addNewContainer()
                .withName("istio-proxy")
                .withImage("meshbox/meshbox")
                .endContainer()
                .endSpec()
                .withNewStatus()
                .withPodIP(ip)
                .addNewCondition()
                .withType("Ready")
                .withStatus("True")
                .endCondition()
                .endStatus()
                .build();
    }

    /** A kubeconfig for an API server, as {@code istioctl create-remote-secret} writes one (a token, no exec). */
    private static String kubeconfig(String name, KubernetesMockServer s) {
        return """
                apiVersion: v1
                kind: Config
                clusters:
                - cluster:
                    server: %s
                  name: %s
                contexts:
                - context:
                    cluster: %s
                    user: %s
                  name: %s
                current-context: %s
                preferences: {}
                users:
                - name: %s
                  user:
                    token: reader-token
                """.formatted(s.url("/").replaceAll("/$", ""), name, name, name, name, name, name);
    }

    private void applySecret(String name, Map<String, String> kubeconfigs) {
        Map<String, String> data = new LinkedHashMap<>();
        kubeconfigs.forEach(
                (k, v) -> data.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
        client.secrets()
                .inNamespace("istio-system")
                .resource(new SecretBuilder()
                        .withNewMetadata()
                        .withName(name)
                        .withNamespace("istio-system")
                        .addToLabels(RemoteSecretController.LABEL, "true")
                        .addToAnnotations(
                                RemoteSecretController.CLUSTER_ANNOTATION, name.replace("istio-remote-secret-", ""))
                        .endMetadata()
                        .withData(data)
                        .build())
                .createOr(r -> r.update());
    }

    private List<String> helloEndpoints() {
        Pod sleep = cp.registry().snapshot().pods().get("sample/sleep-1");
        XdsResources r = sleep == null ? null : cp.resources(sleep.nodeId());
        if (r == null) {
            return List.of();
        }
        return r.endpoints().stream()
                .filter(a -> a.getClusterName().equals(HELLO))
                .flatMap(a -> a.getEndpointsList().stream())
                .flatMap(l -> l.getLbEndpointsList().stream())
                .map(e -> e.getEndpoint().getAddress().getSocketAddress())
                .map(a -> a.getAddress() + ":" + a.getPortValue())
                .sorted()
                .toList();
    }

    private static <T> T await(String what, Supplier<T> value, java.util.function.Predicate<T> done)
            throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        T last = value.get();
        while (!done.test(last)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what + "; last: " + last);
            }
            Thread.sleep(20);
            last = value.get();
        }
        return last;
    }

    @Test
    void aRemoteSecretAddsTheOtherClustersEndpointsAndItsDeletionRemovesThem() throws Exception {
        await("cluster1's own endpoint", this::helloEndpoints, e -> e.equals(List.of("10.1.0.1:5000")));
        KubernetesMockServer cluster2 = cluster("2", "v2", "network2");

        applySecret("istio-remote-secret-cluster2", Map.of("cluster2", kubeconfig("cluster2", cluster2)));

        await(
                "v2 behind cluster2's east-west gateway",
                this::helloEndpoints,
                e -> e.equals(List.of("10.1.0.1:5000", "10.2.0.100:15443")));
        assertThat(secrets.clusters()).containsExactly(Map.entry("cluster2", "istio-remote-secret-cluster2"));
        assertThat(cp.registry().snapshot().pods())
                .as("remote pods are the remote cluster's, never this control plane's own")
                .doesNotContainKey("sample/helloworld-v2");

        client.secrets()
                .inNamespace("istio-system")
                .withName("istio-remote-secret-cluster2")
                .delete();

        assertThat(await("cluster2's endpoints gone", this::helloEndpoints, e -> e.size() == 1))
                .containsExactly("10.1.0.1:5000");
        assertThat(secrets.clusters()).isEmpty();
    }

    @Test
    void relabellingIstioSystemMovesTheClusterToAnotherNetworkWithoutARestart() throws Exception {
        client.namespaces()
                .resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder()
                        .withNewMetadata()
                        .withName("istio-system")
                        .addToLabels(Topology.NETWORK, "network1")
                        .endMetadata()
                        .build())
                .create();
        // As KubeControlPlane follows it.
        try (NetworkLabelWatcher watcher = new NetworkLabelWatcher(client, "istio-system", network -> {
                    if (!network.equals(cp.network())) {
                        cp.clusterIdentity(cp.clusterId(), network);
                    }
                })
                .start()) {
            KubernetesMockServer cluster2 = cluster("2", "v2", "network2");
            applySecret("istio-remote-secret-cluster2", Map.of("cluster2", kubeconfig("cluster2", cluster2)));
            await(
                    "v2 behind cluster2's east-west gateway",
                    this::helloEndpoints,
                    e -> e.equals(List.of("10.1.0.1:5000", "10.2.0.100:15443")));

            // kubectl label namespace istio-system topology.istio.io/network=network2 --overwrite
            client.namespaces()
                    .withName("istio-system")
                    .edit(n -> new io.fabric8.kubernetes.api.model.NamespaceBuilder(n)
                            .editMetadata()
                            .addToLabels(Topology.NETWORK, "network2")
                            .endMetadata()
                            .build());

            assertThat(await(
                            "v2 reached directly on the one network",
                            this::helloEndpoints,
                            e -> e.contains("10.2.0.1:5000")))
                    .containsExactly("10.1.0.1:5000", "10.2.0.1:5000");
            assertThat(cp.network()).isEqualTo("network2");
        }
    }

    @Test
    void aRemoteClusterRelabelledOntoThisNetworkIsReachedDirectly() throws Exception {
        KubernetesMockServer cluster2 = cluster("2", "v2", "network2");
        applySecret("istio-remote-secret-cluster2", Map.of("cluster2", kubeconfig("cluster2", cluster2)));
        await("v2 behind cluster2's east-west gateway", this::helloEndpoints, e -> e.contains("10.2.0.100:15443"));
        await("cluster2's watches", secrets::watching, w -> w.contains("cluster2"));

        // kubectl --context cluster2 label namespace istio-system topology.istio.io/network=network1 --overwrite
        otherClients
                .get(0)
                .namespaces()
                .withName("istio-system")
                .edit(n -> new io.fabric8.kubernetes.api.model.NamespaceBuilder(n)
                        .editMetadata()
                        .addToLabels(Topology.NETWORK, "network1")
                        .endMetadata()
                        .build());

        assertThat(await("v2's pod on cluster1's network", this::helloEndpoints, e -> e.contains("10.2.0.1:5000")))
                .containsExactly("10.1.0.1:5000", "10.2.0.1:5000");
    }

    @Test
    void theRemoteEastWestGatewayIsDialledAtItsServicesLoadBalancerAddressOnceItHasOne() throws Exception {
        KubernetesMockServer cluster2 = cluster("2", "v2", "network2");
        applySecret("istio-remote-secret-cluster2", Map.of("cluster2", kubeconfig("cluster2", cluster2)));
        await("v2 behind the gateway pod", this::helloEndpoints, e -> e.contains("10.2.0.100:15443"));
        await("cluster2's watches", secrets::watching, w -> w.contains("cluster2"));

        // gen-eastwest-gateway.sh's Service, once the cloud's load balancer gave it an address
        otherClients
                .get(0)
                .services()
                .inNamespace("istio-system")
                .resource(new ServiceBuilder()
                        .withNewMetadata()
                        .withName("istio-eastwestgateway")
                        .addToLabels("istio", "eastwestgateway")
                        .addToLabels(Topology.NETWORK, "network2")
                        .endMetadata()
                        .withNewSpec()
                        .withType("LoadBalancer")
                        .addToSelector("istio", "eastwestgateway")
                        .addNewPort()
                        .withName("tls")
                        .withPort(15443)
                        .endPort()
                        .endSpec()
                        .withNewStatus()
                        .withNewLoadBalancer()
                        .addNewIngress()
                        .withIp("203.0.113.20")
                        .endIngress()
                        .endLoadBalancer()
                        .endStatus()
                        .build())
                .create();

        assertThat(await("v2 behind the load balancer", this::helloEndpoints, e -> e.contains("203.0.113.20:15443")))
                .containsExactly("10.1.0.1:5000", "203.0.113.20:15443");
    }

    @Test
    void anUpdatedSecretReplacesTheClusterAndARemovedKeyRemovesIt() throws Exception {
        KubernetesMockServer cluster2 = cluster("2", "v2", "network2");
        KubernetesMockServer cluster3 = cluster("3", "v3", "network3");
        applySecret("istio-remote-secret-cluster2", Map.of("cluster2", kubeconfig("cluster2", cluster2)));
        await("cluster2", this::helloEndpoints, e -> e.contains("10.2.0.100:15443"));

        // the same cluster id, now another API server (a re-created cluster): its endpoints replace the old ones
        applySecret("istio-remote-secret-cluster2", Map.of("cluster2", kubeconfig("cluster2", cluster3)));
        assertThat(await("the new API server's", this::helloEndpoints, e -> e.contains("10.3.0.100:15443")))
                .containsExactly("10.1.0.1:5000", "10.3.0.100:15443");

        // a change on the watched API server is pushed (once its watch is open: the test server, unlike an API
        // server, does not replay a change made between the first list and the watch)
        await("cluster2's watch on the new API server", secrets::watching, w -> w.contains("cluster2"));
        otherClients
                .get(1)
                .pods()
                .inNamespace("sample")
                .withName("helloworld-v3")
                .delete();
        assertThat(await("v3's pod gone", this::helloEndpoints, e -> e.size() == 1))
                .containsExactly("10.1.0.1:5000");
    }

    @Test
    void aBadKubeconfigAndThisClustersOwnIdAreWarningsNamingSecretAndKeyAndTheRestStillWorks() throws Exception {
        KubernetesMockServer cluster2 = cluster("2", "v2", "network2");
        Map<String, String> data = new LinkedHashMap<>();
        data.put("cluster1", kubeconfig("cluster1", server));
        data.put("broken", "this: [is not a kubeconfig");
        data.put("cluster2", kubeconfig("cluster2", cluster2));
        applySecret("istio-remote-secrets", data);

        await(
                "cluster2 despite the others",
                this::helloEndpoints,
                e -> e.equals(List.of("10.1.0.1:5000", "10.2.0.100:15443")));
        Map<String, String> problems = await("the warnings", secrets::problems, p -> p.size() == 2);
        assertThat(problems.get("Secret istio-system/istio-remote-secrets, key broken"))
                .startsWith("cannot use the kubeconfig for cluster broken: not a kubeconfig");
        assertThat(problems.get("Secret istio-system/istio-remote-secrets, key cluster1"))
                .contains("this control plane's own cluster id; ignored");
        assertThat(secrets.clusters()).containsOnlyKeys("cluster2");

        // another Secret naming a registered cluster is ignored; fixing the broken key brings that cluster in
        applySecret("istio-remote-secret-cluster2", Map.of("cluster2", kubeconfig("cluster2", cluster2)));
        await(
                "the duplicate's warning",
                secrets::problems,
                p -> p.containsKey("Secret istio-system/istio-remote-secret-cluster2, key cluster2"));
        KubernetesMockServer cluster3 = cluster("3", "v3", "network3");
        data.put("broken", kubeconfig("cluster3", cluster3));
        applySecret("istio-remote-secrets", data);
        await(
                "cluster3 under key broken",
                this::helloEndpoints,
                e -> e.equals(List.of("10.1.0.1:5000", "10.2.0.100:15443", "10.3.0.100:15443")));
        assertThat(secrets.problems()).doesNotContainKey("Secret istio-system/istio-remote-secrets, key broken");
    }

    @Test
    void anUnreachableApiServerIsAWarningAndNeverBlocksOtherSecrets() throws Exception {
        KubernetesMockServer gone = cluster("4", "v4", "network4");
        String unreachable = kubeconfig("cluster4", gone);
        gone.destroy();
        applySecret("istio-remote-secret-cluster4", Map.of("cluster4", unreachable));
        KubernetesMockServer cluster2 = cluster("2", "v2", "network2");
        applySecret("istio-remote-secret-cluster2", Map.of("cluster2", kubeconfig("cluster2", cluster2)));

        await("cluster2", this::helloEndpoints, e -> e.equals(List.of("10.1.0.1:5000", "10.2.0.100:15443")));
        assertThat(await("the unreachable cluster's warning", secrets::problems, p -> !p.isEmpty()))
                .containsEntry(
                        "Secret istio-system/istio-remote-secret-cluster4, key cluster4",
                        "cluster cluster4 at "
                                + unreachable
                                        .lines()
                                        .filter(l -> l.contains("server:"))
                                        .findFirst()
                                        .orElseThrow()
                                        .replaceAll(".*server: ", "")
                                + "/ has not answered its first list in 2 s (still trying)");
    }
}
