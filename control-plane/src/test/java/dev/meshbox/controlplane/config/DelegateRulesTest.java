package dev.meshbox.controlplane.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Delegation as Istio's validation webhook checks it: what a root and a delegate VirtualService may hold. */
class DelegateRulesTest {

    private final IstioParser parser = new IstioParser();

    private static final String ROOT = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: root}
            spec:
              hosts: [shop]
              http:
            """;

    private static final String DELEGATE = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: shop-a}
            spec:
            """;

    static Stream<Arguments> invalid() {
        return Stream.of(
                Arguments.of(
                        "delegate bound to a gateway",
                        DELEGATE + """
                          gateways: [shop-gateway]
                          http:
                          - route:
                            - destination: {host: shop}
                        """,
                        "shop.yaml: VirtualService default/shop-a: spec.gateways: delegate virtual service must have"
                                + " no gateways specified"),
                Arguments.of(
                        "delegate with a tcp route",
                        DELEGATE + """
                          tcp:
                          - route:
                            - destination: {host: shop}
                          http:
                          - route:
                            - destination: {host: shop}
                        """,
                        "spec.tcp: delegate virtual service must have no tcp route specified"),
                Arguments.of(
                        "delegate delegating further",
                        DELEGATE + """
                          http:
                          - delegate: {name: other}
                        """,
                        "spec.http[0].delegate: delegate HTTP route cannot contain delegate"),
                Arguments.of(
                        "delegate without http routes",
                        DELEGATE + """
                          exportTo: ["."]
                        """,
                        "spec.http: a delegate VirtualService must have http routes"),
                Arguments.of(
                        "root rule with route and delegate",
                        ROOT + """
                          - delegate: {name: shop-a}
                            route:
                            - destination: {host: shop}
                        """,
                        "VirtualService default/root: spec.http[0].route: root HTTP route must not specify route"),
                Arguments.of(
                        "root rule with redirect and delegate",
                        ROOT + """
                          - delegate: {name: shop-a}
                            redirect: {uri: /elsewhere}
                        """,
                        "spec.http[0].redirect: root HTTP route must not specify redirect"),
                Arguments.of("delegate without a name", ROOT + """
                          - delegate: {namespace: default}
                        """, "spec.http[0].delegate.name: is required"),
                Arguments.of("delegate with an unknown field", ROOT + """
                          - delegate: {name: shop-a, host: shop}
                        """, "spec.http[0].delegate.host: unknown field"),
                Arguments.of(
                        "root rule matching by regex",
                        ROOT + """
                          - match:
                            - uri: {regex: "/a.*"}
                            delegate: {name: shop-a}
                        """,
                        "spec.http[0].match[0].uri.regex: url match does not support regex match for delegating"),
                Arguments.of(
                        "delegate rule matching a header by regex",
                        DELEGATE + """
                          http:
                          - match:
                            - headers: {end-user: {regex: "j.*"}}
                            route:
                            - destination: {host: shop}
                        """,
                        "spec.http[0].match[0].headers.end-user.regex: header match end-user does not support regex"),
                Arguments.of(
                        "exportTo of a bad namespace",
                        DELEGATE + """
                          exportTo: [Not_A_Namespace]
                          http:
                          - route:
                            - destination: {host: shop}
                        """,
                        "spec.exportTo[0]: must be \".\", \"*\", \"~\" or a namespace name"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void rejectsWhatIstiosWebhookRejectsNamingFileResourceAndField(String name, String yaml, String expected) {
        ParseResult r = parser.parse("shop.yaml", yaml);
        assertThat(r.ok()).isFalse();
        assertThat(r.problems())
                .extracting(ConfigProblem::toString)
                .anySatisfy(p -> assertThat(p).contains(expected));
    }

    @Test
    void aVirtualServiceWithoutHostsIsADelegateAndARootRuleNamesIt() {
        ParseResult r = parser.parse("shop.yaml", DELEGATE + """
                  exportTo: ["."]
                  http:
                  - match:
                    - uri: {prefix: /a}
                    route:
                    - destination: {host: shop}
                ---
                """ + ROOT + """
                  - match:
                    - uri: {prefix: /a}
                    timeout: 2s
                    delegate: {name: shop-a, namespace: team-a}
                  - delegate: {name: shop-b}
                  - route:
                    - destination: {host: shop}
                """);
        assertThat(r.problems()).isEmpty();
        VirtualService delegate = (VirtualService) r.resources().get(0);
        VirtualService root = (VirtualService) r.resources().get(1);
        assertThat(delegate.isDelegate()).isTrue();
        assertThat(delegate.exportTo()).containsExactly(".");
        assertThat(root.isDelegate()).isFalse();
        assertThat(root.isRoot()).isTrue();
        assertThat(root.http().get(0).delegate()).contains(new VirtualService.Delegate("shop-a", "team-a"));
        assertThat(root.http().get(1).delegate().orElseThrow().key("default")).isEqualTo("default/shop-b");
        assertThat(root.http())
                .as("a rule after a delegate rule without match is reachable")
                .hasSize(3);
    }
}
