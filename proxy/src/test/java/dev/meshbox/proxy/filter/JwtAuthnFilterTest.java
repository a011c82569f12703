package dev.meshbox.proxy.filter;

import static dev.meshbox.proxy.testing.XdsFixtures.cla;
import static dev.meshbox.proxy.testing.XdsFixtures.cluster;
import static dev.meshbox.proxy.testing.XdsFixtures.edsCluster;
import static dev.meshbox.proxy.testing.XdsFixtures.gateway;
import static dev.meshbox.proxy.testing.XdsFixtures.prefix;
import static dev.meshbox.proxy.testing.XdsFixtures.route;
import static dev.meshbox.proxy.testing.XdsFixtures.routeConfig;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.Empty;
import com.google.protobuf.InvalidProtocolBufferException;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.meshbox.proxy.http.HttpExchange;
import dev.meshbox.proxy.http.HttpFilter;
import dev.meshbox.proxy.route.FilterConfig;
import dev.meshbox.proxy.spec.HttpFilterType;
import dev.meshbox.proxy.spec.TypedConfig;
import dev.meshbox.proxy.testing.EmbeddedProxy;
import dev.meshbox.proxy.testing.EmbeddedUpstreams;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtClaimToHeader;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtHeader;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtProvider;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtRequirement;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtRequirementOrList;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.RequirementRule;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.util.CharsetUtil;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code envoy.filters.http.jwt_authn} on a gateway listener configured as Istio configures it for one
 * RequestAuthentication ({@code origins-0}, {@code {provider OR allow_missing}}, payload in metadata under
 * {@code payload}): keys and tokens are made here, and the proxy's clock stands at 2026-12-04T10:00:00Z.
 */
class JwtAuthnFilterTest {

    private static final String ISSUER = "testing@secure.istio.io";
    private static final String HTTPBIN = "outbound|8000||httpbin.foo.svc.cluster.local";
    private static final String ENDPOINT = "127.0.0.51:8000";
    private static final Instant NOW = Instant.parse("2026-12-04T10:00:00Z");
    private static final String PROBE_TYPE = "type.googleapis.com/meshbox.test.JwtProbe";

    private static RSAKey rsa;
    private static RSAKey otherRsa;
    private static ECKey ec;

    private final List<JwtMetadata> seen = new ArrayList<>();
    private final EmbeddedProxy proxy = new EmbeddedProxy(5, new ProbeType(), s -> new Probe(s.name(), seen));

    @BeforeAll
    static void keys() throws JOSEException {
        rsa = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
        otherRsa = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
        ec = new ECKeyGenerator(Curve.P_256).keyID("ec-1").generate();
    }

    @AfterEach
    void close() {
        proxy.close();
    }

    /** Records the JWT metadata each request carries when it reaches the filter after jwt_authn. */
    private record Probe(String name, List<JwtMetadata> seen) implements HttpFilter {
        @Override
        public Status onRequest(HttpExchange exchange) {
            seen.add(JwtAuthnFilter.metadata(exchange));
            return Status.CONTINUE;
        }
    }

    private static final class ProbeType implements HttpFilterType {
        @Override
        public String typeUrl() {
            return PROBE_TYPE;
        }

        @Override
        public FilterConfig parse(TypedConfig config, String where) {
            return new FilterConfig() {};
        }
    }

    private static JwtProvider.Builder provider() {
        String jwks = new JWKSet(List.of(rsa.toPublicJWK(), ec.toPublicJWK())).toString();
        return JwtProvider.newBuilder()
                .setIssuer(ISSUER)
                .setPayloadInMetadata("payload")
                .setNormalizePayloadInMetadata(JwtProvider.NormalizePayload.newBuilder()
                        .addSpaceDelimitedClaims("scope")
                        .addSpaceDelimitedClaims("permission"))
                .setLocalJwks(DataSource.newBuilder().setInlineString(jwks));
    }

    /** Istio's config for one rule: requires {origins-0 OR allow_missing} on every path. */
    private static JwtAuthentication istio(JwtProvider.Builder provider) {
        JwtRequirement origin =
                JwtRequirement.newBuilder().setProviderName("origins-0").build();
        JwtRequirement allowMissing = JwtRequirement.newBuilder()
                .setAllowMissing(Empty.getDefaultInstance())
                .build();
        return JwtAuthentication.newBuilder()
                .putProviders("origins-0", provider.build())
                .addRules(RequirementRule.newBuilder()
                        .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                        .setRequires(JwtRequirement.newBuilder()
                                .setRequiresAny(JwtRequirementOrList.newBuilder()
                                        .addRequirements(origin)
                                        .addRequirements(allowMissing))))
                .setBypassCorsPreflight(true)
                .build();
    }

    private EmbeddedProxy.Client gatewayWith(JwtAuthentication config) throws InvalidProtocolBufferException {
        Listener base = gateway(8080);
        Filter hcmFilter = base.getFilterChains(0).getFilters(0);
        HttpConnectionManager hcm = hcmFilter.getTypedConfig().unpack(HttpConnectionManager.class);
        HttpConnectionManager.Builder b = hcm.toBuilder().clearHttpFilters();
        b.addHttpFilters(
                io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter.newBuilder()
                        .setName(JwtAuthnFilter.METADATA_NAMESPACE)
                        .setTypedConfig(Any.pack(config)));
        b.addHttpFilters(
                io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter.newBuilder()
                        .setName("probe")
                        .setTypedConfig(Any.newBuilder().setTypeUrl(PROBE_TYPE)));
        b.addAllHttpFilters(hcm.getHttpFiltersList());
        Listener listener = base.toBuilder()
                .setFilterChains(
                        0,
                        base.getFilterChains(0).toBuilder()
                                .setFilters(0, hcmFilter.toBuilder().setTypedConfig(Any.pack(b.build()))))
                .build();
        proxy.listeners(listener)
                .routes(routeConfig(
                        "http.8080",
                        io.envoyproxy.envoy.config.route.v3.VirtualHost.newBuilder()
                                .setName("*:80")
                                .addDomains("*")
                                .addRoutes(route("r", prefix("/"), cluster(HTTPBIN)))
                                .build()))
                .clusters(edsCluster(HTTPBIN, io.envoyproxy.envoy.config.cluster.v3.Cluster.LbPolicy.ROUND_ROBIN))
                .endpoints(cla(HTTPBIN, ENDPOINT));
        return proxy.connect("0.0.0.0_8080", 8080);
    }

    private static String token(UnaryOperator<JWTClaimsSet.Builder> claims) throws JOSEException {
        JWTClaimsSet.Builder b = new JWTClaimsSet.Builder()
                .issuer(ISSUER)
                .subject(ISSUER)
                .issueTime(Date.from(NOW.minusSeconds(60)))
                .expirationTime(Date.from(NOW.plusSeconds(3600)))
                .claim("foo", "bar");
        SignedJWT jwt = new SignedJWT(
                new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("rsa-1").build(),
                claims.apply(b).build());
        jwt.sign(new RSASSASigner(rsa));
        return jwt.serialize();
    }

    private static String validToken() throws JOSEException {
        return token(b -> b);
    }

    private EmbeddedUpstreams.Arrived forwarded() {
        EmbeddedUpstreams.Arrived arrived = proxy.upstreams().next(ENDPOINT);
        assertThat(arrived).as("the request reached httpbin").isNotNull();
        arrived.respond(200, "ok");
        return arrived;
    }

    private static String body(FullHttpResponse r) {
        return r.content().toString(CharsetUtil.UTF_8);
    }

    @Test
    void aValidTokenPassesItsClaimsAreExposedAndTheTokenIsRemoved() throws Exception {
        EmbeddedProxy.Client client = gatewayWith(istio(provider()));
        String token = token(b -> b.claim("groups", List.of("group1", "group2")).claim("scope", "read write"));
        client.get("/headers", "httpbin.example.com", "authorization", "Bearer " + token);

        EmbeddedUpstreams.Arrived arrived = forwarded();
        assertThat(client.response().status().code()).isEqualTo(200);
        assertThat(arrived.header("authorization"))
                .as("removed: forward is false")
                .isNull();
        JwtMetadata m = seen.get(0);
        assertThat(m.requestPrincipal()).isEqualTo(ISSUER + "/" + ISSUER);
        assertThat(m.claim("foo")).isEqualTo("bar");
        assertThat(m.claimValues("groups")).containsExactly("group1", "group2");
        assertThat(m.payload("payload")).containsEntry("iss", ISSUER);
        assertThat(m.claimValues("scope")).as("split at spaces as Istio asks").containsExactly("read", "write");
    }

    @Test
    void noTokenPassesWithoutPrincipalBecauseIstioAllowsMissing() throws Exception {
        EmbeddedProxy.Client client = gatewayWith(istio(provider()));
        client.get("/headers", "httpbin.example.com");

        forwarded();
        assertThat(client.response().status().code()).isEqualTo(200);
        assertThat(seen.get(0).isEmpty()).isTrue();
        assertThat(seen.get(0).requestPrincipal()).isNull();
    }

    @Test
    void aTokenWithoutDotsIs401WithEnvoysBadFormatTextAndChallenge() throws Exception {
        EmbeddedProxy.Client client = gatewayWith(istio(provider()));
        client.get("/headers?x=1", "httpbin.example.com", "authorization", "Bearer deadbeef");

        FullHttpResponse r = client.response();
        assertThat(r.status().code()).isEqualTo(401);
        assertThat(body(r))
                .isEqualTo("Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections");
        assertThat(r.headers().get("www-authenticate"))
                .isEqualTo("Bearer realm=\"http://httpbin.example.com/headers?x=1\", error=\"invalid_token\"");
        assertThat(proxy.lastLogEntry().responseCodeDetails())
                .isEqualTo("jwt_authn_access_denied{Jwt_is_not_in_the_form_of_Header.Payload.Signature_with_two_dots"
                        + "_and_3_sections}");
        assertThat(proxy.upstreams().connectionsOpened(ENDPOINT)).isZero();
    }

    @Test
    void aTokenSignedByAnotherKeyFailsVerification() throws Exception {
        EmbeddedProxy.Client client = gatewayWith(istio(provider()));
        SignedJWT jwt = SignedJWT.parse(validToken());
        SignedJWT forged = new SignedJWT(jwt.getHeader(), jwt.getJWTClaimsSet());
        forged.sign(new RSASSASigner(otherRsa));
        client.get("/", "httpbin.example.com", "authorization", "Bearer " + forged.serialize());

        FullHttpResponse r = client.response();
        assertThat(r.status().code()).isEqualTo(401);
        assertThat(body(r)).isEqualTo("Jwt verification fails");
    }

    @Test
    void anExpiredTokenIs401JwtIsExpired() throws Exception {
        EmbeddedProxy.Client client = gatewayWith(istio(provider()));
        String expired = token(b -> b.expirationTime(Date.from(NOW.minusSeconds(120))));
        client.get("/", "httpbin.example.com", "authorization", "Bearer " + expired);

        assertThat(body(client.response())).isEqualTo("Jwt is expired");
    }

    @Test
    void aTokenWithinTheClockSkewOfItsExpiryStillPasses() throws Exception {
        EmbeddedProxy.Client client = gatewayWith(istio(provider()));
        client.get(
                "/",
                "httpbin.example.com",
                "authorization",
                "Bearer " + token(b -> b.expirationTime(Date.from(NOW.minusSeconds(30)))));

        forwarded();
        assertThat(client.response().status().code()).isEqualTo(200);
    }

    @Test
    void aTokenNotYetValidIs401() throws Exception {
        EmbeddedProxy.Client client = gatewayWith(istio(provider()));
        client.get(
                "/",
                "httpbin.example.com",
                "authorization",
                "Bearer " + token(b -> b.notBeforeTime(Date.from(NOW.plusSeconds(600)))));

        assertThat(body(client.response())).isEqualTo("Jwt not yet valid");
    }

    @Test
    void aTokenOfAnotherIssuerIs401IssuerNotConfigured() throws Exception {
        EmbeddedProxy.Client client = gatewayWith(istio(provider()));
        client.get("/", "httpbin.example.com", "authorization", "Bearer " + token(b -> b.issuer("someone-else")));

        FullHttpResponse r = client.response();
        assertThat(r.status().code()).isEqualTo(401);
        assertThat(body(r)).isEqualTo("Jwt issuer is not configured");
    }

    @Test
    void aWrongAudienceIs403AsEnvoyAnswersIt() throws Exception {
        EmbeddedProxy.Client client = gatewayWith(istio(provider().addAudiences("httpbin.foo")));
        client.get("/", "httpbin.example.com", "authorization", "Bearer " + token(b -> b.audience("ratings")));

        FullHttpResponse r = client.response();
        assertThat(r.status().code()).isEqualTo(403);
        assertThat(body(r)).isEqualTo("Audiences in Jwt are not allowed");
    }

    @Test
    void aListedAudienceWithASchemePasses() throws Exception {
        EmbeddedProxy.Client client = gatewayWith(istio(provider().addAudiences("httpbin.foo")));
        client.get(
                "/",
                "httpbin.example.com",
                "authorization",
                "Bearer "
                        + token(b -> b.audience(List.of("other", "https://httpbin.foo/"))
                                .claim("azp", "web")));

        forwarded();
        assertThat(client.response().status().code()).isEqualTo(200);
        assertThat(seen.get(0).audiences()).containsExactly("other", "https://httpbin.foo/");
        assertThat(seen.get(0).presenter()).isEqualTo("web");
    }

    @Test
    void anEs256TokenVerifiesAgainstItsEcKey() throws Exception {
        EmbeddedProxy.Client client = gatewayWith(istio(provider()));
        SignedJWT jwt = new SignedJWT(
                new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("ec-1").build(),
                new JWTClaimsSet.Builder()
                        .issuer(ISSUER)
                        .subject("alice")
                        .expirationTime(Date.from(NOW.plusSeconds(60)))
                        .build());
        jwt.sign(new ECDSASigner(ec));
        client.get("/", "httpbin.example.com", "authorization", "Bearer " + jwt.serialize());

        forwarded();
        assertThat(seen.get(0).requestPrincipal()).isEqualTo(ISSUER + "/alice");
    }

    @Test
    void fromHeadersWithAPrefixAndFromParamsAreWhereTokensAreRead() throws Exception {
        EmbeddedProxy.Client client = gatewayWith(istio(provider()
                .addFromHeaders(
                        JwtHeader.newBuilder().setName("x-jwt-assertion").setValuePrefix("Token "))
                .addFromParams("my_token")));
        client.get("/a", "httpbin.example.com", "x-jwt-assertion", "Token " + validToken());
        assertThat(forwarded().header("x-jwt-assertion")).isNull();
        assertThat(client.response().status().code()).isEqualTo(200);

        client.get("/b?my_token=" + validToken(), "httpbin.example.com");
        EmbeddedUpstreams.Arrived arrived = forwarded();
        assertThat(client.response().status().code()).isEqualTo(200);
        assertThat(seen.get(1).requestPrincipal()).isEqualTo(ISSUER + "/" + ISSUER);
        assertThat(arrived.request().uri())
                .as("Envoy leaves tokens in the query")
                .contains("my_token=");

        client.get("/c", "httpbin.example.com", "authorization", "Bearer " + validToken());
        forwarded();
        assertThat(seen.get(2).isEmpty())
                .as("with locations configured the default Authorization header is not read")
                .isTrue();
    }

    @Test
    void aBadTokenInTheQueryParameterIsRejected() throws Exception {
        EmbeddedProxy.Client client = gatewayWith(istio(provider()));
        client.get("/?access_token=invalidToken", "httpbin.example.com");

        assertThat(client.response().status().code()).isEqualTo(401);
    }

    @Test
    void forwardOriginalTokenKeepsTheAuthorizationHeader() throws Exception {
        EmbeddedProxy.Client client = gatewayWith(istio(provider().setForward(true)));
        String token = validToken();
        client.get("/", "httpbin.example.com", "authorization", "Bearer " + token);

        assertThat(forwarded().header("authorization")).isEqualTo("Bearer " + token);
    }

    @Test
    void outputPayloadToHeaderAndClaimToHeadersReachTheApp() throws Exception {
        EmbeddedProxy.Client client = gatewayWith(istio(provider()
                .setForwardPayloadHeader("x-jwt-payload")
                .addClaimToHeaders(
                        JwtClaimToHeader.newBuilder().setHeaderName("x-foo").setClaimName("foo"))));
        client.get("/", "httpbin.example.com", "authorization", "Bearer " + validToken());

        EmbeddedUpstreams.Arrived arrived = forwarded();
        String payload =
                new String(Base64.getUrlDecoder().decode(arrived.header("x-jwt-payload")), StandardCharsets.UTF_8);
        assertThat(payload).contains("\"iss\":\"" + ISSUER + "\"").contains("\"foo\":\"bar\"");
        assertThat(arrived.header("x-foo")).isEqualTo("bar");
    }

    @Test
    void aCorsPreflightIsNotCheckedEvenWithABadToken() throws Exception {
        EmbeddedProxy.Client client = gatewayWith(istio(provider()));
        client.send(
                "OPTIONS",
                "/",
                "httpbin.example.com",
                "origin",
                "http://a.example",
                "access-control-request-method",
                "GET",
                "authorization",
                "Bearer deadbeef");

        forwarded();
        assertThat(client.response().status().code()).isEqualTo(200);
    }

    @Test
    void aRequirementNamingAnUnknownProviderIsNackedNamingTheField() throws Exception {
        JwtAuthentication bad = istio(provider()).toBuilder()
                .setRules(
                        0,
                        RequirementRule.newBuilder()
                                .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                                .setRequires(JwtRequirement.newBuilder().setProviderName("origins-7")))
                .build();
        Listener listener = gateway(8080);
        HttpConnectionManager hcm =
                listener.getFilterChains(0).getFilters(0).getTypedConfig().unpack(HttpConnectionManager.class);
        HttpConnectionManager withJwt = hcm.toBuilder()
                .addHttpFilters(
                        0,
                        io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter
                                .newBuilder()
                                .setName(JwtAuthnFilter.METADATA_NAMESPACE)
                                .setTypedConfig(Any.pack(bad)))
                .build();
        Listener l = listener.toBuilder()
                .setFilterChains(
                        0,
                        listener.getFilterChains(0).toBuilder()
                                .setFilters(
                                        0,
                                        listener.getFilterChains(0).getFilters(0).toBuilder()
                                                .setTypedConfig(Any.pack(withJwt))))
                .build();

        assertThat(proxy.tryApply(dev.meshbox.proxy.xds.TypeUrls.LISTENER, l))
                .contains("rules[0].requires.provider_name: no provider named \"origins-7\"");
    }
}
