package dev.meshbox.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.launcher.junit.Mesh;
import dev.meshbox.launcher.junit.MeshTest;
import dev.meshbox.launcher.junit.Request;
import dev.meshbox.launcher.junit.Responses;
import org.junit.jupiter.api.Test;

/**
 * The Sidecar resource on a loopback mesh: httpbin and sleep in {@code foo} and in {@code bar}. A Sidecar
 * of {@code bar} listing only {@code ./*} hides httpbin.foo from bar's sleep, which then treats it as a host the mesh
 * does not know (ALLOW_ANY's {@code allow_any} to PassthroughCluster, not the service's cluster), while foo's sleep
 * still reaches it through the mesh; a workload Sidecar's REGISTRY_ONLY refuses hidden hosts for that workload alone.
 */
@MeshTest(workloads = {"httpbin.foo", "sleep.foo", "httpbin.bar", "sleep.bar"})
class SidecarIT {

    private static final String HTTPBIN_CLUSTER = "outbound|8000||httpbin.foo.svc.cluster.local";

    private static final String BAR_NAMESPACE_ONLY = """
            apiVersion: networking.istio.io/v1
            kind: Sidecar
            metadata: {name: default, namespace: bar}
            spec:
              egress:
              - hosts: ["./*"]
            """;

    private static Responses.Response one(Mesh mesh, String url, String from) {
        return mesh.send(1, Request.get(url).from(from)).asList().get(0);
    }

    @Test
    void aNamespaceSidecarHidesAnotherNamespacesServiceAsAnUnknownHostForItsWorkloadsOnly(Mesh mesh) {
        Responses.Response before = one(mesh, "http://httpbin.foo:8000/ip", "sleep.bar");
        assertThat(before.status()).as("%s", before).isEqualTo(200);
        assertThat(before.upstreamCluster()).isEqualTo(HTTPBIN_CLUSTER);

        mesh.apply(BAR_NAMESPACE_ONLY);

        Responses.Response hidden = one(mesh, "http://httpbin.foo:8000/ip", "sleep.bar");
        assertThat(hidden.upstreamCluster()).as("%s", hidden).isEqualTo("PassthroughCluster");
        Responses.Response fromFoo = one(mesh, "http://httpbin.foo:8000/ip", "sleep.foo");
        assertThat(fromFoo.status()).as("%s", fromFoo).isEqualTo(200);
        assertThat(fromFoo.upstreamCluster()).isEqualTo(HTTPBIN_CLUSTER);
        Responses.Response own = one(mesh, "http://httpbin.bar:8000/ip", "sleep.bar");
        assertThat(own.status()).as("%s", own).isEqualTo(200);
        assertThat(own.upstreamCluster()).isEqualTo("outbound|8000||httpbin.bar.svc.cluster.local");
    }

    @Test
    void aWorkloadSidecarsRegistryOnlyRefusesHiddenHostsForThatWorkloadAlone(Mesh mesh) {
        mesh.apply(BAR_NAMESPACE_ONLY + """
                ---
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: sleep, namespace: bar}
                spec:
                  workloadSelector: {labels: {app: sleep}}
                  egress:
                  - hosts: ["./*"]
                  outboundTrafficPolicy: {mode: REGISTRY_ONLY}
                """);

        // Port 8000 still has bar's own httpbin: the hidden httpbin.foo on it meets block_all's 502, with no flag.
        Responses.Response blocked = one(mesh, "http://httpbin.foo:8000/ip", "sleep.bar");
        assertThat(blocked.status()).as("%s", blocked).isEqualTo(502);
        assertThat(blocked.responseFlags()).isEqualTo("-");
        assertThat(blocked.routeName()).isEqualTo("block_all");
        assertThat(one(mesh, "http://httpbin.bar:8000/ip", "sleep.bar").status())
                .isEqualTo(200);
        // foo's sleep has no Sidecar: the mesh's ALLOW_ANY and every service.
        Responses.Response fromFoo = one(mesh, "http://httpbin.foo:8000/ip", "sleep.foo");
        assertThat(fromFoo.status()).as("%s", fromFoo).isEqualTo(200);
        assertThat(one(mesh, "http://httpbin.bar:8000/ip", "sleep.foo").upstreamCluster())
                .isEqualTo("outbound|8000||httpbin.bar.svc.cluster.local");
    }
}
