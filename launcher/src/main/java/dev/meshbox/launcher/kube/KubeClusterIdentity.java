package dev.meshbox.launcher.kube;

import dev.meshbox.controlplane.registry.Topology;
import dev.meshbox.launcher.backend.ClusterCerts;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A cluster's place in a mesh of several, written into its control plane's manifest as Istio's install does it: the
 * cluster id as istiod's {@code CLUSTER_ID} env ({@code values.global.multiCluster.clusterName}), the network as the
 * {@code topology.istio.io/network} label of {@code istio-system} ({@code kubectl label namespace istio-system
 * topology.istio.io/network=network1}), and the plug-in CA as Istio's "Plug in CA certificates" task makes it: a
 * Secret {@code cacerts} in {@code istio-system} with {@code ca-cert.pem}, {@code ca-key.pem}, {@code root-cert.pem}
 * and {@code cert-chain.pem}, which istiod's Deployment mounts (optional, as Istio's) at {@code /etc/cacerts}.
 *
 * @param clusterId the cluster's id; null keeps Istio's default ({@code Kubernetes})
 * @param network   the cluster's network; null or empty for none
 * @param cacerts   a directory in Istio's cacerts layout ({@link ClusterCerts}); null for a root of istiod's own
 */
public record KubeClusterIdentity(String clusterId, String network, Path cacerts) {

    /** Istio's Secret name for the plug-in CA, and where istiod's Deployment mounts it. */
    public static final String CACERTS_SECRET = "cacerts";

    public static final String CACERTS_MOUNT = "/etc/cacerts";

    /** One cluster, Istio's defaults: no cluster id, no network, istiod's own root. */
    public static final KubeClusterIdentity SINGLE = new KubeClusterIdentity(null, null, null);

    /** Istio's {@code kubectl create secret generic cacerts -n istio-system --from-file=...} of {@code cacerts}. */
    Secret cacertsSecret(String meshId) {
        Map<String, String> data = new LinkedHashMap<>();
        for (String file : ClusterCerts.CACERTS_FILES) {
            Path f = cacerts.resolve(file);
            try {
                data.put(file, Base64.getEncoder().encodeToString(Files.readAllBytes(f)));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + f + " for Secret istio-system/cacerts", e);
            }
        }
        return new SecretBuilder()
                .withNewMetadata()
                .withName(CACERTS_SECRET)
                .withNamespace(KubeMesh.SYSTEM)
                .addToLabels(KubeMesh.MANAGED_BY, "meshbox")
                .addToLabels(KubeMesh.MESH, meshId)
                .endMetadata()
                .withType("Opaque")
                .withData(data)
                .build();
    }

    /**
     * Writes the identity into the control plane's objects: the network label on the namespace, {@code CLUSTER_ID}
     * on istiod, and the {@code cacerts} Secret right after the namespace (before istiod, which reads it as it starts).
     */
    List<HasMetadata> applyTo(List<HasMetadata> objects, String meshId) {
        List<HasMetadata> out = new ArrayList<>(objects);
        for (HasMetadata o : out) {
            if (o instanceof Namespace ns
                    && KubeMesh.SYSTEM.equals(ns.getMetadata().getName())
                    && network != null
                    && !network.isEmpty()) {
                ns.getMetadata().getLabels().put(Topology.NETWORK, network);
            }
            if (o instanceof Deployment d && "istiod".equals(d.getMetadata().getName()) && clusterId != null) {
                var container =
                        d.getSpec().getTemplate().getSpec().getContainers().get(0);
                List<EnvVar> env = new ArrayList<>(container.getEnv() == null ? List.of() : container.getEnv());
                env.removeIf(e -> "CLUSTER_ID".equals(e.getName()));
                env.add(new EnvVar("CLUSTER_ID", clusterId, null));
                container.setEnv(env);
            }
        }
        if (cacerts != null) {
            out.add(1, cacertsSecret(meshId));
        }
        return out;
    }
}
