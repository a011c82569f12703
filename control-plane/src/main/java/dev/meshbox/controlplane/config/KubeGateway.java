package dev.meshbox.controlplane.config;

import java.util.List;
import java.util.Optional;

/**
 * gateway.networking.k8s.io Gateway, validated: the listeners a gateway deployment serves. Istio (gatewayClassName
 * {@code istio}) deploys {@code <name>-istio} for it and translates it into its own Gateway.
 */
public record KubeGateway(ResourceMeta meta, String yaml, String gatewayClassName, List<Listener> listeners)
        implements IstioResource {

    /** The class Istio's controller owns; a Gateway of another class is left to another controller. */
    public static final String ISTIO_CLASS = "istio";

    /** {@code allowedRoutes.namespaces.from}: which namespaces' routes a listener accepts. */
    public enum RoutesFrom {
        SAME,
        ALL,
        SELECTOR
    }

    public record Listener(
            String name,
            Optional<String> hostname,
            int port,
            String protocol,
            RoutesFrom from,
            List<String> allowedKinds) {}

    /** The Deployment and Service Istio's automated deployment creates: {@code <name>-istio}. */
    public String deploymentName() {
        return meta.name() + "-istio";
    }
}
