package dev.meshbox.controlplane.translate;

import static dev.meshbox.controlplane.testing.BookinfoYaml.DESTINATION_RULE_ALL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.controlplane.testing.BookinfoFixture;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import org.junit.jupiter.api.Test;

/** VirtualService hosts outside the registry, on sidecars (route configuration "80") and on gateways. */
class VirtualServiceHostsTest {

    private static final String EXAMPLE = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: example}
            spec:
              hosts: [www.example.com, legacy]
              http:
              - match:
                - uri: {prefix: /reviews}
                route:
                - destination: {host: reviews, subset: v2}
              - route:
                - destination: {host: ratings}
            """;

    @Test
    void anOutsideHostGetsAVirtualHostOnPort80WithItsRoutes() {
        XdsResources r = Translator.translate(
                BookinfoFixture.view(DESTINATION_RULE_ALL.text(), EXAMPLE), BookinfoFixture.PRODUCTPAGE);
        assertThat(r.listeners()).extracting(Listener::getName).contains("0.0.0.0_80", "0.0.0.0_9080");
        RouteConfiguration rc = route(r, "80");
        assertThat(rc.getVirtualHostsList())
                .extracting(VirtualHost::getName)
                .containsExactly("www.example.com:80", "legacy.default.svc.cluster.local:80", "allow_any");
        VirtualHost www = rc.getVirtualHosts(0);
        assertThat(www.getDomainsList()).containsExactly("www.example.com", "www.example.com:80");
        assertThat(www.getRoutes(0).getMatch().getPrefix()).isEqualTo("/reviews");
        assertThat(www.getRoutes(0).getRoute().getCluster())
                .isEqualTo("outbound|9080|v2|reviews.default.svc.cluster.local");
        assertThat(www.getRoutes(1).getRoute().getCluster())
                .as("a single-port service's port, whatever the listener's")
                .isEqualTo("outbound|9080||ratings.default.svc.cluster.local");
        assertThat(rc.getVirtualHosts(1).getDomainsList())
                .as("a short name is a service name of the namespace, as Istio resolves it")
                .containsExactly("legacy.default.svc.cluster.local", "legacy.default.svc.cluster.local:80");
        assertThat(route(r, "9080").getVirtualHostsList())
                .extracting(VirtualHost::getName)
                .as("only port 80 routes an outside host")
                .doesNotContain("www.example.com:80");
        assertThat(r.warnings()).isEmpty();
    }

    @Test
    void withoutOutsideHostsThereIsNoPort80() {
        XdsResources r = Translator.translate(BookinfoFixture.view(), BookinfoFixture.PRODUCTPAGE);
        assertThat(r.listeners()).extracting(Listener::getName).doesNotContain("0.0.0.0_80");
        assertThat(r.routes()).extracting(RouteConfiguration::getName).doesNotContain("80");
    }

    @Test
    void aSecondVirtualServiceForTheSameOutsideHostIsIgnoredWithIst0109() {
        String second = EXAMPLE.replace("name: example", "name: example2").replace("subset: v2", "subset: v3");
        XdsResources r = Translator.translate(
                BookinfoFixture.view(DESTINATION_RULE_ALL.text(), EXAMPLE, second), BookinfoFixture.PRODUCTPAGE);
        VirtualHost www = route(r, "80").getVirtualHosts(0);
        assertThat(www.getRoutes(0).getRoute().getCluster()).contains("|v2|");
        assertThat(r.warnings())
                .anySatisfy(w -> assertThat(w)
                        .startsWith("The VirtualServices default/example,default/example2 associated with mesh gateway"
                                + " define the same host www.example.com which can lead to undefined behavior.")
                        .contains("IST0109"));
    }

    @Test
    void aRootForAnOutsideHostDelegates() {
        String root = """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: example}
                spec:
                  hosts: [www.example.com]
                  http:
                  - match:
                    - uri: {prefix: /a}
                    delegate: {name: example-a}
                """;
        String delegate = """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: example-a}
                spec:
                  http:
                  - route:
                    - destination: {host: details}
                """;
        XdsResources r = Translator.translate(BookinfoFixture.view(root, delegate), BookinfoFixture.PRODUCTPAGE);
        VirtualHost www = route(r, "80").getVirtualHosts(0);
        assertThat(www.getRoutesList()).hasSize(1);
        assertThat(www.getRoutes(0).getMatch().getPrefix()).isEqualTo("/a");
        assertThat(www.getRoutes(0).getRoute().getCluster())
                .isEqualTo("outbound|9080||details.default.svc.cluster.local");
    }

    private static final String GATEWAY = """
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {name: example-gateway, namespace: istio-system}
            spec:
              selector: {istio: ingressgateway}
              servers:
              - port: {number: 80, name: http, protocol: HTTP}
                hosts: [www.example.com]
            """;

    @Test
    void aGatewayRoutesAnOutsideHostBoundToItAndWarnsOfHostsItDoesNotExpose() {
        String vs = """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: example}
                spec:
                  hosts: [www.example.com, api.example.com]
                  gateways: [istio-system/example-gateway, missing-gateway]
                  http:
                  - route:
                    - destination: {host: details}
                """;
        XdsResources r = Translator.translate(BookinfoFixture.view(GATEWAY, vs), BookinfoFixture.GATEWAY);
        RouteConfiguration rc = route(r, "http.80");
        assertThat(rc.getVirtualHostsList()).extracting(VirtualHost::getName).containsExactly("www.example.com:80");
        assertThat(rc.getVirtualHosts(0).getRoutes(0).getRoute().getCluster())
                .isEqualTo("outbound|9080||details.default.svc.cluster.local");
        assertThat(r.warnings())
                .contains(
                        "VirtualService default/example: spec.hosts: one or more host [api.example.com] defined in"
                                + " VirtualService default/example not found in Gateway istio-system/example-gateway."
                                + " (IST0132; that gateway does not route them)",
                        "VirtualService default/example: spec.gateways[1]: Referenced gateway not found:"
                                + " \"default/missing-gateway\" (IST0101)");
    }

    private static RouteConfiguration route(XdsResources r, String name) {
        return r.routes().stream()
                .filter(x -> x.getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no route configuration " + name + " in "
                        + r.routes().stream().map(RouteConfiguration::getName).toList()));
    }
}
