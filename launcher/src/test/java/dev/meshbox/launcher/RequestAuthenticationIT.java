package dev.meshbox.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import dev.meshbox.launcher.backend.LocalMesh;
import dev.meshbox.launcher.backend.LocalOptions;
import dev.meshbox.launcher.backend.MeshSpec;
import dev.meshbox.scenarios.MeshAccess;
import dev.meshbox.scenarios.Scenario;
import dev.meshbox.scenarios.TrafficDriver;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * RequestAuthentication end to end (issue 18, item 5): a real loopback mesh of sidecars, an echo workload that
 * answers with the headers it received, and a JWKS served by a small loopback HTTP server that the control plane
 * fetches, as istiod fetches {@code jwksUri}. Keys and tokens are made here; nothing comes from the internet.
 */
class RequestAuthenticationIT {

    private static final String ISSUER = "testing@secure.istio.io";
    private static final AtomicInteger RUNS = new AtomicInteger();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger JWKS_FETCHES = new AtomicInteger();

    private static LocalMesh mesh;
    private static HttpServer jwksServer;
    private static String jwksUri;
    private static RSAKey key;

    @BeforeAll
    static void up() throws Exception {
        key = new RSAKeyGenerator(2048).keyID("test-key").generate();
        byte[] jwks = new JWKSet(key.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
        jwksServer = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        jwksServer.createContext("/jwks.json", exchange -> {
            JWKS_FETCHES.incrementAndGet();
            exchange.sendResponseHeaders(200, jwks.length);
            exchange.getResponseBody().write(jwks);
            exchange.close();
        });
        jwksServer.start();
        jwksUri = "http://127.0.0.1:" + jwksServer.getAddress().getPort() + "/jwks.json";
        Scenario.EchoVersion one = new Scenario.EchoVersion(1, Duration.ZERO, 0, 503, 0);
        mesh = LocalMesh.start(
                MeshSpec.of(List.of(new Scenario.Builtin("sleep"), new Scenario.Echo("shop", 8080, Map.of("v1", one)))),
                LocalOptions.isolated(OptionalLong.of(11)),
                new PrintStream(OutputStream.nullOutputStream()));
    }

    @AfterAll
    static void down() {
        if (mesh != null) {
            mesh.close();
        }
        if (jwksServer != null) {
            jwksServer.stop(0);
        }
    }

    @BeforeEach
    void reset() {
        mesh.resetConfig();
    }

    private static String token(Instant expiry) throws JOSEException {
        SignedJWT jwt = new SignedJWT(
                new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("test-key").build(),
                new JWTClaimsSet.Builder()
                        .issuer(ISSUER)
                        .subject(ISSUER)
                        .issueTime(new Date())
                        .expirationTime(Date.from(expiry))
                        .claim("foo", "bar")
                        .build());
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    private static String policy(String namespace, String selector, String extra) {
        return """
                apiVersion: security.istio.io/v1
                kind: RequestAuthentication
                metadata:
                  name: jwt-example
                  namespace: %s
                spec:
                  selector:
                    matchLabels: {%s}
                  jwtRules:
                  - issuer: %s
                    jwksUri: %s
                %s""".formatted(namespace, selector, ISSUER, jwksUri, extra);
    }

    @Test
    void aValidTokenReachesTheEchoWithTheOutputHeadersAndWithoutTheToken() throws Exception {
        apply(
                policy(
                        "default",
                        "app: shop",
                        "    outputPayloadToHeader: x-jwt-payload\n    outputClaimToHeaders: [{header: x-jwt-foo, claim: foo}]\n"));

        TrafficDriver.Result r =
                get(Map.of("authorization", "Bearer " + token(Instant.now().plusSeconds(3600))));
        JsonNode headers = seen(r).path("headers");
        assertThat(headers.path("x-jwt-foo").asText()).isEqualTo("bar");
        String payload = new String(
                Base64.getUrlDecoder().decode(headers.path("x-jwt-payload").asText()), StandardCharsets.UTF_8);
        assertThat(payload).contains("\"iss\":\"" + ISSUER + "\"");
        assertThat(headers.has("authorization"))
                .as("the token is removed before the app")
                .isFalse();
        assertThat(JWKS_FETCHES.get()).as("the control plane fetched the JWKS").isPositive();
    }

    @Test
    void forwardOriginalTokenLetsTheTokenThrough() throws Exception {
        apply(policy("default", "app: shop", "    forwardOriginalToken: true\n"));
        String token = token(Instant.now().plusSeconds(3600));

        JsonNode headers = seen(get(Map.of("authorization", "Bearer " + token))).path("headers");
        assertThat(headers.path("authorization").asText()).isEqualTo("Bearer " + token);
    }

    @Test
    void anInvalidTokenIs401AndNoTokenPassesAsIstiosDocsShow() throws Exception {
        apply(policy("default", "app: shop", ""));

        TrafficDriver.Result invalid = get(Map.of("authorization", "Bearer invalidToken"));
        assertThat(invalid.status()).isEqualTo(401);
        assertThat(invalid.body())
                .isEqualTo("Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections");
        assertThat(invalid.headers().get("www-authenticate")).startsWith("Bearer realm=\"http://shop:8080/headers\"");

        TrafficDriver.Result expired =
                get(Map.of("authorization", "Bearer " + token(Instant.now().minusSeconds(600))));
        assertThat(expired.status()).isEqualTo(401);
        assertThat(expired.body()).isEqualTo("Jwt is expired");

        assertThat(get(Map.of()).status())
                .as("a missing token passes to authorization")
                .isEqualTo(200);
    }

    @Test
    void aPolicyOnTheIngressGatewayChecksTokensThereAsInTheAuthnPolicyTask() throws Exception {
        apply("""
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: shop-gateway}
                spec:
                  selector: {istio: ingressgateway}
                  servers:
                  - port: {number: 80, name: http, protocol: HTTP}
                    hosts: ["*"]
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: shop}
                spec:
                  hosts: ["*"]
                  gateways: [shop-gateway]
                  http:
                  - route: [{destination: {host: shop, port: {number: 8080}}}]
                """);
        apply(policy("istio-system", "istio: ingressgateway", ""));

        assertThat(ingress(Map.of()).status()).isEqualTo(200);
        assertThat(ingress(Map.of("authorization", "Bearer deadbeef")).status()).isEqualTo(401);
        assertThat(ingress(Map.of(
                                "authorization", "Bearer " + token(Instant.now().plusSeconds(3600))))
                        .status())
                .isEqualTo(200);
        assertThat(get(Map.of("authorization", "Bearer deadbeef")).status())
                .as("the gateway's policy does not select the shop's sidecar")
                .isEqualTo(200);
    }

    private static void apply(String yaml) {
        MeshAccess.ApplyOutcome outcome = mesh.apply(List.of(new MeshAccess.ConfigText("test.yaml", yaml)));
        assertThat(outcome.problems()).isEmpty();
    }

    private static TrafficDriver.Result get(Map<String, String> headers) {
        return send(new Scenario.Traffic("sleep", "GET", "http://shop:8080/headers", headers, 1, 1));
    }

    private static TrafficDriver.Result ingress(Map<String, String> headers) {
        return send(new Scenario.Traffic("ingress", "GET", "http://shop.example.com/headers", headers, 1, 1));
    }

    private static TrafficDriver.Result send(Scenario.Traffic traffic) {
        try {
            return new TrafficDriver(mesh)
                    .send(traffic, "jwt" + RUNS.incrementAndGet(), x -> {})
                    .get(0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static JsonNode seen(TrafficDriver.Result r) {
        assertThat(r.status()).as("status of %s: %s", r.requestId(), r.body()).isEqualTo(200);
        try {
            return JSON.readTree(r.body()).path("request");
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + r.body(), e);
        }
    }
}
