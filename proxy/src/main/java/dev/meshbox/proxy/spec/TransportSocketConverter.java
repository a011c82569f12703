package dev.meshbox.proxy.spec;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.meshbox.proxy.tls.TlsSecret;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Transport sockets and SDS secrets in MeshBox's terms: a cluster's TLS toward its endpoints, a filter chain's
 * downstream TLS, a secret's PEM. Only SDS-delivered certificates are served (as Istio configures its sidecars); inline
 * or file certificates in a TLS context are refused.
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
            return new UpstreamTlsSpec(
                    tls.getSni(),
                    common.getAlpnProtocolsList(),
                    certificateSecret(common, where),
                    validationSecret(common, where));
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException(where + ".typed_config: " + e.getMessage(), e);
        }
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
            return new DownstreamTlsSpec(
                    certificateSecret(common, where),
                    validationSecret(common, where),
                    tls.hasRequireClientCertificate()
                            && tls.getRequireClientCertificate().getValue());
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
