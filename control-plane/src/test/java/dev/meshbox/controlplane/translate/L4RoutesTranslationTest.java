package dev.meshbox.controlplane.translate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.controlplane.config.ConfigProblem;
import dev.meshbox.controlplane.config.ConfigStore;
import dev.meshbox.controlplane.registry.MeshService;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.controlplane.registry.ServicePort;
import dev.meshbox.controlplane.registry.ServiceRegistry;
import dev.meshbox.controlplane.testing.BookinfoFixture;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * VirtualService {@code tcp:} and {@code tls:} rules to listeners with {@code tcp_proxy} chains, for sidecars (a
 * bound {@code 0.0.0.0_<port>} per TCP-only port) and gateways (TCP servers, TLS PASSTHROUGH by SNI), and the webhook's
 * refusals. Rows: {name, config, proxy, what the proxy's resources must show}.
 */
class L4RoutesTranslationTest {

    private static final String ECHO = "tcp-echo.default.svc.cluster.local";
    static final Pod SLEEP = BookinfoFixture.pod("sleep", "sleep", "v1", 30);
    static final Pod ECHO_V1 = BookinfoFixture.pod("tcp-echo-v1", "tcp-echo", "v1", 31);
    static final Pod ECHO_V2 = BookinfoFixture.pod("tcp-echo-v2", "tcp-echo", "v2", 32);

    private static final String DR = """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: tcp-echo-destination}
            spec:
              host: tcp-echo
              subsets:
              - {name: v1, labels: {version: v1}}
              - {name: v2, labels: {version: v2}}
            """;

    private static final String GATEWAY = """
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {name: tcp-echo-gateway}
            spec:
              selector: {istio: ingressgateway}
              servers:
              - port: {number: 31400, name: tcp, protocol: TCP}
                hosts: ["*"]
            """;

    private static final String NGINX_ENTRY = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: nginx}
            spec:
              hosts: [nginx.example.com]
              ports: [{number: 443, name: https, protocol: HTTPS}]
              resolution: DNS
              location: MESH_EXTERNAL
            """;

    static MeshView view(String... yamls) {
        ServiceRegistry r = BookinfoFixture.registry();
        r.putService(new MeshService(
                "tcp-echo", "default", List.of(ServicePort.of("tcp", 9000, 9000, null)), Map.of("app", "tcp-echo")));
        for (Pod p : List.of(SLEEP, ECHO_V1, ECHO_V2)) {
            r.putPod(p);
        }
        ConfigStore store = new ConfigStore();
        assertThat(store.apply("se.yaml", NGINX_ENTRY).problems()).isEmpty();
        for (int i = 0; i < yamls.length; i++) {
            var result = store.apply("fixture-" + i + ".yaml", yamls[i]);
            assertThat(result.problems()).isEmpty();
        }
        return new MeshView(store.snapshot(), r.snapshot());
    }

    static Listener listener(XdsResources r, String name) {
        return r.listeners().stream()
                .filter(l -> l.getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no listener " + name + " in "
                        + r.listeners().stream().map(Listener::getName).toList()));
    }

    static TcpProxy tcpProxy(FilterChain c) {
        return TranslatorTest.unpack(c.getFilters(0).getTypedConfig(), TcpProxy.class);
    }

    static Stream<Arguments> rows() {
        return Stream.of(
                Arguments.of(
                        "a TCP service without VirtualService: the sidecar binds its port, all to the service",
                        List.of(),
                        SLEEP,
                        (Consumer<XdsResources>) r -> {
                            Listener l = listener(r, "0.0.0.0_9000");
                            assertThat(l.hasBindToPort()).isFalse(); // bound (the default)
                            assertThat(tcpProxy(l.getFilterChains(0)).getCluster())
                                    .isEqualTo("outbound|9000||" + ECHO);
                        }),
                Arguments.of("tcp: weights 80/20 become weighted_clusters", List.of(DR, """
                                apiVersion: networking.istio.io/v1
                                kind: VirtualService
                                metadata: {name: tcp-echo}
                                spec:
                                  hosts: [tcp-echo]
                                  tcp:
                                  - match: [{port: 9000}]
                                    route:
                                    - {destination: {host: tcp-echo, port: {number: 9000}, subset: v1}, weight: 80}
                                    - {destination: {host: tcp-echo, port: {number: 9000}, subset: v2}, weight: 20}
                                """), SLEEP, (Consumer<
                                XdsResources>)
                        r -> {
                            TcpProxy p = tcpProxy(listener(r, "0.0.0.0_9000").getFilterChains(0));
                            assertThat(p.getWeightedClusters().getClustersList())
                                    .extracting(c -> c.getName() + "=" + c.getWeight())
                                    .containsExactly(
                                            "outbound|9000|v1|" + ECHO + "=80", "outbound|9000|v2|" + ECHO + "=20");
                        }),
                Arguments.of(
                        "a tcp: match on another port leaves the service's default", List.of(DR, """
                                apiVersion: networking.istio.io/v1
                                kind: VirtualService
                                metadata: {name: tcp-echo}
                                spec:
                                  hosts: [tcp-echo]
                                  tcp:
                                  - match: [{port: 9001}]
                                    route: [{destination: {host: tcp-echo, subset: v2}}]
                                """), SLEEP, (Consumer<
                                        XdsResources>)
                                r -> assertThat(tcpProxy(listener(r, "0.0.0.0_9000")
                                                        .getFilterChains(0))
                                                .getCluster())
                                        .isEqualTo("outbound|9000||" + ECHO)),
                Arguments.of(
                        "the TCP service's own pod: its inbound chain proxies TCP to the app, no outbound listener",
                        List.of(),
                        ECHO_V1,
                        (Consumer<XdsResources>) r -> {
                            Listener in = listener(r, Names.VIRTUAL_INBOUND);
                            FilterChain c = in.getFilterChainsList().stream()
                                    .filter(x -> x.getFilterChainMatch()
                                                    .getDestinationPort()
                                                    .getValue()
                                            == 9000)
                                    .findFirst()
                                    .orElseThrow();
                            assertThat(tcpProxy(c).getCluster()).isEqualTo("inbound|9000||");
                            assertThat(r.listeners().stream()
                                            .filter(l -> l.getName().equals("0.0.0.0_9000"))
                                            .allMatch(l -> l.getBindToPort().getValue() == false && l.hasBindToPort()))
                                    .isTrue();
                        }),
                Arguments.of(
                        "an HTTPS ServiceEntry port: a chain by SNI to outbound|443||host", List.of(), SLEEP, (Consumer<
                                        XdsResources>)
                                r -> {
                                    Listener l = listener(r, "0.0.0.0_443");
                                    assertThat(l.getListenerFiltersList())
                                            .extracting(f -> f.getName())
                                            .containsExactly("envoy.filters.listener.tls_inspector");
                                    assertThat(l.getFilterChains(0)
                                                    .getFilterChainMatch()
                                                    .getServerNamesList())
                                            .containsExactly("nginx.example.com");
                                    assertThat(tcpProxy(l.getFilterChains(0)).getCluster())
                                            .isEqualTo("outbound|443||nginx.example.com");
                                }),
                Arguments.of(
                        "a gateway TCP server: a listener on 31400 following the bound VirtualService's tcp: rule",
                        List.of(DR, GATEWAY, """
                                apiVersion: networking.istio.io/v1
                                kind: VirtualService
                                metadata: {name: tcp-echo}
                                spec:
                                  hosts: ["*"]
                                  gateways: [tcp-echo-gateway]
                                  tcp:
                                  - match: [{port: 31400}]
                                    route:
                                    - destination: {host: tcp-echo, port: {number: 9000}, subset: v1}
                                """),
                        BookinfoFixture.GATEWAY,
                        (Consumer<XdsResources>) r -> {
                            Listener l = listener(r, "0.0.0.0_31400");
                            assertThat(l.getAddress().getSocketAddress().getPortValue())
                                    .isEqualTo(31400);
                            assertThat(tcpProxy(l.getFilterChains(0)).getCluster())
                                    .isEqualTo("outbound|9000|v1|" + ECHO);
                            assertThat(r.warnings()).noneMatch(w -> w.contains("not simulated"));
                        }),
                Arguments.of(
                        "a gateway PASSTHROUGH server: chains by SNI on 8443, nothing for other names",
                        List.of("""
                                apiVersion: networking.istio.io/v1
                                kind: Gateway
                                metadata: {name: mygateway}
                                spec:
                                  selector: {istio: ingressgateway}
                                  servers:
                                  - port: {number: 443, name: https, protocol: HTTPS}
                                    tls: {mode: PASSTHROUGH}
                                    hosts: [nginx.example.com]
                                ---
                                apiVersion: networking.istio.io/v1
                                kind: VirtualService
                                metadata: {name: nginx}
                                spec:
                                  hosts: [nginx.example.com]
                                  gateways: [mygateway]
                                  tls:
                                  - match:
                                    - port: 443
                                      sniHosts: [nginx.example.com]
                                    route:
                                    - destination: {host: nginx.example.com, port: {number: 443}}
                                """),
                        BookinfoFixture.GATEWAY,
                        (Consumer<XdsResources>) r -> {
                            Listener l = listener(r, "0.0.0.0_8443");
                            assertThat(l.getFilterChainsCount()).isEqualTo(1);
                            assertThat(l.getFilterChains(0)
                                            .getFilterChainMatch()
                                            .getServerNamesList())
                                    .containsExactly("nginx.example.com");
                            assertThat(tcpProxy(l.getFilterChains(0)).getCluster())
                                    .isEqualTo("outbound|443||nginx.example.com");
                            assertThat(l.getListenerFilters(0).getName())
                                    .isEqualTo("envoy.filters.listener.tls_inspector");
                        }));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void translates(String name, List<String> config, Pod proxy, Consumer<XdsResources> want) {
        want.accept(Translator.translate(view(config.toArray(String[]::new)), proxy));
    }

    static Stream<Arguments> refusals() {
        return Stream.of(
                Arguments.of(
                        "tls: without match",
                        "  hosts: [nginx.example.com]\n  tls:\n  - route: [{destination: {host: nginx.example.com}}]\n",
                        "spec.tls[0].match: TLS route must have at least one match condition"),
                Arguments.of(
                        "tls: match without sniHosts",
                        "  hosts: [nginx.example.com]\n  tls:\n  - match: [{port: 443}]\n"
                                + "    route: [{destination: {host: nginx.example.com}}]\n",
                        "spec.tls[0].match[0].sniHosts: TLS match must have at least one SNI host"),
                Arguments.of(
                        "sniHosts outside the hosts",
                        "  hosts: [nginx.example.com]\n  tls:\n  - match: [{sniHosts: [other.example.com]}]\n"
                                + "    route: [{destination: {host: nginx.example.com}}]\n",
                        "spec.tls[0].match[0].sniHosts[0]: the SNI host other.example.com is not a compatible subset"
                                + " of any of the virtual service hosts: [nginx.example.com]"),
                Arguments.of(
                        "a tcp: route with an HTTP match",
                        "  hosts: [tcp-echo]\n  tcp:\n  - match: [{uri: {prefix: /}}]\n"
                                + "    route: [{destination: {host: tcp-echo}}]\n",
                        "spec.tcp[0].match[0].uri: is an HTTP match field; a TCP route matches only on"),
                Arguments.of(
                        "a tcp: route with an HTTP action",
                        "  hosts: [tcp-echo]\n  tcp:\n  - timeout: 1s\n    route: [{destination: {host: tcp-echo}}]\n",
                        "spec.tcp[0].timeout: is an HTTP route field; a TCP route has only match and route"),
                Arguments.of(
                        "weights adding up to 0",
                        "  hosts: [tcp-echo]\n  tcp:\n  - route:\n    - {destination: {host: tcp-echo, subset: v1},"
                                + " weight: 0}\n    - {destination: {host: tcp-echo, subset: v2}, weight: 0}\n",
                        "spec.tcp[0].route: total weight of 2 destinations is 0"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void theWebhookRefuses(String name, String spec, String problem) {
        var result = new ConfigStore().apply("bad.yaml", """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: bad}
                spec:
                """ + spec);
        assertThat(result.problems())
                .extracting(ConfigProblem::toString)
                .anySatisfy(p -> assertThat(p)
                        .startsWith("bad.yaml: VirtualService default/bad: ")
                        .contains(problem));
    }

    @Test
    void sourceLabelsChooseTheRulePerWorkload() {
        String vs = """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: tcp-echo}
                spec:
                  hosts: [tcp-echo]
                  tcp:
                  - match: [{sourceLabels: {app: sleep}}]
                    route: [{destination: {host: tcp-echo, subset: v2}}]
                  - route: [{destination: {host: tcp-echo, subset: v1}}]
                """;
        MeshView v = view(DR, vs);
        assertThat(tcpProxy(listener(Translator.translate(v, SLEEP), "0.0.0.0_9000")
                                .getFilterChains(0))
                        .getCluster())
                .isEqualTo("outbound|9000|v2|" + ECHO);
        assertThat(tcpProxy(listener(Translator.translate(v, BookinfoFixture.PRODUCTPAGE), "0.0.0.0_9000")
                                .getFilterChains(0))
                        .getCluster())
                .isEqualTo("outbound|9000|v1|" + ECHO);
    }
}
