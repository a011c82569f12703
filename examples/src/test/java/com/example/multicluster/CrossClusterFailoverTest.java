package com.example.multicluster;

import static dev.meshbox.launcher.junit.Request.get;
import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.launcher.junit.Mesh;
import dev.meshbox.launcher.junit.MeshTest;
import dev.meshbox.launcher.junit.Responses;
import org.junit.jupiter.api.Test;

/**
 * A cross-cluster failover: helloworld v1 in cluster1 and v2 in cluster2, on two networks. While v1 serves, cluster1's
 * callers are answered by both clusters; once v1's proxy drains its listeners (Istio's locality failover task does it
 * with {@code curl -X POST localhost:15000/drain_listeners} in the pod), v1 fails its readiness probe, leaves the
 * endpoints, and cluster2 answers every call, through its east-west gateway.
 */
@MeshTest(
        clusters = {"cluster1/network1", "cluster2/network2"},
        workloads = {"helloworld-v1.sample@cluster1", "helloworld-v2.sample@cluster2", "sleep.sample"},
        seed = 7)
class CrossClusterFailoverTest {

    private static final String HELLO = "http://helloworld.sample:5000/hello";

    @Test
    void cluster2TakesOverWhenV1InCluster1Drains(Mesh mesh) {
        Responses before = mesh.send(20, get(HELLO).from("sleep@cluster1"));
        assertThat(before.statusCount(200)).as(before.summary()).isEqualTo(20);
        assertThat(before.asList()).anyMatch(r -> r.body().startsWith("Hello version: v1, "));

        mesh.proxyAdminPost("helloworld-v1@cluster1", "/drain_listeners");

        Responses after = mesh.send(20, get(HELLO).from("sleep@cluster1"));
        assertThat(after.statusCount(200)).as(after.summary()).isEqualTo(20);
        assertThat(after.asList()).allMatch(r -> r.body().startsWith("Hello version: v2, instance: helloworld-v2-"));
    }
}
