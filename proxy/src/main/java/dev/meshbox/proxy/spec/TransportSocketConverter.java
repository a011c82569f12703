package dev.meshbox.proxy.spec;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.meshbox.proxy.route.StringMatch;
import dev.meshbox.proxy.tls.ClientMaterial;
import dev.meshbox.proxy.tls.SystemTrust;
import dev.meshbox.proxy.tls.TlsSecret;
import dev.meshbox.proxy.tls.WorkloadTls;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Transport sockets and SDS secrets in MeshBox's terms: a cluster's TLS toward its endpoints, a filter chain's
 * downstream TLS, a secret's PEM. Downstream contexts take SDS-delivered certificates only (as Istio configures its
 * sidecars); upstream contexts take SDS secrets (Istio mutual TLS) or files and inline PEM (a DestinationRule's SIMPLE
 * and MUTUAL modes).
 */
public final class TransportSocketConverter {

    private TransportSocketConverter() {}

    static List<TransportSocketSpec> cluster(Cluster c, String where) {
        List<TransportSocketSpec> out = new ArrayList<>();
        for (int i = 0; i < c.getTransportSocketMatchesCount(); i++) {
            Cluster.TransportSocketMatch m = c.getTransportSocketMatches(i);
            String at = where + ".transport_socket_matches[" + i + "]";
            Map<String, String> match = new HashMap<>();
            m.getMatch().getFieldsMap().forEach((k, v) -> {
                if (!v.hasStringValue()) {
                    throw new IllegalArgumentException(at + ".match." + k + ": only string values are supported");
                }
                match.put(k, v.getStringValue());
            });
            out.add(new TransportSocketSpec(
                    m.getName(), match, upstream(m.getTransportSocket(), at + ".transport_socket")));
        }
        if (c.hasTransportSocket()) {
            out.add(new TransportSocketSpec(
                    "default", Map.of(), upstream(c.getTransportSocket(), where + ".transport_socket")));
        }
        return out;
    }

    /** An upstream transport socket: TLS, or null for {@code raw_buffer}. */
    static UpstreamTlsSpec upstream(TransportSocket socket, String where) {
        try {
            if (socket.getTypedConfig().is(RawBuffer.class)) {
                return null;
            }
            if (!socket.getTypedConfig().is(UpstreamTlsContext.class)) {
                throw new IllegalArgumentException(where + ".typed_config: unsupported transport socket "
                        + socket.getTypedConfig().getTypeUrl() + " (expected UpstreamTlsContext or RawBuffer)");
            }
            UpstreamTlsContext tls = socket.getTypedConfig().unpack(UpstreamTlsContext.class);
            CommonTlsContext common = tls.getCommonTlsContext();
            String at = where + ".typed_config.common_tls_context";
            List<StringMatch> sans = subjectAltNames(common, at);
            if (common.getTlsCertificateSdsSecretConfigsCount() > 0) {
                return new UpstreamTlsSpec(
                        tls.getSni(),
                        common.getAlpnProtocolsList(),
                        certificateSecret(common, where),
                        validationSecret(common, where),
                        null,
                        sans);
            }
            ClientMaterial material = material(common, at);
            return new UpstreamTlsSpec(tls.getSni(), common.getAlpnProtocolsList(), null, null, material, sans);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException(where + ".typed_config: " + e.getMessage(), e);
        }
    }

    /**
     * The user-supplied material of an upstream context, as Envoy reads it: {@code tls_certificates} and
     * {@code validation_context.trusted_ca} as files (read now) or inline; no validation context means any server
     * certificate is accepted. A file that cannot be read, or PEM that makes no TLS context, is refused naming the
     * field, so the cluster is NACKed and the previous one keeps serving.
     */
    private static ClientMaterial material(CommonTlsContext common, String where) {
        if (common.hasValidationContextSdsSecretConfig()
                || (common.hasCombinedValidationContext()
                        && common.getCombinedValidationContext().hasValidationContextSdsSecretConfig())) {
            throw new IllegalArgumentException(where
                    + ": a validation context from SDS needs the certificate from SDS too"
                    + " (tls_certificate_sds_secret_configs)");
        }
        if (common.getTlsCertificatesCount() > 1) {
            throw new IllegalArgumentException(where + ".tls_certificates: at most one certificate is supported");
        }
        String chain = null;
        String key = null;
        if (common.getTlsCertificatesCount() == 1) {
            var c = common.getTlsCertificates(0);
            chain = source(c.getCertificateChain(), where + ".tls_certificates[0].certificate_chain");
            key = source(c.getPrivateKey(), where + ".tls_certificates[0].private_key");
        }
        String ca = null;
        var validation = validationContext(common);
        if (validation != null && validation.hasTrustedCa()) {
            DataSource trusted = validation.getTrustedCa();
            ca = trusted.getFilename().equals(SystemTrust.OS_BUNDLE)
                            && !Files.isReadable(Path.of(SystemTrust.OS_BUNDLE))
                    ? SystemTrust.jdkAnchorsPem()
                    : source(trusted, where + ".validation_context.trusted_ca");
        }
        ClientMaterial material = new ClientMaterial(chain, key, ca);
        WorkloadTls.check(material, where);
        return material;
    }

    private static CertificateValidationContext validationContext(CommonTlsContext common) {
        if (common.hasValidationContext()) {
            return common.getValidationContext();
        }
        if (common.hasCombinedValidationContext()) {
            return common.getCombinedValidationContext().getDefaultValidationContext();
        }
        return null;
    }

    /** {@code match_subject_alt_names} and {@code match_typed_subject_alt_names}, in either validation context. */
    private static List<StringMatch> subjectAltNames(CommonTlsContext common, String where) {
        CertificateValidationContext v = validationContext(common);
        if (v == null) {
            return List.of();
        }
        String at = common.hasValidationContext()
                ? where + ".validation_context"
                : where + ".combined_validation_context.default_validation_context";
        List<StringMatch> out = new ArrayList<>();
        for (int i = 0; i < v.getMatchSubjectAltNamesCount(); i++) {
            out.add(RouteConverter.stringMatch(
                    v.getMatchSubjectAltNames(i), at + ".match_subject_alt_names[" + i + "]"));
        }
        for (int i = 0; i < v.getMatchTypedSubjectAltNamesCount(); i++) {
            out.add(RouteConverter.stringMatch(
                    v.getMatchTypedSubjectAltNames(i).getMatcher(),
                    at + ".match_typed_subject_alt_names[" + i + "].matcher"));
        }
        return out;
    }

    /** A data source's text: a file read now, or inline bytes or string. */
    private static String source(DataSource d, String where) {
        return switch (d.getSpecifierCase()) {
            case FILENAME -> {
                try {
                    yield Files.readString(Path.of(d.getFilename()), StandardCharsets.US_ASCII);
                } catch (IOException | java.io.UncheckedIOException | java.nio.file.InvalidPathException e) {
                    throw new IllegalArgumentException(where + ".filename: cannot read " + d.getFilename() + ": "
                            + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage()));
                }
            }
            case INLINE_BYTES -> d.getInlineBytes().toString(StandardCharsets.US_ASCII);
            case INLINE_STRING -> d.getInlineString();
            default ->
                throw new IllegalArgumentException(where + ": a filename, inline_bytes or inline_string is required");
        };
    }

    /** A filter chain's downstream TLS, or null for a chain without a transport socket or with raw_buffer. */
    static DownstreamTlsSpec downstream(TransportSocket socket, String where) {
        try {
            if (socket.getTypedConfig().is(RawBuffer.class)) {
                return null;
            }
            if (!socket.getTypedConfig().is(DownstreamTlsContext.class)) {
                throw new IllegalArgumentException(where + ".typed_config: unsupported transport socket "
                        + socket.getTypedConfig().getTypeUrl() + " (expected DownstreamTlsContext or RawBuffer)");
            }
            DownstreamTlsContext tls = socket.getTypedConfig().unpack(DownstreamTlsContext.class);
            CommonTlsContext common = tls.getCommonTlsContext();
            boolean requireClient = tls.hasRequireClientCertificate()
                    && tls.getRequireClientCertificate().getValue();
            String certificate = certificateSecret(common, where);
            // A gateway's SIMPLE server checks no client certificate: no validation context then.
            String validation = requireClient
                            || certificate.equals("default")
                            || common.hasCombinedValidationContext()
                            || common.hasValidationContextSdsSecretConfig()
                    ? validationSecret(common, where)
                    : null;
            return new DownstreamTlsSpec(certificate, validation, requireClient, common.getAlpnProtocolsList());
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException(where + ".typed_config: " + e.getMessage(), e);
        }
    }

    private static String certificateSecret(CommonTlsContext common, String where) {
        if (common.getTlsCertificateSdsSecretConfigsCount() != 1) {
            throw new IllegalArgumentException(
                    where + ".common_tls_context.tls_certificate_sds_secret_configs: exactly one SDS secret expected");
        }
        return common.getTlsCertificateSdsSecretConfigs(0).getName();
    }

    private static String validationSecret(CommonTlsContext common, String where) {
        if (common.hasCombinedValidationContext()
                && common.getCombinedValidationContext().hasValidationContextSdsSecretConfig()) {
            return common.getCombinedValidationContext()
                    .getValidationContextSdsSecretConfig()
                    .getName();
        }
        if (common.hasValidationContextSdsSecretConfig()) {
            return common.getValidationContextSdsSecretConfig().getName();
        }
        throw new IllegalArgumentException(where + ".common_tls_context: a validation context from SDS is required");
    }

    /** An SDS secret as PEM text. */
    public static TlsSecret secret(Secret s) {
        String where = "secret " + s.getName();
        if (s.getName().isEmpty()) {
            throw new IllegalArgumentException("secret: name is required");
        }
        return switch (s.getTypeCase()) {
            case TLS_CERTIFICATE ->
                new TlsSecret(
                        s.getName(),
                        text(s.getTlsCertificate().getCertificateChain(), where + ".tls_certificate.certificate_chain"),
                        text(s.getTlsCertificate().getPrivateKey(), where + ".tls_certificate.private_key"),
                        null);
            case VALIDATION_CONTEXT ->
                new TlsSecret(
                        s.getName(),
                        null,
                        null,
                        text(s.getValidationContext().getTrustedCa(), where + ".validation_context.trusted_ca"));
            default ->
                throw new IllegalArgumentException(
                        where + ": only tls_certificate and validation_context are supported, got " + s.getTypeCase());
        };
    }

    private static String text(DataSource d, String where) {
        return switch (d.getSpecifierCase()) {
            case INLINE_BYTES -> d.getInlineBytes().toStringUtf8();
            case INLINE_STRING -> d.getInlineString();
            default -> throw new IllegalArgumentException(where + ": only inline_bytes or inline_string is supported");
        };
    }
}
