package dev.meshbox.controlplane.testing;

import dev.meshbox.controlplane.registry.MeshService;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.controlplane.registry.ServicePort;
import dev.meshbox.controlplane.registry.Topology;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Istio's multi-primary verify step as registries: the {@code helloworld} service (port 5000) in namespace
 * {@code sample} of every cluster, {@code sleep} clients, and per cluster an east-west gateway ({@code istio:
 * eastwestgateway}); pods carry the launcher's {@link Topology} labels. Cluster {@code n}'s pods are 10.n.0.x.
 */
public final class MultiClusterFixture {

    public static final MeshService HELLOWORLD =
            new MeshService("helloworld", "sample", List.of(ServicePort.http(5000)), Map.of("app", "helloworld"));
    public static final MeshService SLEEP =
            new MeshService("sleep", "sample", List.of(ServicePort.http(80)), Map.of("app", "sleep"));

    private MultiClusterFixture() {}

    /** A sidecar pod of {@code app} in cluster {@code clusterN}, on {@code network}. */
    public static Pod pod(String name, String app, String version, int clusterN, String network, int n) {
        Map<String, String> labels = new HashMap<>(Map.of("app", app, "version", version));
        labels.put(Topology.CLUSTER, "cluster" + clusterN);
        labels.put(Topology.NETWORK, network);
        return new Pod(
                name,
                "sample",
                "10." + clusterN + ".0." + n,
                "10." + clusterN + ".1." + n,
                labels,
                Pod.ProxyKind.SIDECAR,
                true,
                app);
    }

    /** Cluster {@code clusterN}'s east-west gateway on {@code network}: 10.n.0.100. */
    public static Pod eastWestGateway(int clusterN, String network) {
        return new Pod(
                "istio-eastwestgateway-" + clusterN, // one registry holds both in translation tests
                "istio-system",
                "10." + clusterN + ".0.100",
                "10." + clusterN + ".0.100",
                Map.of(
                        "istio",
                        "eastwestgateway",
                        "app",
                        "istio-eastwestgateway",
                        Topology.CLUSTER,
                        "cluster" + clusterN,
                        Topology.NETWORK,
                        network),
                Pod.ProxyKind.GATEWAY,
                true);
    }
}
