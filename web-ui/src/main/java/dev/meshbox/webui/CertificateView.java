package dev.meshbox.webui;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A proxy's workload certificate as the proxy view shows it, from the proxy's Envoy-shaped admin {@code /certs}: the
 * SPIFFE identity, serial, validity, time left, and the root it chains to. A pure function of that JSON and the time.
 */
final class CertificateView {

    /** One certificate; {@code identity} is its first URI SAN, empty for a root. */
    record Cert(String identity, String serial, String validFrom, String expires, long secondsLeft, String expiresIn) {}

    /**
     * @param workload the leaf of {@code default}, the certificate the proxy presents
     * @param roots    the trust anchors of {@code ROOTCA}
     */
    record Certificates(Cert workload, List<Cert> roots) {}

    private CertificateView() {}

    /** Empty when the proxy holds no workload certificate (SDS has not delivered one, or mTLS is off). */
    static Optional<Certificates> of(JsonNode certs, Instant now) {
        for (JsonNode entry : certs.path("certificates")) {
            JsonNode chain = entry.path("cert_chain");
            if (chain.isEmpty()) {
                continue;
            }
            List<Cert> roots = new ArrayList<>();
            entry.path("ca_cert").forEach(c -> roots.add(cert(c, now)));
            return Optional.of(new Certificates(cert(chain.get(0), now), List.copyOf(roots)));
        }
        return Optional.empty();
    }

    private static Cert cert(JsonNode c, Instant now) {
        String identity = "";
        for (JsonNode san : c.path("subject_alt_names")) {
            if (san.has("uri")) {
                identity = san.path("uri").asText();
                break;
            }
        }
        String expires = c.path("expiration_time").asText();
        long left;
        try {
            left = Duration.between(now, Instant.parse(expires)).toSeconds();
        } catch (DateTimeParseException e) {
            left = 0;
        }
        return new Cert(
                identity,
                c.path("serial_number").asText(),
                c.path("valid_from").asText(),
                expires,
                left,
                left <= 0 ? "expired" : "in " + human(left));
    }

    /** {@code 23 h 59 min}, {@code 12 min 5 s}, {@code 3649 days}. */
    static String human(long seconds) {
        if (seconds >= 3 * 86_400) {
            return seconds / 86_400 + " days";
        }
        if (seconds >= 3_600) {
            return seconds / 3_600 + " h " + seconds % 3_600 / 60 + " min";
        }
        if (seconds >= 60) {
            return seconds / 60 + " min " + seconds % 60 + " s";
        }
        return seconds + " s";
    }
}
