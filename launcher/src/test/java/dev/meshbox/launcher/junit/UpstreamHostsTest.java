package dev.meshbox.launcher.junit;

import static dev.meshbox.launcher.junit.Request.get;
import static org.assertj.core.api.Assertions.assertThat;

import dev.meshbox.scenarios.MeshAccess;
import dev.meshbox.scenarios.TrafficDriver;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * An explanation names where the caller's proxy sent each request: a pod's address in its own cluster, or the other
 * network's east-west gateway on 15443 and the pod behind it, so a call that crossed clusters reads as one.
 */
class UpstreamHostsTest {

    private static final String HELLO = "outbound|5000||helloworld.sample.svc.cluster.local";
    private static final Request CALL =
            get("http://helloworld.sample:5000/hello").from("sleep");

    private final List<TrafficDriver.Result> results = new ArrayList<>();
    private final List<MeshAccess.LogEntry> log = new ArrayList<>();

    /** A request from sleep in cluster1, sent to {@code host} and served by {@code pod} in {@code cluster}. */
    private void sent(String host, String pod, String version, String cluster) {
        String id = "T-run-1-" + results.size();
        results.add(new TrafficDriver.Result(id, 200, 1_000_000, null, Map.of(), "Hello version: " + version));
        log.add(entry("sleep-1", Map.of("app", "sleep", Topology.LABEL, "cluster1"), "outbound", id, HELLO, host));
        log.add(entry(
                pod,
                Map.of("app", "helloworld", "version", version, Topology.LABEL, cluster),
                "inbound",
                id,
                "inbound|5000||",
                ""));
    }

    private static MeshAccess.LogEntry entry(
            String pod, Map<String, String> labels, String direction, String id, String cluster, String host) {
        return new MeshAccess.LogEntry(
                pod, labels, direction, id, 200, "-", cluster, "", 1, "helloworld.sample:5000", "", "", "sample", host);
    }

    private static final class Topology {
        static final String LABEL = dev.meshbox.controlplane.registry.Topology.CLUSTER;
    }

    /** What a failed assertion on the requests sent so far would print. */
    private String explanation() {
        return Responses.of(
                        CALL, "T-run-1", results, log, new Responses.Counters("sleep", Map.of(), Map.of()), Map.of())
                .explain();
    }

    @Test
    void aCallThroughTheOtherNetworksEastWestGatewayNamesTheGatewayAndThePodBehindIt() {
        sent("127.10.0.5:5000", "helloworld-v1-a", "v1", "cluster1");
        sent("127.11.0.2:15443", "helloworld-v2-b", "v2", "cluster2");
        sent("127.11.0.2:15443", "helloworld-v2-b", "v2", "cluster2");

        Map<String, Integer> hosts =
                UpstreamHosts.sentTo("sleep", "helloworld", Set.of("T-run-1-0", "T-run-1-1", "T-run-1-2"), log);

        assertThat(hosts)
                .containsExactly(
                        Map.entry("127.11.0.2:15443 (east-west gateway, then helloworld-v2-b@cluster2)", 2),
                        Map.entry("127.10.0.5:5000 (helloworld-v1-a@cluster1)", 1));
        assertThat(explanation())
                .contains("sent to: 127.11.0.2:15443 (east-west gateway, then helloworld-v2-b@cluster2) 2/3,"
                        + " 127.10.0.5:5000 (helloworld-v1-a@cluster1) 1/3");
    }

    @Test
    void onlyTheRequestsAskedAboutAreCountedAndAMeshOfOneClusterNamesNoCluster() {
        sent("127.0.0.7:5000", "helloworld-v1-a", "v1", "Kubernetes");
        sent("127.0.0.8:5000", "helloworld-v2-b", "v2", "Kubernetes");

        assertThat(UpstreamHosts.sentTo("sleep", "helloworld", Set.of("T-run-1-1"), log))
                .containsExactly(Map.entry("127.0.0.8:5000 (helloworld-v2-b)", 1));
    }

    @Test
    void withoutLoggedHostsThereIsNoLineAndManyAddressesAreCapped() {
        sent("", "helloworld-v1-a", "v1", "cluster1");
        assertThat(UpstreamHosts.sentTo("sleep", "helloworld", Set.of("T-run-1-0"), log))
                .isEmpty();
        assertThat(explanation()).doesNotContain("sent to");

        results.clear();
        log.clear();
        for (int i = 0; i < 8; i++) {
            sent("127.0.0." + (10 + i) + ":5000", "helloworld-v1-" + i, "v1", "cluster1");
        }
        Map<String, Integer> hosts = UpstreamHosts.sentTo(
                "sleep",
                "helloworld",
                Set.copyOf(results.stream().map(TrafficDriver.Result::requestId).toList()),
                log);
        assertThat(hosts).hasSize(UpstreamHosts.SHOWN + 1).containsEntry("2 more addresses", 2);
    }
}
