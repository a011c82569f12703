package dev.meshbox.controlplane.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** RequestAuthentication read and checked as Istio's webhook checks it ({@code validateJwtRule}). */
class RequestAuthenticationParserTest {

    private final IstioParser parser = new IstioParser();

    private static final String HEAD = """
            apiVersion: security.istio.io/v1
            kind: RequestAuthentication
            metadata:
              name: jwt-example
              namespace: foo
            spec:
            """;

    @Test
    void theDocsExampleReadsWithEveryField() {
        ParseResult r = parser.parse("jwt.yaml", HEAD + """
                  selector:
                    matchLabels: {app: httpbin}
                  jwtRules:
                  - issuer: testing@secure.istio.io
                    audiences: [httpbin.foo]
                    jwksUri: http://127.0.0.1:8081/jwks.json
                    fromHeaders: [{name: x-jwt-assertion, prefix: "Token "}]
                    fromParams: [my_token]
                    fromCookies: [session]
                    outputPayloadToHeader: x-jwt-payload
                    outputClaimToHeaders: [{header: x-foo, claim: foo}]
                    forwardOriginalToken: true
                    timeout: 2s
                """);

        assertThat(r.problems()).isEmpty();
        RequestAuthentication ra = (RequestAuthentication) r.resources().get(0);
        assertThat(ra.meta().display()).isEqualTo("RequestAuthentication foo/jwt-example");
        assertThat(ra.selector()).isEqualTo(Map.of("app", "httpbin"));
        RequestAuthentication.JwtRule rule = ra.jwtRules().get(0);
        assertThat(rule.issuer()).isEqualTo("testing@secure.istio.io");
        assertThat(rule.fromHeaders())
                .containsExactly(new RequestAuthentication.HeaderLocation("x-jwt-assertion", "Token "));
        assertThat(rule.fromParams()).containsExactly("my_token");
        assertThat(rule.fromCookies()).containsExactly("session");
        assertThat(rule.outputClaimToHeaders())
                .containsExactly(new RequestAuthentication.ClaimToHeader("x-foo", "foo"));
        assertThat(rule.forwardOriginalToken()).isTrue();
        assertThat(rule.outputPayloadToHeader()).isEqualTo("x-jwt-payload");
    }

    @Test
    void applyNamesTheResourceAsKubectlDoes() {
        ApplyResult r = new ConfigStore().apply("jwt.yaml", HEAD + "  jwtRules: [{issuer: a}]\n");

        assertThat(r.changes())
                .extracting(ApplyResult.Change::display)
                .containsExactly("requestauthentication.security.istio.io/jwt-example (namespace foo) created");
    }

    @Test
    void v1beta1IsReadToo() {
        ParseResult r = parser.parse("jwt.yaml", HEAD.replace("/v1\n", "/v1beta1\n") + """
                  jwtRules: [{issuer: a, jwks: '{"keys":[]}'}]
                """);
        assertThat(r.problems()).isEmpty();
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                Arguments.of(
                        "no issuer nor jwksUri",
                        "  jwtRules: [{audiences: [a]}]\n",
                        "jwt.yaml: RequestAuthentication foo/jwt-example: spec.jwtRules[0].issuer: issuer or jwksUri"
                                + " must be non-empty string"),
                Arguments.of(
                        "jwks that is not JSON",
                        "  jwtRules: [{issuer: a, jwks: 'not json'}]\n",
                        "spec.jwtRules[0].jwks: jwks parse error:"),
                Arguments.of(
                        "jwksUri that is not a URL",
                        "  jwtRules: [{issuer: a, jwksUri: 'not a url'}]\n",
                        "spec.jwtRules[0].jwksUri: is not a URL"),
                Arguments.of(
                        "jwksUri of another scheme",
                        "  jwtRules: [{issuer: a, jwksUri: 'ftp://keys.example/jwks.json'}]\n",
                        "spec.jwtRules[0].jwksUri: URI scheme \"ftp\" is not supported"),
                Arguments.of(
                        "a fromHeaders entry without a name",
                        "  jwtRules: [{issuer: a, fromHeaders: [{prefix: 'Bearer '}]}]\n",
                        "spec.jwtRules[0].fromHeaders[0].name: location header name must be non-empty string"),
                Arguments.of(
                        "an empty fromParams entry",
                        "  jwtRules: [{issuer: a, fromParams: ['']}]\n",
                        "spec.jwtRules[0].fromParams[0]: location query must be non-empty string"),
                Arguments.of(
                        "an empty audience",
                        "  jwtRules: [{issuer: a, audiences: ['']}]\n",
                        "spec.jwtRules[0].audiences[0]: audience must be non-empty string"),
                Arguments.of(
                        "a claim header without a claim",
                        "  jwtRules: [{issuer: a, outputClaimToHeaders: [{header: x-a}]}]\n",
                        "spec.jwtRules[0].outputClaimToHeaders[0]: outputClaimToHeaders header and claim value must be"
                                + " non-empty string"),
                Arguments.of(
                        "a claim header that is not a header name",
                        "  jwtRules: [{issuer: a, outputClaimToHeaders: [{header: 'x a', claim: b}]}]\n",
                        "spec.jwtRules[0].outputClaimToHeaders[0].header: invalid header name \"x a\""),
                Arguments.of(
                        "a misspelt field",
                        "  jwtRules: [{issuer: a, jwksURI: 'http://a/b'}]\n",
                        "spec.jwtRules[0].jwksURI: unknown field"),
                Arguments.of(
                        "selector and targetRef together",
                        "  selector: {matchLabels: {app: a}}\n  targetRef: {kind: Gateway, group: gateway.networking.k8s.io,"
                                + " name: gw}\n",
                        "spec: only one of targetRefs or workloadSelector can be set"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void isRejectedNamingFileResourceAndField(String name, String spec, String expected) {
        ParseResult r = parser.parse("jwt.yaml", HEAD + spec);

        assertThat(r.resources()).isEmpty();
        assertThat(r.problems()).extracting(ConfigProblem::toString).anyMatch(p -> p.contains(expected));
    }

    @Test
    void aWrongApiVersionIsNamed() {
        ParseResult r = parser.parse(
                "jwt.yaml",
                HEAD.replace("security.istio.io/v1", "networking.istio.io/v1") + "  jwtRules: [{issuer: a}]\n");

        assertThat(r.problems())
                .extracting(ConfigProblem::toString)
                .containsExactly(
                        "jwt.yaml: RequestAuthentication foo/jwt-example: apiVersion: must be security.istio.io/v1"
                                + " or /v1beta1 for RequestAuthentication, got \"networking.istio.io/v1\"");
    }

    @Test
    void bothJwksAndJwksUriAreAcceptedAsIstioAcceptsThem() {
        ParseResult r = parser.parse("jwt.yaml", HEAD + """
                  jwtRules: [{issuer: a, jwks: '{"keys":[]}', jwksUri: 'https://keys.example/jwks.json'}]
                """);
        assertThat(r.problems()).isEmpty();
        assertThat(((RequestAuthentication) r.resources().get(0)).jwtRules()).hasSize(1);
    }
}
