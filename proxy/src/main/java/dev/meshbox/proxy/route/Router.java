package dev.meshbox.proxy.route;

import java.util.random.RandomGenerator;

/** Route matching as a pure function of (route table, request, random source) to a decision. */
public final class Router {

    private Router() {}

    public static RouteDecision route(RouteTable table, RequestView request, RandomGenerator random) {
        if (table == null) {
            return RouteDecision.NO_ROUTE;
        }
        VirtualHost vh = table.virtualHostFor(request.authority());
        if (vh == null) {
            return RouteDecision.NO_ROUTE;
        }
        for (Route route : vh.routes()) {
            if (route.match().matches(request)) {
                return decide(vh, route, request, random);
            }
        }
        return RouteDecision.NO_ROUTE;
    }

    private static RouteDecision decide(VirtualHost vh, Route route, RequestView request, RandomGenerator random) {
        RouteAction action = route.action();
        if (action instanceof RouteAction.Forward forward) {
            String cluster = forward.cluster() != null
                    ? forward.cluster()
                    : forward.weighted().pick(random);
            return new RouteDecision.Forward(vh, route, forward, cluster);
        }
        if (action instanceof RouteAction.DirectResponse direct) {
            return new RouteDecision.DirectResponse(vh, route, direct.status(), direct.body());
        }
        RouteAction.Redirect redirect = (RouteAction.Redirect) action;
        return new RouteDecision.Redirect(vh, route, redirect.status(), location(redirect, route, request));
    }

    /** Builds the Location header of a redirect from the request and the redirect's rewrites. */
    static String location(RouteAction.Redirect r, Route route, RequestView request) {
        String scheme = r.scheme() != null ? r.scheme() : "http";
        String authority = request.authority();
        String host = RouteTable.stripPort(authority);
        String port = authority.length() > host.length() ? authority.substring(host.length() + 1) : "";
        if (r.host() != null && !r.host().isEmpty()) {
            // As Envoy's newUri: a host_redirect replaces the whole authority; only port_redirect adds a port back.
            host = r.host();
            port = "";
        }
        if (r.port() > 0) {
            port = Integer.toString(r.port());
        }
        if (("http".equals(scheme) && "80".equals(port)) || ("https".equals(scheme) && "443".equals(port))) {
            port = "";
        }
        String path = request.pathWithoutQuery();
        String query = request.path().length() > path.length() ? request.path().substring(path.length()) : "";
        if (r.path() != null && !r.path().isEmpty()) {
            int q = r.path().indexOf('?');
            path = q < 0 ? r.path() : r.path().substring(0, q);
            if (q >= 0) {
                query = r.path().substring(q);
            }
        } else if (r.prefixRewrite() != null
                && PathMatcher.rewritablePrefix(route.match().path()) != null) {
            String prefix = PathMatcher.rewritablePrefix(route.match().path());
            path = r.prefixRewrite() + path.substring(Math.min(prefix.length(), path.length()));
        }
        if (r.stripQuery()) {
            query = "";
        }
        return scheme + "://" + host + (port.isEmpty() ? "" : ":" + port) + path + query;
    }
}
