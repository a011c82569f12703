package dev.meshbox.proxy.filter;

import static dev.meshbox.proxy.testing.XdsFixtures.cla;
import static dev.meshbox.proxy.testing.XdsFixtures.cluster;
import static dev.meshbox.proxy.testing.XdsFixtures.edsCluster;
import static dev.meshbox.proxy.testing.XdsFixtures.outboundPort;
import static dev.meshbox.proxy.testing.XdsFixtures.prefix;
import static dev.meshbox.proxy.testing.XdsFixtures.route;
import static dev.meshbox.proxy.testing.XdsFixtures.routeConfig;
import static dev.meshbox.proxy.testing.XdsFixtures.service;
import static dev.meshbox.proxy.testing.XdsFixtures.virtualOutbound;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.meshbox.proxy.testing.EmbeddedProxy;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.rbac.v3.Permission;
import io.envoyproxy.envoy.config.rbac.v3.Policy;
import io.envoyproxy.envoy.config.rbac.v3.Principal;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.netty.handler.codec.http.FullHttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The RBAC filter as Envoy's: 403 {@code RBAC: access denied} with the deciding policy in the details. */
class RbacFilterTest {

    private static final String PAGE = "outbound|9080||productpage.default.svc.cluster.local";
    private static final String ENDPOINT = "127.0.0.51:9080";

    private final EmbeddedProxy proxy = new EmbeddedProxy(3);

    @AfterEach
    void close() {
        proxy.close();
    }

    private EmbeddedProxy.Client sidecar(RBAC... filters) {
        return sidecar(java.util.Arrays.stream(filters)
                .map(r -> io.envoyproxy
                        .envoy
                        .extensions
                        .filters
                        .http
                        .rbac
                        .v3
                        .RBAC
                        .newBuilder()
                        .setRules(r)
                        .build())
                .toArray(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC[]::new));
    }

    private EmbeddedProxy.Client sidecar(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC... filters) {
        proxy.listeners(virtualOutbound(), withRbac(outboundPort(9080), filters))
                .routes(routeConfig(
                        "9080", service("productpage", "default", 9080, route("r", prefix("/"), cluster(PAGE)))))
                .clusters(edsCluster(PAGE, Cluster.LbPolicy.ROUND_ROBIN))
                .endpoints(cla(PAGE, ENDPOINT));
        return proxy.connect("virtualOutbound", 15001);
    }

    private static Listener withRbac(Listener l, RBAC... filters) {
        return withRbac(
                l,
                java.util.Arrays.stream(filters)
                        .map(r -> io.envoyproxy
                                .envoy
                                .extensions
                                .filters
                                .http
                                .rbac
                                .v3
                                .RBAC
                                .newBuilder()
                                .setRules(r)
                                .build())
                        .toArray(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC[]::new));
    }

    private static Listener withRbac(Listener l, io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC... filters) {
        try {
            var chain = l.getFilterChains(0);
            HttpConnectionManager hcm = chain.getFilters(0).getTypedConfig().unpack(HttpConnectionManager.class);
            HttpConnectionManager.Builder b = hcm.toBuilder().clearHttpFilters().addHttpFilters(hcm.getHttpFilters(0));
            for (io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC config : filters) {
                b.addHttpFilters(HttpFilter.newBuilder()
                        .setName("envoy.filters.http.rbac")
                        .setTypedConfig(Any.pack(config)));
            }
            b.addAllHttpFilters(hcm.getHttpFiltersList().subList(1, hcm.getHttpFiltersCount()));
            return l.toBuilder()
                    .setFilterChains(
                            0,
                            chain.toBuilder()
                                    .setFilters(
                                            0, chain.getFilters(0).toBuilder().setTypedConfig(Any.pack(b.build()))))
                    .build();
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }

    private static Permission method(String m) {
        return Permission.newBuilder()
                .setHeader(HeaderMatcher.newBuilder()
                        .setName(":method")
                        .setStringMatch(StringMatcher.newBuilder().setExact(m)))
                .build();
    }

    private static Policy policy(Permission p) {
        return Policy.newBuilder()
                .addPermissions(p)
                .addPrincipals(Principal.newBuilder().setAny(true))
                .build();
    }

    @Test
    void anAllowFilterThatMatchesNothingAnswers403RbacAccessDeniedWithDetailsNone() {
        RBAC allowNothing = RBAC.newBuilder()
                .setAction(RBAC.Action.ALLOW)
                .putPolicies(
                        "ns[default]-policy[allow-nothing]-rule[0]",
                        Policy.newBuilder()
                                .addPermissions(Permission.newBuilder()
                                        .setNotRule(Permission.newBuilder().setAny(true)))
                                .addPrincipals(Principal.newBuilder()
                                        .setNotId(Principal.newBuilder().setAny(true)))
                                .build())
                .build();

        FullHttpResponse response =
                sidecar(allowNothing).get("/productpage", "productpage:9080").response();

        assertThat(response.status().code()).isEqualTo(403);
        assertThat(response.content().toString(StandardCharsets.UTF_8)).isEqualTo("RBAC: access denied");
        assertThat(response.headers().get("content-type")).isEqualTo("text/plain");
        assertThat(proxy.lastLogEntry().responseCodeDetails()).isEqualTo("rbac_access_denied_matched_policy[none]");
        assertThat(proxy.lastLogEntry().responseFlags()).isEqualTo("-");
        assertThat(proxy.upstreams().connectionsOpened(ENDPOINT)).isZero();
        assertThat(proxy.httpStats()).containsEntry("http.outbound_0.0.0.0_9080.rbac.denied", 1L);
    }

    @Test
    void theConfigDumpShowsThePoliciesByIstiosNames() throws Exception {
        RBAC denyGet = RBAC.newBuilder()
                .setAction(RBAC.Action.DENY)
                .putPolicies("ns[foo]-policy[deny-method-get]-rule[0]", policy(method("GET")))
                .build();
        sidecar(denyGet);

        String dump = dev.meshbox.proxy.xds.ConfigDumpRenderer.render(proxy.applier(), java.util.Map.of());

        assertThat(dump).contains("envoy.filters.http.rbac").contains("ns[foo]-policy[deny-method-get]-rule[0]");
    }

    @Test
    void aMatchingDenyPolicyIsNamedAndOtherMethodsPass() {
        RBAC denyGet = RBAC.newBuilder()
                .setAction(RBAC.Action.DENY)
                .putPolicies("ns[foo]-policy[deny-method-get]-rule[0]", policy(method("GET")))
                .build();
        RBAC allowAll = RBAC.newBuilder()
                .setAction(RBAC.Action.ALLOW)
                .putPolicies(
                        "ns[foo]-policy[allow-all]-rule[0]",
                        policy(Permission.newBuilder().setAny(true).build()))
                .build();
        EmbeddedProxy.Client client = sidecar(denyGet, allowAll);

        assertThat(client.get("/get", "productpage:9080").response().status().code())
                .isEqualTo(403);
        assertThat(proxy.lastLogEntry().responseCodeDetails())
                .isEqualTo("rbac_access_denied_matched_policy[ns[foo]-policy[deny-method-get]-rule[0]]");

        client.send("POST", "/post", "productpage:9080");
        proxy.upstreams().next(ENDPOINT).respond(200, "{}");
        assertThat(client.response().status().code()).isEqualTo(200);
        assertThat(proxy.httpStats())
                .containsEntry("http.outbound_0.0.0.0_9080.rbac.denied", 1L)
                .containsEntry("http.outbound_0.0.0.0_9080.rbac.allowed", 2L);
    }

    @Test
    void anAuditFilterNeverRefusesEvenWhenItsPolicyMatches() {
        RBAC audit = RBAC.newBuilder()
                .setAction(RBAC.Action.LOG)
                .putPolicies("ns[foo]-policy[audit-get]-rule[0]", policy(method("GET")))
                .build();
        EmbeddedProxy.Client client = sidecar(audit);

        client.get("/get", "productpage:9080");
        proxy.upstreams().next(ENDPOINT).respond(200, "{}");

        assertThat(client.response().status().code()).isEqualTo(200);
        client.send("POST", "/post", "productpage:9080");
        proxy.upstreams().next(ENDPOINT).respond(200, "{}");
        assertThat(client.response().status().code()).isEqualTo(200);
        assertThat(proxy.httpStats())
                .doesNotContainKey("http.outbound_0.0.0.0_9080.rbac.denied")
                .containsEntry("http.outbound_0.0.0.0_9080.rbac.logged", 1L)
                .containsEntry("http.outbound_0.0.0.0_9080.rbac.not_logged", 1L);
    }

    @Test
    void anUnsupportedPermissionIsANackNamingTheField() {
        RBAC bad = RBAC.newBuilder()
                .setAction(RBAC.Action.ALLOW)
                .putPolicies(
                        "p",
                        policy(Permission.newBuilder()
                                .setMetadata(io.envoyproxy.envoy.type.matcher.v3.MetadataMatcher.getDefaultInstance())
                                .build()))
                .build();
        String nack = proxy.tryApply(
                "type.googleapis.com/envoy.config.listener.v3.Listener",
                virtualOutbound(),
                withRbac(outboundPort(9080), bad));
        assertThat(nack).contains("rules.policies[p].permissions[0]").contains("not supported");
    }

    @Test
    void dryRunRulesAreCountedAsShadowAndNeverRefuse() {
        RBAC denyGet = RBAC.newBuilder()
                .setAction(RBAC.Action.DENY)
                .putPolicies("ns[foo]-policy[deny-method-get]-rule[0]", policy(method("GET")))
                .build();
        EmbeddedProxy.Client client = sidecar(io.envoyproxy
                .envoy
                .extensions
                .filters
                .http
                .rbac
                .v3
                .RBAC
                .newBuilder()
                .setShadowRules(denyGet)
                .setShadowRulesStatPrefix("istio_dry_run_deny_")
                .build());

        client.get("/get", "productpage:9080");
        proxy.upstreams().next(ENDPOINT).respond(200, "{}");
        assertThat(client.response().status().code()).isEqualTo(200);
        client.send("POST", "/post", "productpage:9080");
        proxy.upstreams().next(ENDPOINT).respond(200, "{}");
        assertThat(client.response().status().code()).isEqualTo(200);

        assertThat(proxy.httpStats())
                .containsEntry("http.outbound_0.0.0.0_9080.rbac.istio_dry_run_deny_shadow_denied", 1L)
                .containsEntry("http.outbound_0.0.0.0_9080.rbac.istio_dry_run_deny_shadow_allowed", 1L)
                .doesNotContainKey("http.outbound_0.0.0.0_9080.rbac.denied")
                .doesNotContainKey("http.outbound_0.0.0.0_9080.rbac.allowed");
    }

    @Test
    void shadowRulesBesideEnforcedRulesAreCountedAndTheEnforcedOnesDecide() {
        RBAC allowPost = RBAC.newBuilder()
                .setAction(RBAC.Action.ALLOW)
                .putPolicies("ns[foo]-policy[allow-post]-rule[0]", policy(method("POST")))
                .build();
        RBAC allowGet = RBAC.newBuilder()
                .setAction(RBAC.Action.ALLOW)
                .putPolicies("ns[foo]-policy[try-get]-rule[0]", policy(method("GET")))
                .build();
        EmbeddedProxy.Client client = sidecar(io.envoyproxy
                .envoy
                .extensions
                .filters
                .http
                .rbac
                .v3
                .RBAC
                .newBuilder()
                .setRules(allowPost)
                .setShadowRules(allowGet)
                .setShadowRulesStatPrefix("istio_dry_run_allow_")
                .build());

        assertThat(client.get("/get", "productpage:9080").response().status().code())
                .isEqualTo(403);
        assertThat(proxy.httpStats())
                .containsEntry("http.outbound_0.0.0.0_9080.rbac.istio_dry_run_allow_shadow_allowed", 1L)
                .containsEntry("http.outbound_0.0.0.0_9080.rbac.denied", 1L);
    }
}
