package com.example.multicluster;

import static dev.meshbox.launcher.junit.Request.get;
import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.launcher.junit.Mesh;
import dev.meshbox.launcher.junit.MeshTest;
import dev.meshbox.launcher.junit.Responses;
import org.junit.jupiter.api.Test;

/**
 * Istio's multi-primary verify step as a test: two clusters on two networks, helloworld v1 only in cluster1, v2 only
 * in cluster2, sleep in both. A caller in either cluster is answered by both versions: the other cluster's through its
 * east-west gateway. When cluster1's own callers are kept off v1, cluster2 answers them all.
 */
@MeshTest(
        clusters = {"cluster1/network1", "cluster2/network2"},
        workloads = {"helloworld-v1.sample@cluster1", "helloworld-v2.sample@cluster2", "sleep.sample"},
        seed = 21)
class HelloworldAcrossClustersTest {

    private static final String HELLO = "http://helloworld.sample:5000/hello";

    @Test
    void bothVersionsAnswerFromEitherCluster(Mesh mesh) {
        for (String sleep : new String[] {"sleep@cluster1", "sleep@cluster2"}) {
            Responses responses = mesh.send(30, get(HELLO).from(sleep));

            assertThat(responses.statusCount(200)).as(responses.summary()).isEqualTo(30);
            assertThat(responses.asList())
                    .anyMatch(r -> r.body().startsWith("Hello version: v1, instance: helloworld-v1-"))
                    .anyMatch(r -> r.body().startsWith("Hello version: v2, instance: helloworld-v2-"));
        }
        // The hop to the other network is counted by its east-west gateway, named after the SNI it routed by.
        assertThat(mesh.stats("istio-eastwestgateway@cluster2"))
                .hasEntrySatisfying(
                        "cluster.outbound_.5000_._.helloworld.sample.svc.cluster.local.upstream_cx_total",
                        n -> assertThat(n).isPositive());
    }

    /** Cross-cluster failover: with v1 out of cluster1's routing, cluster1's callers are all answered by cluster2. */
    @Test
    void withV1RoutedAwayCluster2AnswersCluster1sCallers(Mesh mesh) {
        mesh.apply("""
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
                """);

        Responses responses = mesh.send(20, get(HELLO).from("sleep@cluster1"));

        assertThat(responses.statusCount(200)).as(responses.summary()).isEqualTo(20);
        assertThat(responses.asList())
                .allMatch(r -> r.body().startsWith("Hello version: v2, instance: helloworld-v2-"));
    }
}
