package dev.meshbox.launcher.backend;

import dev.meshbox.controlplane.config.KubeGateway;
import dev.meshbox.controlplane.gatewayapi.GatewayApiConverter;
import dev.meshbox.controlplane.registry.MeshService;
import dev.meshbox.controlplane.registry.ServicePort;
import dev.meshbox.controlplane.translate.Names;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What Istio's automated deployment makes of the applied Gateway API Gateways, for the backends that run the
 * deployments themselves (local proxies, Docker containers): which Gateways want a {@code <name>-istio} pod and
 * Service, what changed since the last look, and the pod's labels and Service as Istio's deployment template gives
 * them. The pod listens on unprivileged ports (80 on 8080, 443 on 8443), as the project's ingress gateway does, and
 * the Service maps the listener port to them.
 */
public final class GatewayDeployments {

    /**
     * From what is deployed to what the config wants, by {@link #key}.
     *
     * @param removed keys of deployed Gateways the config no longer has
     * @param added   Gateways to deploy
     * @param changed deployed Gateways whose Service (listener ports) changed; their pod stays
     */
    public record Diff(List<String> removed, List<KubeGateway> added, List<KubeGateway> changed) {
        public boolean isEmpty() {
            return removed.isEmpty() && added.isEmpty() && changed.isEmpty();
        }
    }

    private GatewayDeployments() {}

    /** {@code namespace/name} of the Gateway. */
    public static String key(KubeGateway gw) {
        return gw.meta().namespace() + "/" + gw.meta().name();
    }

    /** The Gateways Istio deploys for (class {@code istio}), by {@link #key}, in the order given. */
    public static Map<String, KubeGateway> wanted(Collection<KubeGateway> applied) {
        Map<String, KubeGateway> wanted = new LinkedHashMap<>();
        for (KubeGateway gw : applied) {
            if (gw.gatewayClassName().equals(KubeGateway.ISTIO_CLASS)) {
                wanted.put(key(gw), gw);
            }
        }
        return wanted;
    }

    /** What to remove, deploy and update so that {@code deployed} matches the {@code applied} Gateways. */
    public static Diff diff(Map<String, KubeGateway> deployed, Collection<KubeGateway> applied) {
        Map<String, KubeGateway> wanted = wanted(applied);
        List<String> removed = new ArrayList<>();
        for (String key : deployed.keySet()) {
            if (!wanted.containsKey(key)) {
                removed.add(key);
            }
        }
        List<KubeGateway> added = new ArrayList<>();
        List<KubeGateway> changed = new ArrayList<>();
        for (Map.Entry<String, KubeGateway> e : wanted.entrySet()) {
            KubeGateway old = deployed.get(e.getKey());
            if (old == null) {
                added.add(e.getValue());
            } else if (!service(old).equals(service(e.getValue()))) {
                changed.add(e.getValue());
            }
        }
        return new Diff(List.copyOf(removed), List.copyOf(added), List.copyOf(changed));
    }

    /** The name of the Gateway's one pod. */
    public static String podName(KubeGateway gw) {
        return MeshSpec.podName(gw.deploymentName(), 0);
    }

    /** The labels Istio's deployment template gives a Gateway's pods. */
    public static Map<String, String> labels(KubeGateway gw) {
        return Map.of(
                GatewayApiConverter.GATEWAY_NAME_LABEL,
                gw.meta().name(),
                "istio.io/gateway-name",
                gw.meta().name(),
                "service.istio.io/canonical-name",
                gw.deploymentName());
    }

    /** {@code <name>-istio}: one port per listener port, to the pod's unprivileged port. */
    public static MeshService service(KubeGateway gw) {
        Map<Integer, ServicePort> ports = new LinkedHashMap<>();
        for (KubeGateway.Listener l : gw.listeners()) {
            ports.putIfAbsent(
                    l.port(), new ServicePort(l.name(), l.port(), Names.gatewayListenerPort(l.port()), "HTTP"));
        }
        return new MeshService(
                gw.deploymentName(),
                gw.meta().namespace(),
                List.copyOf(ports.values()),
                Map.of(GatewayApiConverter.GATEWAY_NAME_LABEL, gw.meta().name()));
    }
}
