package dev.meshbox.controlplane.translate;

import static dev.meshbox.controlplane.testing.BookinfoYaml.DESTINATION_RULE_ALL;
import static dev.meshbox.controlplane.testing.BookinfoYaml.GATEWAY;
import static dev.meshbox.controlplane.testing.BookinfoYaml.REVIEWS_90_10;
import static dev.meshbox.controlplane.testing.BookinfoYaml.REVIEWS_TEST_V2;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.meshbox.controlplane.config.ConfigStore;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.controlplane.security.MeshTracing;
import dev.meshbox.controlplane.testing.BookinfoFixture;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.trace.v3.ZipkinConfig;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.type.tracing.v3.CustomTag;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Istio's tracing on the connection managers and the routes' span names, as pure translation tables. */
class TracingTranslationTest {

    @Test
    void everySidecarConnectionManagerTracesToTheDefaultZipkinAtOnePercent() throws Exception {
        XdsResources r = Translator.translate(BookinfoFixture.view(), BookinfoFixture.PRODUCTPAGE);
        for (HttpConnectionManager hcm :
                List.of(hcm(listener(r, "0.0.0.0_9080")), hcm(listener(r, Names.VIRTUAL_INBOUND)))) {
            HttpConnectionManager.Tracing t = hcm.getTracing();
            assertThat(t.getRandomSampling().getValue()).isEqualTo(1.0);
            assertThat(t.getClientSampling().getValue()).isEqualTo(100.0);
            assertThat(t.getOverallSampling().getValue()).isEqualTo(100.0);
            assertThat(t.getProvider().getName()).isEqualTo("envoy.tracers.zipkin");
            ZipkinConfig z = t.getProvider().getTypedConfig().unpack(ZipkinConfig.class);
            assertThat(z.getCollectorCluster()).isEqualTo("outbound|9411||zipkin.istio-system.svc.cluster.local");
            assertThat(z.getCollectorEndpoint()).isEqualTo("/api/v2/spans");
            assertThat(z.getCollectorEndpointVersion()).isEqualTo(ZipkinConfig.CollectorEndpointVersion.HTTP_JSON);
            assertThat(z.getTraceId128Bit()).isTrue();
            assertThat(z.getSharedSpanContext().getValue()).isFalse();
            assertThat(tags(t))
                    .containsEntry("istio.canonical_service", "productpage")
                    .containsEntry("istio.canonical_revision", "v1")
                    .containsEntry("istio.namespace", "default")
                    .containsEntry("istio.mesh_id", "cluster.local")
                    .containsEntry("istio.cluster_id", "Kubernetes");
        }
    }

    @Test
    void gatewayConnectionManagerTracesToo() throws Exception {
        XdsResources r = Translator.translate(BookinfoFixture.view(GATEWAY.text()), BookinfoFixture.GATEWAY);
        Listener l = r.listeners().stream()
                .filter(x -> x.getName().equals("0.0.0.0_8080"))
                .findFirst()
                .orElseThrow();
        assertThat(hcm(l).getTracing().getProvider().getName()).isEqualTo("envoy.tracers.zipkin");
    }

    @Test
    void inboundRoutesAreNamedAfterTheServiceAndPort() throws Exception {
        XdsResources r = Translator.translate(BookinfoFixture.view(), BookinfoFixture.REVIEWS_V2);
        RouteConfiguration rc = hcm(listener(r, Names.VIRTUAL_INBOUND)).getRouteConfig();
        assertThat(rc.getVirtualHosts(0).getRoutes(0).getDecorator().getOperation())
                .isEqualTo("reviews.default.svc.cluster.local:9080/*");
    }

    /** {name, config, proxy, route config, virtual host prefix, expected operations in order}. */
    static Stream<Arguments> operations() {
        return Stream.of(
                Arguments.of(
                        "no VirtualService: host:port/*",
                        List.of(),
                        BookinfoFixture.PRODUCTPAGE,
                        "9080",
                        "reviews.",
                        List.of("reviews.default.svc.cluster.local:9080/*")),
                Arguments.of(
                        "weighted destinations: the VirtualService's name",
                        List.of(DESTINATION_RULE_ALL.text(), REVIEWS_90_10.text()),
                        BookinfoFixture.PRODUCTPAGE,
                        "9080",
                        "reviews.",
                        List.of("reviews:9080/*")),
                Arguments.of(
                        "one destination per rule: its host",
                        List.of(DESTINATION_RULE_ALL.text(), REVIEWS_TEST_V2.text()),
                        BookinfoFixture.PRODUCTPAGE,
                        "9080",
                        "reviews.",
                        List.of(
                                "reviews.default.svc.cluster.local:9080/*",
                                "reviews.default.svc.cluster.local:9080/*")),
                Arguments.of(
                        "gateway: exact paths and prefixes",
                        List.of(GATEWAY.text()),
                        BookinfoFixture.GATEWAY,
                        "http.8080",
                        "",
                        List.of(
                                "productpage.default.svc.cluster.local:9080/productpage",
                                "productpage.default.svc.cluster.local:9080/static*",
                                "productpage.default.svc.cluster.local:9080/login",
                                "productpage.default.svc.cluster.local:9080/logout",
                                "productpage.default.svc.cluster.local:9080/api/v1/products*")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("operations")
    void routeDecoratorsNameTheSpans(
            String name, List<String> config, Pod proxy, String route, String host, List<String> expected) {
        XdsResources r = Translator.translate(BookinfoFixture.view(config.toArray(String[]::new)), proxy);
        RouteConfiguration rc = r.routes().stream()
                .filter(x -> x.getName().equals(route))
                .findFirst()
                .orElseThrow();
        List<String> ops = rc.getVirtualHostsList().stream()
                .filter(vh -> vh.getName().startsWith(host) && !vh.getName().equals("allow_any"))
                .flatMap(vh -> vh.getRoutesList().stream())
                .map(x -> x.getDecorator().getOperation())
                .toList();
        assertThat(ops).isEqualTo(expected);
    }

    private static final String ROOT_50 = telemetry("mesh-default", "istio-system", "", "randomSamplingPercentage: 50");
    private static final String NS_100 = telemetry("ns", "default", "", "randomSamplingPercentage: 100");
    private static final String REVIEWS_10 =
            telemetry("reviews", "default", "selector: {matchLabels: {app: reviews}}", "randomSamplingPercentage: 10");

    static Stream<Arguments> sampling() {
        return Stream.of(
                Arguments.of("mesh config default", List.of(), BookinfoFixture.PRODUCTPAGE, 1.0),
                Arguments.of("root namespace Telemetry", List.of(ROOT_50), BookinfoFixture.PRODUCTPAGE, 50.0),
                Arguments.of("namespace beats root", List.of(ROOT_50, NS_100), BookinfoFixture.PRODUCTPAGE, 100.0),
                Arguments.of(
                        "workload selector beats namespace",
                        List.of(ROOT_50, NS_100, REVIEWS_10),
                        BookinfoFixture.REVIEWS_V1,
                        10.0),
                Arguments.of(
                        "a selector does not pick other workloads",
                        List.of(ROOT_50, REVIEWS_10),
                        BookinfoFixture.RATINGS,
                        50.0));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("sampling")
    void telemetryBeatsTheMeshConfig(String name, List<String> config, Pod proxy, double expected) throws Exception {
        XdsResources r = Translator.translate(BookinfoFixture.view(config.toArray(String[]::new)), proxy);
        assertThat(hcm(listener(r, "0.0.0.0_9080"))
                        .getTracing()
                        .getRandomSampling()
                        .getValue())
                .isEqualTo(expected);
    }

    @Test
    void aPodsProxyConfigSamplingBeatsTheMeshDefaultButNotTelemetry() throws Exception {
        MeshTracing mesh = MeshTracing.read("mesh.yaml", "defaultConfig: {tracing: {sampling: 5}}\n")
                .withProxySampling(Map.of(BookinfoFixture.REVIEWS_V1.nodeId(), 42.0));
        double reviews = sampling(Translator.translate(withTracing(mesh), BookinfoFixture.REVIEWS_V1));
        double ratings = sampling(Translator.translate(withTracing(mesh), BookinfoFixture.RATINGS));
        double withTelemetry = sampling(Translator.translate(withTracing(mesh, NS_100), BookinfoFixture.REVIEWS_V1));
        assertThat(reviews).isEqualTo(42.0);
        assertThat(ratings).isEqualTo(5.0);
        assertThat(withTelemetry).isEqualTo(100.0);
    }

    private static double sampling(XdsResources r) throws InvalidProtocolBufferException {
        return hcm(listener(r, "0.0.0.0_9080")).getTracing().getRandomSampling().getValue();
    }

    @Test
    void meshConfigSamplingAndProviderAreUsed() throws Exception {
        MeshTracing mesh = MeshTracing.read("mesh.yaml", """
                defaultConfig: {tracing: {sampling: 100}}
                extensionProviders:
                - name: my-zipkin
                  zipkin: {service: tracing.observability.svc.cluster.local, port: 9412, maxTagLength: 99}
                """);
        String tel = telemetry(
                "t",
                "istio-system",
                "",
                "providers: [{name: my-zipkin}]\n    customTags: {team: {literal: {value: blue}},"
                        + " user: {header: {name: end-user, defaultValue: none}}}");
        XdsResources r = Translator.translate(withTracing(mesh, tel), BookinfoFixture.PRODUCTPAGE);
        HttpConnectionManager.Tracing t = hcm(listener(r, "0.0.0.0_9080")).getTracing();
        assertThat(t.getRandomSampling().getValue()).isEqualTo(100.0);
        assertThat(t.getMaxPathTagLength().getValue()).isEqualTo(99);
        assertThat(t.getProvider().getTypedConfig().unpack(ZipkinConfig.class).getCollectorCluster())
                .isEqualTo("outbound|9412||tracing.observability.svc.cluster.local");
        assertThat(tags(t)).containsEntry("team", "blue").containsEntry("user", "header:end-user");
    }

    @Test
    void disableSpanReportingLeavesTheProviderOut() throws Exception {
        XdsResources r = Translator.translate(
                BookinfoFixture.view(telemetry("off", "default", "", "disableSpanReporting: true")),
                BookinfoFixture.PRODUCTPAGE);
        HttpConnectionManager.Tracing t = hcm(listener(r, "0.0.0.0_9080")).getTracing();
        assertThat(t.hasProvider()).isFalse();
        assertThat(t.getRandomSampling().getValue()).isEqualTo(1.0);
    }

    @Test
    void enableTracingFalseLeavesTracingOut() throws Exception {
        MeshTracing mesh = MeshTracing.read("mesh.yaml", "enableTracing: false\n");
        XdsResources r = Translator.translate(withTracing(mesh), BookinfoFixture.PRODUCTPAGE);
        assertThat(hcm(listener(r, "0.0.0.0_9080")).hasTracing()).isFalse();
    }

    static Stream<Arguments> rejected() {
        return Stream.of(
                Arguments.of(
                        telemetry("t", "default", "", "randomSamplingPercentage: 150"),
                        "t.yaml: Telemetry default/t: spec.tracing[0].randomSamplingPercentage: must be in range"
                                + " [0.0, 100.0], got 150.0"),
                Arguments.of(
                        telemetry("t", "default", "", "randomSamplingPercentage: -1"),
                        "spec.tracing[0].randomSamplingPercentage: must be in range [0.0, 100.0], got -1.0"),
                Arguments.of(
                        telemetry("t", "default", "", "providers: [{name: jaeger}]"),
                        "t.yaml: Telemetry default/t: spec.tracing[0].providers[0].name: unknown provider \"jaeger\";"
                                + " known: [zipkin]"),
                Arguments.of(
                        telemetry("t", "default", "", "customTags: {a: {literal: {value: x}, header: {name: y}}}"),
                        "spec.tracing[0].customTags.a: must set exactly one of literal, environment, header"),
                Arguments.of(
                        telemetry("t", "default", "", "samplingRate: 3"),
                        "spec.tracing[0].samplingRate: unknown field"));
    }

    @ParameterizedTest
    @MethodSource("rejected")
    void badTelemetryIsRejectedNamingTheField(String yaml, String message) {
        var result = new ConfigStore().apply("t.yaml", yaml);
        assertThat(result.ok()).isFalse();
        assertThat(result.problems().toString()).contains(message);
    }

    @Test
    void aMeshConfigProviderIsKnown() {
        ConfigStore store = new ConfigStore();
        store.tracingProviders(java.util.Set.of("zipkin", "my-zipkin"));
        var result = store.apply("t.yaml", telemetry("t", "default", "", "providers: [{name: my-zipkin}]"));
        assertThat(result.problems()).isEmpty();
        assertThat(new ConfigStore()
                        .apply("t.yaml", telemetry("t", "default", "", "providers: [{name: zipkin}]"))
                        .ok())
                .isTrue();
    }

    @Test
    void v1alpha1AndV1AreRead() {
        for (String v : List.of("v1alpha1", "v1")) {
            var result = new ConfigStore()
                    .apply(
                            "t.yaml",
                            telemetry("t", "default", "", "randomSamplingPercentage: 5")
                                    .replace("telemetry.istio.io/v1", "telemetry.istio.io/" + v));
            assertThat(result.ok()).as(v).isTrue();
        }
        assertThat(new ConfigStore()
                        .apply(
                                "t.yaml",
                                telemetry("t", "default", "", "randomSamplingPercentage: 5")
                                        .replace("telemetry.istio.io/v1", "telemetry.istio.io/v2"))
                        .problems()
                        .toString())
                .contains("apiVersion: must be telemetry.istio.io/v1 or /v1alpha1 for Telemetry");
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource(
            delimiter = '|',
            value = {
                "'defaultConfig: {tracing: {sampling: 101}}' | mesh.yaml: defaultConfig.tracing.sampling: must be a"
                        + " number in range [0.0, 100.0], got 101",
                "'extensionProviders: [{name: z, zipkin: {service: zipkin.istio-system, port: 0}}]'"
                        + " | mesh.yaml: extensionProviders[0].zipkin.port: must be a port number",
                "'defaultProviders: {tracing: [jaeger]}' | mesh.yaml: defaultProviders.tracing: names no zipkin"
                        + " extension provider: \"jaeger\""
            })
    void badMeshConfigTracingIsRejectedNamingTheField(String yaml, String message) {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> MeshTracing.read("mesh.yaml", yaml))
                .hasMessageContaining(message);
    }

    private static String telemetry(String name, String namespace, String selector, String tracing) {
        return "apiVersion: telemetry.istio.io/v1\nkind: Telemetry\nmetadata: {name: " + name + ", namespace: "
                + namespace + "}\nspec:\n" + (selector.isEmpty() ? "" : "  " + selector + "\n") + "  tracing:\n  - "
                + tracing + "\n";
    }

    private static MeshView withTracing(MeshTracing tracing, String... yamls) {
        ConfigStore store = new ConfigStore();
        store.tracingProviders(tracing.providerNames());
        for (String y : yamls) {
            assertThat(store.apply("fixture.yaml", y).problems()).isEmpty();
        }
        return new MeshView(
                store.snapshot(),
                BookinfoFixture.registry().snapshot(),
                null,
                Map.of(),
                new MeshView.MeshSecurity(false, List.of(), null, tracing));
    }

    private static Map<String, String> tags(HttpConnectionManager.Tracing t) {
        return t.getCustomTagsList().stream()
                .collect(Collectors.toMap(CustomTag::getTag, c -> switch (c.getTypeCase()) {
                    case LITERAL -> c.getLiteral().getValue();
                    case REQUEST_HEADER -> "header:" + c.getRequestHeader().getName();
                    case ENVIRONMENT -> "env:" + c.getEnvironment().getName();
                    default -> "?";
                }));
    }

    private static Listener listener(XdsResources r, String name) {
        return r.listeners().stream()
                .filter(l -> l.getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no listener " + name));
    }

    private static HttpConnectionManager hcm(Listener l) throws InvalidProtocolBufferException {
        Filter f = l.getFilterChains(l.getFilterChainsCount() - 1).getFilters(0);
        return f.getTypedConfig().unpack(HttpConnectionManager.class);
    }
}
