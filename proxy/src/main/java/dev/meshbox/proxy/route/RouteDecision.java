package dev.meshbox.proxy.route;

/** The router's answer for one request. */
public sealed interface RouteDecision {

    /** The matched route, or null when none matched. */
    Route route();

    /** No virtual host or no route matched: 404 with flag NR. */
    record NoRoute() implements RouteDecision {
        @Override
        public Route route() {
            return null;
        }
    }

    /** Forward to {@code cluster} (already picked when the route has weighted clusters). */
    record Forward(VirtualHost virtualHost, Route route, RouteAction.Forward action, String cluster)
            implements RouteDecision {}

    record DirectResponse(VirtualHost virtualHost, Route route, int status, String body) implements RouteDecision {}

    record Redirect(VirtualHost virtualHost, Route route, int status, String location) implements RouteDecision {}

    NoRoute NO_ROUTE = new NoRoute();
}
