package dev.meshbox.controlplane.translate;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.meshbox.controlplane.config.KubeSecret;
import dev.meshbox.controlplane.registry.Pod;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The SDS secrets a gateway's TLS servers name, made from what Istio's gateway agent reads: a Secret in the gateway
 * pod's namespace for {@code kubernetes://NAME} (its {@code tls.crt} and {@code tls.key}) and
 * {@code kubernetes://NAME-cacert} (the Secret's {@code ca.crt}, else Secret {@code NAME-cacert}'s), the files for
 * {@code file-cert:CERT~KEY} and {@code file-root:CA}. A Secret applied again (rotation) changes what is served, and
 * SDS pushes it: the proxy takes the new certificate for new connections.
 */
public final class GatewayCredentials {

    private GatewayCredentials() {}

    /** {@code own} plus the credentials {@code listeners} of gateway pod {@code proxy} name, each once. */
    public static List<Secret> withCredentials(List<Secret> own, MeshView view, Pod proxy, List<Listener> listeners) {
        Map<String, Secret> out = new LinkedHashMap<>();
        for (Listener l : listeners) {
            for (FilterChain chain : l.getFilterChainsList()) {
                if (!chain.hasTransportSocket()
                        || !chain.getTransportSocket().getTypedConfig().is(DownstreamTlsContext.class)) {
                    continue;
                }
                CommonTlsContext common;
                try {
                    common = chain.getTransportSocket()
                            .getTypedConfig()
                            .unpack(DownstreamTlsContext.class)
                            .getCommonTlsContext();
                } catch (InvalidProtocolBufferException e) {
                    continue;
                }
                common.getTlsCertificateSdsSecretConfigsList()
                        .forEach(c ->
                                certificate(view, proxy, c.getName()).ifPresent(s -> out.putIfAbsent(s.getName(), s)));
                if (common.hasCombinedValidationContext()) {
                    String name = common.getCombinedValidationContext()
                            .getValidationContextSdsSecretConfig()
                            .getName();
                    clientCa(view, proxy, name).ifPresent(s -> out.putIfAbsent(s.getName(), s));
                }
            }
        }
        if (out.isEmpty()) {
            return own;
        }
        List<Secret> all = new ArrayList<>(own);
        out.values().stream()
                .filter(s -> own.stream().noneMatch(o -> o.getName().equals(s.getName())))
                .forEach(all::add);
        return List.copyOf(all);
    }

    private static Optional<Secret> certificate(MeshView view, Pod proxy, String name) {
        if (name.startsWith(GatewayTls.KUBERNETES)) {
            Optional<KubeSecret> s = view.secret(proxy.namespace(), name.substring(GatewayTls.KUBERNETES.length()));
            if (s.isEmpty()
                    || s.get().certificateChain().isEmpty()
                    || s.get().privateKey().isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(tlsCertificate(
                    name, s.get().certificateChain().get(), s.get().privateKey().get()));
        }
        if (name.startsWith(GatewayTls.FILE_CERT)) {
            String[] files = name.substring(GatewayTls.FILE_CERT.length()).split("~", 2);
            if (files.length == 2) {
                return read(files[0]).flatMap(cert -> read(files[1]).map(key -> tlsCertificate(name, cert, key)));
            }
        }
        return Optional.empty();
    }

    private static Optional<Secret> clientCa(MeshView view, Pod proxy, String name) {
        if (name.startsWith(GatewayTls.KUBERNETES) && name.endsWith(GatewayTls.CACERT_SUFFIX)) {
            String base =
                    name.substring(GatewayTls.KUBERNETES.length(), name.length() - GatewayTls.CACERT_SUFFIX.length());
            return view.secret(proxy.namespace(), base)
                    .flatMap(KubeSecret::caCertificates)
                    .or(() -> view.secret(proxy.namespace(), base + GatewayTls.CACERT_SUFFIX)
                            .flatMap(KubeSecret::caCertificates))
                    .map(ca -> validation(name, ca));
        }
        if (name.startsWith(GatewayTls.FILE_ROOT)) {
            return read(name.substring(GatewayTls.FILE_ROOT.length())).map(ca -> validation(name, ca));
        }
        return Optional.empty();
    }

    private static Optional<String> read(String file) {
        try {
            return Optional.of(Files.readString(Path.of(file)));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static Secret tlsCertificate(String name, String chain, String key) {
        return Secret.newBuilder()
                .setName(name)
                .setTlsCertificate(TlsCertificate.newBuilder()
                        .setCertificateChain(inline(chain))
                        .setPrivateKey(inline(key)))
                .build();
    }

    private static Secret validation(String name, String ca) {
        return Secret.newBuilder()
                .setName(name)
                .setValidationContext(CertificateValidationContext.newBuilder().setTrustedCa(inline(ca)))
                .build();
    }

    private static DataSource inline(String pem) {
        return DataSource.newBuilder()
                .setInlineBytes(ByteString.copyFromUtf8(pem))
                .build();
    }
}
