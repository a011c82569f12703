package dev.meshbox.launcher.kube;

import dev.meshbox.controlplane.kubernetes.IstioCrds;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.LocalPortForward;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The pods a mesh waits for and talks to, as {@code kubectl get pods}, {@code kubectl logs} and
 * {@code kubectl port-forward} see them: listed by label selector, failed fast when one cannot start, and reached from
 * this machine through the API server's port-forwarding.
 */
final class ClusterPods {

    /** Waiting reasons that waiting longer does not cure. */
    private static final Set<String> STUCK = Set.of(
            "ErrImagePull",
            "ImagePullBackOff",
            "InvalidImageName",
            "CrashLoopBackOff",
            "CreateContainerConfigError",
            "CreateContainerError");

    private final KubernetesClient client;

    ClusterPods(KubernetesClient client) {
        this.client = client;
    }

    /** The pods of {@code namespace} matching {@code selector} ({@code app=istiod}), or all of them when it is null. */
    List<Pod> list(String namespace, String selector) {
        try {
            var pods = client.pods().inNamespace(namespace);
            return (selector == null
                            ? pods.list()
                            : pods.withLabelSelector(selector).list())
                    .getItems();
        } catch (KubernetesClientException e) {
            throw new IllegalStateException(IstioCrds.describe(e, "list pods in " + namespace), e);
        }
    }

    /**
     * Fails at once when one of {@code pods} cannot start (image not pullable, crashing, config error), naming the
     * container and the reason, with its last log lines: waiting longer would not help.
     */
    void failIfStuck(String namespace, List<Pod> pods) {
        for (Pod p : pods) {
            for (ContainerStatus s : statuses(p)) {
                if (s.getState() == null || s.getState().getWaiting() == null) {
                    continue;
                }
                String reason = String.valueOf(s.getState().getWaiting().getReason());
                if (STUCK.contains(reason)) {
                    String hint = reason.contains("Image")
                            ? "; the cluster's nodes cannot pull " + s.getImage()
                                    + ": push MeshBox's image to a registry they reach and pass --image (see docs/kubernetes.md)"
                            : "";
                    throw new IllegalStateException("pod " + namespace + "/"
                            + p.getMetadata().getName() + ": container " + s.getName() + " " + reason + ": "
                            + s.getState().getWaiting().getMessage() + hint + logTail(namespace, p, s.getName()));
                }
            }
        }
    }

    private static List<ContainerStatus> statuses(Pod p) {
        List<ContainerStatus> statuses = new ArrayList<>();
        if (p.getStatus() != null) {
            if (p.getStatus().getInitContainerStatuses() != null) {
                statuses.addAll(p.getStatus().getInitContainerStatuses());
            }
            if (p.getStatus().getContainerStatuses() != null) {
                statuses.addAll(p.getStatus().getContainerStatuses());
            }
        }
        return statuses;
    }

    private String logTail(String namespace, Pod p, String container) {
        try {
            String log = client.pods()
                    .inNamespace(namespace)
                    .withName(p.getMetadata().getName())
                    .inContainer(container)
                    .tailingLines(10)
                    .getLog();
            return log == null || log.isBlank() ? "" : "\n" + log.strip();
        } catch (KubernetesClientException e) {
            return "";
        }
    }

    /** A line per pod, its name and phase, for messages. */
    static String phases(List<Pod> pods) {
        StringBuilder sb = new StringBuilder();
        for (Pod p : pods) {
            sb.append("\n  ")
                    .append(p.getMetadata().getName())
                    .append(": ")
                    .append(p.getStatus() == null ? "?" : p.getStatus().getPhase());
        }
        return sb.toString();
    }

    /** Forwards a local port on 127.0.0.1 (0: a free one) to {@code port} of the first running pod matching {@code selector}. */
    LocalPortForward forward(String namespace, String selector, int port, int localPort) {
        Pod pod = list(namespace, selector).stream()
                .filter(p ->
                        p.getStatus() != null && "Running".equals(p.getStatus().getPhase()))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException(
                        "no running pod " + selector + " in " + namespace + " to forward to"));
        return forward(namespace, pod.getMetadata().getName(), port, localPort, "port-forward to pod ");
    }

    /** Forwards a free local port on 127.0.0.1 to {@code port} of the pod named {@code pod}. */
    LocalPortForward forwardToPod(String namespace, String pod, int port) {
        return forward(namespace, pod, port, 0, "port-forward to ");
    }

    private LocalPortForward forward(String namespace, String pod, int port, int localPort, String what) {
        try {
            return client.pods()
                    .inNamespace(namespace)
                    .withName(pod)
                    .portForward(port, InetAddress.getLoopbackAddress(), localPort);
        } catch (KubernetesClientException e) {
            throw new IllegalStateException(IstioCrds.describe(e, what + pod + ":" + port), e);
        }
    }
}
