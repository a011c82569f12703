package dev.meshbox.launcher.docker;

import dev.meshbox.controlplane.registry.docker.DockerRegistry;
import dev.meshbox.launcher.docker.MeshNetwork.Container;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * A gateway pod as a container: MeshBox's proxy in the gateway role with the pod's labels, no app, and every port its
 * servers listen on published on 127.0.0.1, as the mesh's istio-ingressgateway and a user's gateway deployment
 * ({@code {gateway: {...}}}, {@code up --gateway}, {@code @MeshTest(gateways=)}) run on Docker. A Gateway applied later
 * can only use the ports published here: Docker cannot add a binding to a running container.
 */
final class GatewayContainer {

    /** Istio's ingress gateway Service's pod ports: http2 8080, https 8443, tcp 31400, tls 15443. */
    static final List<Integer> INGRESS_PORTS = List.of(8080, 8443, 31400, 15443);

    /**
     * A started gateway: its container, IP on the mesh network, and host port per published pod port.
     *
     * @param published pod port to its host port on 127.0.0.1
     */
    record Started(String container, String ip, Map<Integer, Integer> published) {

        /** Where the host reaches the gateway's {@code podPort}; fails naming the published ports when it is not one. */
        InetSocketAddress at(String gateway, int podPort) {
            Integer host = published.get(podPort);
            if (host == null) {
                throw new IllegalArgumentException("gateway " + gateway + " has no port " + podPort
                        + " published on the docker backend; its published pod ports: " + published.keySet()
                        + " (80 and 443 are 8080 and 8443 in the pod, as Istio's gateway Service maps them)");
            }
            return new InetSocketAddress("127.0.0.1", host);
        }
    }

    /**
     * What a gateway pod is.
     *
     * @param servicePorts the {@link DockerRegistry#PORTS} label of its Service (empty: no Service of its own)
     * @param fixed        pod port to a fixed host port (the ingress's 8080 on {@code up}); others get free ones
     */
    record Spec(
            String pod,
            String namespace,
            String serviceAccount,
            Map<String, String> podLabels,
            String servicePorts,
            List<Integer> podPorts,
            Map<Integer, Integer> fixed,
            List<String> aliases) {}

    private static final String EASTWEST_LABEL = "istio=eastwestgateway";

    private GatewayContainer() {}

    static Started start(MeshNetwork network, String image, String containerSuffix, Spec spec, OptionalLong seed) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(DockerRegistry.ROLE, DockerRegistry.GATEWAY);
        labels.put(DockerRegistry.POD, spec.pod());
        labels.put(DockerRegistry.NAMESPACE, spec.namespace());
        if (spec.serviceAccount() != null) {
            labels.put(DockerRegistry.SERVICE_ACCOUNT, spec.serviceAccount());
        }
        if (!spec.servicePorts().isEmpty()) {
            labels.put(DockerRegistry.PORTS, spec.servicePorts());
        }
        labels.putAll(spec.podLabels());
        String id = network.start(Container.of(
                        image, network.containerName(containerSuffix), network.labels("gateway", labels))
                .withCommand(gatewayCommand(
                        network, Commands.proxy("gateway", spec.pod(), spec.namespace(), spec.podLabels(), 0, seed)))
                .withHost(network.attached().withPortBindings(MeshNetwork.publish(spec.podPorts(), spec.fixed())))
                .exposing(spec.podPorts())
                .withAliases(spec.aliases()));
        return new Started(id, network.ip(id), network.hostPorts(id));
    }

    /**
     * A gateway's proxy listens on every address of its container, as Envoy's gateway does: an east-west gateway (and,
     * in the {@code .global} model, the ingress gateway) is attached to the other clusters' networks too, which reach
     * it at its address there; its pod IP, in its node id, stays its address on its own network (its first interface,
     * attached at creation). An east-west gateway finds its own istiod by the container's name, unique to its mesh,
     * since {@code istiod} names another control plane on the other networks.
     */
    static List<String> gatewayCommand(MeshNetwork network, List<String> command) {
        List<String> out = new java.util.ArrayList<>(command.stream()
                .map(a -> command.contains(EASTWEST_LABEL) && a.equals(Commands.XDS)
                        ? network.containerName("istiod") + ":15010"
                        : a)
                .toList());
        out.addAll(List.of("--wildcard", "all"));
        return out;
    }
}
