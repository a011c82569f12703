package dev.meshbox.launcher.kube;

import dev.meshbox.controlplane.registry.Topology;
import dev.meshbox.launcher.backend.MeshSpec;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.ByteArrayInputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Istio's multi-primary install steps on clusters that each run a MeshBox mesh (Istio's "Install multi-primary on
 * different networks"): per cluster, {@code istio-system} labelled with its network ({@code topology.istio.io/network}),
 * istiod given its cluster name ({@code CLUSTER_ID}, as {@code values.global.multiCluster.clusterName}), the east-west
 * gateway ({@code gen-eastwest-gateway.sh}: Deployment and Service {@code istio-eastwestgateway}, labels
 * {@code istio: eastwestgateway} and the network, port 15443) with Istio's {@code expose-services.yaml} when the clusters
 * are on more than one network, and then the remote secrets in both directions
 * ({@code istioctl create-remote-secret --name=cluster1 | kubectl apply --context=cluster2 -f -}).
 */
public final class KubeMultiCluster {

    /** A cluster: its name (cluster id), network, client, and the API server address the other clusters reach. */
    public record Member(String name, String network, KubernetesClient client, String server) {}

    static final String EASTWEST = "istio-eastwestgateway";
    /** Istio's Gateway resource (its CRD is installed with the mesh). */
    static final io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext GATEWAYS =
            new io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext.Builder()
                    .withGroup("networking.istio.io")
                    .withVersion("v1")
                    .withKind("Gateway")
                    .withPlural("gateways")
                    .withNamespaced(true)
                    .build();

    private KubeMultiCluster() {}

    /** Fails naming the name used twice, as the mesh spec does. */
    static void requireDistinct(List<Member> members) {
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (Member m : members) {
            if (!seen.add(m.name())) {
                throw new IllegalArgumentException("clusters: the cluster name " + m.name() + " is used twice");
            }
        }
    }

    /** Links the clusters; {@code tokenWait} bounds the wait for each reader's token. */
    public static void link(List<Member> members, String image, Duration tokenWait, PrintStream progress)
            throws InterruptedException {
        requireDistinct(members);
        boolean networks = members.stream().map(Member::network).distinct().count() > 1;
        for (Member m : members) {
            identity(m);
            if (networks) {
                for (HasMetadata o : eastWestGateway(m, image)) {
                    m.client().resource(o).createOr(r -> r.update());
                }
                for (HasMetadata o : m.client()
                        .load(new ByteArrayInputStream(
                                MeshSpec.bundled("expose-services.yaml").getBytes(StandardCharsets.UTF_8)))
                        .items()) {
                    m.client()
                            .genericKubernetesResources(GATEWAYS)
                            .inNamespace(RemoteSecrets.SYSTEM)
                            .resource((io.fabric8.kubernetes.api.model.GenericKubernetesResource) o)
                            .createOr(r -> r.update());
                }
                progress.printf(
                        "%-15s east-west gateway %s (15443) and cross-network-gateway on %s%n",
                        m.name(), EASTWEST, m.network());
            }
        }
        Map<String, Secret> secrets = new LinkedHashMap<>();
        for (Member m : members) {
            secrets.put(m.name(), RemoteSecrets.create(m.client(), m.name(), m.server(), tokenWait));
            String server = m.server() != null
                    ? m.server()
                    : m.client().getConfiguration().getMasterUrl();
            if (loopback(server)) {
                progress.printf(
                        "%-15s note: its remote secret names API server %s, a loopback address the other clusters'"
                                + " istiods cannot reach from their pods; re-apply it with meshbox create-remote-secret"
                                + " --name %s --server URL (kind: https://%s-control-plane:6443)%n",
                        m.name(), server, m.name(), m.name());
            }
        }
        for (Member to : members) {
            for (Member from : members) {
                if (from != to) {
                    to.client().resource(secrets.get(from.name())).createOr(r -> r.update());
                    progress.printf("%-15s remote secret istio-remote-secret-%s applied%n", to.name(), from.name());
                }
            }
        }
    }

    /**
     * Removes what {@link #link} created in a cluster: the east-west gateway, {@code expose-services.yaml}'s Gateway and
     * the other clusters' remote secrets (the network label and {@code CLUSTER_ID} go with the mesh's objects).
     */
    static void unlink(KubernetesClient c, String name, List<String> all) {
        KubeMesh.ignoreNotFound(() -> c.apps()
                .deployments()
                .inNamespace(RemoteSecrets.SYSTEM)
                .withName(EASTWEST)
                .delete());
        KubeMesh.ignoreNotFound(() -> c.services()
                .inNamespace(RemoteSecrets.SYSTEM)
                .withName(EASTWEST)
                .delete());
        KubeMesh.ignoreNotFound(() -> c.genericKubernetesResources(GATEWAYS)
                .inNamespace(RemoteSecrets.SYSTEM)
                .withName("cross-network-gateway")
                .delete());
        for (String other : all) {
            if (!other.equals(name)) {
                KubeMesh.ignoreNotFound(() -> c.secrets()
                        .inNamespace(RemoteSecrets.SYSTEM)
                        .withName("istio-remote-secret-" + other)
                        .delete());
            }
        }
    }

    /** Whether an API server URL is this machine's loopback (kind's and k3d's kubeconfigs), as pods cannot reach it. */
    static boolean loopback(String url) {
        try {
            String host = java.net.URI.create(url).getHost();
            return host != null
                    && (host.equals("localhost")
                            || host.startsWith("127.")
                            || host.equals("[::1]")
                            || host.equals("::1"));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** The network label on istio-system and CLUSTER_ID on istiod (a rollout, as {@code kubectl set env}). */
    private static void identity(Member m) {
        KubernetesClient c = m.client();
        if (c.namespaces().withName(RemoteSecrets.SYSTEM).get() == null) {
            c.namespaces()
                    .resource(new NamespaceBuilder()
                            .withNewMetadata()
                            .withName(RemoteSecrets.SYSTEM)
                            .endMetadata()
                            .build())
                    .create();
        }
        c.namespaces()
                .withName(RemoteSecrets.SYSTEM)
                .edit(n -> new NamespaceBuilder(n)
                        .editMetadata()
                        .addToLabels(Topology.NETWORK, m.network())
                        .endMetadata()
                        .build());
        Deployment istiod = c.apps()
                .deployments()
                .inNamespace(RemoteSecrets.SYSTEM)
                .withName("istiod")
                .get();
        if (istiod == null) {
            throw new IllegalStateException("cluster " + m.name() + ": deployment " + RemoteSecrets.SYSTEM
                    + "/istiod not found at " + c.getConfiguration().getMasterUrl() + " (install the mesh first)");
        }
        c.apps()
                .deployments()
                .inNamespace(RemoteSecrets.SYSTEM)
                .withName("istiod")
                .edit(d -> {
                    var container =
                            d.getSpec().getTemplate().getSpec().getContainers().get(0);
                    List<EnvVar> env = new ArrayList<>(container.getEnv() == null ? List.of() : container.getEnv());
                    env.removeIf(e -> "CLUSTER_ID".equals(e.getName()));
                    env.add(new EnvVar("CLUSTER_ID", m.name(), null));
                    container.setEnv(env);
                    return d;
                });
    }

    /** gen-eastwest-gateway.sh's gateway, MeshBox's proxy in the gateway role. */
    static List<HasMetadata> eastWestGateway(Member m, String image) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("app", EASTWEST);
        labels.put(Topology.EASTWEST_GATEWAY_LABEL, Topology.EASTWEST_GATEWAY_VALUE);
        labels.put(Topology.NETWORK, m.network());
        labels.put(Topology.CLUSTER, m.name());
        List<String> command = KubeGatewayDeployments.proxyCommand(
                RemoteSecrets.SYSTEM, "istiod." + RemoteSecrets.SYSTEM + ".svc:15010");
        labels.forEach((k, v) -> command.addAll(List.of("--label", k + "=" + v)));
        Deployment deployment = new DeploymentBuilder()
                .withNewMetadata()
                .withName(EASTWEST)
                .withNamespace(RemoteSecrets.SYSTEM)
                .withLabels(labels)
                .endMetadata()
                .withNewSpec()
                .withReplicas(1)
                .withNewSelector()
                .addToMatchLabels("app", EASTWEST)
                .endSelector()
                .withNewTemplate()
                .withNewMetadata()
                .withLabels(labels)
                .addToAnnotations("inject.istio.io/templates", "gateway")
                .addToAnnotations("sidecar.istio.io/inject", "false")
                .endMetadata()
                .withNewSpec()
                .withNewSecurityContext()
                .addNewSysctl("net.ipv4.ip_unprivileged_port_start", "0")
                .endSecurityContext()
                .addToContainers(KubeGatewayDeployments.proxyContainer(
                        image,
                        command,
                        List.of(
                                new ContainerPortBuilder()
                                        .withName("tls")
                                        .withContainerPort(Topology.EASTWEST_GATEWAY_PORT)
                                        .build(),
                                new ContainerPortBuilder()
                                        .withName("status-port")
                                        .withContainerPort(15021)
                                        .build())))
                .endSpec()
                .endTemplate()
                .endSpec()
                .build();
        var service = new ServiceBuilder()
                .withNewMetadata()
                .withName(EASTWEST)
                .withNamespace(RemoteSecrets.SYSTEM)
                .withLabels(labels)
                .endMetadata()
                .withNewSpec()
                .withType("LoadBalancer")
                .addToSelector("app", EASTWEST)
                .addNewPort()
                .withName("status-port")
                .withPort(15021)
                .withTargetPort(new IntOrString(15021))
                .endPort()
                .addNewPort()
                .withName("tls")
                .withPort(15443)
                .withTargetPort(new IntOrString(15443))
                .endPort()
                .endSpec()
                .build();
        return List.of(deployment, service);
    }
}
