package dev.meshbox.proxy.route;

import java.util.Objects;

/** One route: a match, an action, and the per-route fault filter config if any. */
public record Route(String name, RouteMatch match, RouteAction action, FaultPolicy fault) {

  public Route {
    name = name == null ? "" : name;
    Objects.requireNonNull(match, "match");
    Objects.requireNonNull(action, "action");
  }

  public static Route of(String name, RouteMatch match, RouteAction action) {
    return new Route(name, match, action, null);
  }
}
