package dev.meshbox.controlplane.registry.kubernetes;

import dev.meshbox.controlplane.registry.MeshService;
import dev.meshbox.controlplane.registry.PlatformRegistry;
import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.controlplane.registry.Protocol;
import dev.meshbox.controlplane.registry.ServicePort;
import dev.meshbox.controlplane.registry.ServiceRegistry;
import dev.meshbox.controlplane.registry.Topology;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Feeds the service registry from the Kubernetes API with informers, as istiod's Kubernetes registry does: every
 * Service (name, namespace, ports, selector) and every Pod (IP, labels, readiness). A pod with an {@code istio-proxy}
 * container is a sidecar, one labelled {@code istio: ingressgateway} or {@code istio: eastwestgateway} (or {@code gateway.networking.k8s.io/gateway-name},
 * deployed for a Gateway API Gateway, or annotated {@code inject.istio.io/templates: gateway} as Istio's gateway chart
 * deploys one) a gateway, the rest have no proxy; a pod is in
 * the endpoints once its IP is known and its Ready condition is true.
 */
public final class KubernetesRegistry implements PlatformRegistry {

    private final KubernetesClient client;
    private final ServiceRegistry registry;
    private final List<SharedIndexInformer<?>> informers = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Labels a pod gets where it lacks them (a remote cluster's {@code topology.istio.io/network}). */
    private volatile Map<String, String> podDefaults;
    /** The namespace whose network label is the pods' default network, followed; null for none. */
    private String networkNamespace;

    private volatile NetworkLabelWatcher networkWatcher;
    private boolean gatewaysAtLoadBalancer;
    /** Per namespace, its east-west gateway Service's load balancer IP (guarded by this). */
    private final Map<String, String> gatewayAddresses = new java.util.HashMap<>();

    private SharedIndexInformer<io.fabric8.kubernetes.api.model.Pod> podInformer;

    public KubernetesRegistry(KubernetesClient client, ServiceRegistry registry) {
        this(client, registry, Map.of());
    }

    /**
     * @param podDefaults labels each pod gets where it has none of that name, as a remote cluster's pods are on that
     *                    cluster's network (its {@code istio-system} label) unless labelled otherwise
     */
    public KubernetesRegistry(KubernetesClient client, ServiceRegistry registry, Map<String, String> podDefaults) {
        this.client = client;
        this.registry = registry;
        this.podDefaults = Map.copyOf(podDefaults);
    }

    /**
     * The cluster's pods are on the network {@code namespace} is labelled with ({@code topology.istio.io/network} of
     * a remote cluster's {@code istio-system}), unless labelled otherwise: read at start and followed, a relabelling
     * moving every unlabelled pod, as istiod's controller for that cluster does. Set before {@link #start}.
     */
    public KubernetesRegistry followingNetworkOf(String namespace) {
        this.networkNamespace = namespace;
        return this;
    }

    /**
     * The cluster's east-west gateways are reached at their Service's load balancer address, as Istio discovers a
     * network's gateway from the Service labelled {@code topology.istio.io/network} (its
     * {@code status.loadBalancer.ingress} IP): the other networks dial that, not the gateway pod's IP, which only its
     * own network routes. For a remote cluster's registry (whose pods are never this control plane's proxies); while
     * the Service has no address yet, the pod's IP stands. Set before {@link #start}.
     */
    public KubernetesRegistry eastWestGatewaysAtLoadBalancer() {
        this.gatewaysAtLoadBalancer = true;
        return this;
    }

    /** An east-west gateway Service's load balancer IP per namespace, when {@link #eastWestGatewaysAtLoadBalancer}. */
    private synchronized void gatewayService(Service s, boolean deleted) {
        if (!gatewaysAtLoadBalancer
                || s.getMetadata().getLabels() == null
                || !Topology.EASTWEST_GATEWAY_VALUE.equals(
                        s.getMetadata().getLabels().get(Topology.EASTWEST_GATEWAY_LABEL))) {
            return;
        }
        String ip = null;
        if (!deleted && s.getStatus() != null && s.getStatus().getLoadBalancer() != null) {
            ip = s.getStatus().getLoadBalancer().getIngress() == null
                    ? null
                    : s.getStatus().getLoadBalancer().getIngress().stream()
                            .map(io.fabric8.kubernetes.api.model.LoadBalancerIngress::getIp)
                            .filter(a -> a != null && !a.isBlank())
                            .findFirst()
                            .orElse(null);
        }
        String ns = s.getMetadata().getNamespace();
        String before = ip == null ? gatewayAddresses.remove(ns) : gatewayAddresses.put(ns, ip);
        if (!java.util.Objects.equals(before, ip)) {
            remap();
        }
    }

    /** New default labels: every pod known is mapped again (its endpoints pushed on its new network). */
    private synchronized void podDefaults(Map<String, String> value) {
        if (value.equals(podDefaults)) {
            return;
        }
        podDefaults = Map.copyOf(value);
        remap();
    }

    private void remap() {
        SharedIndexInformer<io.fabric8.kubernetes.api.model.Pod> pods = podInformer;
        if (pods != null) {
            for (io.fabric8.kubernetes.api.model.Pod p : pods.getStore().list()) {
                mapped(p).ifPresent(registry::putPod);
            }
        }
    }

    private Optional<Pod> mapped(io.fabric8.kubernetes.api.model.Pod p) {
        Optional<Pod> pod = pod(p);
        if (pod.isEmpty() || (podDefaults.isEmpty() && gatewayAddresses.isEmpty())) {
            return pod;
        }
        Pod k = pod.get();
        Map<String, String> labels = new java.util.HashMap<>(podDefaults);
        labels.putAll(k.labels());
        String ip = k.ip();
        if (Topology.EASTWEST_GATEWAY_VALUE.equals(labels.get(Topology.EASTWEST_GATEWAY_LABEL))) {
            ip = gatewayAddresses.getOrDefault(k.namespace(), ip);
        }
        return Optional.of(
                new Pod(k.name(), k.namespace(), ip, k.appAddress(), labels, k.role(), k.ready(), k.serviceAccount()));
    }

    /** Lists and watches Services and Pods in every namespace; returns once the first lists are in the registry. */
    @Override
    public KubernetesRegistry start() {
        informers.add(client.services().inAnyNamespace().inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Service s) {
                registry.putService(service(s));
                gatewayService(s, false);
            }

            @Override
            public void onUpdate(Service old, Service s) {
                registry.putService(service(s));
                gatewayService(s, false);
            }

            @Override
            public void onDelete(Service s, boolean unknownFinalState) {
                registry.removeService(
                        s.getMetadata().getNamespace(), s.getMetadata().getName());
                gatewayService(s, true);
            }
        }));
        if (networkNamespace != null) {
            // Before the pods' first list, so they arrive on their network.
            networkWatcher = new NetworkLabelWatcher(
                            client,
                            networkNamespace,
                            n -> podDefaults(n.isEmpty() ? Map.of() : Map.of(Topology.NETWORK, n)))
                    .start();
        }
        podInformer = client.pods().inAnyNamespace().inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(io.fabric8.kubernetes.api.model.Pod p) {
                onUpdate(null, p);
            }

            @Override
            public void onUpdate(io.fabric8.kubernetes.api.model.Pod old, io.fabric8.kubernetes.api.model.Pod p) {
                // One at a time with a relabelling's re-mapping, so no pod keeps its old network.
                synchronized (KubernetesRegistry.this) {
                    Optional<Pod> mapped = mapped(p);
                    if (mapped.isPresent()) {
                        registry.putPod(mapped.get());
                    } else if (old != null) {
                        registry.removePod(
                                p.getMetadata().getNamespace(), p.getMetadata().getName());
                    }
                }
            }

            @Override
            public void onDelete(io.fabric8.kubernetes.api.model.Pod p, boolean unknownFinalState) {
                registry.removePod(
                        p.getMetadata().getNamespace(), p.getMetadata().getName());
            }
        });
        informers.add(podInformer);
        return this;
    }

    /** A Service as the registry keeps it; a named targetPort resolves on each pod in Kubernetes, here to the port itself. */
    static MeshService service(Service s) {
        List<ServicePort> ports = new ArrayList<>();
        if (s.getSpec().getPorts() != null) {
            for (io.fabric8.kubernetes.api.model.ServicePort p : s.getSpec().getPorts()) {
                IntOrString target = p.getTargetPort();
                int targetPort = target != null && target.getIntVal() != null ? target.getIntVal() : p.getPort();
                String protocol = Protocol.ofServicePort(p.getName(), p.getAppProtocol(), p.getProtocol())
                        .istioName();
                ports.add(
                        new ServicePort(p.getName() == null ? "http" : p.getName(), p.getPort(), targetPort, protocol));
            }
        }
        Map<String, String> selector =
                s.getSpec().getSelector() == null ? Map.of() : s.getSpec().getSelector();
        return new MeshService(s.getMetadata().getName(), s.getMetadata().getNamespace(), ports, selector);
    }

    /** A Pod as the registry keeps it, or empty while it has no IP (not scheduled or not started yet). */
    static Optional<Pod> pod(io.fabric8.kubernetes.api.model.Pod p) {
        String ip = p.getStatus() == null ? null : p.getStatus().getPodIP();
        if (ip == null || ip.isBlank()) {
            return Optional.empty();
        }
        Map<String, String> labels =
                p.getMetadata().getLabels() == null ? Map.of() : p.getMetadata().getLabels();
        boolean sidecar =
                p.getSpec().getContainers().stream().map(Container::getName).anyMatch("istio-proxy"::equals);
        // Istio's ingress gateway, a gateway Istio deployed for a Gateway API Gateway, or one of Istio's gateway chart
        // (its pods annotated for the injector's gateway template).
        Map<String, String> annotations = p.getMetadata().getAnnotations() == null
                ? Map.of()
                : p.getMetadata().getAnnotations();
        boolean gateway = "ingressgateway".equals(labels.get("istio"))
                || Topology.EASTWEST_GATEWAY_VALUE.equals(labels.get(Topology.EASTWEST_GATEWAY_LABEL))
                || labels.containsKey("gateway.networking.k8s.io/gateway-name")
                || "gateway".equals(annotations.get("inject.istio.io/templates"));
        Pod.ProxyKind role = gateway ? Pod.ProxyKind.GATEWAY : sidecar ? Pod.ProxyKind.SIDECAR : Pod.ProxyKind.NONE;
        boolean ready = p.getStatus().getConditions() != null
                && p.getStatus().getConditions().stream()
                        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
        // In a pod the app and its sidecar share the network namespace: the sidecar reaches the app on localhost.
        String app = role == Pod.ProxyKind.NONE ? ip : "127.0.0.1";
        return Optional.of(new Pod(
                p.getMetadata().getName(),
                p.getMetadata().getNamespace(),
                ip,
                app,
                labels,
                role,
                ready,
                p.getSpec() == null ? null : p.getSpec().getServiceAccountName()));
    }

    /** The first container port of a pod's app, for diagnostics. */
    static Optional<Integer> appPort(io.fabric8.kubernetes.api.model.Pod p) {
        return p.getSpec().getContainers().stream()
                .filter(c -> !"istio-proxy".equals(c.getName()))
                .flatMap(c -> c.getPorts() == null ? Stream.empty() : c.getPorts().stream())
                .map(ContainerPort::getContainerPort)
                .findFirst();
    }

    /**
     * Whether every watch is open now: after {@link #start()}'s first lists, an informer opens its watch a moment later
     * and reopens it after a dropped connection; a change made before then reaches the registry with the next list.
     */
    public boolean watching() {
        return !informers.isEmpty()
                && informers.stream().allMatch(SharedIndexInformer::isWatching)
                && (networkWatcher == null || networkWatcher.watching());
    }

    @Override
    public void close() {
        if (networkWatcher != null) {
            networkWatcher.close();
        }
        informers.forEach(SharedIndexInformer::close);
        informers.clear();
    }
}
