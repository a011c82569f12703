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
        return new RouteDecision.Redirect(
                vh, route, redirect.status(), RedirectLocation.of(redirect, route.match(), request));
    }
}
