package dev.meshbox.proxy.tls;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Envoy's admin /certs over the SDS secrets: identity, serial, validity and days left, the root as ca_cert. */
class CertificatesViewTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theWorkloadCertificateShowsItsSpiffeIdentitySerialAndValidityAsEnvoyPrintsThem() throws Exception {
        Map<String, TlsSecret> secrets = new TestCertificates().secrets("spiffe://cluster.local/ns/foo/sa/httpbin");
        X509Certificate leaf = parse(secrets.get(WorkloadTls.DEFAULT).certificateChainPem());

        JsonNode certs = JSON.valueToTree(CertificatesView.render(secrets, Instant.now()));

        assertThat(certs.path("certificates")).hasSize(1);
        JsonNode chain = certs.at("/certificates/0/cert_chain/0");
        assertThat(chain.path("path").asText()).isEqualTo("<inline>");
        assertThat(chain.path("serial_number").asText())
                .isEqualTo(leaf.getSerialNumber().toString(16))
                .matches("[0-9a-f]+");
        assertThat(chain.at("/subject_alt_names/0/uri").asText()).isEqualTo("spiffe://cluster.local/ns/foo/sa/httpbin");
        assertThat(chain.path("days_until_expiration").isTextual()).isTrue();
        assertThat(chain.path("days_until_expiration").asText()).isEqualTo("0"); // an hour left: 0 whole days
        assertThat(Instant.parse(chain.path("expiration_time").asText()))
                .isEqualTo(leaf.getNotAfter().toInstant());
        assertThat(Instant.parse(chain.path("valid_from").asText()))
                .isEqualTo(leaf.getNotBefore().toInstant());
        JsonNode root = certs.at("/certificates/0/ca_cert/0");
        assertThat(root.path("serial_number").asText()).isEqualTo("1");
        assertThat(root.path("subject_alt_names")).isEmpty();
    }

    @Test
    void daysUntilExpirationCountWholeDaysAndStopAtZero() throws Exception {
        Map<String, TlsSecret> secrets = new TestCertificates().secrets("spiffe://cluster.local/ns/foo/sa/sleep");
        Instant expiry = parse(secrets.get(WorkloadTls.DEFAULT).certificateChainPem())
                .getNotAfter()
                .toInstant();

        assertThat(daysLeft(secrets, expiry.minus(Duration.ofHours(49)))).isEqualTo("2");
        assertThat(daysLeft(secrets, expiry.plus(Duration.ofHours(1)))).isEqualTo("0");
    }

    @Test
    void beforeSdsDeliveredAnythingThereAreNoCertificates() {
        assertThat(CertificatesView.render(Map.of(), Instant.now()))
                .isEqualTo(Map.of("certificates", java.util.List.of()));
    }

    private static String daysLeft(Map<String, TlsSecret> secrets, Instant now) {
        JsonNode certs = JSON.valueToTree(CertificatesView.render(secrets, now));
        return certs.at("/certificates/0/cert_chain/0/days_until_expiration").asText();
    }

    private static X509Certificate parse(String pem) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
    }
}
