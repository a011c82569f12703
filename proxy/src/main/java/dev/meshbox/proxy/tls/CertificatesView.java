package dev.meshbox.proxy.tls;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Envoy's admin {@code /certs} over the SDS secrets a proxy holds: one entry for the workload's TLS material, with the
 * root ({@code ROOTCA}) as {@code ca_cert} and the chain ({@code default}) as {@code cert_chain}, each certificate
 * with Envoy's fields ({@code serial_number} in lower-case hex, {@code subject_alt_names[].uri},
 * {@code days_until_expiration} as a string, as proto JSON prints a uint64, and RFC 3339 times). Before SDS delivered
 * anything the list is empty, as Envoy's is without TLS contexts. A pure function of the secrets and the time.
 */
public final class CertificatesView {

    private CertificatesView() {}

    /** {@code {"certificates": [...]}} for the secrets held at {@code now}. */
    public static Map<String, Object> render(Map<String, TlsSecret> secrets, Instant now) {
        TlsSecret chain = secrets.get(WorkloadTls.DEFAULT);
        TlsSecret root = secrets.get(WorkloadTls.ROOTCA);
        List<Map<String, Object>> certificates = new ArrayList<>();
        if (chain != null || root != null) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("ca_cert", root == null ? List.of() : details(root.trustedCaPem(), now));
            entry.put("cert_chain", chain == null ? List.of() : details(chain.certificateChainPem(), now));
            certificates.add(entry);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("certificates", certificates);
        return out;
    }

    private static List<Map<String, Object>> details(String pem, Instant now) {
        if (pem == null) {
            return List.of();
        }
        Collection<? extends java.security.cert.Certificate> certs;
        try {
            certs = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
        } catch (CertificateException e) {
            // WorkloadTls refuses secrets it cannot read, so this is not expected; show that rather than fail.
            return List.of(Map.of("path", "<inline>", "error", String.valueOf(e.getMessage())));
        }
        List<Map<String, Object>> out = new ArrayList<>();
        for (java.security.cert.Certificate c : certs) {
            out.add(details((X509Certificate) c, now));
        }
        return out;
    }

    private static Map<String, Object> details(X509Certificate cert, Instant now) {
        Instant expiry = cert.getNotAfter().toInstant();
        long days = Math.max(0, Duration.between(now, expiry).toDays());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("path", "<inline>");
        m.put("serial_number", cert.getSerialNumber().toString(16));
        m.put("subject_alt_names", sans(cert));
        m.put("days_until_expiration", Long.toString(days));
        m.put(
                "valid_from",
                cert.getNotBefore().toInstant().truncatedTo(ChronoUnit.SECONDS).toString());
        m.put("expiration_time", expiry.truncatedTo(ChronoUnit.SECONDS).toString());
        return m;
    }

    /** Envoy's {@code SubjectAlternateName}: one of uri, dns, ip_address per name. */
    private static List<Map<String, String>> sans(X509Certificate cert) {
        List<Map<String, String>> out = new ArrayList<>();
        Collection<List<?>> names;
        try {
            names = cert.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            return out;
        }
        if (names == null) {
            return out;
        }
        for (List<?> n : names) {
            int type = (Integer) n.get(0);
            String value = String.valueOf(n.get(1));
            switch (type) {
                case 6 -> out.add(Map.of("uri", value));
                case 2 -> out.add(Map.of("dns", value));
                case 7 -> out.add(Map.of("ip_address", value));
                default -> {
                    // other name types: Envoy prints none of them
                }
            }
        }
        return out;
    }
}
