package dev.meshbox.controlplane.translate;

import dev.meshbox.controlplane.config.Sidecar;
import dev.meshbox.controlplane.registry.MeshService;
import dev.meshbox.controlplane.registry.Protocol;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * What a Sidecar resource changes in a sidecar's resources, as Istio's {@code SidecarScope}: outbound, only the
 * services its egress hosts name get clusters, endpoints, route configurations and virtual listeners (a hidden service
 * is then an unknown host: {@code allow_any} or {@code block_all}); inbound, its ingress listeners replace the
 * service ports, each forwarding to its {@code defaultEndpoint}'s port.
 */
final class SidecarTranslation {

    private SidecarTranslation() {}

    /** The ports with a service the scope sees, each with those services; the map itself when no Sidecar applies. */
    static Map<Integer, List<MeshService>> visiblePorts(
            Map<Integer, List<MeshService>> byPort, SidecarScopes.Scope scope) {
        if (scope.sidecar().isEmpty()) {
            return byPort;
        }
        Map<Integer, List<MeshService>> out = new TreeMap<>();
        byPort.forEach((port, services) -> {
            List<MeshService> seen =
                    services.stream().filter(s -> scope.visible(s, port)).toList();
            // A port without services is VirtualServiceHosts' port 80 for hosts outside the registry: kept.
            if (!seen.isEmpty() || services.isEmpty()) {
                out.put(port, seen);
            }
        });
        return Collections.unmodifiableMap(out);
    }

    /**
     * The resources (clusters, load assignments) named {@code outbound|PORT|SUBSET|HOST} of services the scope sees,
     * with every other resource (inbound, passthrough, black hole); the list itself when no Sidecar applies.
     */
    static <T> List<T> visible(
            List<T> resources,
            Function<T, String> name,
            Map<Integer, List<MeshService>> byPort,
            SidecarScopes.Scope scope) {
        if (scope.sidecar().isEmpty()) {
            return resources;
        }
        List<T> out = new ArrayList<>(resources.size());
        for (T r : resources) {
            String[] parts = name.apply(r).split("\\|", 4);
            if (parts.length != 4 || !parts[0].equals("outbound")) {
                out.add(r);
                continue;
            }
            int port = Integer.parseInt(parts[1]);
            boolean seen = byPort.getOrDefault(port, List.of()).stream()
                    .anyMatch(s -> s.fqdn().equals(parts[3]) && scope.visible(s, port));
            if (seen) {
                out.add(r);
            }
        }
        return List.copyOf(out);
    }

    /** The pod ports a Sidecar's ingress listeners accept, each with the protocol it names (HTTP when unknown). */
    static Map<Integer, Protocol> inboundPorts(List<Sidecar.Ingress> ingress) {
        TreeMap<Integer, Protocol> ports = new TreeMap<>();
        for (Sidecar.Ingress in : ingress) {
            Protocol protocol = Protocol.parse(in.protocol());
            ports.putIfAbsent(in.port(), protocol == Protocol.UNSUPPORTED ? Protocol.HTTP : protocol);
        }
        return Collections.unmodifiableMap(ports);
    }

    /** Per ingress listener port, the app port its defaultEndpoint names. */
    static Map<Integer, Integer> inboundTargets(List<Sidecar.Ingress> ingress) {
        TreeMap<Integer, Integer> targets = new TreeMap<>();
        ingress.forEach(in -> targets.putIfAbsent(in.port(), in.targetPort()));
        return targets;
    }
}
