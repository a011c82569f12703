package dev.meshbox.webui;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The proxy view's certificate from a proxy's Envoy-shaped /certs: identity, serial, validity, time left, root. */
class CertificateViewTest {

    private static final String CERTS = """
            {"certificates": [{
              "ca_cert": [{"path": "<inline>", "serial_number": "1", "subject_alt_names": [],
                "days_until_expiration": "3649", "valid_from": "2026-12-04T10:00:00Z",
                "expiration_time": "2036-12-02T10:00:00Z"}],
              "cert_chain": [{"path": "<inline>", "serial_number": "5f3a9c",
                "subject_alt_names": [{"uri": "spiffe://cluster.local/ns/default/sa/bookinfo-reviews"}],
                "days_until_expiration": "0", "valid_from": "2026-12-04T09:58:00Z",
                "expiration_time": "2026-12-05T10:00:00Z"}]
            }]}
            """;

    @Test
    void theWorkloadCertificateShowsItsIdentityAndTimeLeftAndItsRoot() throws Exception {
        JsonNode certs = new ObjectMapper().readTree(CERTS);

        CertificateView.Certificates c =
                CertificateView.of(certs, Instant.parse("2026-12-04T12:30:00Z")).orElseThrow();

        assertThat(c.workload().identity()).isEqualTo("spiffe://cluster.local/ns/default/sa/bookinfo-reviews");
        assertThat(c.workload().serial()).isEqualTo("5f3a9c");
        assertThat(c.workload().validFrom()).isEqualTo("2026-12-04T09:58:00Z");
        assertThat(c.workload().expires()).isEqualTo("2026-12-05T10:00:00Z");
        assertThat(c.workload().secondsLeft()).isEqualTo(21 * 3600 + 30 * 60);
        assertThat(c.workload().expiresIn()).isEqualTo("in 21 h 30 min");
        assertThat(c.roots()).singleElement().satisfies(r -> {
            assertThat(r.serial()).isEqualTo("1");
            assertThat(r.identity()).isEmpty();
            assertThat(r.expiresIn()).endsWith(" days");
        });
        assertThat(CertificateView.of(certs, Instant.parse("2026-12-06T00:00:00Z"))
                        .orElseThrow()
                        .workload()
                        .expiresIn())
                .isEqualTo("expired");
    }

    @Test
    void withoutSecretsThereIsNoCertificateToShow() throws Exception {
        assertThat(CertificateView.of(new ObjectMapper().readTree("{\"certificates\": []}"), Instant.now()))
                .isEmpty();
    }

    @Test
    void timeLeftReadsAsAPersonWouldSayIt() {
        assertThat(CertificateView.human(45)).isEqualTo("45 s");
        assertThat(CertificateView.human(125)).isEqualTo("2 min 5 s");
        assertThat(CertificateView.human(86_399)).isEqualTo("23 h 59 min");
        assertThat(CertificateView.human(3_650L * 86_400)).isEqualTo("3650 days");
    }
}
