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
import com.google.protobuf.util.Durations;
import dev.meshbox.proxy.testing.EmbeddedProxy;
import dev.meshbox.proxy.testing.EmbeddedUpstreams;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.HttpUri;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.rbac.v3.Permission;
import io.envoyproxy.envoy.config.rbac.v3.Policy;
import io.envoyproxy.envoy.config.rbac.v3.Principal;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.AuthorizationRequest;
import io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.AuthorizationResponse;
import io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.ExtAuthz;
import io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.HttpService;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.type.matcher.v3.ListStringMatcher;
import io.envoyproxy.envoy.type.matcher.v3.MetadataMatcher;
import io.envoyproxy.envoy.type.matcher.v3.PathMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.matcher.v3.ValueMatcher;
import io.netty.handler.codec.http.FullHttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Istio's CUSTOM action as the proxy runs it: a shadow RBAC filter marks requests a CUSTOM rule matched, and only those
 * are checked with the HTTP authorizer, as in Istio's authz-custom task (allow on {@code x-ext-authz: allow}).
 */
class ExtAuthzFilterTest {

    private static final String APP = "outbound|8000||httpbin.foo.svc.cluster.local";
    private static final String APP_ENDPOINT = "127.0.0.51:8000";
    private static final String AUTHZ = "outbound|8000||ext-authz.foo.svc.cluster.local";
    private static final String AUTHZ_ENDPOINT = "127.0.0.60:8000";
    private static final String DENIED = "denied by ext_authz for not found header `x-ext-authz: allow` in the request";

    private final EmbeddedProxy proxy = new EmbeddedProxy(5);

    @AfterEach
    void close() {
        proxy.close();
    }

    private EmbeddedProxy.Client sidecar(boolean failOpen) {
        proxy.listeners(virtualOutbound(), withCustom(outboundPort(8000), failOpen))
                .routes(routeConfig("8000", service("httpbin", "foo", 8000, route("r", prefix("/"), cluster(APP)))))
                .clusters(
                        edsCluster(APP, Cluster.LbPolicy.ROUND_ROBIN), edsCluster(AUTHZ, Cluster.LbPolicy.ROUND_ROBIN))
                .endpoints(cla(APP, APP_ENDPOINT), cla(AUTHZ, AUTHZ_ENDPOINT));
        return proxy.connect("virtualOutbound", 15001);
    }

    /** Istio's filters for {@code CUSTOM, provider sample-ext-authz-http, rules: to.operation.paths [/headers]}. */
    private static Listener withCustom(Listener l, boolean failOpen) {
        Policy headers = Policy.newBuilder()
                .addPermissions(Permission.newBuilder()
                        .setUrlPath(PathMatcher.newBuilder()
                                .setPath(StringMatcher.newBuilder().setExact("/headers"))))
                .addPrincipals(Principal.newBuilder().setAny(true))
                .build();
        var shadow = io.envoyproxy
                .envoy
                .extensions
                .filters
                .http
                .rbac
                .v3
                .RBAC
                .newBuilder()
                .setShadowRules(RBAC.newBuilder()
                        .setAction(RBAC.Action.DENY)
                        .putPolicies("istio-ext-authz-ns[foo]-policy[ext-authz]-rule[0]", headers))
                .setShadowRulesStatPrefix("istio_ext_authz_")
                .build();
        ExtAuthz extAuthz = ExtAuthz.newBuilder()
                .setFailureModeAllow(failOpen)
                .setHttpService(HttpService.newBuilder()
                        .setServerUri(HttpUri.newBuilder()
                                .setUri("http://ext-authz.foo.svc.cluster.local")
                                .setCluster(AUTHZ)
                                .setTimeout(Durations.fromSeconds(600)))
                        .setAuthorizationRequest(AuthorizationRequest.newBuilder()
                                .setAllowedHeaders(ListStringMatcher.newBuilder()
                                        .addPatterns(StringMatcher.newBuilder()
                                                .setExact("x-ext-authz")
                                                .setIgnoreCase(true))))
                        .setAuthorizationResponse(AuthorizationResponse.newBuilder()
                                .setAllowedUpstreamHeaders(ListStringMatcher.newBuilder()
                                        .addPatterns(StringMatcher.newBuilder()
                                                .setExact("x-ext-authz-check-result")
                                                .setIgnoreCase(true)))))
                .setFilterEnabledMetadata(MetadataMatcher.newBuilder()
                        .setFilter("envoy.filters.http.rbac")
                        .addPath(MetadataMatcher.PathSegment.newBuilder()
                                .setKey("istio_ext_authz_shadow_effective_policy_id"))
                        .setValue(ValueMatcher.newBuilder()
                                .setStringMatch(StringMatcher.newBuilder().setPrefix("istio-ext-authz"))))
                .build();
        try {
            var chain = l.getFilterChains(0);
            HttpConnectionManager hcm = chain.getFilters(0).getTypedConfig().unpack(HttpConnectionManager.class);
            HttpConnectionManager.Builder b = hcm.toBuilder()
                    .clearHttpFilters()
                    .addHttpFilters(hcm.getHttpFilters(0))
                    .addHttpFilters(HttpFilter.newBuilder()
                            .setName("envoy.filters.http.rbac")
                            .setTypedConfig(Any.pack(shadow)))
                    .addHttpFilters(HttpFilter.newBuilder()
                            .setName("envoy.filters.http.ext_authz")
                            .setTypedConfig(Any.pack(extAuthz)))
                    .addAllHttpFilters(hcm.getHttpFiltersList().subList(1, hcm.getHttpFiltersCount()));
            return l.toBuilder()
                    .setFilterChains(
                            0,
                            chain.toBuilder()
                                    .setFilters(
                                            0, chain.getFilters(0).toBuilder().setTypedConfig(Any.pack(b.build()))))
                    .build();
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void theAuthorizerDeniesWithoutTheAllowHeaderAndItsAnswerReachesTheClientFlaggedUaex() {
        EmbeddedProxy.Client client = sidecar(false);

        client.send("GET", "/headers", "httpbin.foo:8000", "x-ext-authz", "deny");
        EmbeddedUpstreams.Arrived check = proxy.upstreams().next(AUTHZ_ENDPOINT);
        assertThat(check.request().uri()).isEqualTo("/headers");
        assertThat(check.header("x-ext-authz")).isEqualTo("deny");
        assertThat(check.header("host")).isEqualTo("httpbin.foo:8000");
        check.respond(403, DENIED, "x-ext-authz-check-result", "denied");

        FullHttpResponse response = client.response();
        assertThat(response.status().code()).isEqualTo(403);
        assertThat(response.content().toString(StandardCharsets.UTF_8)).isEqualTo(DENIED);
        assertThat(proxy.lastLogEntry().responseFlags()).isEqualTo("UAEX");
        assertThat(proxy.lastLogEntry().responseCodeDetails()).isEqualTo("ext_authz_denied");
        assertThat(proxy.upstreams().connectionsOpened(APP_ENDPOINT)).isZero();
    }

    @Test
    void anAllowedRequestGoesOnWithTheAuthorizersHeader() {
        EmbeddedProxy.Client client = sidecar(false);

        client.send("GET", "/headers", "httpbin.foo:8000", "x-ext-authz", "allow");
        proxy.upstreams().next(AUTHZ_ENDPOINT).respond(200, "", "x-ext-authz-check-result", "allowed");
        EmbeddedUpstreams.Arrived app = proxy.upstreams().next(APP_ENDPOINT);
        assertThat(app.header("x-ext-authz-check-result")).isEqualTo("allowed");
        app.respond(200, "{}");

        assertThat(client.response().status().code()).isEqualTo(200);
    }

    @Test
    void aPathNoCustomRuleMatchesIsNotChecked() {
        EmbeddedProxy.Client client = sidecar(false);

        client.send("GET", "/ip", "httpbin.foo:8000");
        proxy.upstreams().next(APP_ENDPOINT).respond(200, "{}");

        assertThat(client.response().status().code()).isEqualTo(200);
        assertThat(proxy.upstreams().connectionsOpened(AUTHZ_ENDPOINT)).isZero();
    }

    @Test
    void anUnreachableAuthorizerGivesStatusOnError() {
        proxy.upstreams().refuse(AUTHZ_ENDPOINT);
        EmbeddedProxy.Client client = sidecar(false);

        assertThat(client.get("/headers", "httpbin.foo:8000")
                        .response()
                        .status()
                        .code())
                .isEqualTo(403);
        assertThat(proxy.lastLogEntry().responseFlags()).isEqualTo("UAEX");
        assertThat(proxy.lastLogEntry().responseCodeDetails()).isEqualTo("ext_authz_error");
    }

    @Test
    void failOpenLetsTheRequestOnWhenTheAuthorizerIsUnreachable() {
        proxy.upstreams().refuse(AUTHZ_ENDPOINT);
        EmbeddedProxy.Client client = sidecar(true);

        client.send("GET", "/headers", "httpbin.foo:8000");
        proxy.upstreams().next(APP_ENDPOINT).respond(200, "{}");

        assertThat(client.response().status().code()).isEqualTo(200);
    }

    @Test
    void theConfigDumpShowsTheExtAuthzFilter() throws Exception {
        sidecar(false);

        String dump = dev.meshbox.proxy.xds.ConfigDumpRenderer.render(proxy.applier(), java.util.Map.of());

        assertThat(dump)
                .contains("envoy.filters.http.ext_authz")
                .contains("outbound|8000||ext-authz.foo.svc.cluster.local")
                .contains("istio_ext_authz_shadow_effective_policy_id");
    }
}
