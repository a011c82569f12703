package dev.meshbox.controlplane.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.controlplane.testing.GatewayApiFixture;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The Gateway API kinds parse as the API server's schema and CEL rules accept them, and problems name the field. */
class GatewayApiParserTest {

    private final IstioParser parser = new IstioParser();

    private static final String ROUTE = """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata:
              name: r
            spec:
              parentRefs:
              - name: gw
              rules:
              - matches:
                - path: {type: PathPrefix, value: /a}
                backendRefs:
                - {name: reviews, port: 9080}
            """;

    @Test
    void istiosSampleParsesIntoGatewayAndRoute() {
        ParseResult r = parser.parse("bookinfo-gateway.yaml", GatewayApiFixture.BOOKINFO_GATEWAY);
        assertThat(r.problems()).isEmpty();
        assertThat(r.resources()).hasSize(2);
        KubeGateway gw = (KubeGateway) r.resources().get(0);
        assertThat(gw.meta().key())
                .isEqualTo(new ResourceKey(GatewayApi.GATEWAY_KEY_KIND, "default", "bookinfo-gateway"));
        assertThat(gw.listeners()).singleElement().satisfies(l -> {
            assertThat(l.port()).isEqualTo(80);
            assertThat(l.from()).isEqualTo(KubeGateway.RoutesFrom.SAME);
        });
        KubeHttpRoute route = (KubeHttpRoute) r.resources().get(1);
        assertThat(route.rules().get(0).matches()).hasSize(5);
        assertThat(route.parentRefs().get(0).isGateway()).isTrue();
    }

    @Test
    void anIstioGatewayAndAGatewayApiGatewayOfOneNameAreTwoResources() {
        ConfigStore store = new ConfigStore();
        ApplyResult r = store.apply("both.yaml", GatewayApiFixture.BOOKINFO_GATEWAY + "---\n" + """
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata:
                  name: bookinfo-gateway
                spec:
                  selector: {istio: ingressgateway}
                  servers:
                  - port: {number: 80, name: http, protocol: HTTP}
                    hosts: ["*"]
                """);
        assertThat(r.problems()).isEmpty();
        assertThat(r.changes())
                .extracting(ApplyResult.Change::display)
                .containsExactly(
                        "gateway.gateway.networking.k8s.io/bookinfo-gateway created",
                        "httproute.gateway.networking.k8s.io/bookinfo created",
                        "gateway.networking.istio.io/bookinfo-gateway created");
        assertThat(store.snapshot().resources()).hasSize(3);
    }

    static Stream<Arguments> problems() {
        return Stream.of(
                Arguments.of(
                        "a path that is not absolute",
                        ROUTE.replace("value: /a", "value: a"),
                        "HTTPRoute default/r: spec.rules[0].matches[0].path.value: must be an absolute path starting with '/', got \"a\""),
                Arguments.of(
                        "an unknown path type",
                        ROUTE.replace("PathPrefix", "Prefix"),
                        "spec.rules[0].matches[0].path.type: must be one of Exact, PathPrefix, RegularExpression, got \"Prefix\""),
                Arguments.of(
                        "a Service backend without port",
                        ROUTE.replace(", port: 9080", ""),
                        "spec.rules[0].backendRefs[0].port: is required when the backend is a Service"),
                Arguments.of(
                        "a weight out of range",
                        ROUTE.replace("port: 9080}", "port: 9080, weight: -1}"),
                        "spec.rules[0].backendRefs[0].weight: must be between 0 and 1000000, got -1"),
                Arguments.of(
                        "a backend timeout longer than the request's",
                        ROUTE + "    timeouts: {request: 1s, backendRequest: 2s}\n",
                        "spec.rules[0].timeouts.backendRequest: must be no longer than timeouts.request (1s), got 2s"),
                Arguments.of(
                        "a duration in another format",
                        ROUTE + "    timeouts: {request: 1.5s}\n",
                        "spec.rules[0].timeouts.request: must be a Gateway API duration such as 10s, 500ms or 1m30s, got \"1.5s\""),
                Arguments.of(
                        "ReplacePrefixMatch after an Exact match",
                        ROUTE.replace("PathPrefix", "Exact")
                                + "    filters:\n    - type: URLRewrite\n      urlRewrite:\n        path: {type: ReplacePrefixMatch, replacePrefixMatch: /b}\n",
                        "spec.rules[0].filters: ReplacePrefixMatch needs exactly one match, of type PathPrefix"),
                Arguments.of(
                        "a redirect and a rewrite in one rule",
                        ROUTE
                                + "    filters:\n    - type: URLRewrite\n      urlRewrite: {hostname: a.example.com}\n"
                                + "    - type: RequestRedirect\n      requestRedirect: {scheme: https}\n",
                        "spec.rules[0].filters: may not contain both RequestRedirect and URLRewrite"),
                Arguments.of(
                        "a filter without its configuration",
                        ROUTE + "    filters:\n    - type: RequestMirror\n",
                        "spec.rules[0].filters[0].requestMirror: is required when type is RequestMirror"),
                Arguments.of(
                        "an unknown filter type",
                        ROUTE + "    filters:\n    - type: Rewrite\n",
                        "spec.rules[0].filters[0].type: must be one of CORS, ExtensionRef, RequestHeaderModifier"),
                Arguments.of(
                        "a hostname with a port",
                        ROUTE.replace("spec:\n", "spec:\n  hostnames: [\"a.com:80\"]\n"),
                        "spec.hostnames[0]: must be a lowercase DNS name"),
                Arguments.of(
                        "a redirect status Gateway API does not know",
                        ROUTE + "    filters:\n    - type: RequestRedirect\n      requestRedirect: {statusCode: 304}\n",
                        "spec.rules[0].filters[0].requestRedirect.statusCode: must be one of 301, 302, 303, 307, 308, got 304"),
                Arguments.of(
                        "an HTTPRoute version Istio does not serve",
                        ROUTE.replace("/v1\n", "/v1alpha1\n"),
                        "apiVersion: must be gateway.networking.k8s.io/v1 or /v1beta1 for HTTPRoute, got \"gateway.networking.k8s.io/v1alpha1\""),
                Arguments.of(
                        "a Gateway without listeners",
                        """
                                apiVersion: gateway.networking.k8s.io/v1
                                kind: Gateway
                                metadata: {name: g}
                                spec: {gatewayClassName: istio}
                                """,
                        "Gateway.gateway.networking.k8s.io default/g: spec.listeners: must list at least one listener"),
                Arguments.of(
                        "two listeners of one name",
                        """
                                apiVersion: gateway.networking.k8s.io/v1
                                kind: Gateway
                                metadata: {name: g}
                                spec:
                                  gatewayClassName: istio
                                  listeners:
                                  - {name: http, port: 80, protocol: HTTP}
                                  - {name: http, port: 81, protocol: HTTP}
                                """,
                        "spec.listeners[1].name: \"http\" is used by another listener; names must be unique"),
                Arguments.of(
                        "an experimental retry MeshBox does not honour",
                        ROUTE + "    retry: {attempts: 3}\n",
                        "spec.rules[0].retry: is not supported by MeshBox yet"),
                Arguments.of(
                        "a TCPRoute",
                        ROUTE.replace("HTTPRoute", "TCPRoute"),
                        "unknown kind \"TCPRoute\"; expected one of VirtualService, DestinationRule, Gateway"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("problems")
    void badInputIsRefusedNamingTheField(String name, String yaml, String expected) {
        ParseResult r = parser.parse("route.yaml", yaml);
        assertThat(r.problems())
                .extracting(Object::toString)
                .anySatisfy(p -> assertThat(p).contains(expected));
        assertThat(r.resources()).isEmpty();
    }

    @Test
    void unknownKindMessageNamesTheGatewayApiKinds() {
        ParseResult r = parser.parse("x.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec: {}\n");
        assertThat(r.problems().get(0).message()).contains("HTTPRoute", "ReferenceGrant", "gateway.networking.k8s.io");
    }
}
