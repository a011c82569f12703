package dev.meshbox.proxy.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.ssl.SslContext;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** SDS secrets as TLS contexts: built once both arrive, swapped whole on rotation, a bad secret refused. */
class WorkloadTlsTest {

    @Test
    void contextsExistOnceTheCertificateAndTheRootHaveArrived() throws Exception {
        WorkloadTls tls = new WorkloadTls();
        Map<String, TlsSecret> secrets = new TestCertificates().secrets("spiffe://cluster.local/ns/foo/sa/sleep");

        tls.update(Map.of(WorkloadTls.DEFAULT, secrets.get(WorkloadTls.DEFAULT)));
        assertThat(tls.ready()).isFalse();
        assertThat(tls.server()).isNull();
        assertThat(tls.client(List.of("istio"))).isNull();

        tls.update(secrets);
        assertThat(tls.ready()).isTrue();
        assertThat(tls.server().isServer()).isTrue();
        assertThat(tls.client(List.of("istio"))).isSameAs(tls.client(List.of("istio")));
    }

    @Test
    void aRotationSwapsTheContextsAndNewConnectionsTakeTheNewCertificate() throws Exception {
        TestCertificates ca = new TestCertificates();
        WorkloadTls tls = new WorkloadTls();
        tls.update(ca.secrets("spiffe://cluster.local/ns/foo/sa/sleep"));
        SslContext before = tls.server();

        tls.update(ca.secrets("spiffe://cluster.local/ns/foo/sa/sleep"));

        assertThat(tls.server()).isNotSameAs(before);
    }

    @Test
    void aSecretThatMakesNoContextIsRefusedAndThePreviousOneKeepsServing() throws Exception {
        WorkloadTls tls = new WorkloadTls();
        tls.update(new TestCertificates().secrets("spiffe://cluster.local/ns/foo/sa/sleep"));
        SslContext before = tls.server();
        TlsSecret garbage = new TlsSecret(WorkloadTls.DEFAULT, "not a certificate", "not a key", null);
        TlsSecret root = tls.secrets().get(WorkloadTls.ROOTCA);

        assertThatThrownBy(() -> tls.update(Map.of(WorkloadTls.DEFAULT, garbage, WorkloadTls.ROOTCA, root)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("default");
        assertThat(tls.server()).isSameAs(before);
        assertThatThrownBy(() -> tls.update(Map.of(WorkloadTls.ROOTCA, garbage)))
                .hasMessageContaining("ROOTCA");
    }

    @Test
    void aKeyThatIsNotTheCertificatesOrAnExpiredCertificateIsRefusedNamingTheSecret() throws Exception {
        TestCertificates ca = new TestCertificates();
        Instant now = Instant.now();
        WorkloadTls tls = new WorkloadTls(Clock.fixed(now, ZoneOffset.UTC));
        Map<String, TlsSecret> good = ca.secrets("spiffe://cluster.local/ns/foo/sa/sleep");
        tls.update(good);
        SslContext before = tls.server();
        TestCertificates.Issued other = ca.issue("spiffe://cluster.local/ns/foo/sa/other");
        TlsSecret root = good.get(WorkloadTls.ROOTCA);

        TlsSecret mismatched = new TlsSecret(
                WorkloadTls.DEFAULT, good.get(WorkloadTls.DEFAULT).certificateChainPem(), other.privateKeyPem(), null);
        assertThatThrownBy(() -> tls.update(Map.of(WorkloadTls.DEFAULT, mismatched, WorkloadTls.ROOTCA, root)))
                .hasMessage("secret default: tls_certificate.private_key: the private key does not match the"
                        + " certificate's public key");

        TestCertificates.Issued old = ca.issue("spiffe://cluster.local/ns/foo/sa/sleep", now.minusSeconds(1));
        TlsSecret expired = new TlsSecret(WorkloadTls.DEFAULT, old.certificatePem(), old.privateKeyPem(), null);
        assertThatThrownBy(() -> tls.update(Map.of(WorkloadTls.DEFAULT, expired, WorkloadTls.ROOTCA, root)))
                .hasMessageStartingWith(
                        "secret default: tls_certificate.certificate_chain: the certificate expired at");
        assertThat(tls.server()).isSameAs(before);
        assertThat(tls.secrets().get(WorkloadTls.DEFAULT)).isEqualTo(good.get(WorkloadTls.DEFAULT));
    }
}
