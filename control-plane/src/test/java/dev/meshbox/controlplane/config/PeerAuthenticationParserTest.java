package dev.meshbox.controlplane.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** PeerAuthentication read and checked as Istio's webhook ({@code ValidatePeerAuthentication}) and schema check it. */
class PeerAuthenticationParserTest {

    private final IstioParser parser = new IstioParser();

    private static final String HEAD = """
            apiVersion: security.istio.io/v1beta1
            kind: PeerAuthentication
            metadata:
              name: httpbin
              namespace: bar
            spec:
            """;

    @Test
    void theAuthnPolicyTasksWorkloadPolicyReadsWithItsPortLevelMode() {
        ParseResult r = parser.parse("pa.yaml", HEAD + """
                  selector:
                    matchLabels:
                      app: httpbin
                  mtls:
                    mode: STRICT
                  portLevelMtls:
                    80:
                      mode: DISABLE
                """);

        assertThat(r.problems()).isEmpty();
        PeerAuthentication pa = (PeerAuthentication) r.resources().get(0);
        assertThat(pa.meta().display()).isEqualTo("PeerAuthentication bar/httpbin");
        assertThat(pa.selector()).isEqualTo(Map.of("app", "httpbin"));
        assertThat(pa.mode()).isEqualTo(PeerAuthentication.Mode.STRICT);
        assertThat(pa.portLevelMtls()).isEqualTo(Map.of(80, PeerAuthentication.Mode.DISABLE));
        assertThat(pa.workloadScoped()).isTrue();
    }

    @Test
    void anEmptySpecIsAnUnsetNamespacePolicy() {
        ParseResult r = parser.parse("pa.yaml", HEAD.replace("spec:\n", "spec: {}\n"));

        assertThat(r.problems()).isEmpty();
        PeerAuthentication pa = (PeerAuthentication) r.resources().get(0);
        assertThat(pa.mode()).isEqualTo(PeerAuthentication.Mode.UNSET);
        assertThat(pa.workloadScoped()).isFalse();
    }

    @Test
    void v1IsReadAndApplyNamesItAsKubectlDoes() {
        ApplyResult r = new ConfigStore()
                .apply(
                        "pa.yaml",
                        HEAD.replace("v1beta1", "v1").replace("bar", "istio-system") + "  mtls: {mode: STRICT}\n");

        assertThat(r.problems()).isEmpty();
        assertThat(r.changes())
                .extracting(ApplyResult.Change::display)
                .containsExactly("peerauthentication.security.istio.io/httpbin (namespace istio-system) created");
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                Arguments.of(
                        "unknown mode",
                        "  mtls: {mode: STRICTER}\n",
                        "spec.mtls.mode",
                        "must be one of UNSET, DISABLE, PERMISSIVE, STRICT, got \"STRICTER\""),
                Arguments.of(
                        "port-level modes without a selector",
                        "  portLevelMtls: {8080: {mode: DISABLE}}\n",
                        "spec.portLevelMtls",
                        "mesh/namespace peer authentication cannot have port level mTLS"),
                Arguments.of(
                        "port-level modes with a selector of no labels",
                        "  selector: {matchLabels: {}}\n  portLevelMtls: {8080: {mode: DISABLE}}\n",
                        "spec.portLevelMtls",
                        "mesh/namespace peer authentication cannot have port level mTLS"),
                Arguments.of(
                        "an empty portLevelMtls",
                        "  selector: {matchLabels: {app: a}}\n  portLevelMtls: {}\n",
                        "spec.portLevelMtls",
                        "port level mTLS, if defined, must have at least one element"),
                Arguments.of(
                        "port 0",
                        "  selector: {matchLabels: {app: a}}\n  portLevelMtls: {0: {mode: DISABLE}}\n",
                        "spec.portLevelMtls.0",
                        "port must be in range 1..65535, got \"0\""),
                Arguments.of(
                        "port above 65535",
                        "  selector: {matchLabels: {app: a}}\n  portLevelMtls: {70000: {mode: DISABLE}}\n",
                        "spec.portLevelMtls.70000",
                        "port must be in range 1..65535"),
                Arguments.of(
                        "a port that is not a number",
                        "  selector: {matchLabels: {app: a}}\n  portLevelMtls: {http: {mode: DISABLE}}\n",
                        "spec.portLevelMtls.http",
                        "port must be in range 1..65535, got \"http\""),
                Arguments.of(
                        "an unknown port-level mode",
                        "  selector: {matchLabels: {app: a}}\n  portLevelMtls: {80: {mode: MTLS}}\n",
                        "spec.portLevelMtls.80.mode",
                        "must be one of UNSET, DISABLE, PERMISSIVE, STRICT, got \"MTLS\""),
                Arguments.of(
                        "an empty selector key",
                        "  selector: {matchLabels: {'': a}}\n",
                        "spec.selector.matchLabels",
                        "empty key is not supported in selector"),
                Arguments.of(
                        "a wildcard in the selector",
                        "  selector: {matchLabels: {app: 'http*'}}\n",
                        "spec.selector.matchLabels.app",
                        "wildcard is not supported in selector: \"app=http*\""),
                Arguments.of(
                        "an unknown field",
                        "  mtls: {mode: STRICT}\n  mode: STRICT\n",
                        "spec.mode",
                        "unknown field; expected one of mtls, portLevelMtls, selector"),
                Arguments.of(
                        "a mode outside mtls",
                        "  mtls: {strict: true}\n",
                        "spec.mtls.strict",
                        "unknown field; expected one of mode"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void invalidPoliciesAreRefusedNamingFileResourceAndField(String name, String spec, String field, String message) {
        ParseResult r = parser.parse("pa.yaml", HEAD + spec);

        assertThat(r.resources()).isEmpty();
        assertThat(r.problems()).anySatisfy(p -> {
            assertThat(p.source()).isEqualTo("pa.yaml");
            assertThat(p.resource()).isEqualTo("PeerAuthentication bar/httpbin");
            assertThat(p.field()).isEqualTo(field);
            assertThat(p.message()).contains(message);
        });
    }

    @Test
    void aRefusedPolicyLeavesThePreviousConfigServing() {
        ConfigStore store = new ConfigStore();
        store.apply("pa.yaml", HEAD + "  mtls: {mode: STRICT}\n");

        ApplyResult bad = store.apply("pa.yaml", HEAD + "  mtls: {mode: strict}\n");

        assertThat(bad.ok()).isFalse();
        assertThat(bad.problems().get(0).toString())
                .isEqualTo("pa.yaml: PeerAuthentication bar/httpbin: spec.mtls.mode: must be one of UNSET, DISABLE,"
                        + " PERMISSIVE, STRICT, got \"strict\"");
        assertThat(store.snapshot().all(PeerAuthentication.class))
                .singleElement()
                .extracting(PeerAuthentication::mode)
                .isEqualTo(PeerAuthentication.Mode.STRICT);
    }
}
