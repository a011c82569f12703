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
import com.google.protobuf.BoolValue;
import dev.meshbox.proxy.testing.EmbeddedProxy;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.extensions.filters.http.cors.v3.CorsPolicy;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.netty.handler.codec.http.FullHttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The CORS filter as Envoy's: preflights answered by the proxy, headers on actual requests, none for strangers. */
class CorsFilterTest {

    private static final String PAGE = "outbound|9080||productpage.default.svc.cluster.local";
    private static final String ENDPOINT = "127.0.0.51:9080";

    private final EmbeddedProxy proxy = new EmbeddedProxy(3);

    @AfterEach
    void close() {
        proxy.close();
    }

    private static CorsPolicy.Builder policy() {
        return CorsPolicy.newBuilder()
                .addAllowOriginStringMatch(StringMatcher.newBuilder().setExact("https://example.com"))
                .addAllowOriginStringMatch(StringMatcher.newBuilder()
                        .setSafeRegex(RegexMatcher.newBuilder().setRegex("https://.*\\.example\\.org")))
                .setAllowMethods("GET,POST")
                .setAllowHeaders("x-custom")
                .setExposeHeaders("x-exposed")
                .setMaxAge("86400")
                .setAllowCredentials(BoolValue.of(true));
    }

    private EmbeddedProxy.Client sidecar(CorsPolicy policy) {
        Route route = route("r", prefix("/"), cluster(PAGE)).toBuilder()
                .putTypedPerFilterConfig("envoy.filters.http.cors", Any.pack(policy))
                .build();
        proxy.listeners(virtualOutbound(), outboundPort(9080))
                .routes(routeConfig("9080", service("productpage", "default", 9080, route)))
                .clusters(edsCluster(PAGE, Cluster.LbPolicy.ROUND_ROBIN))
                .endpoints(cla(PAGE, ENDPOINT));
        return proxy.connect("virtualOutbound", 15001);
    }

    private static EmbeddedProxy.Client preflight(EmbeddedProxy.Client client, String origin) {
        return client.send(
                "OPTIONS",
                "/api",
                "productpage:9080",
                "origin",
                origin,
                "access-control-request-method",
                "POST",
                "access-control-request-headers",
                "x-custom");
    }

    @Test
    void anAllowedPreflightIsAnsweredByTheProxyWithThePolicysHeaders() {
        EmbeddedProxy.Client client = preflight(sidecar(policy().build()), "https://example.com");

        FullHttpResponse response = client.response();
        assertThat(response.status().code()).isEqualTo(200);
        assertThat(response.headers().get("access-control-allow-origin")).isEqualTo("https://example.com");
        assertThat(response.headers().get("access-control-allow-methods")).isEqualTo("GET,POST");
        assertThat(response.headers().get("access-control-allow-headers")).isEqualTo("x-custom");
        assertThat(response.headers().get("access-control-max-age")).isEqualTo("86400");
        assertThat(response.headers().get("access-control-allow-credentials")).isEqualTo("true");
        assertThat(proxy.upstreams().connectionsOpened(ENDPOINT)).isZero();
        assertThat(proxy.lastLogEntry().responseCodeDetails()).isEqualTo("cors_response");
    }

    @Test
    void anOriginMatchedByRegexIsAllowedToo() {
        EmbeddedProxy.Client client = preflight(sidecar(policy().build()), "https://shop.example.org");
        assertThat(client.response().headers().get("access-control-allow-origin"))
                .isEqualTo("https://shop.example.org");
    }

    @Test
    void aPreflightFromAnotherOriginGoesUpstreamAndGetsNoCorsHeaders() {
        EmbeddedProxy.Client client = preflight(sidecar(policy().build()), "https://evil.test");
        proxy.upstreams().next(ENDPOINT).respond(204, "");

        FullHttpResponse response = client.response();
        assertThat(response.status().code()).isEqualTo(204);
        assertThat(response.headers().names()).noneMatch(n -> n.toLowerCase().startsWith("access-control-"));
    }

    @Test
    void withForwardingOffAPreflightFromAnotherOriginIsAnswered200WithoutCorsHeaders() {
        CorsPolicy ignore =
                policy().setForwardNotMatchingPreflights(BoolValue.of(false)).build();
        EmbeddedProxy.Client client = preflight(sidecar(ignore), "https://evil.test");

        FullHttpResponse response = client.response();
        assertThat(response.status().code()).isEqualTo(200);
        assertThat(response.headers().contains("access-control-allow-origin")).isFalse();
        assertThat(proxy.upstreams().connectionsOpened(ENDPOINT)).isZero();
    }

    @Test
    void anActualRequestFromAnAllowedOriginGetsAllowOriginCredentialsAndExposedHeaders() {
        EmbeddedProxy.Client client = sidecar(policy().build());
        client.get("/api", "productpage:9080", "origin", "https://example.com");
        proxy.upstreams().next(ENDPOINT).respond(200, "{}");

        FullHttpResponse response = client.response();
        assertThat(response.headers().get("access-control-allow-origin")).isEqualTo("https://example.com");
        assertThat(response.headers().get("access-control-allow-credentials")).isEqualTo("true");
        assertThat(response.headers().get("access-control-expose-headers")).isEqualTo("x-exposed");
    }

    @Test
    void anActualRequestFromAnotherOriginGetsNoCorsHeaders() {
        EmbeddedProxy.Client client = sidecar(policy().build());
        client.get("/api", "productpage:9080", "origin", "https://evil.test");
        proxy.upstreams().next(ENDPOINT).respond(200, "{}");

        assertThat(client.response().headers().contains("access-control-allow-origin"))
                .isFalse();
    }

    @Test
    void wildcardMethodsAndHeadersEchoWhatThePreflightAsksFor() {
        CorsPolicy wildcard = policy().setAllowMethods("*").setAllowHeaders("*").build();
        EmbeddedProxy.Client client = preflight(sidecar(wildcard), "https://example.com");

        FullHttpResponse response = client.response();
        assertThat(response.headers().get("access-control-allow-methods")).isEqualTo("POST");
        assertThat(response.headers().get("access-control-allow-headers")).isEqualTo("x-custom");
    }
}
