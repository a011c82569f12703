package dev.meshbox.controlplane.config;

import java.util.Set;

/**
 * A Gateway server's {@code tls}, validated as Istio's webhook does ({@code validateTLSOptions} and the protocol
 * checks of {@code validateServer}, in its words): an HTTPS or TLS server needs TLS settings, SIMPLE and MUTUAL need a
 * certificate ({@code credentialName}, or {@code serverCertificate} and {@code privateKey}), MUTUAL without a
 * credential needs {@code caCertificates}, and a plain-text server takes no certificates.
 */
final class GatewayTlsParser {

    private static final Set<String> MODES =
            Set.of("PASSTHROUGH", "SIMPLE", "MUTUAL", "AUTO_PASSTHROUGH", "ISTIO_MUTUAL", "OPTIONAL_MUTUAL");
    private static final Set<String> FIELDS = Set.of(
            "httpsRedirect",
            "mode",
            "serverCertificate",
            "privateKey",
            "caCertificates",
            "credentialName",
            "subjectAltNames",
            "verifyCertificateSpki",
            "verifyCertificateHash",
            "minProtocolVersion",
            "maxProtocolVersion",
            "cipherSuites",
            "caCrl");

    private GatewayTlsParser() {}

    static Gateway.ServerTls parse(YamlNode tls) {
        tls.onlyFields(FIELDS);
        String mode = tls.str("mode").orElse("PASSTHROUGH");
        if (!MODES.contains(mode)) {
            tls.problems()
                    .add(
                            tls.path() + ".mode",
                            "must be one of " + MODES.stream().sorted().toList() + ", got \"" + mode + "\"");
        }
        Gateway.ServerTls t = new Gateway.ServerTls(
                mode,
                tls.str("credentialName").orElse(""),
                tls.str("serverCertificate").orElse(""),
                tls.str("privateKey").orElse(""),
                tls.str("caCertificates").orElse(""),
                tls.bool("httpsRedirect").orElse(false));
        String at = tls.path();
        if (mode.equals("ISTIO_MUTUAL")) {
            if (!t.serverCertificate().isEmpty()) {
                tls.problems()
                        .add(at + ".serverCertificate", "ISTIO_MUTUAL TLS cannot have associated server certificate");
            }
            if (!t.privateKey().isEmpty()) {
                tls.problems().add(at + ".privateKey", "ISTIO_MUTUAL TLS cannot have associated private key");
            }
            if (!t.caCertificates().isEmpty()) {
                tls.problems().add(at + ".caCertificates", "ISTIO_MUTUAL TLS cannot have associated CA bundle");
            }
            if (!t.credentialName().isEmpty()) {
                tls.problems().add(at + ".credentialName", "ISTIO_MUTUAL TLS cannot have associated credentialName");
            }
            return t;
        }
        boolean files = !t.serverCertificate().isEmpty() && !t.privateKey().isEmpty();
        if (files && !t.credentialName().isEmpty()) {
            tls.problems()
                    .add(
                            at,
                            "only one of credential_name, credential_names, server_certificate/private_key,"
                                    + " tls_certificates should be specified");
        }
        boolean terminates = mode.equals("SIMPLE") || mode.equals("MUTUAL") || mode.equals("OPTIONAL_MUTUAL");
        if (terminates && t.credentialName().isEmpty()) {
            String prefix = mode.equals("SIMPLE") ? "SIMPLE TLS" : "MUTUAL TLS";
            if (!mode.equals("SIMPLE") && t.caCertificates().isEmpty()) {
                tls.problems().add(at + ".caCertificates", prefix + " requires a client CA bundle");
            }
            if (t.serverCertificate().isEmpty()) {
                tls.problems().add(at + ".serverCertificate", prefix + " requires a server certificate");
            }
            if (t.privateKey().isEmpty()) {
                tls.problems().add(at + ".privateKey", prefix + " requires a private key");
            }
        }
        return t;
    }

    /** Istio's {@code validateServer}: TLS settings on HTTPS/TLS servers, none but httpsRedirect on plain text. */
    static void checkAgainstProtocol(YamlNode server, String protocol, boolean hasTls, Gateway.ServerTls tls) {
        boolean tlsProtocol = protocol.equals("HTTPS") || protocol.equals("TLS");
        boolean http = protocol.equals("HTTP") || protocol.equals("HTTP2") || protocol.equals("GRPC");
        if (tlsProtocol && !hasTls) {
            server.problems().add(server.path() + ".tls", "server must have TLS settings for HTTPS/TLS protocols");
        } else if (!tlsProtocol && hasTls && !protocol.isEmpty()) {
            if (http) {
                if (!tls.mode().equals("PASSTHROUGH")
                        || !tls.caCertificates().isEmpty()
                        || !tls.privateKey().isEmpty()
                        || !tls.serverCertificate().isEmpty()) {
                    server.problems()
                            .add(server.path() + ".tls", "server cannot have TLS settings for plain text HTTP ports");
                }
            } else {
                server.problems()
                        .add(server.path() + ".tls", "server cannot have TLS settings for non HTTPS/TLS ports");
            }
        }
    }
}
