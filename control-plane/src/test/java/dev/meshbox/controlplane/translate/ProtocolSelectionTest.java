package dev.meshbox.controlplane.translate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.controlplane.config.ConfigStore;
import dev.meshbox.controlplane.registry.MeshService;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.controlplane.registry.Protocol;
import dev.meshbox.controlplane.registry.ServicePort;
import dev.meshbox.controlplane.registry.ServiceRegistry;
import dev.meshbox.controlplane.testing.BookinfoFixture;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Protocol selection as Istio's {@code kube.ConvertProtocol} (port name prefix, {@code appProtocol} first, Kubernetes'
 * standard names) and what it changes in Envoy config: the clusters' upstream HTTP version ({@code setUpstreamProtocol})
 * and the inbound connection manager's HTTP/2 options.
 */
class ProtocolSelectionTest {

    private static final String FQDN = "echo.default.svc.cluster.local";

    @ParameterizedTest(name = "name={0} appProtocol={1} protocol={2} -> {3}")
    @CsvSource(
            nullValues = "-",
            value = {
                "http,             -,                 TCP, HTTP",
                "http-web,         -,                 TCP, HTTP",
                "HTTP-web,         -,                 TCP, HTTP",
                "http2,            -,                 TCP, HTTP2",
                "http2-api,        -,                 TCP, HTTP2",
                "grpc,             -,                 TCP, GRPC",
                "grpc-echo,        -,                 TCP, GRPC",
                "grpc-web,         -,                 TCP, GRPC_WEB",
                "grpc-web-ui,      -,                 TCP, GRPC_WEB",
                "tcp-db,           -,                 TCP, TCP",
                "https,            -,                 TCP, HTTPS",
                "tls-passthrough,  -,                 TCP, TLS",
                "mongo,            -,                 TCP, MONGO",
                "mysql,            -,                 TCP, MYSQL",
                "redis,            -,                 TCP, REDIS",
                "web,              -,                 TCP, UNSUPPORTED",
                "httpx,            -,                 TCP, UNSUPPORTED",
                "-,                -,                 TCP, UNSUPPORTED",
                "web,              grpc,              TCP, GRPC",
                "http,             grpc,              TCP, GRPC",
                "grpc,             http,              TCP, HTTP",
                "web,              HTTP2,             TCP, HTTP2",
                "web,              kubernetes.io/h2c, TCP, HTTP2",
                "web,              kubernetes.io/ws,  TCP, HTTP",
                "web,              kubernetes.io/wss, TCP, HTTPS",
                "web,              example.com/x,     TCP, UNSUPPORTED",
                "http,             -,                 UDP, UDP",
            })
    void portNameAndAppProtocolSelectTheProtocol(String name, String appProtocol, String l4, Protocol expected) {
        assertThat(Protocol.ofServicePort(name, appProtocol, l4)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}: http2={1} http={2} tcp={3}")
    @CsvSource({
        "HTTP,        false, true,  false",
        "HTTP2,       true,  true,  false",
        "GRPC,        true,  true,  false",
        "GRPC_WEB,    true,  true,  false",
        "TCP,         false, false, true",
        "HTTPS,       false, false, true",
        "TLS,         false, false, true",
        "UNSUPPORTED, false, false, false",
    })
    void protocolClassesAsIstiosInstance(Protocol p, boolean http2, boolean http, boolean tcp) {
        assertThat(p.isHttp2()).isEqualTo(http2);
        assertThat(p.isHttp()).isEqualTo(http);
        assertThat(p.isTcp()).isEqualTo(tcp);
    }

    @Test
    void servicePortOfSpellsTheProtocolAsIstio() {
        assertThat(ServicePort.of("grpc-web", 80, 8080, null).protocol()).isEqualTo("GRPC-Web");
        assertThat(ServicePort.of("web", 80, 8080, null).protocol()).isEqualTo("UnsupportedProtocol");
        assertThat(ServicePort.of("web", 80, 8080, null).selectedProtocol()).isEqualTo(Protocol.UNSUPPORTED);
    }

    /** What the cluster's {@code typed_extension_protocol_options} say about the upstream HTTP version. */
    enum Upstream {
        HTTP1_DEFAULT,
        HTTP1_EXPLICIT,
        HTTP2,
        DOWNSTREAM
    }

    private static Upstream upstream(Cluster c) throws Exception {
        var any = c.getTypedExtensionProtocolOptionsMap().get("envoy.extensions.upstreams.http.v3.HttpProtocolOptions");
        if (any == null) {
            return Upstream.HTTP1_DEFAULT;
        }
        HttpProtocolOptions o = any.unpack(HttpProtocolOptions.class);
        if (o.hasUseDownstreamProtocolConfig()) {
            assertThat(o.getUseDownstreamProtocolConfig().hasHttp2ProtocolOptions())
                    .isTrue();
            return Upstream.DOWNSTREAM;
        }
        return o.getExplicitHttpConfig().hasHttp2ProtocolOptions() ? Upstream.HTTP2 : Upstream.HTTP1_EXPLICIT;
    }

    private static final Pod ECHO = BookinfoFixture.pod("echo-v1", "echo", "v1", 9);

    private static XdsResources translate(String portName, String appProtocol, String... rules) {
        ServiceRegistry r = BookinfoFixture.registry();
        r.putService(new MeshService(
                "echo", "default", List.of(ServicePort.of(portName, 7070, 17070, appProtocol)), Map.of("app", "echo")));
        r.putPod(ECHO);
        ConfigStore store = new ConfigStore();
        for (int i = 0; i < rules.length; i++) {
            assertThat(store.apply("rule-" + i + ".yaml", rules[i]).problems()).isEmpty();
        }
        return Translator.translate(new MeshView(store.snapshot(), r.snapshot()), ECHO);
    }

    private static Cluster cluster(XdsResources r, String name) {
        return r.clusters().stream()
                .filter(c -> c.getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no cluster " + name));
    }

    private static HttpConnectionManager inboundHcm(XdsResources r, int port) throws Exception {
        Listener inbound = r.listeners().stream()
                .filter(l -> l.getName().equals("virtualInbound"))
                .findFirst()
                .orElseThrow();
        FilterChain chain = inbound.getFilterChainsList().stream()
                .filter(fc -> fc.getFilterChainMatch().getDestinationPort().getValue() == port)
                .findFirst()
                .orElseThrow();
        return chain.getFilters(0).getTypedConfig().unpack(HttpConnectionManager.class);
    }

    @ParameterizedTest(name = "port {0} appProtocol {1}: outbound and inbound clusters {2}, inbound h2 options {3}")
    @CsvSource(
            nullValues = "-",
            value = {
                "http,      -,                 HTTP1_DEFAULT, false",
                "http-echo, -,                 HTTP1_DEFAULT, false",
                "grpc-echo, -,                 HTTP2,         true",
                "http2,     -,                 HTTP2,         true",
                "grpc-web,  -,                 HTTP2,         true",
                "echo,      -,                 DOWNSTREAM,    false",
                "echo,      grpc,              HTTP2,         true",
                "echo,      kubernetes.io/h2c, HTTP2,         true",
                "grpc,      http,              HTTP1_DEFAULT, false",
            })
    void thePortsProtocolChoosesTheUpstreamHttpVersionAndTheInboundCodecOptions(
            String portName, String appProtocol, Upstream expected, boolean inboundH2) throws Exception {
        XdsResources r = translate(portName, appProtocol);
        assertThat(upstream(cluster(r, "outbound|7070||" + FQDN))).isEqualTo(expected);
        assertThat(upstream(cluster(r, "inbound|17070||"))).isEqualTo(expected);
        HttpConnectionManager hcm = inboundHcm(r, 17070);
        assertThat(hcm.getCodecType()).isEqualTo(HttpConnectionManager.CodecType.AUTO);
        assertThat(hcm.hasHttp2ProtocolOptions()).isEqualTo(inboundH2);
    }

    @Test
    void subsetClustersInheritThePortsProtocolAndKeepTheRulesCommonOptions() throws Exception {
        XdsResources r = translate("grpc", null, """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: echo}
                spec:
                  host: echo
                  trafficPolicy:
                    connectionPool:
                      http: {maxRequestsPerConnection: 5}
                  subsets:
                  - name: v1
                    labels: {version: v1}
                """);
        for (String name : List.of("outbound|7070||" + FQDN, "outbound|7070|v1|" + FQDN)) {
            Cluster c = cluster(r, name);
            assertThat(upstream(c)).as(name).isEqualTo(Upstream.HTTP2);
            HttpProtocolOptions o = c.getTypedExtensionProtocolOptionsMap()
                    .get("envoy.extensions.upstreams.http.v3.HttpProtocolOptions")
                    .unpack(HttpProtocolOptions.class);
            assertThat(o.getCommonHttpProtocolOptions()
                            .getMaxRequestsPerConnection()
                            .getValue())
                    .isEqualTo(5);
        }
    }

    @ParameterizedTest(name = "{0} port, {1} -> {2}")
    @CsvSource({
        "http,  'h2UpgradePolicy: UPGRADE',        HTTP2",
        "http,  'h2UpgradePolicy: DO_NOT_UPGRADE', HTTP1_DEFAULT",
        "http,  'useClientProtocol: true',         DOWNSTREAM",
        "grpc,  'h2UpgradePolicy: DO_NOT_UPGRADE', HTTP2",
        "echo,  'h2UpgradePolicy: UPGRADE',        DOWNSTREAM",
    })
    void destinationRuleUpgradesOrFollowsTheClient(String portName, String setting, Upstream expected)
            throws Exception {
        XdsResources r = translate(portName, null, """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: echo}
                spec:
                  host: echo
                  trafficPolicy:
                    connectionPool:
                      http: {%s}
                """.formatted(setting));
        assertThat(upstream(cluster(r, "outbound|7070||" + FQDN))).isEqualTo(expected);
    }

    @Test
    void anUnknownH2UpgradePolicyIsRefusedNamingTheField() {
        var result = new ConfigStore().apply("dr.yaml", """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: echo}
                spec:
                  host: echo
                  trafficPolicy:
                    connectionPool:
                      http: {h2UpgradePolicy: ALWAYS}
                """);
        assertThat(result.problems().toString())
                .contains("dr.yaml")
                .contains("h2UpgradePolicy")
                .contains("must be one of DEFAULT, DO_NOT_UPGRADE, UPGRADE");
    }
}
