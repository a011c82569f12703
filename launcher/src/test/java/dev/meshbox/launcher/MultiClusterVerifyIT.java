package dev.meshbox.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.launcher.backend.ClusterCerts;
import dev.meshbox.launcher.backend.LocalOptions;
import dev.meshbox.launcher.backend.MeshSpec;
import dev.meshbox.launcher.backend.MultiClusterMesh;
import dev.meshbox.launcher.backend.MultiClusterMesh.ClusterSpec;
import dev.meshbox.scenarios.MeshAccess;
import dev.meshbox.scenarios.Scenario;
import dev.meshbox.scenarios.TrafficDriver;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Istio's multi-primary verify step ({@code setup/install/multicluster/verify}) on the local backend: helloworld v1 in
 * cluster1, v2 in cluster2, sleep in both; from sleep in each cluster both versions answer within a bounded number of
 * requests. On two networks the other cluster's pod is reached through its east-west gateway on 15443; on one network
 * directly. Meshes with different roots do not trust each other.
 */
class MultiClusterVerifyIT {

    /** {@code verify_load_balancing} curls until both answers were seen; round robin over two endpoints needs few. */
    private static final int MAX_REQUESTS = 20;

    private static final String SLEEP_ID = "spiffe://cluster.local/ns/sample/sa/sleep";
    private static final AtomicInteger RUNS = new AtomicInteger();

    private static List<ClusterSpec> verifyClusters(String network1, String network2, Path cacerts1, Path cacerts2) {
        return List.of(
                new ClusterSpec(
                        "cluster1",
                        network1,
                        MeshSpec.of(List.of(builtin("helloworld-v1"), builtin("sleep"))),
                        cacerts1),
                new ClusterSpec(
                        "cluster2",
                        network2,
                        MeshSpec.of(List.of(builtin("helloworld-v2"), builtin("sleep"))),
                        cacerts2));
    }

    private static Scenario.Builtin builtin(String name) {
        return new Scenario.Builtin(name, "sample", java.util.Optional.empty(), true);
    }

    private static MultiClusterMesh start(List<ClusterSpec> clusters) throws InterruptedException {
        return MultiClusterMesh.start(
                clusters, LocalOptions.isolated(OptionalLong.of(21)), new PrintStream(OutputStream.nullOutputStream()));
    }

    @Test
    void onTwoNetworksBothVersionsAnswerFromEachClusterThroughTheEastWestGateway() throws Exception {
        try (MultiClusterMesh mesh = start(verifyClusters("network1", "network2", null, null))) {
            List<String> fromCluster1 = bothVersions(mesh, "sleep@cluster1");
            // cluster1's sleep reached v2 through cluster2's east-west gateway (15443, by SNI), and v2's sidecar
            // verified sleep's certificate, issued by cluster1's intermediate, against the shared root.
            // The TLS bytes pass through untouched (AUTO_PASSTHROUGH), so the hop shows in the gateway's stats: its
            // cluster named after the SNI sleep's sidecar sent (Istio's outbound_.5000_._.helloworld...).
            assertThat(mesh.counters("istio-eastwestgateway@cluster2"))
                    .as("cluster2's east-west gateway passed cluster1's calls through on 15443")
                    .hasEntrySatisfying(
                            "cluster.outbound_.5000_._.helloworld.sample.svc.cluster.local.upstream_cx_total",
                            n -> assertThat(n).isPositive());
            assertThat(inboundPeers(mesh, "helloworld@cluster2")).contains(SLEEP_ID);
            assertThat(fromCluster1).hasSizeLessThanOrEqualTo(MAX_REQUESTS);
            bothVersions(mesh, "sleep@cluster2");
        }
    }

    @Test
    void onOneNetworkBothVersionsAnswerPodToPodWithoutAGateway() throws Exception {
        try (MultiClusterMesh mesh = start(verifyClusters("network1", "network1", null, null))) {
            bothVersions(mesh, "sleep@cluster1");
            bothVersions(mesh, "sleep@cluster2");
            assertThat(mesh.cluster("cluster1").pods())
                    .noneMatch(p -> p.pod().name().startsWith("istio-eastwestgateway"));
            assertThat(inboundPeers(mesh, "helloworld@cluster2")).contains(SLEEP_ID);
        }
    }

    @Test
    void clustersUnderDifferentRootsDoNotTrustEachOther(@TempDir Path dir) throws Exception {
        Path one =
                ClusterCerts.generate(dir.resolve("mesh1"), List.of("cluster1")).get("cluster1");
        Path two =
                ClusterCerts.generate(dir.resolve("mesh2"), List.of("cluster2")).get("cluster2");
        try (MultiClusterMesh mesh = start(verifyClusters("network1", "network1", one, two))) {
            // Only v2, the other mesh's pod: without this, Istio's default retries would land every request on v1.
            MeshAccess.ApplyOutcome applied = mesh.apply(List.of(new MeshAccess.ConfigText("v2-only.yaml", """
                    apiVersion: networking.istio.io/v1
                    kind: DestinationRule
                    metadata: {name: helloworld, namespace: sample}
                    spec:
                      host: helloworld.sample.svc.cluster.local
                      subsets:
                      - {name: v2, labels: {version: v2}}
                    ---
                    apiVersion: networking.istio.io/v1
                    kind: VirtualService
                    metadata: {name: helloworld, namespace: sample}
                    spec:
                      hosts: [helloworld.sample.svc.cluster.local]
                      http:
                      - route:
                        - destination: {host: helloworld.sample.svc.cluster.local, subset: v2}
                    """)));
            assertThat(applied.problems()).isEmpty();
            List<TrafficDriver.Result> results = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                results.add(hello(mesh, "sleep@cluster1"));
            }
            // v2 under another root fails the handshake: 503 with the TLS reason.
            assertThat(results).noneMatch(r -> r.body().startsWith("Hello version: v2"));
            TrafficDriver.Result failed = results.stream()
                    .filter(r -> r.status() == 503)
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no 503 in " + results));
            assertThat(failed.body())
                    .contains("transport failure reason: TLS_error")
                    .contains("CERTIFICATE_VERIFY_FAILED");
        }
    }

    /** Curls helloworld until both versions answered, as verify_load_balancing does; the answers seen. */
    private static List<String> bothVersions(MeshAccess mesh, String from) {
        List<String> seen = new ArrayList<>();
        boolean v1 = false;
        boolean v2 = false;
        while (!(v1 && v2) && seen.size() < MAX_REQUESTS) {
            TrafficDriver.Result r = hello(mesh, from);
            seen.add(r.status() + " " + r.body());
            v1 |= r.body().startsWith("Hello version: v1, instance: helloworld-v1-");
            v2 |= r.body().startsWith("Hello version: v2, instance: helloworld-v2-");
        }
        assertThat(v1 && v2)
                .as("from %s both versions within %d requests; got %s", from, MAX_REQUESTS, seen)
                .isTrue();
        return seen;
    }

    private static TrafficDriver.Result hello(MeshAccess mesh, String from) {
        try {
            return new TrafficDriver(mesh)
                    .send(
                            new Scenario.Traffic(from, "GET", "http://helloworld.sample:5000/hello", Map.of(), 1, 1),
                            "mc" + RUNS.incrementAndGet(),
                            x -> {})
                    .get(0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The client identities the workload's sidecar saw on inbound requests. */
    private static List<String> inboundPeers(MultiClusterMesh mesh, String workload) {
        String cluster = workload.substring(workload.indexOf('@') + 1);
        String pod = mesh.pod(workload).pod().name();
        return mesh.cluster(cluster).accessLog().stream()
                .filter(e -> e.pod().equals(pod) && e.direction().equals("inbound"))
                .map(MeshAccess.LogEntry::downstreamPeerUriSan)
                .toList();
    }
}
