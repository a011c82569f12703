package dev.meshbox.launcher.kube;

import dev.meshbox.controlplane.registry.Topology;
import dev.meshbox.controlplane.registry.kubernetes.RemoteSecretController;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Istio's remote secrets from the launcher's side: the reader service account a cluster's install creates (Istio's
 * {@code istio-reader-service-account}, with the read-only ClusterRole other clusters' control planes use), and the
 * Secret {@code istioctl create-remote-secret --name=NAME} prints for it ({@code istioctl/pkg/multicluster/
 * remote_secret.go}): {@code istio-remote-secret-NAME} in {@code istio-system}, labelled
 * {@code istio/multiCluster: "true"}, annotated {@code networking.istio.io/cluster: NAME}, whose key NAME holds a
 * kubeconfig for the cluster's API server with the reader's token.
 */
public final class RemoteSecrets {

    public static final String SYSTEM = "istio-system";
    public static final String READER = "istio-reader-service-account";
    static final String READER_ROLE = "istio-reader-clusterrole-istio-system";
    static final String TOKEN_SECRET = "istio-reader-service-account-istio-remote-secret-token";

    private RemoteSecrets() {}

    /** The control plane as the secret controller feeds it: its cluster id, addRemoteCluster, removeRemoteCluster. */
    public static RemoteSecretController.Clusters clustersOf(dev.meshbox.controlplane.ControlPlane cp) {
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

    /** The network of a cluster's control plane: the {@code topology.istio.io/network} label of its namespace. */
    public static String systemNetwork(KubernetesClient client, String namespace) {
        Namespace ns = client.namespaces().withName(namespace).get();
        if (ns == null || ns.getMetadata().getLabels() == null) {
            return "";
        }
        return ns.getMetadata().getLabels().getOrDefault(Topology.NETWORK, "");
    }

    /** The reader's ServiceAccount, ClusterRole (read services, endpoints, pods, nodes, namespaces) and binding. */
    public static List<HasMetadata> readerObjects(String meshId) {
        Map<String, String> labels = Map.of(KubeMesh.MANAGED_BY, "meshbox", KubeMesh.MESH, meshId);
        return List.of(
                new ServiceAccountBuilder()
                        .withNewMetadata()
                        .withName(READER)
                        .withNamespace(SYSTEM)
                        .withLabels(labels)
                        .endMetadata()
                        .build(),
                new ClusterRoleBuilder()
                        .withNewMetadata()
                        .withName(READER_ROLE)
                        .withLabels(labels)
                        .endMetadata()
                        .withRules(
                                new PolicyRuleBuilder()
                                        .withApiGroups("")
                                        .withResources(
                                                "services", "endpoints", "pods", "nodes", "namespaces", "secrets")
                                        .withVerbs("get", "list", "watch")
                                        .build(),
                                new PolicyRuleBuilder()
                                        .withApiGroups("discovery.k8s.io")
                                        .withResources("endpointslices")
                                        .withVerbs("get", "list", "watch")
                                        .build())
                        .build(),
                new ClusterRoleBindingBuilder()
                        .withNewMetadata()
                        .withName(READER_ROLE)
                        .withLabels(labels)
                        .endMetadata()
                        .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", READER_ROLE)
                        .addNewSubject()
                        .withKind("ServiceAccount")
                        .withName(READER)
                        .withNamespace(SYSTEM)
                        .endSubject()
                        .build(),
                tokenSecretRequest(labels));
    }

    /** The token Secret Kubernetes fills in for the reader (since 1.24 no longer made by itself), as istioctl makes it. */
    private static Secret tokenSecretRequest(Map<String, String> labels) {
        return new SecretBuilder()
                .withNewMetadata()
                .withName(TOKEN_SECRET)
                .withNamespace(SYSTEM)
                .withLabels(labels)
                .addToAnnotations("kubernetes.io/service-account.name", READER)
                .endMetadata()
                .withType("kubernetes.io/service-account-token")
                .build();
    }

    /**
     * The remote secret for the cluster {@code client} talks to, as {@code istioctl create-remote-secret --name=NAME}
     * makes it: needs the reader service account (MeshBox's install creates it) and its token, waited for up to
     * {@code wait} while Kubernetes' token controller fills it in.
     *
     * @param server the API server address other clusters' control planes use; null for the kubeconfig's
     */
    public static Secret create(KubernetesClient client, String name, String server, Duration wait)
            throws InterruptedException {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("--name: the cluster's name must not be empty");
        }
        if (client.serviceAccounts().inNamespace(SYSTEM).withName(READER).get() == null) {
            throw new IllegalArgumentException("serviceaccount " + SYSTEM + "/" + READER + " not found at "
                    + client.getConfiguration().getMasterUrl()
                    + " (is MeshBox installed in this cluster? `meshbox up --backend kubernetes` creates it)");
        }
        String token = token(client, wait);
        String api = server != null ? server : client.getConfiguration().getMasterUrl();
        String kubeconfig = kubeconfig(name, api.replaceAll("/$", ""), caData(client), token);
        return new SecretBuilder()
                .withNewMetadata()
                .withName("istio-remote-secret-" + name)
                .withNamespace(SYSTEM)
                .addToAnnotations(RemoteSecretController.CLUSTER_ANNOTATION, name)
                .addToLabels(RemoteSecretController.LABEL, "true")
                .endMetadata()
                .withStringData(Map.of(name, kubeconfig))
                .build();
    }

    /** The Secret as {@code istioctl create-remote-secret} prints it. */
    public static String yaml(Secret secret) {
        return "# This file is autogenerated, do not edit.\n" + Serialization.asYaml(secret);
    }

    private static String token(KubernetesClient client, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            Secret s =
                    client.secrets().inNamespace(SYSTEM).withName(TOKEN_SECRET).get();
            if (s == null) {
                client.secrets()
                        .inNamespace(SYSTEM)
                        .resource(tokenSecretRequest(Map.of()))
                        .create();
            } else if (s.getData() != null && s.getData().get("token") != null) {
                return new String(Base64.getDecoder().decode(s.getData().get("token")), StandardCharsets.UTF_8);
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Secret " + SYSTEM + "/" + TOKEN_SECRET + " has no token after "
                        + wait.toSeconds() + " s (Kubernetes' token controller fills it in for " + READER + ")");
            }
            Thread.sleep(200);
        }
    }

    /** The API server's CA, base64, as the kubeconfig had it (inline or as a file); empty for plain HTTP. */
    private static String caData(KubernetesClient client) {
        var config = client.getConfiguration();
        if (config.getCaCertData() != null && !config.getCaCertData().isBlank()) {
            return config.getCaCertData();
        }
        if (config.getCaCertFile() != null) {
            try {
                return Base64.getEncoder().encodeToString(Files.readAllBytes(Path.of(config.getCaCertFile())));
            } catch (java.io.IOException e) {
                throw new IllegalStateException("cannot read the API server's CA " + config.getCaCertFile(), e);
            }
        }
        return "";
    }

    /** A kubeconfig with one cluster, context and token user, all named {@code name}, as istioctl writes it. */
    static String kubeconfig(String name, String server, String caData, String token) {
        StringBuilder out = new StringBuilder();
        out.append("apiVersion: v1\nclusters:\n- cluster:\n");
        if (!caData.isEmpty()) {
            out.append("    certificate-authority-data: ").append(caData).append('\n');
        }
        out.append("    server: ").append(server).append('\n');
        out.append("  name: ").append(name).append('\n');
        out.append("contexts:\n- context:\n    cluster: ")
                .append(name)
                .append("\n    user: ")
                .append(name)
                .append("\n  name: ")
                .append(name)
                .append('\n');
        out.append("current-context: ").append(name).append('\n');
        out.append("kind: Config\npreferences: {}\nusers:\n- name: ")
                .append(name)
                .append("\n  user:\n    token: ")
                .append(token)
                .append('\n');
        return out.toString();
    }
}
