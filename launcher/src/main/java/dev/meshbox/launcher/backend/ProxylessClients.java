package dev.meshbox.launcher.backend;

import dev.meshbox.controlplane.registry.Pod;
import dev.meshbox.scenarios.MeshAccess;
import java.net.InetSocketAddress;
import java.util.Optional;

/** Which pods of a mesh are proxyless gRPC clients ({@code {sleep: {grpc: {proxyless: true}}}}). */
final class ProxylessClients {

    private ProxylessClients() {}

    /** The client {@code pod} is, when its spec makes it a proxyless gRPC client. */
    static Optional<MeshAccess.ProxylessClient> of(Pod pod, MeshSpec spec, InetSocketAddress xds) {
        return spec.pods().stream()
                .filter(ps -> ps.name().equals(pod.name()) && ps.namespace().equals(pod.namespace()))
                .filter(ps -> ps.container() instanceof PodSpec.NoApp app && app.proxylessGrpc())
                .findFirst()
                .map(ps -> new MeshAccess.ProxylessClient(xds, pod.name(), pod.namespace(), pod.ip()));
    }
}
