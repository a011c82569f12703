package dev.meshbox.proxy.route;

import java.util.Objects;

/** One route: a match, an action, the per-route fault filter config if any, and its header mutations. */
public record Route(String name, RouteMatch match, RouteAction action, FaultPolicy fault, HeaderMutations headers) {

    public Route {
        name = name == null ? "" : name;
        Objects.requireNonNull(match, "match");
        Objects.requireNonNull(action, "action");
        headers = headers == null ? HeaderMutations.NONE : headers;
    }

    public Route(String name, RouteMatch match, RouteAction action, FaultPolicy fault) {
        this(name, match, action, fault, HeaderMutations.NONE);
    }

    public static Route of(String name, RouteMatch match, RouteAction action) {
        return new Route(name, match, action, null);
    }
}
