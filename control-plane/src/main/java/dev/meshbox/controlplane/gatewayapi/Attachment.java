package dev.meshbox.controlplane.gatewayapi;

import dev.meshbox.controlplane.config.KubeGateway;
import dev.meshbox.controlplane.config.KubeHttpRoute;
import dev.meshbox.controlplane.config.KubeHttpRoute.ParentRef;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which listeners of a Gateway accept a route, and for which hostnames, with Istio's checks in Istio's order
 * ({@code referenceAllowed}): section name and port, then hostnames and namespaces, then route kinds. When none
 * accepts, the first refusal gives the Accepted=False reason.
 *
 * @param accepted each accepting listener and the hosts the route gets on it
 */
record Attachment(Map<GatewayApiConverter.Listener, List<String>> accepted, String reason, String message) {

    static Attachment resolve(KubeHttpRoute route, ParentRef ref, List<GatewayApiConverter.Listener> listeners) {
        Map<GatewayApiConverter.Listener, List<String>> accepted = new LinkedHashMap<>();
        String reason = "NoMatchingParent";
        String message = "no listener of the parent accepts the route";
        boolean sectionFound = false;
        for (GatewayApiConverter.Listener l : listeners) {
            KubeGateway.Listener listener = l.listener();
            if (ref.sectionName().isPresent() && !ref.sectionName().get().equals(listener.name())
                    || ref.port().isPresent() && ref.port().get() != listener.port()) {
                continue;
            }
            sectionFound = true;
            Optional<String> refusal = Optional.empty();
            List<String> hosts = hosts(route.hostnames(), listener.hostname());
            boolean namespaceOk = switch (listener.from()) {
                case ALL -> true;
                case SAME -> route.meta().namespace().equals(l.gateway().meta().namespace());
                case SELECTOR -> false; // MeshBox keeps no namespace labels to select by
            };
            if (hosts.isEmpty()) {
                refusal = Optional.of("NoMatchingListenerHostname");
                message = "no hostnames matched parent hostname \""
                        + listener.hostname().orElse("") + "\"";
            } else if (!namespaceOk) {
                refusal = Optional.of("NotAllowedByListeners");
                message = "hostnames matched parent hostname \""
                        + listener.hostname().orElse("") + "\", but namespace \""
                        + route.meta().namespace() + "\" is not allowed by the parent";
            } else if (!kindAllowed(listener)) {
                refusal = Optional.of("NotAllowedByListeners");
                message = "kind gateway.networking.k8s.io/v1/HTTPRoute is not allowed";
            }
            if (refusal.isPresent()) {
                if (accepted.isEmpty()) {
                    reason = refusal.get();
                }
                continue;
            }
            accepted.put(l, hosts);
        }
        if (!sectionFound) {
            message = ref.sectionName().isPresent()
                    ? "sectionName \"" + ref.sectionName().get() + "\" not found"
                    : "port " + ref.port().map(String::valueOf).orElse("") + " not found";
        }
        return new Attachment(accepted, reason, message);
    }

    private static boolean kindAllowed(KubeGateway.Listener listener) {
        if (!listener.allowedKinds().isEmpty()) {
            return listener.allowedKinds().contains("HTTPRoute");
        }
        return listener.protocol().equals("HTTP") || listener.protocol().equals("HTTPS");
    }

    /**
     * The route's hostnames that the listener's hostname admits, each narrowed to the more specific of the two (a
     * route for {@code *} on a listener for {@code bookinfo.com} serves bookinfo.com only); {@code *} for a route
     * without hostnames on a listener without one.
     */
    static List<String> hosts(List<String> routeHosts, Optional<String> listenerHost) {
        List<String> route = routeHosts.isEmpty() ? List.of("*") : routeHosts;
        if (listenerHost.isEmpty()) {
            return route;
        }
        String lh = listenerHost.get();
        List<String> out = new ArrayList<>();
        for (String h : route) {
            if (h.equals("*") || h.equals(lh) || wildcardCovers(h, lh)) {
                out.add(lh);
            } else if (wildcardCovers(lh, h)) {
                out.add(h);
            }
        }
        return out.stream().distinct().toList();
    }

    /** Whether {@code wildcard} ({@code *.example.com}) covers {@code host} ({@code www.example.com}). */
    private static boolean wildcardCovers(String wildcard, String host) {
        return wildcard.startsWith("*.") && host.endsWith(wildcard.substring(1)) && !host.equals(wildcard);
    }
}
