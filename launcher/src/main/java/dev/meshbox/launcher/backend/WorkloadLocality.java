package dev.meshbox.launcher.backend;

import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.controlplane.registry.Topology;
import dev.meshbox.scenarios.Scenario;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Places a built-in workload's pods in localities: {@code locality: region1/zone1[/subzone]} labels every pod with
 * {@code topology.kubernetes.io/region}, {@code topology.kubernetes.io/zone} and {@code topology.istio.io/subzone}
 * (Kubernetes puts the first two on nodes and Istio reads them from the pod's node; here the pod carries them), and
 * helloworld's {@code localities} make one Deployment per locality with version {@code region.zone}, as Istio's {@code
 * gen-helloworld.sh --version region1.zone1} does in its locality load balancing task.
 */
final class WorkloadLocality {

    /** A pod name as {@link MeshSpec#podName} makes them: the Deployment, the ReplicaSet hash, the pod suffix. */
    private static final Pattern POD_SUFFIX = Pattern.compile("-[0-9a-f]{9}-[b-u0-9a-z]{5}$");

    private WorkloadLocality() {}

    /** Helloworld's versions: one per locality ({@code region1/zone1} is version {@code region1.zone1}), else given. */
    static List<String> versions(Scenario.Builtin w, List<String> otherwise) {
        return w.localities().isEmpty()
                ? otherwise
                : w.localities().stream().map(l -> l.replace('/', '.')).toList();
    }

    /** Labels the pods from index {@code first} on with the workload's locality (or each version's). */
    static void label(Scenario.Builtin w, List<PodSpec> pods, int first) {
        if (w.locality().isEmpty() && w.localities().isEmpty()) {
            return;
        }
        for (int i = first; i < pods.size(); i++) {
            PodSpec p = pods.get(i);
            String locality = w.locality()
                    .orElseGet(() -> p.labels().getOrDefault("version", "").replace('.', '/'));
            pods.set(i, withLabels(p, labels(locality)));
        }
    }

    /** The topology labels of {@code region/zone/subzone}. */
    static Map<String, String> labels(String locality) {
        String[] parts = locality.split("/", 3);
        Map<String, String> out = new HashMap<>();
        out.put(Topology.REGION, parts[0]);
        if (parts.length > 1) {
            out.put(Topology.ZONE, parts[1]);
        }
        if (parts.length > 2) {
            out.put(Topology.SUBZONE, parts[2]);
        }
        return out;
    }

    private static PodSpec withLabels(PodSpec p, Map<String, String> extra) {
        Map<String, String> labels = new HashMap<>(p.labels());
        labels.putAll(extra);
        return new PodSpec(
                p.name(),
                p.namespace(),
                Map.copyOf(labels),
                p.containerPort(),
                p.appFactory(),
                p.container(),
                p.serviceAccount(),
                p.sidecar());
    }

    /** The pod, not ready: what Kubernetes makes of it once its readiness probe fails. */
    static Pod notReady(Pod p) {
        return new Pod(
                p.name(), p.namespace(), p.ip(), p.appAddress(), p.labels(), p.role(), false, p.serviceAccount());
    }

    /**
     * The pod of Deployment {@code workload} ({@code helloworld-region1.zone1}, or {@code helloworld-region1.zone1.sample}
     * with its namespace), as {@code kubectl exec deploy/NAME -n NAMESPACE} finds it; empty when none is.
     */
    static Optional<Pod> podOf(Collection<Pod> pods, String workload) {
        return pods.stream()
                .filter(p -> {
                    String deployment = POD_SUFFIX.matcher(p.name()).replaceFirst("");
                    return deployment.equals(workload) || (deployment + "." + p.namespace()).equals(workload);
                })
                .min(java.util.Comparator.comparing(Pod::name));
    }
}
