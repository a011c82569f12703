package dev.meshbox.controlplane.translate;

import dev.meshbox.controlplane.config.Gateway;
import dev.meshbox.controlplane.config.VirtualService;
import dev.meshbox.controlplane.registry.Pod;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import java.util.Map;

/**
 * The virtual hosts one Gateway server gives a gateway pod: each host of the VirtualServices bound to the Gateway that
 * the server's {@code hosts} expose, their routes merged per host as Istio merges them.
 */
final class GatewayVirtualHosts {

    private GatewayVirtualHosts() {}

    /** Adds the server's virtual hosts to {@code byHost} (host to virtual host), creating or extending each. */
    static void add(
            MeshView view,
            Pod proxy,
            Gateway gw,
            Gateway.Server server,
            Map<String, VirtualHost.Builder> byHost,
            XdsResources.Builder out) {
        int port = server.port();
        RouteTranslator.Context ctx = new RouteTranslator.Context(
                view, gw.meta().namespace() + "/" + gw.meta().name(), port, proxy.labels(), proxy.namespace());
        RouteTranslator.Context named =
                new RouteTranslator.Context(view, gw.meta().name(), port, proxy.labels(), proxy.namespace());
        for (VirtualService vs : view.gatewayVirtualServices(gw)) {
            for (String host : vs.hosts()) {
                if (!Translator.hostAllowed(server.hosts(), host)) {
                    continue;
                }
                // Istio merges the VirtualServices of one host on a gateway: their routes follow each other.
                VirtualHost.Builder vh = byHost.computeIfAbsent(host, h -> {
                    VirtualHost.Builder b = VirtualHost.newBuilder().setName(h + ":" + port);
                    if (h.equals("*")) {
                        b.addDomains("*");
                    } else {
                        b.addDomains(h).addDomains(h + ":" + port);
                    }
                    return b;
                });
                if (server.tls().httpsRedirect()) {
                    // Istio's gateway.go: an HTTP server with httpsRedirect makes Envoy answer 301 to https://.
                    vh.setRequireTls(VirtualHost.TlsRequirementType.ALL);
                }
                // Gateway match entries name the gateway as "name" or "namespace/name"; try both forms.
                vh.addAllRoutes(RouteTranslator.routes(matchesByShortName(vs, gw) ? named : ctx, vs, out));
            }
        }
        if (server.tls().httpsRedirect()) {
            // As Istio: a redirecting server's hosts redirect even where no VirtualService routes them.
            for (String raw : server.hosts()) {
                String h = raw.contains("/") ? raw.substring(raw.indexOf('/') + 1) : raw;
                byHost.computeIfAbsent(h, x -> {
                    VirtualHost.Builder b = VirtualHost.newBuilder()
                            .setName(x + ":" + port)
                            .setRequireTls(VirtualHost.TlsRequirementType.ALL)
                            .addDomains(x);
                    if (!x.equals("*")) {
                        b.addDomains(x + ":" + port);
                    }
                    return b;
                });
            }
        }
    }

    private static boolean matchesByShortName(VirtualService vs, Gateway gw) {
        return vs.http().stream()
                .flatMap(r -> r.match().stream())
                .flatMap(m -> m.gateways().stream())
                .anyMatch(g -> g.equals(gw.meta().name()));
    }
}
