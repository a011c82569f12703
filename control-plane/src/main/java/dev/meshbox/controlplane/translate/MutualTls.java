package dev.meshbox.controlplane.translate;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.controlplane.security.WorkloadCertificate;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.List;

/**
 * Istio's mutual TLS in Envoy terms ({@code cluster_tls.go}, {@code filterchain_options.go}): the SDS secrets
 * {@code default} (the workload's key and chain) and {@code ROOTCA} (the trust anchor), the auto-mTLS transport socket
 * matches of outbound clusters, and the inbound TLS context.
 */
public final class MutualTls {

    public static final String SDS_DEFAULT = "default";
    public static final String SDS_ROOT = "ROOTCA";
    public static final String TLS_SOCKET = "envoy.transport_sockets.tls";
    public static final String RAW_BUFFER = "envoy.transport_sockets.raw_buffer";
    /** Endpoint metadata namespace Envoy matches {@code transport_socket_matches} against. */
    public static final String SOCKET_MATCH_METADATA = "envoy.transport_socket_match";
    /** Istio's in-mesh ALPN for HTTP/1 and TCP ({@code util.ALPNInMeshWithMxc}). */
    public static final List<String> ALPN_IN_MESH = List.of("istio-peer-exchange", "istio");
    /** The application protocols the PERMISSIVE TLS chain of an HTTP port matches. */
    public static final List<String> ISTIO_ALPNS =
            List.of("istio", "istio-peer-exchange", "istio-http/1.0", "istio-http/1.1", "istio-h2");

    private MutualTls() {}

    /** The secrets {@code default} and {@code ROOTCA} for a workload's certificate. */
    public static List<Secret> secrets(WorkloadCertificate cert) {
        Secret workload = Secret.newBuilder()
                .setName(SDS_DEFAULT)
                .setTlsCertificate(TlsCertificate.newBuilder()
                        .setCertificateChain(inline(cert.certificateChainPem()))
                        .setPrivateKey(inline(cert.privateKeyPem())))
                .build();
        Secret root = Secret.newBuilder()
                .setName(SDS_ROOT)
                .setValidationContext(CertificateValidationContext.newBuilder().setTrustedCa(inline(cert.rootPem())))
                .build();
        return List.of(workload, root);
    }

    private static DataSource inline(String pem) {
        return DataSource.newBuilder()
                .setInlineBytes(ByteString.copyFromUtf8(pem))
                .build();
    }

    /** Whether Istio's auto mTLS treats the pod as meshed: a sidecar, or the injector's {@code tlsMode} label. */
    static boolean meshed(Pod pod) {
        return pod.role() == Pod.ProxyKind.SIDECAR
                || "istio".equals(pod.labels().get("security.istio.io/tlsMode"));
    }

    /** The endpoint metadata auto mTLS matches: {@code envoy.transport_socket_match: {tlsMode: istio}}. */
    static Struct socketMatchMetadata() {
        return Struct.newBuilder()
                .putFields("tlsMode", Value.newBuilder().setStringValue("istio").build())
                .build();
    }

    /**
     * Auto mTLS on an outbound cluster: Istio mTLS to endpoints labelled {@code tlsMode: istio}, plaintext to the
     * others ({@code tlsMode-istio}, {@code tlsMode-disabled}).
     */
    static void autoMtls(Cluster.Builder cluster, String sni) {
        autoMtls(cluster, sni, List.of());
    }

    /** As above, the server's certificate checked against {@code identities} (the destination's SPIFFE IDs). */
    static void autoMtls(Cluster.Builder cluster, String sni, List<String> identities) {
        cluster.addTransportSocketMatches(Cluster.TransportSocketMatch.newBuilder()
                        .setName("tlsMode-istio")
                        .setMatch(socketMatchMetadata())
                        .setTransportSocket(upstreamTls(sni, identities)))
                .addTransportSocketMatches(Cluster.TransportSocketMatch.newBuilder()
                        .setName("tlsMode-disabled")
                        .setMatch(Struct.getDefaultInstance())
                        .setTransportSocket(TransportSocket.newBuilder()
                                .setName(RAW_BUFFER)
                                .setTypedConfig(Any.pack(RawBuffer.getDefaultInstance()))));
    }

    /** ISTIO_MUTUAL toward {@code sni}: the workload certificate, validated against ROOTCA, Istio's ALPN. */
    static TransportSocket upstreamTls(String sni) {
        return upstreamTls(sni, List.of());
    }

    /**
     * ISTIO_MUTUAL toward {@code sni}, accepting only a server whose certificate carries one of {@code identities}
     * ({@code match_subject_alt_names}, exact, as Istio's {@code buildIstioMutualTLS} from the service accounts).
     */
    static TransportSocket upstreamTls(String sni, List<String> identities) {
        CommonTlsContext.Builder common = common().addAllAlpnProtocols(ALPN_IN_MESH);
        CertificateValidationContext.Builder sans = CertificateValidationContext.newBuilder();
        for (String id : identities) {
            sans.addMatchSubjectAltNames(StringMatcher.newBuilder().setExact(id));
        }
        common.getCombinedValidationContextBuilder().setDefaultValidationContext(sans);
        UpstreamTlsContext tls = UpstreamTlsContext.newBuilder()
                .setSni(sni)
                .setCommonTlsContext(common)
                .build();
        return TransportSocket.newBuilder()
                .setName(TLS_SOCKET)
                .setTypedConfig(Any.pack(tls))
                .build();
    }

    /** The inbound mTLS context: the workload certificate, a client certificate required and checked against ROOTCA. */
    static TransportSocket downstreamTls() {
        DownstreamTlsContext tls = DownstreamTlsContext.newBuilder()
                .setRequireClientCertificate(BoolValue.of(true))
                .setCommonTlsContext(common().addAlpnProtocols("h2").addAlpnProtocols("http/1.1"))
                .build();
        return TransportSocket.newBuilder()
                .setName(TLS_SOCKET)
                .setTypedConfig(Any.pack(tls))
                .build();
    }

    private static CommonTlsContext.Builder common() {
        return CommonTlsContext.newBuilder()
                .addTlsCertificateSdsSecretConfigs(sds(SDS_DEFAULT))
                .setCombinedValidationContext(CommonTlsContext.CombinedCertificateValidationContext.newBuilder()
                        .setDefaultValidationContext(CertificateValidationContext.getDefaultInstance())
                        .setValidationContextSdsSecretConfig(sds(SDS_ROOT)));
    }

    private static SdsSecretConfig sds(String name) {
        return SdsSecretConfig.newBuilder()
                .setName(name)
                .setSdsConfig(ClusterTranslator.ADS)
                .build();
    }
}
