package dev.meshbox.controlplane.translate;

import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.controlplane.registry.Protocol;
import dev.meshbox.controlplane.registry.ServicePort;
import java.util.List;

/**
 * The client's own TLS toward a gateway's TLS port (Istio's egress gateway task, HTTPS pattern: sleep's TLS for
 * edition.cnn.com routed by a {@code tls:} rule to {@code istio-egressgateway} subset cnn port 443). The gateway's
 * PASSTHROUGH server there chooses its route by the client's SNI, so auto mTLS does not wrap that hop: only a
 * DestinationRule's {@code tls: ISTIO_MUTUAL} does, as the task's mTLS variant writes it.
 */
final class GatewayPassthrough {

    private GatewayPassthrough() {}

    /** Whether the service's pods are all gateways and the port carries TLS already (HTTPS or TLS). */
    static boolean carriesClientTls(List<Pod> pods, ServicePort port) {
        Protocol p = port.selectedProtocol();
        return (p == Protocol.HTTPS || p == Protocol.TLS)
                && !pods.isEmpty()
                && pods.stream().allMatch(pod -> pod.role() == Pod.ProxyKind.GATEWAY);
    }
}
