package dev.meshbox.controlplane.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Sidecar read and checked as Istio's webhook ({@code ValidateSidecar}) checks it. */
class SidecarParserTest {

    private final IstioParser parser = new IstioParser();

    private static final String HEAD = """
            apiVersion: networking.istio.io/v1
            kind: Sidecar
            metadata: {name: default, namespace: foo}
            spec:
            """;

    @Test
    void istiosNamespaceDefaultReads() {
        ParseResult r = parser.parse("sidecar.yaml", HEAD + """
                  egress:
                  - hosts: ["./*", "istio-system/*", "~bar/secret.bar.svc.cluster.local"]
                  outboundTrafficPolicy: {mode: REGISTRY_ONLY}
                """);

        assertThat(r.problems()).isEmpty();
        Sidecar s = (Sidecar) r.resources().get(0);
        assertThat(s.meta().display()).isEqualTo("Sidecar foo/default");
        assertThat(s.selector()).isEmpty();
        assertThat(s.egress())
                .containsExactly(
                        new Sidecar.Egress(0, List.of("./*", "istio-system/*", "~bar/secret.bar.svc.cluster.local")));
        assertThat(s.outboundTrafficPolicy()).contains(OutboundTrafficPolicy.REGISTRY_ONLY);
    }

    @Test
    void aWorkloadSidecarWithIngressListenersReads() {
        for (String version : List.of("v1alpha3", "v1beta1", "v1")) {
            ParseResult r = parser.parse("sidecar.yaml", """
                    apiVersion: networking.istio.io/%s
                    kind: Sidecar
                    metadata: {name: ratings, namespace: prod}
                    spec:
                      workloadSelector: {labels: {app: ratings}}
                      ingress:
                      - port: {number: 9080, protocol: HTTP, name: somename}
                        defaultEndpoint: 127.0.0.1:8080
                      egress:
                      - port: {number: 9080, protocol: HTTP, name: egresshttp}
                        hosts: [prod-us1/*]
                      - hosts: [istio-system/*]
                    """.formatted(version));

            assertThat(r.problems()).isEmpty();
            Sidecar s = (Sidecar) r.resources().get(0);
            assertThat(s.selector()).isEqualTo(Map.of("app", "ratings"));
            assertThat(s.ingress()).containsExactly(new Sidecar.Ingress(9080, "HTTP", "somename", "127.0.0.1:8080"));
            assertThat(s.ingress().get(0).targetPort()).isEqualTo(8080);
            assertThat(s.egress()).extracting(Sidecar.Egress::port).containsExactly(9080, 0);
            assertThat(s.outboundTrafficPolicy()).isEqualTo(Optional.empty());
        }
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                Arguments.of("spec: {}\n", "spec: sidecar: empty configuration provided"),
                Arguments.of(
                        "spec:\n  egress:\n  - hosts: []\n",
                        "spec.egress[0].hosts: sidecar: egress listener must contain at least one host"),
                Arguments.of(
                        "spec:\n  egress:\n  - {}\n",
                        "spec.egress[0].hosts: sidecar: egress listener must contain at least one host"),
                Arguments.of(
                        "spec:\n  egress:\n  - hosts: [httpbin.foo.svc.cluster.local]\n",
                        "spec.egress[0].hosts[0]: host must be of form namespace/dnsName, got"
                                + " \"httpbin.foo.svc.cluster.local\""),
                Arguments.of(
                        "spec:\n  egress:\n  - hosts: [/httpbin]\n",
                        "spec.egress[0].hosts[0]: config namespace and dnsName in host entry cannot be empty, got"
                                + " \"/httpbin\""),
                Arguments.of(
                        "spec:\n  egress:\n  - hosts: [Foo_Bar/*]\n",
                        "spec.egress[0].hosts[0]: invalid namespace \"Foo_Bar\": must be a DNS 1123 label, * or .,"
                                + " got \"Foo_Bar/*\""),
                Arguments.of(
                        "spec:\n  egress:\n  - hosts: [\"foo/a.*.com\"]\n",
                        "spec.egress[0].hosts[0]: domain name \"a.*.com\" invalid: a wildcard is only allowed as the"
                                + " first label, such as *.example.com, got \"foo/a.*.com\""),
                Arguments.of(
                        "spec:\n  egress:\n  - hosts: [\"*/*\"]\n  - port: {number: 80}\n    hosts: [\"*/*\"]\n",
                        "spec.egress[0]: sidecar: the egress listener with empty port should be the last listener"
                                + " in the list"),
                Arguments.of(
                        "spec:\n  workloadSelector: {labels: {}}\n  egress:\n  - hosts: [\"*/*\"]\n",
                        "spec.workloadSelector.labels: sidecar: workloadSelector cannot have empty labels"),
                Arguments.of(
                        "spec:\n  outboundTrafficPolicy: {mode: DENY}\n",
                        "spec.outboundTrafficPolicy.mode: must be one of REGISTRY_ONLY, ALLOW_ANY, got \"DENY\""),
                Arguments.of(
                        "spec:\n  ingress:\n  - defaultEndpoint: 127.0.0.1:8080\n",
                        "spec.ingress[0].port: sidecar: port is required for ingress listeners"),
                Arguments.of(
                        "spec:\n  ingress:\n  - port: {number: 9080, protocol: HTTP, name: http}\n"
                                + "    defaultEndpoint: 10.0.0.1:8080\n",
                        "spec.ingress[0].defaultEndpoint: sidecar: defaultEndpoint must be of form"
                                + " 127.0.0.1:<port>,0.0.0.0:<port>,[::1]:port,[::]:port,unix://filepath or unset, got"
                                + " \"10.0.0.1:8080\""),
                Arguments.of(
                        "spec:\n  ingress:\n  - port: {number: 9080, protocol: HTTP, name: http}\n"
                                + "    defaultEndpoint: 127.0.0.1:http\n",
                        "spec.ingress[0].defaultEndpoint: sidecar: defaultEndpoint port (http) must be a number in"
                                + " 1..65535"),
                Arguments.of(
                        "spec:\n  ingress:\n  - port: {number: 9080, name: a}\n  - port: {number: 9080, name: b}\n",
                        "spec.ingress[1].port.number: sidecar: ports on IP bound listeners must be unique"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("invalid")
    void refusedAsIstiosWebhookRefusesItNamingFileResourceAndField(String spec, String problem) {
        ParseResult r = parser.parse(
                "sidecar.yaml",
                "apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: s, namespace: foo}\n" + spec);

        assertThat(r.resources()).isEmpty();
        assertThat(r.problems()).extracting(Object::toString).contains("sidecar.yaml: Sidecar foo/s: " + problem);
    }
}
