package dev.meshbox.launcher;

import static dev.meshbox.launcher.junit.MeshAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.meshbox.launcher.junit.Mesh;
import dev.meshbox.launcher.junit.MeshScenario;
import dev.meshbox.launcher.junit.MeshTest;
import dev.meshbox.launcher.junit.Request;
import dev.meshbox.launcher.junit.Responses;
import dev.meshbox.scenarios.ScenarioReport;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Istio's security tasks on their own layout (issue 18, item 6): httpbin and sleep in namespaces {@code foo} and
 * {@code bar} with sidecars, and in {@code legacy} without, each as its sample's service account. The outcomes are
 * those the tasks' doc tests assert: the {@code sleep.X to httpbin.Y: CODE} loop, authz-deny's codes, authz-jwt's, and
 * the authentication task's end-user policy on the ingress gateway. Tokens and keys are made here at run time.
 */
@MeshTest(
        workloads = {"httpbin.foo", "sleep.foo", "httpbin.bar", "sleep.bar"},
        withoutSidecar = {"httpbin.legacy", "sleep.legacy"})
class SecurityTasksIT {

    private static final List<String> NAMESPACES = List.of("foo", "bar", "legacy");
    private static final String ISSUER = "testing@secure.istio.io";

    private static RSAKey key;
    private static String jwks;

    @BeforeAll
    static void keys() throws JOSEException {
        key = new RSAKeyGenerator(2048)
                .keyID("DHFbpoIUqrY8t2zpA2qXfCmr5VO5ZEr4RzHU_-envvQ")
                .generate();
        jwks = new JWKSet(key.toPublicJWK()).toString();
    }

    /** Istio's loop: {@code curl http://httpbin.${to}:8000/ip -w "sleep.${from} to httpbin.${to}: %{http_code}"}. */
    static List<String> loop(Mesh mesh, List<String> from, List<String> to) {
        List<String> lines = new ArrayList<>();
        for (String f : from) {
            for (String t : to) {
                Responses r = mesh.send(
                        1, Request.get("http://httpbin." + t + ":8000/ip").from("sleep." + f));
                int code = r.asList().get(0).status();
                lines.add("sleep." + f + " to httpbin." + t + ": " + (code == 0 ? "000" : Integer.toString(code)));
            }
        }
        return lines;
    }

    @Test
    void everySleepReachesEveryHttpbinBeforeAnyPolicyAsInTheTasksFirstStep(Mesh mesh) {
        assertThat(loop(mesh, NAMESPACES, NAMESPACES))
                .containsExactly(
                        "sleep.foo to httpbin.foo: 200",
                        "sleep.foo to httpbin.bar: 200",
                        "sleep.foo to httpbin.legacy: 200",
                        "sleep.bar to httpbin.foo: 200",
                        "sleep.bar to httpbin.bar: 200",
                        "sleep.bar to httpbin.legacy: 200",
                        "sleep.legacy to httpbin.foo: 200",
                        "sleep.legacy to httpbin.bar: 200",
                        "sleep.legacy to httpbin.legacy: 200");
    }

    @Test
    void aMeshedCallCarriesBothServiceAccountsInXfccAndACallToLegacyNone(Mesh mesh) {
        Responses meshed =
                mesh.send(1, Request.get("http://httpbin.foo:8000/headers").from("sleep.foo"));
        assertThat(meshed)
                .allHaveStatus(200)
                .allBodiesContain("By=spiffe://cluster.local/ns/foo/sa/httpbin;Hash=")
                .allBodiesContain(";Subject=\\\"\\\";URI=spiffe://cluster.local/ns/foo/sa/sleep");

        Responses legacy =
                mesh.send(1, Request.get("http://httpbin.legacy:8000/headers").from("sleep.foo"));
        assertThat(legacy).allHaveStatus(200).noBodyContains("X-Forwarded-Client-Cert");
        // Without a sidecar the app's own request arrives as sent: plaintext, no identity, at httpbin's sidecar.
        Responses fromLegacy =
                mesh.send(1, Request.get("http://httpbin.foo:8000/headers").from("sleep.legacy"));
        assertThat(fromLegacy).allHaveStatus(200).noBodyContains("URI=spiffe://");
    }

    @MeshScenario("classpath:scenarios/security/mtls-migration.yaml")
    void mtlsMigrationAsItsDocTestAsserts(ScenarioReport report) {
        assertThat(report.steps())
                .hasSize(18)
                .allSatisfy(s -> assertThat(s.passed()).isTrue());
    }

    @MeshScenario("classpath:scenarios/security/authn-policy.yaml")
    void authnPolicyAsItsDocTestAsserts(ScenarioReport report) {
        assertThat(report.steps())
                .hasSize(48)
                .allSatisfy(s -> assertThat(s.passed()).isTrue());
    }

    /** The mtls-migration task's last table, and what a test sees of a refused plaintext call. */
    @Test
    void meshWideStrictClosesOnlyThePlaintextCallsOfTheClientWithoutASidecar(Mesh mesh) {
        mesh.apply("""
                apiVersion: security.istio.io/v1
                kind: PeerAuthentication
                metadata: {name: default, namespace: istio-system}
                spec:
                  mtls: {mode: STRICT}
                """);

        assertThat(loop(mesh, NAMESPACES, List.of("foo", "bar")))
                .containsExactly(
                        "sleep.foo to httpbin.foo: 200",
                        "sleep.foo to httpbin.bar: 200",
                        "sleep.bar to httpbin.foo: 200",
                        "sleep.bar to httpbin.bar: 200",
                        "sleep.legacy to httpbin.foo: 000",
                        "sleep.legacy to httpbin.bar: 000");
        Responses refused =
                mesh.send(2, Request.get("http://httpbin.foo:8000/ip").from("sleep.legacy"));
        assertThat(refused).allConnectionsClosed();
        assertThat(refused.explain())
                .contains("status codes: 000 (no response) 2/2")
                .contains("first error: ")
                .contains("connection closed before a response");
        // A workload without a sidecar is reached as before: plaintext is all it speaks.
        assertThat(mesh.send(1, Request.get("http://httpbin.legacy:8000/ip").from("sleep.legacy")))
                .allHaveStatus(200);
    }

    @MeshScenario("classpath:scenarios/security/authz-deny.yaml")
    void authzDenyAsItsDocTestAsserts(ScenarioReport report) {
        assertThat(report.steps())
                .hasSize(8)
                .allSatisfy(s -> assertThat(s.passed()).isTrue());
    }

    @Test
    void aDenyPolicyRefusalNamesItsRuleAndTheCallersIdentity(Mesh mesh) {
        mesh.apply("""
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: deny-method-get, namespace: foo}
                spec:
                  selector:
                    matchLabels: {app: httpbin}
                  action: DENY
                  rules:
                  - to:
                    - operation: {methods: ["GET"]}
                """);

        Responses denied =
                mesh.send(2, Request.get("http://httpbin.foo:8000/get").from("sleep.foo"));
        assertThat(denied).allDenied().allBodiesContain("RBAC: access denied");
        assertThat(denied.explain())
                .contains("RBAC: access denied at httpbin's sidecar: denied by ns[foo]-policy[deny-method-get]-rule[0]"
                        + " (caller spiffe://cluster.local/ns/foo/sa/sleep)");
        // Only httpbin.foo is selected: bar's httpbin answers.
        assertThat(mesh.send(1, Request.get("http://httpbin.bar:8000/get").from("sleep.foo")))
                .allAllowed()
                .allHaveStatus(200);
    }

    private static String token(Map<String, Object> extraClaims) throws JOSEException {
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
                .issuer(ISSUER)
                .subject(ISSUER)
                .issueTime(new Date(1_532_389_700_000L))
                .expirationTime(new Date(4_685_989_700_000L));
        extraClaims.forEach(claims::claim);
        SignedJWT jwt = new SignedJWT(
                new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(), claims.build());
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    private static Request httpbinFoo(String path, String token) {
        Request r = Request.get("http://httpbin.foo:8000" + path).from("sleep.foo");
        return token == null ? r : r.header("authorization", "Bearer " + token);
    }

    /**
     * Istio's authz-jwt task, with tokens of demo.jwt's claims ({@code foo: bar}) and groups-scope.jwt's
     * ({@code groups: [group1, group2]}, {@code scope}) signed by a key made here.
     */
    @Test
    void authzJwtAsItsDocTestAsserts(Mesh mesh) throws JOSEException {
        String demo = token(Map.of("foo", "bar"));
        String groups = token(Map.of("groups", List.of("group1", "group2"), "scope", List.of("scope1", "scope2")));
        String requestAuthentication = """
                apiVersion: security.istio.io/v1
                kind: RequestAuthentication
                metadata: {name: jwt-example, namespace: foo}
                spec:
                  selector:
                    matchLabels: {app: httpbin}
                  jwtRules:
                  - issuer: %s
                    jwks: '%s'
                """.formatted(ISSUER, jwks);
        mesh.apply(requestAuthentication);
        assertThat(mesh.send(1, httpbinFoo("/headers", "invalidToken"))).allHaveStatus(401);
        assertThat(mesh.send(1, httpbinFoo("/headers", null))).allHaveStatus(200);

        String requireJwt = """
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: require-jwt, namespace: foo}
                spec:
                  selector:
                    matchLabels: {app: httpbin}
                  action: ALLOW
                  rules:
                  - from:
                    - source:
                        requestPrincipals: ["testing@secure.istio.io/testing@secure.istio.io"]
                """;
        mesh.apply(requireJwt);
        assertThat(mesh.send(1, httpbinFoo("/headers", demo))).allHaveStatus(200);
        assertThat(mesh.send(1, httpbinFoo("/headers", null))).allDenied();

        mesh.apply(requireJwt + """
                    when:
                    - key: request.auth.claims[groups]
                      values: ["group1"]
                """);
        assertThat(mesh.send(1, httpbinFoo("/headers", groups))).allHaveStatus(200);
        assertThat(mesh.send(1, httpbinFoo("/headers", demo))).allDenied();
    }

    /**
     * The authentication task's end-user part: httpbin.foo behind the ingress gateway, a RequestAuthentication on the
     * gateway (no token passes, a bad one is 401, a good one passes), then a DENY of requests without a principal,
     * then the same for /headers only.
     */
    @Test
    void endUserAuthenticationOnTheIngressGatewayAsTheAuthnPolicyTaskAsserts(Mesh mesh) throws JOSEException {
        mesh.apply("""
                apiVersion: networking.istio.io/v1
                kind: Gateway
                metadata: {name: httpbin-gateway, namespace: foo}
                spec:
                  selector: {istio: ingressgateway}
                  servers:
                  - port: {number: 80, name: http, protocol: HTTP}
                    hosts: ["*"]
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: httpbin, namespace: foo}
                spec:
                  hosts: ["*"]
                  gateways: [httpbin-gateway]
                  http:
                  - route:
                    - destination:
                        host: httpbin.foo.svc.cluster.local
                        port: {number: 8000}
                """);
        assertThat(mesh.send(1, Request.get("/headers"))).allHaveStatus(200);

        mesh.apply("""
                apiVersion: security.istio.io/v1
                kind: RequestAuthentication
                metadata: {name: jwt-example, namespace: istio-system}
                spec:
                  selector:
                    matchLabels: {istio: ingressgateway}
                  jwtRules:
                  - issuer: %s
                    jwks: '%s'
                """.formatted(ISSUER, jwks));
        String demo = token(Map.of("foo", "bar"));
        assertThat(mesh.send(1, Request.get("/headers"))).allHaveStatus(200);
        assertThat(mesh.send(1, Request.get("/headers").header("authorization", "Bearer deadbeef")))
                .allHaveStatus(401);
        assertThat(mesh.send(1, Request.get("/headers").header("authorization", "Bearer " + demo)))
                .allHaveStatus(200);

        String frontendIngress = """
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: frontend-ingress, namespace: istio-system}
                spec:
                  selector:
                    matchLabels: {istio: ingressgateway}
                  action: DENY
                  rules:
                  - from:
                    - source:
                        notRequestPrincipals: ["*"]
                """;
        mesh.apply(frontendIngress);
        assertThat(mesh.send(1, Request.get("/headers"))).allDenied();
        assertThat(mesh.send(1, Request.get("/headers").header("authorization", "Bearer " + demo)))
                .allHaveStatus(200);

        mesh.apply(frontendIngress + """
                    to:
                    - operation:
                        paths: ["/headers"]
                """);
        assertThat(mesh.send(1, Request.get("/headers"))).allDenied();
        assertThat(mesh.send(1, Request.get("/ip"))).allAllowed().allHaveStatus(200);
    }
}
