package dev.meshbox.controlplane.translate;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import dev.meshbox.controlplane.config.Gateway;
import dev.meshbox.controlplane.config.KubeSecret;
import dev.meshbox.controlplane.registry.Pod;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Gateway servers that terminate TLS (protocol HTTPS, mode SIMPLE or MUTUAL), as Istio's {@code gateway.go} builds
 * them: per server one filter chain matching the server's hosts as SNI ({@code server_names}), a
 * {@code DownstreamTlsContext} offering ALPN h2 and http/1.1 with the certificate from SDS ({@code kubernetes://NAME}
 * for a {@code credentialName}, {@code file-cert:CERT~KEY} for file paths) and, for MUTUAL, a client certificate
 * required and checked against {@code kubernetes://NAME-cacert} (or {@code file-root:CA}), and an HTTP connection
 * manager on RDS {@code https.PORT.PORTNAME.GATEWAY.NAMESPACE}. A server whose credential is missing gets no chain (a
 * warning says why), as Istio leaves it out of the listener; the other servers keep serving.
 */
final class GatewayTls {

    /** A TLS-terminating server of a Gateway that selects the proxy. */
    record Server(Gateway gateway, Gateway.Server server) {}

    /** The SDS secret names of a server's certificate and, for MUTUAL, of its client CA (else null). */
    record Credential(String certificate, String clientCa) {}

    static final String KUBERNETES = "kubernetes://";
    static final String FILE_CERT = "file-cert:";
    static final String FILE_ROOT = "file-root:";
    static final String CACERT_SUFFIX = "-cacert";

    private static final String TLS_SOCKET = "envoy.transport_sockets.tls";

    private GatewayTls() {}

    static void translate(
            MeshView view, Pod proxy, List<Server> servers, List<HttpFilter> security, XdsResources.Builder out) {
        Map<Integer, List<FilterChain>> chainsByPort = new TreeMap<>();
        for (Server s : servers) {
            Gateway.Server server = s.server();
            int listenerPort = Names.gatewayListenerPort(server.port());
            String routeName = routeName(s);
            Map<String, VirtualHost.Builder> byHost = new LinkedHashMap<>();
            GatewayVirtualHosts.add(view, proxy, s.gateway(), server, byHost, out);
            RouteConfiguration.Builder rc = RouteConfiguration.newBuilder()
                    .setName(routeName)
                    .setValidateClusters(BoolValue.of(false))
                    .setIgnorePortInHostMatching(true);
            byHost.values().forEach(rc::addVirtualHosts);
            Optional<Credential> credential = credential(view, proxy, s, out::warn);
            if (credential.isEmpty()) {
                continue; // no chain, and so no route configuration a listener would ask for
            }
            out.route(rc.build());
            FilterChainMatch.Builder match = FilterChainMatch.newBuilder();
            serverNames(server.hosts()).forEach(match::addServerNames);
            chainsByPort
                    .computeIfAbsent(listenerPort, p -> new ArrayList<>())
                    .add(FilterChain.newBuilder()
                            .setName(routeName)
                            .setFilterChainMatch(match)
                            .setTransportSocket(downstream(credential.get()))
                            .addFilters(ListenerTranslator.gatewayHcm(listenerPort, routeName, security))
                            .build());
        }
        chainsByPort.forEach((port, chains) -> out.listener(Listener.newBuilder()
                .setName(Names.outboundListener(port))
                .setAddress(ClusterTranslator.socket("0.0.0.0", port))
                .setTrafficDirection(io.envoyproxy.envoy.config.core.v3.TrafficDirection.OUTBOUND)
                .addAllFilterChains(chains)
                .build()));
    }

    /** Istio's {@code gatewayRDSRouteName} for a terminated HTTPS server: {@code https.443.https.mygateway.default}. */
    static String routeName(Server s) {
        return "https." + s.server().port() + "." + s.server().portName() + "."
                + s.gateway().meta().name() + "." + s.gateway().meta().namespace();
    }

    /** The SNI names a server's chain matches: its hosts without {@code ns/}; none when one is {@code *}. */
    static List<String> serverNames(List<String> hosts) {
        List<String> names = new ArrayList<>();
        for (String raw : hosts) {
            String h = raw.contains("/") ? raw.substring(raw.indexOf('/') + 1) : raw;
            if (h.equals("*")) {
                return List.of();
            }
            if (!names.contains(h)) {
                names.add(h);
            }
        }
        return names;
    }

    /**
     * Where the server's certificate (and client CA) come from, or empty with a warning when they cannot be had: the
     * Secret {@code credentialName} must be in the gateway pod's namespace, as Istio reads it (IST0101).
     */
    static Optional<Credential> credential(
            MeshView view, Pod proxy, Server s, java.util.function.Consumer<String> warn) {
        Gateway.ServerTls tls = s.server().tls();
        boolean mutual = tls.mode().equals(Gateway.ServerTls.MUTUAL);
        String where = s.gateway().meta().display() + ": server port "
                + s.server().port() + " (" + String.join(", ", s.server().hosts()) + ")";
        if (!tls.credentialName().isEmpty()) {
            String name = tls.credentialName();
            Optional<KubeSecret> secret = view.secret(proxy.namespace(), name);
            if (secret.isEmpty()
                    || secret.get().certificateChain().isEmpty()
                    || secret.get().privateKey().isEmpty()) {
                warn.accept(where + ": credentialName " + name + ": Referenced credentialName not found (IST0101):"
                        + " no Secret " + name + " with tls.crt and tls.key in namespace " + proxy.namespace()
                        + " of gateway pod " + proxy.name() + "; this server's filter chain is not served");
                return Optional.empty();
            }
            if (mutual
                    && secret.get().caCertificates().isEmpty()
                    && view.secret(proxy.namespace(), name + CACERT_SUFFIX)
                            .flatMap(KubeSecret::caCertificates)
                            .isEmpty()) {
                warn.accept(where + ": credentialName " + name + ": MUTUAL needs the client CA as ca.crt in Secret "
                        + name + " or in Secret " + name + CACERT_SUFFIX + " (namespace " + proxy.namespace()
                        + "); this server's filter chain is not served");
                return Optional.empty();
            }
            return Optional.of(new Credential(KUBERNETES + name, mutual ? KUBERNETES + name + CACERT_SUFFIX : null));
        }
        for (String file : mutual
                ? List.of(tls.serverCertificate(), tls.privateKey(), tls.caCertificates())
                : List.of(tls.serverCertificate(), tls.privateKey())) {
            if (!Files.isReadable(Path.of(file))) {
                warn.accept(where + ": cannot read " + file + "; this server's filter chain is not served");
                return Optional.empty();
            }
        }
        return Optional.of(new Credential(
                FILE_CERT + tls.serverCertificate() + "~" + tls.privateKey(),
                mutual ? FILE_ROOT + tls.caCertificates() : null));
    }

    private static TransportSocket downstream(Credential c) {
        CommonTlsContext.Builder common = CommonTlsContext.newBuilder()
                .addTlsCertificateSdsSecretConfigs(sds(c.certificate()))
                .addAlpnProtocols("h2")
                .addAlpnProtocols("http/1.1");
        DownstreamTlsContext.Builder tls = DownstreamTlsContext.newBuilder();
        if (c.clientCa() != null) {
            common.setCombinedValidationContext(CommonTlsContext.CombinedCertificateValidationContext.newBuilder()
                    .setDefaultValidationContext(CertificateValidationContext.getDefaultInstance())
                    .setValidationContextSdsSecretConfig(sds(c.clientCa())));
            tls.setRequireClientCertificate(BoolValue.of(true));
        }
        return TransportSocket.newBuilder()
                .setName(TLS_SOCKET)
                .setTypedConfig(Any.pack(tls.setCommonTlsContext(common).build()))
                .build();
    }

    private static SdsSecretConfig sds(String name) {
        return SdsSecretConfig.newBuilder()
                .setName(name)
                .setSdsConfig(ClusterTranslator.ADS)
                .build();
    }
}
