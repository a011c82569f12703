package dev.meshbox.launcher.kube;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.controlplane.security.CertificateAuthority;
import dev.meshbox.controlplane.security.SecurityOptions;
import dev.meshbox.controlplane.security.WorkloadCertificate;
import dev.meshbox.launcher.backend.ClusterCerts;
import dev.meshbox.launcher.backend.MeshSpec;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cluster's id, network and plug-in CA in its control plane's manifest, as Istio's multi-cluster install and "Plug in
 * CA certificates" task leave them, created on an API server (fabric8's, CRUD mode); and the certificates two clusters'
 * control planes issue from their {@code cacerts} Secrets chaining to the one root.
 */
@EnableKubernetesMockClient(crud = true)
class KubeClusterIdentityTest {

    KubernetesMockServer server;
    KubernetesClient client;

    @TempDir
    Path dir;

    private static final String IMAGE = "registry.example.com/meshbox:1";

    private List<HasMetadata> manifests(KubeClusterIdentity identity) {
        KubeMesh.Options options =
                new KubeMesh.Options(IMAGE, OptionalLong.empty(), 0, 0, Duration.ofSeconds(2)).withCluster(identity);
        return KubeMesh.manifests(
                client, MeshSpec.bookinfo(), options, "abc123", WebhookTls.forService("istiod", "istio-system"));
    }

    @Test
    void theCacertsSecretTheNetworkLabelAndClusterIdAreInTheClustersApi() {
        Map<String, Path> cacerts = ClusterCerts.generate(dir, List.of("cluster1", "cluster2"));
        for (HasMetadata o : manifests(new KubeClusterIdentity("cluster1", "network1", cacerts.get("cluster1")))) {
            client.resource(o).create();
        }

        assertThat(client.namespaces()
                        .withName("istio-system")
                        .get()
                        .getMetadata()
                        .getLabels())
                .containsEntry("topology.istio.io/network", "network1");
        Secret secret =
                client.secrets().inNamespace("istio-system").withName("cacerts").get();
        assertThat(secret.getData()).containsOnlyKeys("ca-cert.pem", "ca-key.pem", "root-cert.pem", "cert-chain.pem");
        assertThat(decode(secret, "root-cert.pem")).isEqualTo(read(dir.resolve("root-cert.pem")));
        assertThat(decode(secret, "ca-cert.pem"))
                .isEqualTo(read(cacerts.get("cluster1").resolve("ca-cert.pem")));
        assertThat(secret.getMetadata().getLabels()).containsEntry(KubeMesh.MESH, "abc123");

        Deployment istiod = client.apps()
                .deployments()
                .inNamespace("istio-system")
                .withName("istiod")
                .get();
        var pod = istiod.getSpec().getTemplate().getSpec();
        assertThat(pod.getVolumes())
                .filteredOn(v -> v.getName().equals("cacerts"))
                .singleElement()
                .satisfies(v -> {
                    assertThat(v.getSecret().getSecretName()).isEqualTo("cacerts");
                    assertThat(v.getSecret().getOptional()).isTrue();
                });
        Container discovery = pod.getContainers().get(0);
        assertThat(discovery.getVolumeMounts())
                .filteredOn(m -> m.getName().equals("cacerts"))
                .singleElement()
                .satisfies(m -> assertThat(m.getMountPath()).isEqualTo("/etc/cacerts"));
        assertThat(String.join(" ", discovery.getCommand())).contains("--cacerts /etc/cacerts");
        assertThat(discovery.getEnv())
                .extracting(EnvVar::getName, EnvVar::getValue)
                .contains(org.assertj.core.groups.Tuple.tuple("CLUSTER_ID", "cluster1"));
    }

    @Test
    void oneClusterKeepsIstiosDefaultsAndIstiodItsOwnRoot() {
        List<HasMetadata> objects = manifests(KubeClusterIdentity.SINGLE);
        assertThat(objects)
                .noneMatch(o -> o instanceof Secret && o.getMetadata().getName().equals("cacerts"));
        Deployment istiod = objects.stream()
                .filter(o ->
                        o instanceof Deployment && o.getMetadata().getName().equals("istiod"))
                .map(Deployment.class::cast)
                .findFirst()
                .orElseThrow();
        assertThat(istiod.getSpec()
                        .getTemplate()
                        .getSpec()
                        .getContainers()
                        .get(0)
                        .getEnv())
                .noneMatch(e -> e.getName().equals("CLUSTER_ID"));
        assertThat(objects.get(0).getMetadata().getLabels()).doesNotContainKey("topology.istio.io/network");
        // The optional Secret is absent, so its mount is empty: istiod signs with a root of its own.
        assertThat(KubeControlPlane.pluggedIn(dir.resolve("empty-mount"))).isFalse();
    }

    @Test
    void workloadCertificatesOfBothClustersChainToTheOneRoot() throws Exception {
        Map<String, Path> generated = ClusterCerts.generate(dir.resolve("generated"), List.of("cluster1", "cluster2"));
        List<WorkloadCertificate> issued = new ArrayList<>();
        for (String cluster : List.of("cluster1", "cluster2")) {
            // What the kubelet mounts at /etc/cacerts from the Secret the manifest carries.
            Secret secret = new KubeClusterIdentity(cluster, "network-" + cluster, generated.get(cluster))
                    .cacertsSecret("abc123");
            Path mount = dir.resolve("mount-" + cluster);
            Files.createDirectories(mount);
            for (var e : secret.getData().entrySet()) {
                Files.write(mount.resolve(e.getKey()), Base64.getDecoder().decode(e.getValue()));
            }
            assertThat(KubeControlPlane.pluggedIn(mount)).isTrue();
            CertificateAuthority ca =
                    SecurityOptions.DEFAULTS.withCacerts(mount).certificateAuthority(Instant.now());
            issued.add(ca.issue("spiffe://cluster.local/ns/sample/sa/sleep", Duration.ofHours(1), Instant.now()));
        }
        X509Certificate root = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(Files.newInputStream(dir.resolve("generated/root-cert.pem")));
        assertThat(issued.get(0).chain().get(1))
                .isNotEqualTo(issued.get(1).chain().get(1));
        for (WorkloadCertificate cert : issued) {
            assertThat(cert.root()).isEqualTo(root);
            // A peer in the other cluster trusts only the shared root: the chain (leaf, intermediate) validates.
            PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(root, null)));
            params.setRevocationEnabled(false);
            CertPathValidator.getInstance("PKIX")
                    .validate(CertificateFactory.getInstance("X.509").generateCertPath(cert.chain()), params);
        }
    }

    private static String decode(Secret s, String key) {
        return new String(Base64.getDecoder().decode(s.getData().get(key)), java.nio.charset.StandardCharsets.UTF_8);
    }

    private static String read(Path f) {
        try {
            return Files.readString(f);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
