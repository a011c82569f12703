package dev.meshbox.controlplane.translate;

import static dev.meshbox.controlplane.testing.BookinfoYaml.GATEWAY;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import dev.meshbox.controlplane.config.ConfigStore;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.controlplane.testing.BookinfoFixture;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** RequestAuthentication to {@code envoy.filters.http.jwt_authn}, asserted on the listeners' protos. */
class JwtFiltersTest {

    private static final String JWKS = "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"k\",\"k\":\"c2VjcmV0\"}]}";

    private static String policy(String namespace, String selector, String rules) {
        return """
                apiVersion: security.istio.io/v1
                kind: RequestAuthentication
                metadata:
                  name: jwt-%s
                  namespace: %s
                spec:
                %s  jwtRules:
                %s
                """.formatted(namespace.hashCode() & 0xffff, namespace, selector, rules);
    }

    private static MeshView view(Map<String, String> fetched, String... yamls) {
        ConfigStore store = new ConfigStore();
        for (int i = 0; i < yamls.length; i++) {
            var result = store.apply("fixture-" + i + ".yaml", yamls[i]);
            assertThat(result.problems()).isEmpty();
        }
        return new MeshView(store.snapshot(), BookinfoFixture.registry().snapshot(), null, fetched);
    }

    private static List<HttpFilter> filters(XdsResources r, String listenerName) throws InvalidProtocolBufferException {
        Listener l = r.listeners().stream()
                .filter(x -> x.getName().equals(listenerName))
                .findFirst()
                .orElseThrow();
        return l.getFilterChains(0)
                .getFilters(0)
                .getTypedConfig()
                .unpack(HttpConnectionManager.class)
                .getHttpFiltersList();
    }

    private static JwtAuthentication jwt(XdsResources r, String listenerName) throws InvalidProtocolBufferException {
        HttpFilter f = filters(r, listenerName).stream()
                .filter(x -> x.getName().equals("envoy.filters.http.jwt_authn"))
                .findFirst()
                .orElseThrow();
        return f.getTypedConfig().unpack(JwtAuthentication.class);
    }

    @Test
    void aWorkloadPolicyBecomesIstiosSingleProviderConfigAfterTheMetadataExchange() throws Exception {
        MeshView v =
                view(Map.of(), policy("default", "  selector: {matchLabels: {app: reviews}}\n", """
                  - issuer: testing@secure.istio.io
                    jwks: '%s'
                    audiences: [reviews]
                    outputPayloadToHeader: x-jwt-payload
                    outputClaimToHeaders: [{header: x-foo, claim: foo}]
                """.formatted(JWKS)));
        XdsResources reviews = Translator.translate(v, BookinfoFixture.REVIEWS_V2);

        assertThat(filters(reviews, "virtualInbound"))
                .extracting(HttpFilter::getName)
                .startsWith("istio.metadata_exchange", "envoy.filters.http.jwt_authn", "envoy.filters.http.grpc_stats");
        JwtAuthentication.Builder expected = JwtAuthentication.newBuilder();
        String json = """
                {
                  "providers": {
                    "origins-0": {
                      "issuer": "testing@secure.istio.io",
                      "audiences": ["reviews"],
                      "localJwks": {"inlineString": "%s"},
                      "forwardPayloadHeader": "x-jwt-payload",
                      "payloadInMetadata": "payload",
                      "claimToHeaders": [{"headerName": "x-foo", "claimName": "foo"}],
                      "normalizePayloadInMetadata": {"spaceDelimitedClaims": ["permission", "scope"]}
                    }
                  },
                  "rules": [{
                    "match": {"prefix": "/"},
                    "requires": {"requiresAny": {"requirements": [{"providerName": "origins-0"}, {"allowMissing": {}}]}}
                  }],
                  "bypassCorsPreflight": true
                }
                """.formatted(JWKS.replace("\"", "\\\""));
        JsonFormat.parser().merge(json, expected);
        assertThat(jwt(reviews, "virtualInbound")).isEqualTo(expected.build());
        assertThat(filters(reviews, "0.0.0.0_9080"))
                .extracting(HttpFilter::getName)
                .as("outbound traffic is not authenticated")
                .doesNotContain("envoy.filters.http.jwt_authn");
        assertThat(filters(Translator.translate(v, BookinfoFixture.RATINGS), "virtualInbound"))
                .extracting(HttpFilter::getName)
                .as("the selector leaves ratings alone")
                .doesNotContain("envoy.filters.http.jwt_authn");
    }

    @Test
    void severalIssuersAreSortedAndRequiredAsAnyOrAllOfAllowMissing() throws Exception {
        MeshView v = view(
                Map.of(),
                policy(
                        "default",
                        "",
                        "  - {issuer: zeta, jwks: '%s'}\n  - {issuer: alpha, jwks: '%s'}".formatted(JWKS, JWKS)));
        JwtAuthentication a = jwt(Translator.translate(v, BookinfoFixture.DETAILS), "virtualInbound");

        assertThat(a.getProvidersMap().get("origins-0").getIssuer()).isEqualTo("alpha");
        assertThat(a.getProvidersMap().get("origins-1").getIssuer()).isEqualTo("zeta");
        var any = a.getRules(0).getRequires().getRequiresAny().getRequirementsList();
        assertThat(any).hasSize(3);
        assertThat(any.get(0).getProviderName()).isEqualTo("origins-0");
        assertThat(any.get(1).getProviderName()).isEqualTo("origins-1");
        assertThat(any.get(2).getRequiresAll().getRequirementsList())
                .allSatisfy(
                        r -> assertThat(r.getRequiresAny().getRequirements(1).hasAllowMissing())
                                .isTrue());
    }

    @Test
    void aRootNamespacePolicyWithASelectorReachesTheIngressGatewayOnly() throws Exception {
        MeshView v = view(
                Map.of("http://127.0.0.1:1/jwks.json", JWKS),
                GATEWAY.text(),
                policy(
                        "istio-system",
                        "  selector: {matchLabels: {istio: ingressgateway}}\n",
                        "  - {issuer: testing@secure.istio.io, jwksUri: 'http://127.0.0.1:1/jwks.json'}"));

        JwtAuthentication a = jwt(Translator.translate(v, BookinfoFixture.GATEWAY), "0.0.0.0_8080");
        assertThat(a.getProvidersMap().get("origins-0").getLocalJwks().getInlineString())
                .as("the fetched JWKS is inlined, as istiod does")
                .isEqualTo(JWKS);
        assertThat(filters(Translator.translate(v, BookinfoFixture.PRODUCTPAGE), "virtualInbound"))
                .extracting(HttpFilter::getName)
                .doesNotContain("envoy.filters.http.jwt_authn");
    }

    @Test
    void aMeshWidePolicyReachesEverySidecarAndAnUnfetchedJwksLeavesNoKeysAndAWarning() throws Exception {
        MeshView v = view(
                Map.of(), policy("istio-system", "", "  - {issuer: a, jwksUri: 'http://127.0.0.1:1/missing.json'}"));
        for (Pod p : List.of(BookinfoFixture.PRODUCTPAGE, BookinfoFixture.RATINGS)) {
            XdsResources r = Translator.translate(v, p);
            assertThat(jwt(r, "virtualInbound")
                            .getProvidersMap()
                            .get("origins-0")
                            .getLocalJwks()
                            .getInlineString())
                    .isEqualTo("{\"keys\":[]}");
            assertThat(r.warnings())
                    .anyMatch(w -> w.contains("could not be fetched from http://127.0.0.1:1/missing.json"));
        }
    }

    @Test
    void aNamespacePolicyStaysInItsNamespace() throws Exception {
        MeshView v = view(Map.of(), policy("foo", "", "  - {issuer: a, jwks: '%s'}".formatted(JWKS)));
        assertThat(filters(Translator.translate(v, BookinfoFixture.RATINGS), "virtualInbound"))
                .extracting(HttpFilter::getName)
                .doesNotContain("envoy.filters.http.jwt_authn");
    }

    @Test
    void aTargetRefSelectsTheGatewayApiGatewaysPodsOnly() {
        MeshView v = view(Map.of(), """
                apiVersion: security.istio.io/v1
                kind: RequestAuthentication
                metadata: {name: on-gateway, namespace: default}
                spec:
                  targetRef: {group: gateway.networking.k8s.io, kind: Gateway, name: shop}
                  jwtRules: [{issuer: a, jwks: '%s'}]
                """.formatted(JWKS));
        Pod shopGateway = new Pod(
                "shop-istio-0",
                "default",
                "127.0.0.9",
                "127.0.0.9",
                Map.of("gateway.networking.k8s.io/gateway-name", "shop"),
                Pod.ProxyKind.GATEWAY,
                true);
        Pod otherGateway = new Pod(
                "other-istio-0",
                "default",
                "127.0.0.8",
                "127.0.0.8",
                Map.of("gateway.networking.k8s.io/gateway-name", "other"),
                Pod.ProxyKind.GATEWAY,
                true);

        assertThat(JwtFilters.selecting(v, shopGateway)).hasSize(1);
        assertThat(JwtFilters.selecting(v, otherGateway)).isEmpty();
        assertThat(JwtFilters.selecting(v, BookinfoFixture.PRODUCTPAGE))
                .as("sidecars ignore targetRefs")
                .isEmpty();
    }
}
