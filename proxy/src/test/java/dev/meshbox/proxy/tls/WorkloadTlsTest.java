package dev.meshbox.proxy.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.ssl.SslContext;
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
}
