package dev.meshbox.controlplane.registry.kubernetes;

import dev.meshbox.controlplane.registry.Topology;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The control plane's network as istiod follows it: the {@code topology.istio.io/network} label of its namespace
 * ({@code kubectl label namespace istio-system topology.istio.io/network=network1}), watched, so relabelling the
 * namespace moves the cluster's endpoints to the new network without a restart. {@code onNetwork} gets the label's
 * value (empty when there is none) at start and after each change of it.
 */
public final class NetworkLabelWatcher implements AutoCloseable {

    private final KubernetesClient client;
    private final String namespace;
    private final Consumer<String> onNetwork;
    private String last;
    private volatile SharedIndexInformer<Namespace> informer;

    public NetworkLabelWatcher(KubernetesClient client, String namespace, Consumer<String> onNetwork) {
        this.client = client;
        this.namespace = namespace;
        this.onNetwork = onNetwork;
    }

    /** Reads the label, hands it on, and watches it. */
    public NetworkLabelWatcher start() {
        Namespace ns;
        try {
            ns = client.namespaces().withName(namespace).get();
        } catch (RuntimeException e) {
            ns = null; // not readable yet: none until the watch sees it
        }
        seen(ns);
        informer = client.namespaces().inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Namespace n) {
                seen(n);
            }

            @Override
            public void onUpdate(Namespace old, Namespace n) {
                seen(n);
            }

            @Override
            public void onDelete(Namespace n, boolean unknownFinalState) {
                // the control plane's own namespace going away takes the control plane with it
            }
        });
        return this;
    }

    private synchronized void seen(Namespace n) {
        if (n == null || !namespace.equals(n.getMetadata().getName())) {
            if (n == null && last == null) {
                last = "";
                onNetwork.accept(last);
            }
            return;
        }
        var labels = n.getMetadata().getLabels();
        String network = labels == null ? "" : labels.getOrDefault(Topology.NETWORK, "");
        if (!Objects.equals(network, last)) {
            last = network;
            onNetwork.accept(network);
        }
    }

    /** Whether the watch on the namespaces is open now. */
    public boolean watching() {
        SharedIndexInformer<Namespace> i = informer;
        return i != null && i.isWatching();
    }

    @Override
    public void close() {
        if (informer != null) {
            informer.close();
        }
    }
}
