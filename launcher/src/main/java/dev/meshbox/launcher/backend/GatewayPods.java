package dev.meshbox.launcher.backend;

import dev.meshbox.controlplane.registry.MeshService;
import dev.meshbox.controlplane.registry.ServicePort;
import dev.meshbox.controlplane.translate.Names;
import dev.meshbox.scenarios.GatewayWorkload;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A user's gateway deployment as pods and a Service: one pod whose proxy runs in the gateway role, with the user's
 * labels plus {@code service.istio.io/canonical-name} (so traffic {@code from} it enters at its first port, as for the
 * deployments of Gateway API Gateways), and a Service of the gateway's name selecting it, mapping 80 to 8080 and 443
 * to 8443 as Istio's ingress gateway chart does.
 */
final class GatewayPods {

    private GatewayPods() {}

    static void add(GatewayWorkload gw, Map<String, MeshService> services, List<PodSpec> pods) {
        services.putIfAbsent(gw.namespace() + "/" + gw.name(), service(gw));
        pods.add(new PodSpec(
                MeshSpec.podName(gw.name(), gw.namespace(), 0),
                gw.namespace(),
                labels(gw),
                Names.gatewayListenerPort(gw.ports().get(0)),
                null,
                new PodSpec.GatewayProxy(),
                gw.serviceAccount(),
                true));
    }

    /** The pod labels: the user's, plus the canonical name Istio's injector derives from the deployment. */
    static Map<String, String> labels(GatewayWorkload gw) {
        Map<String, String> labels = new LinkedHashMap<>(gw.labels());
        labels.putIfAbsent("service.istio.io/canonical-name", gw.name());
        // As Istio's gateway injection template: auto mTLS then reaches it from sidecars (the egress gateway task).
        labels.putIfAbsent("security.istio.io/tlsMode", "istio");
        return labels;
    }

    /** The gateway's Service: its selector is the user's labels, its ports named as Istio's gateway chart names them. */
    static MeshService service(GatewayWorkload gw) {
        List<ServicePort> ports = gw.ports().stream()
                .map(p -> ServicePort.of(portName(p), p, Names.gatewayListenerPort(p), null))
                .toList();
        return new MeshService(gw.name(), gw.namespace(), ports, gw.labels());
    }

    private static String portName(int port) {
        return switch (port) {
            case 80 -> "http2";
            case 443 -> "https";
            default -> "http-" + port;
        };
    }
}
