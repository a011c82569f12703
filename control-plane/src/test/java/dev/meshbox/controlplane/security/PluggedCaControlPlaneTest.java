package dev.meshbox.controlplane.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.controlplane.ControlPlane;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two control planes given the same cacerts issue certificates under one root, so their meshes trust each other. */
class PluggedCaControlPlaneTest {

    @Test
    void controlPlanesSharingCacertsShareTheRoot(@TempDir Path dir) {
        CertificateAuthority root = CertificateAuthority.selfSigned(Instant.now());
        WorkloadCertificate intermediate = root.issueIntermediate("cluster1", Instant.now());
        write(dir.resolve("ca-cert.pem"), Pem.encode(intermediate.leaf()));
        write(dir.resolve("ca-key.pem"), intermediate.privateKeyPem());
        write(dir.resolve("root-cert.pem"), root.rootPem());
        write(dir.resolve("cert-chain.pem"), Pem.encode(intermediate.leaf()) + root.rootPem());
        SecurityOptions options = SecurityOptions.DEFAULTS.withCacerts(dir).withWorkloadCertTtl(Duration.ofHours(1));

        try (ControlPlane one = new ControlPlane(options);
                ControlPlane two = new ControlPlane(options)) {
            WorkloadCertificate a = one.certificates().forIdentity("spiffe://cluster.local/ns/foo/sa/sleep");
            WorkloadCertificate b = two.certificates().forIdentity("spiffe://cluster.local/ns/bar/sa/httpbin");

            assertThat(a.root()).isEqualTo(root.root()).isEqualTo(b.root());
            assertThat(Duration.between(a.notBefore(), a.notAfter())).isLessThanOrEqualTo(Duration.ofMinutes(66));
        }
        try (ControlPlane generated = new ControlPlane()) {
            assertThat(generated.certificates().ca().root()).isNotEqualTo(root.root());
        }
    }

    private static void write(Path file, String text) {
        try {
            Files.writeString(file, text);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
