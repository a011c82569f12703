package dev.meshbox.scenarios;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/**
 * A traffic step's {@code tls: {caCertificates, clientCertificate, privateKey, sni}} for {@code https://} URLs, the
 * files relative to the scenario file and read at load time, so a missing one is named before anything runs.
 */
final class TrafficTlsReader {

    private static final Set<String> KEYS = Set.of("caCertificates", "clientCertificate", "privateKey", "sni");

    private TrafficTlsReader() {}

    static Optional<Scenario.TrafficTls> read(FieldReader r, JsonNode traffic, String path, boolean https) {
        JsonNode n = traffic.get("tls");
        if (n == null) {
            if (https) {
                r.problem(
                        path + ".tls",
                        "is required for https:// traffic: {caCertificates: FILE} (the CA the gateway's certificate"
                                + " chains to, as curl --cacert), and clientCertificate and privateKey for MUTUAL");
            }
            return Optional.empty();
        }
        String at = path + ".tls";
        if (!https) {
            r.problem(at, "applies to https:// URLs only");
        }
        if (!r.isObject(n, at, "{caCertificates, clientCertificate, privateKey, sni}")) {
            return Optional.empty();
        }
        r.only(n, at, KEYS);
        Optional<String> ca = r.text(n, at, "caCertificates", true).flatMap(f -> file(r, at + ".caCertificates", f));
        Optional<String> cert =
                r.text(n, at, "clientCertificate", false).flatMap(f -> file(r, at + ".clientCertificate", f));
        Optional<String> key = r.text(n, at, "privateKey", false).flatMap(f -> file(r, at + ".privateKey", f));
        if (cert.isPresent() != key.isPresent()) {
            r.problem(at, "clientCertificate and privateKey go together (curl --cert and --key)");
        }
        return ca.map(c -> new Scenario.TrafficTls(c, cert, key, r.text(n, at, "sni", false)));
    }

    private static Optional<String> file(FieldReader r, String at, String name) {
        Path base = r.file.toAbsolutePath().getParent();
        Path f = base == null ? Path.of(name) : base.resolve(name).normalize();
        try {
            return Optional.of(Files.readString(f));
        } catch (IOException e) {
            r.problem(at, "cannot read " + f + " (" + e.getClass().getSimpleName() + ")");
            return Optional.empty();
        }
    }
}
