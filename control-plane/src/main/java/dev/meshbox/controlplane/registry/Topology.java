package dev.meshbox.controlplane.registry;

import java.util.Map;

/**
 * Where a pod runs in a multi-cluster mesh: its cluster, network and locality, read from its labels under Istio's own
 * label names. The launcher sets them on every pod of a cluster, gateways included; a pod without them is in the
 * control plane's own cluster and network and in the empty locality, so single-cluster meshes are unchanged.
 */
public final class Topology {

    /** The pod's cluster id ({@code cluster1}); Istio's {@code ISTIO_META_CLUSTER_ID}. */
    public static final String CLUSTER = "topology.istio.io/cluster";
    /** The pod's network ({@code network1}); Istio's {@code ISTIO_META_NETWORK}. */
    public static final String NETWORK = "topology.istio.io/network";
    /** The locality's region (a node label in Kubernetes). */
    public static final String REGION = "topology.kubernetes.io/region";
    /** The locality's zone (a node label in Kubernetes). */
    public static final String ZONE = "topology.kubernetes.io/zone";
    /** The locality's subzone (a pod label, Istio's own). */
    public static final String SUBZONE = "topology.istio.io/subzone";

    /** Istio's default cluster id, when none is configured ({@code values.global.multiCluster.clusterName}). */
    public static final String DEFAULT_CLUSTER_ID = "Kubernetes";
    /** The label and value marking a network's east-west gateway ({@code gen-eastwest-gateway.sh}). */
    public static final String EASTWEST_GATEWAY_LABEL = "istio";

    public static final String EASTWEST_GATEWAY_VALUE = "eastwestgateway";
    /** The port an east-west gateway serves other networks on (AUTO_PASSTHROUGH, by SNI). */
    public static final int EASTWEST_GATEWAY_PORT = 15443;

    private Topology() {}

    /** The pod's cluster: its {@link #CLUSTER} label, else {@code fallback} (the control plane's own). */
    public static String clusterOf(Pod pod, String fallback) {
        return nonEmpty(pod.labels(), CLUSTER, fallback);
    }

    /** The pod's network: its {@link #NETWORK} label, else {@code fallback} (the control plane's own). */
    public static String networkOf(Pod pod, String fallback) {
        return nonEmpty(pod.labels(), NETWORK, fallback);
    }

    /** Whether the pod is a network's east-west gateway: a gateway labelled {@code istio: eastwestgateway}. */
    public static boolean isEastWestGateway(Pod pod) {
        return pod.role() == Pod.ProxyKind.GATEWAY
                && EASTWEST_GATEWAY_VALUE.equals(pod.labels().get(EASTWEST_GATEWAY_LABEL));
    }

    private static String nonEmpty(Map<String, String> labels, String key, String fallback) {
        String v = labels.get(key);
        return v == null || v.isEmpty() ? fallback : v;
    }
}
