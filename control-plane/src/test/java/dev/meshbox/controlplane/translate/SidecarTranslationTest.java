package dev.meshbox.controlplane.translate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.controlplane.config.ConfigStore;
import dev.meshbox.controlplane.registry.MeshService;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.controlplane.registry.ServicePort;
import dev.meshbox.controlplane.registry.ServiceRegistry;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A Sidecar resource's effect on what a sidecar is told, as Istio's SidecarScope: egress hosts limit the services
 * (clusters, endpoints, virtual hosts, virtual listeners), a hidden service is an unknown host, the Sidecar's
 * outboundTrafficPolicy wins over the mesh's, and ingress listeners remap the inbound ports.
 */
class SidecarTranslationTest {

    private static final Pod SLEEP = pod("sleep-1", "sleep", "sleep", 1);
    private static final Pod SLEEP_BAR = pod("sleep-2", "bar", "sleep", 2);
    private static final Pod HTTPBIN = pod("httpbin-1", "foo", "httpbin", 3);
    private static final Pod RATINGS = pod("ratings-1", "sleep", "ratings", 4);

    private static final String NAMESPACE_ONLY = """
            apiVersion: networking.istio.io/v1
            kind: Sidecar
            metadata: {name: default, namespace: sleep}
            spec:
              egress:
              - hosts: ["./*"]
            """;

    private static Pod pod(String name, String namespace, String app, int n) {
        return new Pod(
                name, namespace, "127.10.0." + n, "127.20.0." + n, Map.of("app", app), Pod.ProxyKind.SIDECAR, true);
    }

    private static MeshView view(String... yamls) {
        ServiceRegistry r = new ServiceRegistry();
        r.putService(new MeshService("httpbin", "foo", List.of(ServicePort.http(8000)), Map.of("app", "httpbin")));
        r.putService(new MeshService("ratings", "sleep", List.of(ServicePort.http(9080)), Map.of("app", "ratings")));
        r.putService(new MeshService("sleep", "sleep", List.of(ServicePort.http(80)), Map.of("app", "sleep")));
        r.putService(new MeshService("sleep", "bar", List.of(ServicePort.http(80)), Map.of("app", "sleep")));
        List.of(SLEEP, SLEEP_BAR, HTTPBIN, RATINGS).forEach(r::putPod);
        ConfigStore store = new ConfigStore();
        for (int i = 0; i < yamls.length; i++) {
            var result = store.apply("fixture-" + i + ".yaml", yamls[i]);
            assertThat(result.problems()).isEmpty();
        }
        return new MeshView(store.snapshot(), r.snapshot());
    }

    private static List<String> clusters(XdsResources r) {
        return r.clusters().stream().map(Cluster::getName).toList();
    }

    private static List<String> virtualHosts(XdsResources r, String route) {
        return r.routes().stream()
                .filter(rc -> rc.getName().equals(route))
                .flatMap(rc -> rc.getVirtualHostsList().stream())
                .map(VirtualHost::getName)
                .toList();
    }

    @Test
    void aNamespaceSidecarHidesOtherNamespacesServicesFromItsWorkloadsOnly() {
        MeshView view = view(NAMESPACE_ONLY);

        XdsResources sleep = Translator.translate(view, SLEEP);
        assertThat(clusters(sleep))
                .contains(
                        "outbound|9080||ratings.sleep.svc.cluster.local", "outbound|80||sleep.sleep.svc.cluster.local")
                .doesNotContain(
                        "outbound|8000||httpbin.foo.svc.cluster.local", "outbound|80||sleep.bar.svc.cluster.local");
        assertThat(sleep.endpoints())
                .extracting(ClusterLoadAssignment::getClusterName)
                .doesNotContain("outbound|8000||httpbin.foo.svc.cluster.local");
        assertThat(sleep.routes()).extracting(RouteConfiguration::getName).doesNotContain("8000");
        assertThat(sleep.listeners()).extracting(Listener::getName).doesNotContain("0.0.0.0_8000");
        assertThat(virtualHosts(sleep, "80")).containsExactly("sleep.sleep.svc.cluster.local:80", "allow_any");

        XdsResources bar = Translator.translate(view, SLEEP_BAR);
        assertThat(clusters(bar)).contains("outbound|8000||httpbin.foo.svc.cluster.local");
        assertThat(virtualHosts(bar, "8000")).containsExactly("httpbin.foo.svc.cluster.local:8000", "allow_any");
    }

    @Test
    void aRootNamespaceSidecarIsTheMeshDefaultAndANamespaceOneOverridesIt() {
        String root = """
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: default, namespace: istio-system}
                spec:
                  egress:
                  - hosts: ["./*", "foo/*"]
                """;
        MeshView view = view(root, NAMESPACE_ONLY);

        // For bar the root's "./*" is bar itself: its own sleep and foo's httpbin, not sleep's services.
        assertThat(clusters(Translator.translate(view, SLEEP_BAR)))
                .contains("outbound|80||sleep.bar.svc.cluster.local", "outbound|8000||httpbin.foo.svc.cluster.local")
                .doesNotContain("outbound|9080||ratings.sleep.svc.cluster.local");
        assertThat(clusters(Translator.translate(view, SLEEP)))
                .doesNotContain("outbound|8000||httpbin.foo.svc.cluster.local");
    }

    @Test
    void aWorkloadSelectorSidecarWinsOverTheNamespaceDefaultAndSetsItsOwnOutboundPolicy() {
        String ratingsOnly = """
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: sleep-registry-only, namespace: sleep}
                spec:
                  workloadSelector: {labels: {app: sleep}}
                  egress:
                  - hosts: ["foo/httpbin.foo.svc.cluster.local", "~foo/other.foo.svc.cluster.local"]
                  outboundTrafficPolicy: {mode: REGISTRY_ONLY}
                """;
        MeshView view = view(NAMESPACE_ONLY, ratingsOnly);

        XdsResources sleep = Translator.translate(view, SLEEP);
        assertThat(clusters(sleep))
                .contains("outbound|8000||httpbin.foo.svc.cluster.local")
                .doesNotContain("outbound|9080||ratings.sleep.svc.cluster.local");
        assertThat(virtualHosts(sleep, "8000")).containsExactly("httpbin.foo.svc.cluster.local:8000", "block_all");
        Listener outbound = sleep.listeners().stream()
                .filter(l -> l.getName().equals(Names.VIRTUAL_OUTBOUND))
                .findFirst()
                .orElseThrow();
        assertThat(outbound.toString()).contains(Names.BLACKHOLE);

        // ratings, in the same namespace, keeps the namespace default and the mesh's ALLOW_ANY.
        XdsResources ratings = Translator.translate(view, RATINGS);
        assertThat(virtualHosts(ratings, "9080")).containsExactly("ratings.sleep.svc.cluster.local:9080", "allow_any");
    }

    @Test
    void aVirtualServiceForAHostOutsideTheRegistryIsSeenOnlyWhereItsNamespaceIsListed() {
        MeshView view = view(NAMESPACE_ONLY, """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: example, namespace: foo}
                spec:
                  hosts: [www.example.com]
                  http:
                  - route: [{destination: {host: httpbin.foo.svc.cluster.local, port: {number: 8000}}}]
                """);

        assertThat(virtualHosts(Translator.translate(view, SLEEP), "80")).doesNotContain("www.example.com:80");
        assertThat(virtualHosts(Translator.translate(view, SLEEP_BAR), "80")).contains("www.example.com:80");
    }

    @Test
    void excludedHostsAreHiddenEvenWhenAWildcardIncludesThem() {
        MeshView view = view("""
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: default, namespace: sleep}
                spec:
                  egress:
                  - hosts: ["*/*", "~foo/httpbin.foo.svc.cluster.local"]
                """);

        assertThat(clusters(Translator.translate(view, SLEEP)))
                .contains("outbound|80||sleep.bar.svc.cluster.local")
                .doesNotContain("outbound|8000||httpbin.foo.svc.cluster.local");
    }

    @Test
    void theOldestSelectorLessSidecarOfANamespaceWinsAndTheOthersAreWarnedAbout() {
        MeshView view = view(NAMESPACE_ONLY, """
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: later, namespace: sleep}
                spec:
                  egress:
                  - hosts: ["*/*"]
                """);

        XdsResources sleep = Translator.translate(view, SLEEP);
        assertThat(clusters(sleep)).doesNotContain("outbound|8000||httpbin.foo.svc.cluster.local");
        assertThat(sleep.warnings())
                .anySatisfy(w -> assertThat(w)
                        .startsWith("Sidecar sleep/later: namespace sleep already has the Sidecar without a"
                                + " workloadSelector Sidecar sleep/default"));
    }

    @Test
    void twoSidecarsSelectingOneWorkloadAreWarnedAboutAndTheOldestApplies() {
        String first = """
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: first, namespace: sleep}
                spec:
                  workloadSelector: {labels: {app: sleep}}
                  egress:
                  - hosts: ["./*"]
                """;
        MeshView view = view(first, first.replace("name: first", "name: second").replace("./*", "*/*"));

        XdsResources sleep = Translator.translate(view, SLEEP);
        assertThat(clusters(sleep)).doesNotContain("outbound|8000||httpbin.foo.svc.cluster.local");
        assertThat(sleep.warnings())
                .contains("[Sidecar sleep/first, Sidecar sleep/second] all select workload sleep/sleep-1; Sidecar"
                        + " sleep/first (the oldest) applies (IST0110 ConflictingSidecarWorkloadSelectors)");
    }

    @Test
    void ingressListenersReplaceTheServicePortsAndForwardToTheDefaultEndpoint() {
        MeshView view = view("""
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: ratings, namespace: sleep}
                spec:
                  workloadSelector: {labels: {app: ratings}}
                  ingress:
                  - port: {number: 9080, protocol: HTTP, name: http}
                    defaultEndpoint: 127.0.0.1:8080
                """);

        XdsResources ratings = Translator.translate(view, RATINGS);
        Cluster inbound = ratings.clusters().stream()
                .filter(c -> c.getName().equals("inbound|9080||"))
                .findFirst()
                .orElseThrow();
        var address = inbound.getLoadAssignment()
                .getEndpoints(0)
                .getLbEndpoints(0)
                .getEndpoint()
                .getAddress()
                .getSocketAddress();
        assertThat(address.getAddress() + ":" + address.getPortValue()).isEqualTo("127.20.0.4:8080");
        Listener inboundListener = ratings.listeners().stream()
                .filter(l -> l.getName().equals(Names.VIRTUAL_INBOUND))
                .findFirst()
                .orElseThrow();
        assertThat(inboundListener.getFilterChainsList())
                .extracting(fc -> fc.getFilterChainMatch().getDestinationPort().getValue())
                .containsExactly(9080);
    }
}
