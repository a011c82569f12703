package dev.meshbox.launcher.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meshbox.controlplane.ControlPlane;
import dev.meshbox.controlplane.security.SecurityOptions;
import dev.meshbox.controlplane.security.WorkloadCertificate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Makefile.selfsigned.mk's layout: one root, a cacerts directory per cluster, chains that verify across clusters. */
class ClusterCertsTest {

    @Test
    void eachClusterSignsWithItsOwnIntermediateUnderTheSharedRoot(@TempDir Path dir) throws Exception {
        Map<String, Path> cacerts = ClusterCerts.generate(dir, List.of("cluster1", "cluster2"));

        assertThat(dir.resolve("root-cert.pem")).exists();
        for (Path d : cacerts.values()) {
            for (String f : ClusterCerts.CACERTS_FILES) {
                assertThat(d.resolve(f)).exists();
            }
            assertThat(Files.readString(d.resolve("root-cert.pem")))
                    .isEqualTo(Files.readString(dir.resolve("root-cert.pem")));
        }
        try (ControlPlane one = new ControlPlane(SecurityOptions.DEFAULTS.withCacerts(cacerts.get("cluster1")));
                ControlPlane two = new ControlPlane(SecurityOptions.DEFAULTS.withCacerts(cacerts.get("cluster2")))) {
            WorkloadCertificate a = one.certificates().forIdentity("spiffe://cluster.local/ns/sample/sa/sleep");
            WorkloadCertificate b = two.certificates().forIdentity("spiffe://cluster.local/ns/sample/sa/default");

            // Each workload's chain carries its cluster's intermediate, and both verify against the one root.
            assertThat(a.chain()).hasSize(2);
            assertThat(a.chain().get(1)).isNotEqualTo(b.chain().get(1));
            assertThat(a.root()).isEqualTo(b.root());
            verify(a.chain(), b.root());
            verify(b.chain(), a.root());
        }
    }

    @Test
    void aUsersCacertsMissingAFileIsNamed(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("ca-cert.pem"), "x");
        assertThatThrownBy(() -> ClusterCerts.checkCacerts("cluster2", dir))
                .hasMessageContaining("cluster cluster2")
                .hasMessageContaining("ca-key.pem")
                .hasMessageContaining("cert-chain.pem");
    }

    private static void verify(List<X509Certificate> chain, X509Certificate root) throws Exception {
        PKIXParameters p = new PKIXParameters(Set.of(new TrustAnchor(root, null)));
        p.setRevocationEnabled(false);
        CertPathValidator.getInstance("PKIX")
                .validate(CertificateFactory.getInstance("X.509").generateCertPath(chain), p);
    }

    @Test
    void clustersUnderDifferentRootsAreNamedBeforeTheyStart(@TempDir Path dir) {
        Map<String, Path> shared = ClusterCerts.generate(dir.resolve("one"), List.of("cluster1", "cluster2"));
        assertThat(ClusterCerts.rootsNotShared(shared)).isEmpty();

        Path other =
                ClusterCerts.generate(dir.resolve("two"), List.of("cluster2")).get("cluster2");
        Map<String, Path> mixed = new java.util.LinkedHashMap<>();
        mixed.put("cluster1", shared.get("cluster1"));
        mixed.put("cluster2", other);
        List<String> problems = ClusterCerts.rootsNotShared(mixed);
        assertThat(problems)
                .singleElement()
                .asString()
                .startsWith(
                        "cluster cluster2: its root " + other.resolve("root-cert.pem") + " is not cluster cluster1's")
                .contains("503 CERTIFICATE_VERIFY_FAILED")
                .contains("Makefile.selfsigned.mk");
    }
}
