package dev.meshbox.controlplane.translate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.controlplane.testing.BookinfoFixture;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.rbac.v3.Policy;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** AuthorizationPolicy YAML to the RBAC filters Istio generates, with Istio's filter order and policy names. */
class AuthorizationPolicyTranslationTest {

    private static final String ALLOW_NOTHING = """
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: allow-nothing, namespace: default}
            spec: {}
            """;

    private static final String PRODUCTPAGE_VIEWER = """
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: productpage-viewer, namespace: default}
            spec:
              selector:
                matchLabels: {app: productpage}
              action: ALLOW
              rules:
              - to:
                - operation:
                    methods: ["GET"]
                    paths: ["/api/*", "*/reviews", "/productpage"]
            """;

    private static final String DENY_GUEST = """
            apiVersion: security.istio.io/v1beta1
            kind: AuthorizationPolicy
            metadata: {name: deny-method-get, namespace: default}
            spec:
              action: DENY
              rules:
              - from:
                - source:
                    principals: ["cluster.local/ns/default/sa/sleep"]
                    notIpBlocks: ["10.0.0.0/8"]
                to:
                - operation: {methods: ["GET"]}
                when:
                - key: request.headers[x-token]
                  notValues: ["admin"]
            """;

    private static final String MESH_GATEWAY = """
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: ingress-policy, namespace: istio-system}
            spec:
              selector:
                matchLabels: {istio: ingressgateway}
              rules:
              - from:
                - source: {remoteIpBlocks: ["1.2.3.4", "5.6.7.0/24"]}
            """;

    @Test
    void allowNothingIsOneAllowPolicyThatNeverMatchesNamedAsIstio() {
        List<HttpFilter> filters = inboundFilters(BookinfoFixture.REVIEWS_V1, ALLOW_NOTHING);

        assertThat(filters)
                .extracting(HttpFilter::getName)
                .containsExactly(
                        "istio.metadata_exchange",
                        "envoy.filters.http.rbac",
                        "envoy.filters.http.grpc_stats",
                        "envoy.filters.http.fault",
                        "envoy.filters.http.cors",
                        "istio.stats",
                        "envoy.filters.http.router");
        RBAC rules = rbac(filters.get(1));
        assertThat(rules.getAction()).isEqualTo(RBAC.Action.ALLOW);
        Policy never = rules.getPoliciesOrThrow("ns[default]-policy[allow-nothing]-rule[0]");
        assertThat(never.getPermissions(0).getNotRule().getAny()).isTrue();
        assertThat(never.getPrincipals(0).getNotId().getAny()).isTrue();
    }

    @Test
    void jwtAuthenticationComesBeforeAuthorizationAsInIstio() {
        String jwt = """
                apiVersion: security.istio.io/v1
                kind: RequestAuthentication
                metadata: {name: jwt-example, namespace: default}
                spec:
                  jwtRules: [{issuer: a, jwks: '{"keys":[{"kty":"oct","kid":"k","k":"c2VjcmV0"}]}'}]
                """;
        assertThat(inboundFilters(BookinfoFixture.REVIEWS_V1, jwt, ALLOW_NOTHING))
                .extracting(HttpFilter::getName)
                .startsWith(
                        "istio.metadata_exchange",
                        "envoy.filters.http.jwt_authn",
                        "envoy.filters.http.rbac",
                        "envoy.filters.http.grpc_stats");
    }

    @Test
    void noPolicyMeansNoRbacFilter() {
        assertThat(inboundFilters(BookinfoFixture.REVIEWS_V1))
                .extracting(HttpFilter::getName)
                .doesNotContain("envoy.filters.http.rbac");
    }

    @Test
    void selectorPicksTheWorkloadAndOperationsBecomeMethodAndPathMatchers() {
        assertThat(inboundFilters(BookinfoFixture.REVIEWS_V1, PRODUCTPAGE_VIEWER))
                .extracting(HttpFilter::getName)
                .doesNotContain("envoy.filters.http.rbac");

        RBAC rules = rbac(
                inboundFilters(BookinfoFixture.PRODUCTPAGE, PRODUCTPAGE_VIEWER).get(1));
        Policy p = rules.getPoliciesOrThrow("ns[default]-policy[productpage-viewer]-rule[0]");
        var fields = p.getPermissions(0).getAndRules().getRulesList();
        assertThat(fields.get(0).getOrRules().getRules(0).getHeader().getName()).isEqualTo(":method");
        assertThat(fields.get(0)
                        .getOrRules()
                        .getRules(0)
                        .getHeader()
                        .getStringMatch()
                        .getExact())
                .isEqualTo("GET");
        var paths = fields.get(1).getOrRules().getRulesList();
        assertThat(paths.get(0).getUrlPath().getPath().getPrefix()).isEqualTo("/api/");
        assertThat(paths.get(1).getUrlPath().getPath().getSuffix()).isEqualTo("/reviews");
        assertThat(paths.get(2).getUrlPath().getPath().getExact()).isEqualTo("/productpage");
        assertThat(p.getPrincipals(0).getAndIds().getIds(0).getAny()).isTrue();
    }

    @Test
    void denyComesBeforeAllowAndCarriesPrincipalsNotFormsAndConditions() {
        List<HttpFilter> filters = inboundFilters(BookinfoFixture.PRODUCTPAGE, DENY_GUEST, PRODUCTPAGE_VIEWER);

        assertThat(rbac(filters.get(1)).getAction()).isEqualTo(RBAC.Action.DENY);
        assertThat(rbac(filters.get(2)).getAction()).isEqualTo(RBAC.Action.ALLOW);
        Policy deny = rbac(filters.get(1)).getPoliciesOrThrow("ns[default]-policy[deny-method-get]-rule[0]");
        var ids = deny.getPrincipals(0).getAndIds().getIdsList();
        assertThat(ids.get(0)
                        .getOrIds()
                        .getIds(0)
                        .getAuthenticated()
                        .getPrincipalName()
                        .getExact())
                .isEqualTo("spiffe://cluster.local/ns/default/sa/sleep");
        assertThat(ids.get(1)
                        .getNotId()
                        .getOrIds()
                        .getIds(0)
                        .getDirectRemoteIp()
                        .getAddressPrefix())
                .isEqualTo("10.0.0.0");
        assertThat(ids.get(2).getNotId().getOrIds().getIds(0).getHeader().getName())
                .isEqualTo("x-token");
    }

    @Test
    void aRootNamespacePolicyWithTheIngressSelectorLandsOnTheGatewayChainOnly() {
        assertThat(inboundFilters(BookinfoFixture.PRODUCTPAGE, MESH_GATEWAY))
                .extracting(HttpFilter::getName)
                .doesNotContain("envoy.filters.http.rbac");
        XdsResources gw = Translator.translate(
                BookinfoFixture.view(GATEWAY_YAML, BOOKINFO_VS, MESH_GATEWAY), BookinfoFixture.GATEWAY);
        Listener l = gw.listeners().get(0);
        List<HttpFilter> filters = hcm(l, 0).getHttpFiltersList();
        assertThat(filters.get(1).getName()).isEqualTo("envoy.filters.http.rbac");
        Policy p = rbac(filters.get(1)).getPoliciesOrThrow("ns[istio-system]-policy[ingress-policy]-rule[0]");
        var remote =
                p.getPrincipals(0).getAndIds().getIds(0).getOrIds().getIds(1).getRemoteIp();
        assertThat(remote.getAddressPrefix()).isEqualTo("5.6.7.0");
        assertThat(remote.getPrefixLen().getValue()).isEqualTo(24);
    }

    @Test
    void requestPrincipalsAndClaimsMatchTheJwtFiltersPayload() {
        String requireJwt = """
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: require-jwt, namespace: default}
                spec:
                  selector:
                    matchLabels: {app: reviews}
                  rules:
                  - from:
                    - source: {requestPrincipals: ["testing@secure.istio.io/testing@secure.istio.io"]}
                    when:
                    - key: request.auth.claims[groups]
                      values: ["group1"]
                """;
        Policy p = rbac(inboundFilters(BookinfoFixture.REVIEWS_V1, requireJwt).get(1))
                .getPoliciesOrThrow("ns[default]-policy[require-jwt]-rule[0]");
        var ids = p.getPrincipals(0).getAndIds().getIdsList();
        var issAndSub = ids.get(0).getOrIds().getIds(0).getAndIds().getIdsList();
        assertThat(issAndSub.get(0).getMetadata().getFilter()).isEqualTo("envoy.filters.http.jwt_authn");
        assertThat(issAndSub.get(0).getMetadata().getPathList())
                .extracting(s -> s.getKey())
                .containsExactly("payload", "iss");
        assertThat(issAndSub.get(1).getMetadata().getValue().getStringMatch().getExact())
                .isEqualTo("testing@secure.istio.io");
        var group = ids.get(1).getOrIds().getIds(0).getOrIds().getIds(0).getMetadata();
        assertThat(group.getPathList()).extracting(s -> s.getKey()).containsExactly("payload", "groups");
        assertThat(group.getValue().getListMatch().getOneOf().getStringMatch().getExact())
                .isEqualTo("group1");
    }

    private static final String CUSTOM = """
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: {name: ext-authz, namespace: default}
            spec:
              action: CUSTOM
              provider: {name: sample-ext-authz-grpc}
              rules:
              - to:
                - operation: {paths: ["/headers"]}
            """;

    @Test
    void aCustomPolicyWhoseProviderIsNotConfiguredDeniesEverythingAsIstioDoes() {
        XdsResources r = Translator.translate(BookinfoFixture.view(CUSTOM), BookinfoFixture.REVIEWS_V1);
        assertThat(r.warnings())
                .anySatisfy(w -> assertThat(w)
                        .contains("AuthorizationPolicy default/ext-authz")
                        .contains("CUSTOM")
                        .contains("sample-ext-authz-grpc")
                        .contains("available providers are [] but found \"sample-ext-authz-grpc\""));
        List<HttpFilter> filters = inboundFilters(BookinfoFixture.REVIEWS_V1, CUSTOM);
        RBAC denyAll = rbac(filters.get(1));
        assertThat(denyAll.getAction()).isEqualTo(RBAC.Action.DENY);
        assertThat(denyAll.getPoliciesMap()).containsOnlyKeys("default-deny-all-due-to-bad-CUSTOM-action");
        assertThat(denyAll.getPoliciesMap()
                        .get("default-deny-all-due-to-bad-CUSTOM-action")
                        .getPermissions(0)
                        .getAny())
                .isTrue();
        // Without a selector the policy selects every workload of its namespace.
        assertThat(inboundFilters(BookinfoFixture.PRODUCTPAGE, CUSTOM))
                .extracting(HttpFilter::getName)
                .contains("envoy.filters.http.rbac");
    }

    @Test
    void theCustomActionComesBeforeJwtAuthenticationAndTheOtherActionsAfter() {
        String jwt = """
                apiVersion: security.istio.io/v1
                kind: RequestAuthentication
                metadata: {name: jwt-example, namespace: default}
                spec:
                  jwtRules: [{issuer: a, jwks: '{"keys":[{"kty":"oct","kid":"k","k":"c2VjcmV0"}]}'}]
                """;
        List<HttpFilter> filters = inboundFilters(BookinfoFixture.REVIEWS_V1, jwt, CUSTOM, ALLOW_NOTHING);

        assertThat(filters)
                .extracting(HttpFilter::getName)
                .startsWith(
                        "istio.metadata_exchange",
                        "envoy.filters.http.rbac",
                        "envoy.filters.http.jwt_authn",
                        "envoy.filters.http.rbac",
                        "envoy.filters.http.grpc_stats");
        assertThat(rbac(filters.get(1)).getPoliciesMap()).containsKey("default-deny-all-due-to-bad-CUSTOM-action");
        assertThat(rbac(filters.get(3)).getPoliciesMap()).containsKey("ns[default]-policy[allow-nothing]-rule[0]");
    }

    private static final dev.meshbox.controlplane.security.ExtAuthzProvider SAMPLE_HTTP =
            dev.meshbox.controlplane.security.MeshConfigFile.extensionProviders("mesh.yaml", """
                    extensionProviders:
                    - name: sample-ext-authz-grpc
                      envoyExtAuthzHttp:
                        service: ext-authz.foo.svc.cluster.local
                        port: 8000
                        includeRequestHeadersInCheck: ["x-ext-authz"]
                        headersToUpstreamOnAllow: ["x-ext-authz-check-result"]
                        headersToDownstreamOnDeny: ["x-ext-authz-check-result", "content-type"]
                    """)
                    .get(0);

    @Test
    void aCustomPolicyWithItsProviderMarksMatchingRequestsInShadowAndAsksTheAuthorizer() throws Exception {
        MeshView plain = BookinfoFixture.view(CUSTOM);
        MeshView view =
                new MeshView(plain.config(), plain.registry(), new MeshView.MeshSecurity(false, List.of(SAMPLE_HTTP)));
        XdsResources r = Translator.translate(view, BookinfoFixture.REVIEWS_V1);
        Listener inbound = r.listeners().stream()
                .filter(l -> l.getName().equals("virtualInbound"))
                .findFirst()
                .orElseThrow();
        List<HttpFilter> filters = hcm(inbound, 0).getHttpFiltersList();

        assertThat(filters)
                .extracting(HttpFilter::getName)
                .startsWith("istio.metadata_exchange", "envoy.filters.http.rbac", "envoy.filters.http.ext_authz");
        var shadow = config(filters.get(1));
        assertThat(shadow.hasRules()).isFalse();
        assertThat(shadow.getShadowRulesStatPrefix()).isEqualTo("istio_ext_authz_");
        assertThat(shadow.getShadowRules().getAction()).isEqualTo(RBAC.Action.DENY);
        assertThat(shadow.getShadowRules().getPoliciesMap())
                .containsOnlyKeys("istio-ext-authz-ns[default]-policy[ext-authz]-rule[0]");
        var extAuthz = filters.get(2)
                .getTypedConfig()
                .unpack(io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.ExtAuthz.class);
        assertThat(extAuthz.getHttpService().getServerUri().getCluster())
                .isEqualTo("outbound|8000||ext-authz.foo.svc.cluster.local");
        assertThat(extAuthz.getHttpService().getServerUri().getUri())
                .isEqualTo("http://ext-authz.foo.svc.cluster.local");
        assertThat(extAuthz.getHttpService().getServerUri().getTimeout().getSeconds())
                .isEqualTo(600);
        assertThat(extAuthz.getHttpService()
                        .getAuthorizationRequest()
                        .getAllowedHeaders()
                        .getPatterns(0)
                        .getExact())
                .isEqualTo("x-ext-authz");
        assertThat(extAuthz.getHttpService()
                        .getAuthorizationResponse()
                        .getAllowedClientHeaders()
                        .getPatternsCount())
                .isEqualTo(2);
        assertThat(extAuthz.getFilterEnabledMetadata().getPath(0).getKey())
                .isEqualTo("istio_ext_authz_shadow_effective_policy_id");
        assertThat(extAuthz.getFilterEnabledMetadata()
                        .getValue()
                        .getStringMatch()
                        .getPrefix())
                .isEqualTo("istio-ext-authz");
        assertThat(extAuthz.getStatusOnError().getCodeValue()).isEqualTo(403);
        assertThat(r.warnings()).noneSatisfy(w -> assertThat(w).contains("CUSTOM"));
    }

    private static io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC config(HttpFilter f) {
        try {
            return f.getTypedConfig().unpack(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.class);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aDryRunPolicyBecomesShadowRulesWithIstiosStatPrefixAndIsNotEnforced() {
        String dryDeny = """
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata:
                  name: deny-get
                  namespace: default
                  annotations: {"istio.io/dry-run": "true"}
                spec:
                  action: DENY
                  rules: [{to: [{operation: {methods: ["GET"]}}]}]
                """;
        List<HttpFilter> filters = inboundFilters(BookinfoFixture.REVIEWS_V1, dryDeny, PRODUCTPAGE_VIEWER);

        var deny = config(filters.get(1));
        assertThat(deny.hasRules()).isFalse();
        assertThat(deny.getShadowRules().getAction()).isEqualTo(RBAC.Action.DENY);
        assertThat(deny.getShadowRules().getPoliciesMap()).containsOnlyKeys("ns[default]-policy[deny-get]-rule[0]");
        assertThat(deny.getShadowRulesStatPrefix()).isEqualTo("istio_dry_run_deny_");
    }

    @Test
    void aDryRunAllowAloneBringsNoDefaultDenyAndBesideAnEnforcedOneSharesItsFilter() {
        String dryAllowNothing = """
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata:
                  name: allow-nothing
                  namespace: default
                  annotations: {"istio.io/dry-run": "true"}
                spec: {}
                """;
        var alone = config(
                inboundFilters(BookinfoFixture.PRODUCTPAGE, dryAllowNothing).get(1));
        assertThat(alone.hasRules()).isFalse();
        assertThat(alone.getShadowRulesStatPrefix()).isEqualTo("istio_dry_run_allow_");
        assertThat(alone.getShadowRules().getPoliciesMap()).containsKey("ns[default]-policy[allow-nothing]-rule[0]");

        var both = config(inboundFilters(BookinfoFixture.PRODUCTPAGE, dryAllowNothing, PRODUCTPAGE_VIEWER)
                .get(1));
        assertThat(both.getRules().getPoliciesMap()).containsOnlyKeys("ns[default]-policy[productpage-viewer]-rule[0]");
        assertThat(both.getShadowRules().getPoliciesMap())
                .containsOnlyKeys("ns[default]-policy[allow-nothing]-rule[0]");
    }

    @Test
    void workloadsWithDifferentPoliciesAreTranslatedApart() {
        MeshView view = BookinfoFixture.view(PRODUCTPAGE_VIEWER);
        List<XdsResources> r = Translator.translateAll(
                view,
                List.of(
                        BookinfoFixture.REVIEWS_V1,
                        BookinfoFixture.pod("reviews-v1-b", "reviews", "v1", 7),
                        BookinfoFixture.PRODUCTPAGE));
        // The reviews-v1 pods share one listener list (no policy selects them); productpage's has the RBAC filter.
        assertThat(r.get(0).listeners()).isSameAs(r.get(1).listeners());
        assertThat(r.get(2).listeners()).isNotEqualTo(r.get(0).listeners());
    }

    private static final String GATEWAY_YAML = """
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: {name: bookinfo-gateway}
            spec:
              selector: {istio: ingressgateway}
              servers:
              - port: {number: 80, name: http, protocol: HTTP}
                hosts: ["*"]
            """;

    private static final String BOOKINFO_VS = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: bookinfo}
            spec:
              hosts: ["*"]
              gateways: [bookinfo-gateway]
              http:
              - route:
                - destination: {host: productpage, port: {number: 9080}}
            """;

    private static List<HttpFilter> inboundFilters(Pod pod, String... yamls) {
        XdsResources r = Translator.translate(BookinfoFixture.view(yamls), pod);
        Listener inbound = r.listeners().stream()
                .filter(l -> l.getName().equals("virtualInbound"))
                .findFirst()
                .orElseThrow();
        return hcm(inbound, 0).getHttpFiltersList();
    }

    private static HttpConnectionManager hcm(Listener l, int chain) {
        try {
            return l.getFilterChains(chain).getFilters(0).getTypedConfig().unpack(HttpConnectionManager.class);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }

    private static RBAC rbac(HttpFilter f) {
        try {
            return f.getTypedConfig()
                    .unpack(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.class)
                    .getRules();
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }
}
