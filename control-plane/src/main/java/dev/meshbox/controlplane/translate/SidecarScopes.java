package dev.meshbox.controlplane.translate;

import dev.meshbox.controlplane.config.ConfigStore;
import dev.meshbox.controlplane.config.OutboundTrafficPolicy;
import dev.meshbox.controlplane.config.Sidecar;
import dev.meshbox.controlplane.registry.MeshService;
import dev.meshbox.controlplane.registry.Pod;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which Sidecar resource applies to a workload, as Istio's {@code PushContext.getSidecarScope}: one whose
 * {@code workloadSelector} picks the workload in its namespace, else its namespace's selector-less Sidecar, else the
 * root namespace's ({@code istio-system}), else none (the proxy sees the whole mesh). Where several compete the oldest
 * wins (creation order, then name), and the others are named in a warning.
 */
final class SidecarScopes {

    /** Istio's default {@code meshConfig.rootNamespace}. */
    static final String ROOT_NAMESPACE = "istio-system";

    private final Map<String, List<Sidecar>> byNamespace = new HashMap<>();
    private final List<String> warnings = new ArrayList<>();

    private SidecarScopes(ConfigStore.Snapshot config) {
        Comparator<Sidecar> oldestFirst = Comparator.comparingLong(
                        (Sidecar s) -> config.created(s.meta().key()))
                .thenComparing(s -> s.meta().key());
        for (Sidecar s : config.all(Sidecar.class)) {
            byNamespace
                    .computeIfAbsent(s.meta().namespace(), k -> new ArrayList<>())
                    .add(s);
        }
        byNamespace.values().forEach(l -> l.sort(oldestFirst));
        byNamespace.forEach((ns, sidecars) -> {
            List<Sidecar> defaults =
                    sidecars.stream().filter(s -> s.selector().isEmpty()).toList();
            for (Sidecar ignored : defaults.subList(Math.min(1, defaults.size()), defaults.size())) {
                warnings.add(ignored.meta().display() + ": namespace " + ns + " already has the Sidecar without a"
                        + " workloadSelector " + defaults.get(0).meta().display() + " (the oldest wins); this one is"
                        + " ignored (IST0116 MultipleSidecarsWithoutWorkloadSelectors)");
            }
        });
    }

    static SidecarScopes of(ConfigStore.Snapshot config) {
        return new SidecarScopes(config);
    }

    /**
     * As above, also warning where several Sidecars with a workloadSelector pick one workload (Istio's IST0110
     * ConflictingSidecarWorkloadSelectors): the oldest applies.
     */
    static SidecarScopes of(ConfigStore.Snapshot config, java.util.Collection<Pod> pods) {
        SidecarScopes scopes = new SidecarScopes(config);
        java.util.Set<String> seen = new java.util.TreeSet<>();
        for (Pod pod : pods) {
            if (pod.role() != Pod.ProxyKind.SIDECAR) {
                continue;
            }
            List<Sidecar> picking = scopes.byNamespace.getOrDefault(pod.namespace(), List.of()).stream()
                    .filter(s -> !s.selector().isEmpty() && selects(s, pod))
                    .toList();
            if (picking.size() > 1) {
                seen.add(picking.stream().map(s -> s.meta().display()).toList() + " all select workload "
                        + pod.namespace() + "/" + pod.name() + "; "
                        + picking.get(0).meta().display()
                        + " (the oldest) applies (IST0110 ConflictingSidecarWorkloadSelectors)");
            }
        }
        scopes.warnings.addAll(seen);
        return scopes;
    }

    /** Problems with the applied Sidecars as a whole (competing namespace defaults). */
    List<String> warnings() {
        return List.copyOf(warnings);
    }

    /** The scope of a sidecar proxy (gateways are not scoped by Sidecars). */
    Scope of(Pod proxy) {
        if (proxy.role() == Pod.ProxyKind.GATEWAY) {
            return new Scope(Optional.empty(), proxy.namespace());
        }
        List<Sidecar> own = byNamespace.getOrDefault(proxy.namespace(), List.of());
        Optional<Sidecar> chosen = own.stream()
                .filter(s -> !s.selector().isEmpty() && selects(s, proxy))
                .findFirst()
                .or(() -> own.stream().filter(s -> s.selector().isEmpty()).findFirst())
                .or(() -> byNamespace.getOrDefault(ROOT_NAMESPACE, List.of()).stream()
                        .filter(s -> s.selector().isEmpty())
                        .findFirst());
        return new Scope(chosen, proxy.namespace());
    }

    private static boolean selects(Sidecar s, Pod proxy) {
        return s.selector().entrySet().stream()
                .allMatch(e -> e.getValue().equals(proxy.labels().get(e.getKey())));
    }

    /**
     * What one Sidecar lets a proxy in {@code namespace} see.
     *
     * @param sidecar the Sidecar that applies; empty when none does (everything is visible)
     */
    record Scope(Optional<Sidecar> sidecar, String namespace) {

        /** Identifies the scope in a proxy group key: the Sidecar's key and the namespace {@code ./} stands for. */
        List<Object> key() {
            return sidecar.<List<Object>>map(s -> List.of(s.meta().key(), namespace))
                    .orElse(List.of());
        }

        /** The mode the proxy follows for unknown hosts: the Sidecar's, else the mesh config's. */
        OutboundTrafficPolicy policy(OutboundTrafficPolicy mesh) {
            return sidecar.flatMap(Sidecar::outboundTrafficPolicy).orElse(mesh);
        }

        /** The Sidecar's ingress listeners; empty when it has none (the pod's service ports are taken). */
        List<Sidecar.Ingress> ingress() {
            return sidecar.map(Sidecar::ingress).orElse(List.of());
        }

        /**
         * Whether the proxy is told about {@code service} on {@code port}: the egress listener for that port, else the
         * one without a port, lists a host the service matches and excludes none it matches.
         */
        boolean visible(MeshService service, int port) {
            return visible(service.fqdn(), service.namespace(), port);
        }

        /**
         * As above for a host of {@code hostNamespace} (a service's, or a VirtualService's for a host outside the
         * registry, as Istio's SidecarScope filters those by the VirtualService's namespace).
         */
        boolean visible(String host, String hostNamespace, int port) {
            if (sidecar.isEmpty() || sidecar.get().egress().isEmpty()) {
                return true;
            }
            List<Sidecar.Egress> egress = sidecar.get().egress();
            Optional<Sidecar.Egress> listener = egress.stream()
                    .filter(e -> e.port() == port)
                    .findFirst()
                    .or(() -> egress.stream().filter(e -> e.port() == 0).findFirst());
            if (listener.isEmpty()) {
                return false;
            }
            boolean included = false;
            for (String entry : listener.get().hosts()) {
                boolean exclude = entry.startsWith("~");
                String wanted = exclude ? entry.substring(1) : entry;
                if (exclude && wanted.startsWith("/")) {
                    wanted = "*" + wanted;
                }
                if (matches(wanted, hostNamespace, host)) {
                    if (exclude) {
                        return false;
                    }
                    included = true;
                }
            }
            return included;
        }

        /** Whether {@code ns/dnsName} names the host: {@code *}, {@code .} or its namespace, and the name. */
        private boolean matches(String entry, String hostNamespace, String host) {
            int slash = entry.indexOf('/');
            if (slash < 0) {
                return false;
            }
            String ns = entry.substring(0, slash);
            String name = entry.substring(slash + 1);
            String wanted = ns.equals(".") ? namespace : ns;
            if (!wanted.equals("*") && !wanted.equals(hostNamespace)) {
                return false;
            }
            if (name.equals("*")) {
                return true;
            }
            if (name.startsWith("*.")) {
                return host.endsWith(name.substring(1));
            }
            return host.equals(name);
        }
    }
}
