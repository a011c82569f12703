package dev.meshbox.controlplane.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** AuthorizationPolicy validated as Istio's webhook validates it; each problem names file, resource and field. */
class AuthorizationPolicyValidationTest {

    private static ParseResult parse(String spec) {
        String yaml = """
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: p, namespace: foo}
                spec:
                """ + spec.indent(2);
        return new IstioParser().parse("authz.yaml", yaml);
    }

    private static List<String> problems(String spec) {
        return parse(spec).problems().stream().map(ConfigProblem::toString).toList();
    }

    @Test
    void theDocsPoliciesParse() {
        ParseResult r = parse("""
                selector: {matchLabels: {app: httpbin}}
                action: DENY
                rules:
                - from:
                  - source: {notRequestPrincipals: ["*"], ipBlocks: ["10.1.0.0/16"]}
                  to:
                  - operation: {methods: ["GET"], paths: ["/headers*"], ports: ["8000"]}
                  when:
                  - key: request.auth.claims[groups]
                    values: ["group1"]
                  - key: request.headers[x-token]
                    notValues: ["admin"]
                """);
        assertThat(r.problems()).isEmpty();
        AuthorizationPolicy p = (AuthorizationPolicy) r.resources().get(0);
        assertThat(p.action()).isEqualTo(AuthorizationPolicy.Action.DENY);
        assertThat(p.rules().get(0).from().get(0).values()).containsKeys("notRequestPrincipals", "ipBlocks");
    }

    @Test
    void emptySpecIsAllowNothing() {
        ParseResult r = new IstioParser().parse("a.yaml", """
                apiVersion: security.istio.io/v1beta1
                kind: AuthorizationPolicy
                metadata: {name: allow-nothing}
                spec: {}
                """);
        assertThat(r.problems()).isEmpty();
        AuthorizationPolicy p = (AuthorizationPolicy) r.resources().get(0);
        assertThat(p.action()).isEqualTo(AuthorizationPolicy.Action.ALLOW);
        assertThat(p.rules()).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            action: PERMIT                                              | spec.action: must be one of ALLOW, DENY, AUDIT, CUSTOM, got "PERMIT"
            'rules: [{from: []}]'                                       | spec.rules[0].from: must not be empty
            'rules: [{to: []}]'                                         | spec.rules[0].to: must not be empty
            'rules: [{from: [{source: {}}]}]'                           | spec.rules[0].from[0].source: must not be empty
            'rules: [{to: [{operation: {}}]}]'                          | spec.rules[0].to[0].operation: must not be empty
            'rules: [{from: [{source: {ipBlocks: ["10.0.0.0/33"]}}]}]'  | spec.rules[0].from[0].source.ipBlocks[0]: must be an IP address or a CIDR block
            'rules: [{from: [{source: {notIpBlocks: ["1.2.3"]}}]}]'     | spec.rules[0].from[0].source.notIpBlocks[0]: must be an IP address
            'rules: [{from: [{source: {principals: ["spiffe://cluster.local/ns/a/sa/b"]}}]}]' | spec.rules[0].from[0].source.principals[0]: is written without "spiffe://"
            'rules: [{from: [{source: {principals: ["a*b*c"]}}]}]'       | spec.rules[0].from[0].source.principals[0]: may hold "*" only at its start or end
            'rules: [{to: [{operation: {ports: ["70000"]}}]}]'          | spec.rules[0].to[0].operation.ports[0]: must be a port number between 0 and 65535
            'rules: [{to: [{operation: {methods: ["GE T"]}}]}]'         | spec.rules[0].to[0].operation.methods[0]: must be an HTTP method
            'rules: [{to: [{operation: {paths: ["api"]}}]}]'            | spec.rules[0].to[0].operation.paths[0]: must start with "/" or "*"
            'rules: [{to: [{operation: {paths: [""]}}]}]'               | spec.rules[0].to[0].operation.paths[0]: must not be empty
            'rules: [{when: [{key: request.colour, values: [red]}]}]'   | spec.rules[0].when[0].key: unknown attribute "request.colour"
            'rules: [{when: [{key: source.ip}]}]'                       | spec.rules[0].when[0]: must set values or notValues
            'rules: [{when: [{key: destination.port, values: [x]}]}]'   | spec.rules[0].when[0].values[0]: must be a port number
            'provider: {name: ext}'                                     | spec.provider: must only be set with the CUSTOM action
            'action: CUSTOM'                                            | spec.provider.name: is required for the CUSTOM action
            """)
    void badInputIsReportedWithItsField(String spec, String expected) {
        assertThat(problems(spec))
                .anySatisfy(p -> assertThat(p)
                        .contains("authz.yaml")
                        .contains("AuthorizationPolicy foo/p")
                        .contains(expected));
    }

    @Test
    void wrongGroupVersionIsNamed() {
        ParseResult r = new IstioParser().parse("a.yaml", """
                apiVersion: security.istio.io/v1alpha1
                kind: AuthorizationPolicy
                metadata: {name: p}
                spec: {}
                """);
        assertThat(r.problems().toString()).contains("must be security.istio.io/v1 or /v1beta1");
    }

    @Test
    void theDryRunAnnotationIsReadAsIstioReadsABoolAndAnythingElseIsNamed() {
        String policy = """
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata:
                  name: p
                  annotations: {"istio.io/dry-run": "%s"}
                spec: {action: DENY, rules: [{}]}
                """;
        ParseResult on = new IstioParser().parse("a.yaml", policy.formatted("true"));
        ParseResult off = new IstioParser().parse("a.yaml", policy.formatted("False"));
        ParseResult bad = new IstioParser().parse("a.yaml", policy.formatted("yes"));

        assertThat(((AuthorizationPolicy) on.resources().get(0)).dryRun()).isTrue();
        assertThat(((AuthorizationPolicy) off.resources().get(0)).dryRun()).isFalse();
        assertThat(bad.problems().toString())
                .contains("AuthorizationPolicy default/p")
                .contains("metadata.annotations[istio.io/dry-run]: must be \"true\" or \"false\", got \"yes\"");
    }
}
