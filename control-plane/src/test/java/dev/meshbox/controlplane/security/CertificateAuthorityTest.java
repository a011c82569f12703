package dev.meshbox.controlplane.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Certificates as istiod issues them: identity, extensions, lifetimes, rotation and a plugged-in root. */
class CertificateAuthorityTest {

    private static final Instant NOW = Instant.parse("2026-12-04T12:00:00Z");
    private static final String SLEEP = "spiffe://cluster.local/ns/foo/sa/sleep";

    @Test
    void rootIsASelfSignedCaValidForTenYears() throws Exception {
        X509Certificate root = CertificateAuthority.selfSigned(NOW).root();

        assertThat(root.getBasicConstraints()).isGreaterThanOrEqualTo(0);
        assertThat(root.getKeyUsage()[5]).as("keyCertSign").isTrue();
        assertThat(Duration.between(NOW, root.getNotAfter().toInstant())).isEqualTo(Duration.ofDays(3650));
        root.verify(root.getPublicKey());
    }

    @Test
    void workloadCertificateCarriesTheSpiffeIdAsItsOnlyCriticalSanWithAnEmptySubject() throws Exception {
        CertificateAuthority ca = CertificateAuthority.selfSigned(NOW);
        WorkloadCertificate cert = ca.issue(SLEEP, Duration.ofHours(24), NOW);
        X509Certificate leaf = cert.leaf();

        assertThat(leaf.getSubjectX500Principal().getName()).isEmpty();
        assertThat(leaf.getSubjectAlternativeNames()).containsExactly(List.of(6, SLEEP));
        assertThat(leaf.getCriticalExtensionOIDs()).contains("2.5.29.17");
        assertThat(leaf.getExtendedKeyUsage()).containsExactlyInAnyOrder("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
        assertThat(leaf.getBasicConstraints()).isEqualTo(-1);
        assertThat(leaf.getNotAfter().toInstant()).isEqualTo(NOW.plus(Duration.ofHours(24)));
        assertThat(leaf.getNotBefore().toInstant()).isEqualTo(NOW.minus(Duration.ofMinutes(2)));
        leaf.verify(ca.root().getPublicKey());
        assertThat(cert.certificateChainPem()).startsWith("-----BEGIN CERTIFICATE-----");
        assertThat(cert.privateKeyPem()).contains("PRIVATE KEY-----");
        assertThat(SpiffeId.of("foo", "sleep")).isEqualTo(SLEEP);
        assertThat(SpiffeId.of("foo", null)).isEqualTo("spiffe://cluster.local/ns/foo/sa/default");
    }

    @Test
    void aShortLifetimeIsBackDatedByATenthOnlyAndRotatesAtHalfLife() {
        WorkloadCertificate cert = CertificateAuthority.selfSigned(NOW).issue(SLEEP, Duration.ofSeconds(10), NOW);

        assertThat(cert.notBefore()).isEqualTo(NOW.minusSeconds(1));
        assertThat(cert.rotateAt()).isEqualTo(NOW.plusMillis(4500));
    }

    @Test
    void anIdentityKeepsItsCertificateUntilHalfLifeThenGetsANewSerial() {
        MutableClock clock = new MutableClock(NOW);
        WorkloadCertificates certs =
                new WorkloadCertificates(CertificateAuthority.selfSigned(NOW), Duration.ofSeconds(10), clock);

        WorkloadCertificate first = certs.forIdentity(SLEEP);
        clock.now = NOW.plusSeconds(4);
        assertThat(certs.forIdentity(SLEEP)).isSameAs(first);
        assertThat(certs.nextRotation()).contains(first.rotateAt());
        clock.now = NOW.plusSeconds(5);
        WorkloadCertificate second = certs.forIdentity(SLEEP);

        assertThat(second.leaf().getSerialNumber()).isNotEqualTo(first.leaf().getSerialNumber());
        assertThat(second.notAfter()).isEqualTo(NOW.plusSeconds(15));
    }

    @Test
    void plugInCacertsReplaceTheGeneratedRootAndSignWithTheIntermediate(@TempDir Path dir) throws Exception {
        // An intermediate signed by a root, as Istio's Makefile.selfsigned.mk makes cluster1-cacerts.
        CertificateAuthority rootCa = CertificateAuthority.selfSigned(NOW);
        WorkloadCertificate intermediate = rootCa.issueIntermediate("cluster1", NOW);
        Files.writeString(dir.resolve("ca-cert.pem"), Pem.encode(intermediate.leaf()));
        Files.writeString(dir.resolve("ca-key.pem"), intermediate.privateKeyPem());
        Files.writeString(dir.resolve("root-cert.pem"), rootCa.rootPem());
        Files.writeString(dir.resolve("cert-chain.pem"), Pem.encode(intermediate.leaf()) + rootCa.rootPem());

        CertificateAuthority plugged = CertificateAuthority.fromCacerts(dir);
        WorkloadCertificate cert = plugged.issue(SLEEP, Duration.ofHours(1), NOW);

        assertThat(plugged.root()).isEqualTo(rootCa.root());
        assertThat(cert.chain()).hasSize(2);
        assertThat(cert.chain().get(1)).isEqualTo(intermediate.leaf());
        cert.leaf().verify(intermediate.leaf().getPublicKey());
        assertThat(cert.rootPem()).isEqualTo(rootCa.rootPem());
    }

    @Test
    void cacertsThatDoNotChainToTheirRootAreRefusedNamingTheFile(@TempDir Path dir) throws Exception {
        CertificateAuthority one = CertificateAuthority.selfSigned(NOW);
        CertificateAuthority other = CertificateAuthority.selfSigned(NOW);
        WorkloadCertificate intermediate = one.issueIntermediate("cluster1", NOW);
        Files.writeString(dir.resolve("ca-cert.pem"), Pem.encode(intermediate.leaf()));
        Files.writeString(dir.resolve("ca-key.pem"), intermediate.privateKeyPem());
        Files.writeString(dir.resolve("root-cert.pem"), other.rootPem());

        assertThatThrownBy(() -> CertificateAuthority.fromCacerts(dir))
                .hasMessageContaining("ca-cert.pem")
                .hasMessageContaining("root-cert.pem");
    }

    private static final class MutableClock extends Clock {
        Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
