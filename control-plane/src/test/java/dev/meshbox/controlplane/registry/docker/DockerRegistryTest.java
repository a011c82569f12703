package dev.meshbox.controlplane.registry.docker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.controlplane.registry.MeshService;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.controlplane.registry.ServicePort;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DockerRegistryTest {

    private static DockerRegistry.ContainerView sidecar(
            String id, String pod, String ip, Set<String> aliases, Map<String, String> extra) {
        Map<String, String> labels = new java.util.HashMap<>(Map.of(
                DockerRegistry.ROLE,
                "sidecar",
                DockerRegistry.POD,
                pod,
                DockerRegistry.MESH,
                "m1",
                "dev.meshbox",
                "true",
                "org.opencontainers.image.title",
                "x"));
        labels.putAll(extra);
        return new DockerRegistry.ContainerView(id, "meshbox-m1-" + pod, true, labels, ip, aliases);
    }

    @Test
    void aliasesBecomeServicesBackedByTheirPods() {
        var v1 = sidecar(
                "aaaa1111bbbb",
                "reviews-v1",
                "172.18.0.3",
                Set.of("reviews", "aaaa1111bbbb", "reviews-v1"),
                Map.of("app", "reviews", "version", "v1", DockerRegistry.PORTS, "9080"));
        var v2 = sidecar(
                "cccc2222dddd",
                "reviews-v2",
                "172.18.0.4",
                Set.of("reviews"),
                Map.of("app", "reviews", "version", "v2", DockerRegistry.PORTS, "9080"));
        var view = DockerRegistry.map(List.of(v1, v2), "meshbox-m1");

        assertThat(view.problems()).isEmpty();
        assertThat(view.services()).containsOnlyKeys("default/reviews");
        MeshService reviews = view.services().get("default/reviews");
        assertThat(reviews.members()).containsExactlyInAnyOrder("reviews-v1", "reviews-v2");
        assertThat(reviews.ports()).containsExactly(new ServicePort("http", 9080, 9080, "HTTP"));
        Pod pod = view.pods().get("default/reviews-v1");
        assertThat(pod.ip()).isEqualTo("172.18.0.3");
        assertThat(pod.appAddress()).isEqualTo("127.0.0.1");
        assertThat(pod.labels()).containsExactlyInAnyOrderEntriesOf(Map.of("app", "reviews", "version", "v1"));
        assertThat(pod.ready()).isFalse();
        assertThat(reviews.includes(pod.withReady(true))).isTrue();
    }

    @Test
    void thePodsServiceAccountComesFromItsLabelAndIsDefaultWithout() {
        var httpbin = sidecar(
                "ffff",
                "httpbin-v1",
                "172.18.0.6",
                Set.of("httpbin"),
                Map.of(
                        "app",
                        "httpbin",
                        DockerRegistry.PORTS,
                        "8000:8080",
                        DockerRegistry.NAMESPACE,
                        "foo",
                        DockerRegistry.SERVICE_ACCOUNT,
                        "httpbin"));
        var sleep = sidecar("gggg", "sleep", "172.18.0.7", Set.of(), Map.of("app", "sleep"));
        var view = DockerRegistry.map(List.of(httpbin, sleep), "n");

        assertThat(view.pods().get("foo/httpbin-v1").spiffeId()).isEqualTo("spiffe://cluster.local/ns/foo/sa/httpbin");
        assertThat(view.pods().get("default/sleep").serviceAccount()).isEqualTo("default");
        assertThat(view.pods().get("foo/httpbin-v1").labels()).doesNotContainKey(DockerRegistry.SERVICE_ACCOUNT);
    }

    @Test
    void serviceAndContainerPortsComeFromTheLabel() {
        var httpbin = sidecar(
                "eeee",
                "httpbin-v1",
                "172.18.0.5",
                Set.of("httpbin"),
                Map.of("app", "httpbin", DockerRegistry.PORTS, "8000:8080"));
        MeshService s = DockerRegistry.map(List.of(httpbin), "n").services().get("default/httpbin");
        assertThat(s.ports()).containsExactly(new ServicePort("http", 8000, 8080, "HTTP"));
    }

    @Test
    void aPortsNameSelectsItsProtocolAsAServicePortsNameDoes() {
        var gateway = sidecar(
                "ffff",
                "my-gateway",
                "172.18.0.6",
                Set.of("my-ingress"),
                Map.of("app", "my-gateway", DockerRegistry.PORTS, "80:8080/http2,443:8443/https,31400/tcp"));
        MeshService s = DockerRegistry.map(List.of(gateway), "n").services().get("default/my-ingress");
        assertThat(s.ports())
                .containsExactly(
                        ServicePort.of("http2", 80, 8080, null),
                        ServicePort.of("https", 443, 8443, null),
                        ServicePort.of("tcp", 31400, 31400, null));
        assertThat(s.ports()).extracting(ServicePort::protocol).containsExactly("HTTP2", "HTTPS", "TCP");
    }

    @Test
    void gatewaysLiveInIstioSystemAndAppsAreNotPods() {
        var gw = new DockerRegistry.ContainerView(
                "ffff",
                "gw",
                true,
                Map.of(
                        DockerRegistry.ROLE,
                        "gateway",
                        DockerRegistry.POD,
                        "istio-ingressgateway-x",
                        "app",
                        "istio-ingressgateway"),
                "172.18.0.9",
                Set.of());
        var app = new DockerRegistry.ContainerView(
                "abcd",
                "app",
                true,
                Map.of(DockerRegistry.ROLE, "app", DockerRegistry.POD, "reviews-v1", "app", "reviews"),
                null,
                Set.of());
        var view = DockerRegistry.map(List.of(gw, app), "n");
        assertThat(view.pods()).containsOnlyKeys("istio-system/istio-ingressgateway-x");
        assertThat(view.pods().get("istio-system/istio-ingressgateway-x").role())
                .isEqualTo(Pod.ProxyKind.GATEWAY);
    }

    @Test
    void badPortsLabelOrMissingNetworkIsReportedNotFatal() {
        var bad = sidecar(
                "1111", "shop-v1", "172.18.0.6", Set.of("shop"), Map.of("app", "shop", DockerRegistry.PORTS, "http"));
        var detached = sidecar("2222", "cart-v1", null, Set.of(), Map.of("app", "cart"));
        var noPorts = sidecar("3333", "pay-v1", "172.18.0.7", Set.of("pay"), Map.of("app", "pay"));
        var view = DockerRegistry.map(List.of(bad, detached, noPorts), "meshbox-m1");
        assertThat(view.problems())
                .anySatisfy(
                        p -> assertThat(p).contains("dev.meshbox.ports=http").contains("9080 or 8000:8080"))
                .anySatisfy(
                        p -> assertThat(p).contains("cart-v1").contains("not attached to the mesh network meshbox-m1"))
                .anySatisfy(p -> assertThat(p).contains("alias pay").contains("no label dev.meshbox.ports"));
        assertThat(view.services()).isEmpty();
    }

    @Test
    void aContainerWithoutASidecarIsAPodWithoutAProxyWhoseAppOwnsThePodIp() {
        var httpbin = sidecar(
                "hhhh",
                "httpbin-v1-legacy",
                "172.18.0.8",
                Set.of("httpbin"),
                Map.of(
                        DockerRegistry.ROLE,
                        DockerRegistry.NO_SIDECAR,
                        "app",
                        "httpbin",
                        DockerRegistry.PORTS,
                        "8000:8080",
                        DockerRegistry.NAMESPACE,
                        "legacy",
                        DockerRegistry.APP_PORT,
                        "8080"));
        var sleep = sidecar(
                "iiii",
                "sleep-legacy",
                "172.18.0.9",
                Set.of(),
                Map.of(
                        DockerRegistry.ROLE,
                        DockerRegistry.NO_SIDECAR,
                        "app",
                        "sleep",
                        DockerRegistry.NAMESPACE,
                        "legacy"));
        var view = DockerRegistry.map(List.of(httpbin, sleep), "n");

        assertThat(view.problems()).isEmpty();
        Pod pod = view.pods().get("legacy/httpbin-v1-legacy");
        assertThat(pod.role()).isEqualTo(Pod.ProxyKind.NONE);
        assertThat(pod.ip()).isEqualTo("172.18.0.8");
        assertThat(pod.appAddress()).isEqualTo("172.18.0.8");
        assertThat(view.pods().get("legacy/sleep-legacy").role()).isEqualTo(Pod.ProxyKind.NONE);
        MeshService service = view.services().get("legacy/httpbin");
        assertThat(service.ports()).containsExactly(new ServicePort("http", 8000, 8080, "HTTP"));
        assertThat(service.members()).containsExactly("httpbin-v1-legacy");
        assertThat(DockerRegistry.appPort(httpbin.labels())).hasValue(8080);
        assertThat(DockerRegistry.appPort(sleep.labels())).isEmpty();
    }

    @Test
    void otherContainersOfAPodAreNotPods() {
        var app = sidecar("jjjj", "details-v1", "172.18.0.10", Set.of(), Map.of(DockerRegistry.ROLE, "app"));

        assertThat(DockerRegistry.map(List.of(app), "n").pods()).isEmpty();
    }
}
