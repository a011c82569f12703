package dev.meshbox.launcher.junit;

import static dev.meshbox.launcher.junit.Request.get;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Why a request went where it went, across clusters: the explanation of calls from cluster1's sleep names the route
 * cluster its sidecar chose and where it sent each call, v1's pod in cluster1 or cluster2's east-west gateway on 15443
 * with v2's pod behind it, as the access logs of both clusters say.
 */
@MeshTest(
        clusters = {"cluster1/network1", "cluster2/network2"},
        workloads = {"helloworld-v1.sample@cluster1", "helloworld-v2.sample@cluster2", "sleep.sample@cluster1"},
        seed = 7)
class CrossClusterExplanationIT {

    @Test
    void theExplanationNamesTheEastWestGatewayAndThePodBehindIt(Mesh mesh) {
        Responses r = mesh.send(20, get("http://helloworld.sample:5000/hello").from("sleep@cluster1"));

        assertThat(r.statusCount(200)).as(r.explain()).isEqualTo(20);
        assertThat(r.explain())
                .contains(
                        "sleep@cluster1's sidecar chose: outbound|5000||helloworld.sample.svc.cluster.local (route default) 20/20")
                .containsPattern("sleep@cluster1's sidecar sent to: .*:15443 \\(east-west gateway, then"
                        + " helloworld-v2-[a-z0-9-]+@cluster2\\) [0-9]+/20")
                .containsPattern(":5000 \\(helloworld-v1-[a-z0-9-]+@cluster1\\) [0-9]+/20")
                .as("the flags at the source: before NAME@CLUSTER was matched, nothing was logged for it")
                .contains("flags at sleep@cluster1's sidecar: - (no flag) 20/20");
    }
}
