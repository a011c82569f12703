package dev.meshbox.controlplane.translate;

import dev.meshbox.controlplane.config.VirtualService;
import dev.meshbox.controlplane.registry.MeshService;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Sidecar routing of VirtualService hosts that are not services in the registry ({@code www.example.com}), as Istio's
 * {@code separateVSHostsAndServices} and {@code buildSidecarVirtualHostsForVirtualService} do it: such a host gets a
 * virtual host of its own ({@code www.example.com:80}, domains the host and host:80) in the outbound route
 * configuration of port 80, {@code "80"}, and nowhere else; requests for it on another port pass through. The
 * sidecars get a port 80 listener and route configuration for these hosts even when no service listens on 80.
 */
final class VirtualServiceHosts {

    /** The one port Istio routes hosts outside the registry on. */
    static final int PORT = 80;

    private VirtualServiceHosts() {}

    /** Whether some VirtualService bound to the mesh names a host outside the registry (so port 80 is needed). */
    static boolean needed(MeshView view) {
        return !byHost(view).isEmpty();
    }

    /**
     * Adds a virtual host per outside host to the port 80 route configuration. The first VirtualService naming a host
     * (by namespace and name) routes it; the others are ignored for it, with Istio's IST0109 warning.
     */
    static void addTo(RouteTranslator.Context ctx, RouteConfiguration.Builder rc, XdsResources.Builder out) {
        addTo(ctx, rc, out, (host, vs) -> true);
    }

    /**
     * As above, for the hosts {@code visible} lets the proxy see (a Sidecar's egress hosts, matched against the
     * VirtualService's namespace).
     */
    static void addTo(
            RouteTranslator.Context ctx,
            RouteConfiguration.Builder rc,
            XdsResources.Builder out,
            java.util.function.BiPredicate<String, VirtualService> visible) {
        Set<String> taken = new HashSet<>();
        rc.getVirtualHostsList().forEach(v -> v.getDomainsList().forEach(d -> taken.add(d.toLowerCase(Locale.ROOT))));
        byHost(ctx.view()).forEach((host, all) -> {
            List<VirtualService> vss =
                    all.stream().filter(v -> visible.test(host, v)).toList();
            if (vss.isEmpty()) {
                return;
            }
            VirtualService vs = vss.get(0);
            if (vss.size() > 1) {
                out.warn("The VirtualServices "
                        + vss.stream()
                                .map(v -> v.meta().namespace() + "/" + v.meta().name())
                                .collect(Collectors.joining(","))
                        + " associated with mesh gateway define the same host " + host + " which can lead to"
                        + " undefined behavior. This can be fixed by merging the conflicting VirtualServices into a"
                        + " single resource. (IST0109; MeshBox routes it by "
                        + vs.meta().display() + ")");
            }
            List<String> domains = List.of(host, host + ":" + PORT);
            if (domains.stream().anyMatch(taken::contains)) {
                out.warn(vs.meta().display() + ": host " + host + " is already a domain of route configuration \""
                        + PORT + "\"; this VirtualService is ignored for it");
                return;
            }
            List<Route> routes = RouteTranslator.routes(ctx, vs, out);
            if (routes.isEmpty()) {
                return; // as Istio: a VirtualService giving no route on this port adds no virtual host
            }
            taken.addAll(domains);
            rc.addVirtualHosts(VirtualHost.newBuilder()
                    .setName(host + ":" + PORT)
                    .addAllDomains(domains)
                    .addAllRoutes(routes));
        });
    }

    /** The outside hosts of VirtualServices bound to the mesh, each with the VirtualServices naming it, in key order. */
    private static Map<String, List<VirtualService>> byHost(MeshView view) {
        List<MeshService> services = view.registry().servicesSorted();
        Map<String, List<VirtualService>> out = new LinkedHashMap<>();
        List<VirtualService> vss = new ArrayList<>(view.virtualServices().virtualServices());
        vss.sort(java.util.Comparator.comparing(vs -> vs.meta().key()));
        for (VirtualService vs : vss) {
            if (!vs.effectiveGateways().contains(VirtualService.MESH)) {
                continue;
            }
            Set<String> seen = new HashSet<>();
            for (String raw : vs.hosts()) {
                String host = fqdn(raw, vs.meta().namespace());
                if (view.registry().resolve(raw, vs.meta().namespace()).isPresent()
                        || matchesService(host, services)
                        || !seen.add(host)) {
                    continue;
                }
                out.computeIfAbsent(host, h -> new ArrayList<>()).add(vs);
            }
        }
        return out;
    }

    /** A wildcard host covering a service ({@code *.default.svc.cluster.local}) is about services, not outside. */
    private static boolean matchesService(String host, List<MeshService> services) {
        if (!host.startsWith("*")) {
            return false;
        }
        String suffix = host.substring(1);
        return services.stream().anyMatch(s -> s.fqdn().endsWith(suffix));
    }

    /** Istio's {@code ResolveShortnameToFQDN}: a name without a dot is a service name of the namespace. */
    static String fqdn(String host, String namespace) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.equals("*") || h.contains(".") || h.contains(":")) {
            return h;
        }
        return h + "." + namespace + ".svc.cluster.local";
    }
}
