package dev.meshbox.controlplane.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.controlplane.testing.BookinfoYaml;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class IstioParserTest {

    private final IstioParser parser = new IstioParser();

    private static final String VS_HEAD = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: reviews
            spec:
              hosts: [reviews]
              http:
            """;

    static Stream<Arguments> invalid() {
        return Stream.of(
                Arguments.of(
                        "negative weight",
                        VS_HEAD + """
                          - route:
                            - destination: {host: reviews, subset: v1}
                              weight: 110
                            - destination: {host: reviews, subset: v2}
                              weight: -10
                        """,
                        "reviews.yaml: VirtualService default/reviews: spec.http[0].route[1].weight: must be >= 0, got -10"),
                Arguments.of(
                        "total weight zero", VS_HEAD + """
                          - route:
                            - destination: {host: reviews, subset: v1}
                              weight: 0
                            - destination: {host: reviews, subset: v2}
                              weight: 0
                        """, "spec.http[0].route: total weight of 2 destinations is 0"),
                Arguments.of(
                        "bad duration",
                        VS_HEAD + """
                          - timeout: 5 seconds
                            route:
                            - destination: {host: reviews}
                        """,
                        "spec.http[0].timeout: must be a duration such as 1s, 0.5s, 100ms or 1m, got \"5 seconds\""),
                Arguments.of(
                        "bad regex",
                        VS_HEAD + """
                          - match:
                            - uri: {regex: "/api/(v1"}
                            route:
                            - destination: {host: reviews}
                        """,
                        "spec.http[0].match[0].uri: regex \"/api/(v1\" is not a valid regular expression"),
                Arguments.of(
                        "percentage over 100",
                        VS_HEAD + """
                          - fault:
                              abort: {httpStatus: 500, percentage: {value: 120}}
                            route:
                            - destination: {host: reviews}
                        """,
                        "spec.http[0].fault.abort.percentage.value: must be between 0 and 100, got 120.0"),
                Arguments.of("unknown field", VS_HEAD + """
                          - rout:
                            - destination: {host: reviews}
                        """, "spec.http[0].rout: unknown field"),
                Arguments.of(
                        "unknown kind",
                        """
                        apiVersion: networking.istio.io/v1
                        kind: VirtualSevice
                        metadata: {name: x}
                        spec: {}
                        """,
                        "kind: unknown kind \"VirtualSevice\"; expected one of VirtualService, DestinationRule, Gateway"),
                Arguments.of(
                        "malformed yaml",
                        "apiVersion: networking.istio.io/v1\nkind: [VirtualService\n",
                        "reviews.yaml: line "),
                Arguments.of(
                        "star host on mesh",
                        """
                        apiVersion: networking.istio.io/v1
                        kind: VirtualService
                        metadata: {name: all}
                        spec:
                          hosts: ["*"]
                          http:
                          - route:
                            - destination: {host: reviews}
                        """,
                        "spec.hosts[0]: \"*\" is not allowed for a VirtualService bound to the mesh gateway"),
                Arguments.of("unreachable rule", VS_HEAD + """
                          - route:
                            - destination: {host: reviews}
                          - match:
                            - headers: {end-user: {exact: jason}}
                            route:
                            - destination: {host: reviews}
                        """, "spec.http[1]: is unreachable"),
                Arguments.of(
                        "line break in a header value",
                        VS_HEAD + """
                          - headers:
                              response:
                                set: {x-note: "a\\r\\nset-cookie: b"}
                            route:
                            - destination: {host: reviews}
                        """,
                        "spec.http[0].headers.response.set.x-note: header value must not contain control characters"
                                + " (found U+000D at index 1)"),
                Arguments.of(
                        "host in a response header",
                        VS_HEAD + """
                          - route:
                            - destination: {host: reviews}
                              headers:
                                response:
                                  remove: [Host]
                        """,
                        "spec.http[0].route[0].headers.response.remove[0]: header Host cannot be changed here"),
                Arguments.of(
                        "pseudo-header in a request header",
                        VS_HEAD + """
                          - headers:
                              request:
                                add: {":path": /other}
                            route:
                            - destination: {host: reviews}
                        """,
                        "spec.http[0].headers.request.add.:path: header :path cannot be changed: names starting with"
                                + " ':' are pseudo-headers (only :authority may be set on a request)"));
    }

    @Test
    void aRequestMaySetItsAuthorityAndTabsAreAllowedInValues() {
        ParseResult r = parser.parse("reviews.yaml", VS_HEAD + """
                  - headers:
                      request:
                        set: {":authority": reviews.example, x-note: "a\\tb"}
                    route:
                    - destination: {host: reviews}
                """);
        assertThat(r.problems()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void rejectsInvalidInputNamingFileResourceAndField(String name, String yaml, String expected) {
        ParseResult r = parser.parse("reviews.yaml", yaml);
        assertThat(r.ok()).isFalse();
        assertThat(r.resources()).isEmpty();
        assertThat(r.problems())
                .extracting(ConfigProblem::toString)
                .anySatisfy(p -> assertThat(p).contains(expected));
    }

    @ParameterizedTest
    @EnumSource(BookinfoYaml.class)
    void theBookinfoFixturesAreValid(BookinfoYaml fixture) {
        ParseResult r = parser.parse(fixture.file(), fixture.text());

        assertThat(r.problems()).isEmpty();
        assertThat(r.resources()).isNotEmpty();
    }

    @Test
    void readsMultiDocumentFilesOfEveryApiVersion() {
        String yaml = """
                apiVersion: networking.istio.io/v1alpha3
                kind: DestinationRule
                metadata: {name: reviews}
                spec:
                  host: reviews
                  subsets:
                  - name: v1
                    labels: {version: v1}
                ---
                apiVersion: networking.istio.io/v1beta1
                kind: VirtualService
                metadata: {name: reviews, namespace: shop}
                spec:
                  hosts: [reviews]
                  http:
                  - match:
                    - headers:
                        end-user: {exact: jason}
                    route:
                    - destination: {host: reviews, subset: v1}
                ---
                """;
        ParseResult r = parser.parse("two.yaml", yaml);
        assertThat(r.problems()).isEmpty();
        assertThat(r.resources()).hasSize(2);
        VirtualService vs = (VirtualService) r.resources().get(1);
        assertThat(vs.meta().namespace()).isEqualTo("shop");
        assertThat(vs.http().get(0).match().get(0).headers()).containsKey("end-user");
    }

    @Test
    void faultPercentageDefaultsToNoneAsIstioDocuments() {
        ParseResult r = parser.parse("f.yaml", VS_HEAD + """
                  - fault:
                      delay: {fixedDelay: 7s}
                    route:
                    - destination: {host: reviews}
                """);
        VirtualService vs = (VirtualService) r.resources().get(0);
        assertThat(vs.http().get(0).fault().orElseThrow().delay().orElseThrow().percentage())
                .isZero();
    }

    @Test
    void storeAppliesAllOrNothingAndReportsChanges() {
        ConfigStore store = new ConfigStore();
        String good = VS_HEAD + """
                  - route:
                    - destination: {host: reviews}
                """;
        assertThat(store.apply("a.yaml", good).changes())
                .extracting(ApplyResult.Change::display)
                .containsExactly("virtualservice.networking.istio.io/reviews created");
        assertThat(store.apply("a.yaml", good).changes().get(0).action()).isEqualTo(ApplyResult.Action.UNCHANGED);
        ApplyResult bad = store.apply(java.util.List.of(
                new ConfigStore.Source("ok.yaml", good.replace("name: reviews", "name: other")),
                new ConfigStore.Source("bad.yaml", "kind: [")));
        assertThat(bad.ok()).isFalse();
        assertThat(store.snapshot().resources()).hasSize(1);
    }

    @Test
    void routeToAnUndefinedSubsetIsRejectedNamingTheField() {
        ConfigStore store = new ConfigStore();
        store.apply("dr.yaml", """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: reviews}
                spec:
                  host: reviews
                  subsets:
                  - {name: v1, labels: {version: v1}}
                """);
        ApplyResult r = store.apply("vs.yaml", VS_HEAD + """
                  - route:
                    - destination: {host: reviews, subset: v1}
                      weight: 50
                    - destination: {host: reviews.default.svc.cluster.local, subset: v4}
                      weight: 50
                """);
        assertThat(r.problems())
                .extracting(ConfigProblem::toString)
                .containsExactly(
                        "vs.yaml: VirtualService default/reviews: spec.http[0].route[1].destination.subset: subset \"v4\" is not defined by DestinationRule default/reviews; it defines [v1] (IST0101)");
        assertThat(store.snapshot().resources()).hasSize(1);
    }

    @Test
    void ruleAndRouteAppliedTogetherAreAccepted() {
        ConfigStore store = new ConfigStore();
        ApplyResult r = store.apply(java.util.List.of(
                new ConfigStore.Source("vs.yaml", VS_HEAD + """
                  - route:
                    - destination: {host: reviews, subset: v1}
                """), new ConfigStore.Source("dr.yaml", """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: reviews}
                spec:
                  host: reviews
                  subsets:
                  - {name: v1, labels: {version: v1}}
                """)));
        assertThat(r.problems()).isEmpty();
        assertThat(r.changes()).hasSize(2);
    }

    @Test
    void aDestinationRuleMayNotTakeAwayASubsetALiveRouteUses() {
        ConfigStore store = new ConfigStore();
        String rule = """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: reviews}
                spec:
                  host: reviews
                  subsets:
                  - {name: v1, labels: {version: v1}}
                  - {name: v2, labels: {version: v2}}
                """;
        assertThat(store.apply("dr.yaml", rule).ok()).isTrue();
        assertThat(store.apply("vs.yaml", VS_HEAD + """
                  - route:
                    - destination: {host: reviews, subset: v2}
                """).ok()).isTrue();
        ApplyResult r = store.apply("dr-v1-only.yaml", rule.replace("  - {name: v2, labels: {version: v2}}\n", ""));
        assertThat(r.problems())
                .extracting(ConfigProblem::toString)
                .containsExactly(
                        "vs.yaml: VirtualService default/reviews: spec.http[0].route[0].destination.subset: subset \"v2\" is not defined by "
                                + "DestinationRule default/reviews; it defines [v1] (IST0101) once this apply took effect; change "
                                + "VirtualService default/reviews in the same apply, or first");
        assertThat(((DestinationRule) store.snapshot()
                                .resources()
                                .get(new ResourceKey("DestinationRule", "default", "reviews")))
                        .subsets())
                .hasSize(2);
    }
}
