package dev.meshbox.controlplane.translate;

import com.google.protobuf.Any;
import dev.meshbox.controlplane.config.DestinationRule;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;

/**
 * A DestinationRule's SIMPLE and MUTUAL modes in Envoy terms (Istio's {@code buildUpstreamTLSSettings} for
 * user-supplied certificates): an {@code UpstreamTlsContext} naming the files the client sidecar reads, as Envoy reads
 * {@code filename} data sources; the user's SNI; the server's names as exact {@code match_subject_alt_names}. Without
 * {@code caCertificates} the server is checked against the system's CAs, as Istio does by default
 * (VERIFY_CERTIFICATE_AT_CLIENT), unless {@code insecureSkipVerify}, which leaves the validation context out.
 */
final class UserTls {

    /**
     * Where Debian-based images (Istio's proxy image among them) keep the system CA bundle; a proxy without it uses
     * the JDK's trust anchors.
     */
    static final String SYSTEM_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt";

    private UserTls() {}

    static TransportSocket upstreamTls(DestinationRule.ClientTls tls) {
        CommonTlsContext.Builder common = CommonTlsContext.newBuilder();
        if (tls.mode() == DestinationRule.TlsMode.MUTUAL
                && tls.clientCertificate().isPresent()
                && tls.privateKey().isPresent()) {
            common.addTlsCertificates(TlsCertificate.newBuilder()
                    .setCertificateChain(file(tls.clientCertificate().get()))
                    .setPrivateKey(file(tls.privateKey().get())));
        }
        if (!tls.insecureSkipVerify()) {
            CertificateValidationContext.Builder validation = CertificateValidationContext.newBuilder()
                    .setTrustedCa(file(tls.caCertificates().orElse(SYSTEM_CA_BUNDLE)));
            for (String san : tls.subjectAltNames()) {
                validation.addMatchSubjectAltNames(StringMatcher.newBuilder().setExact(san));
            }
            common.setValidationContext(validation);
        }
        UpstreamTlsContext.Builder context = UpstreamTlsContext.newBuilder().setCommonTlsContext(common);
        tls.sni().ifPresent(context::setSni);
        return TransportSocket.newBuilder()
                .setName(MutualTls.TLS_SOCKET)
                .setTypedConfig(Any.pack(context.build()))
                .build();
    }

    private static DataSource file(String path) {
        return DataSource.newBuilder().setFilename(path).build();
    }
}
