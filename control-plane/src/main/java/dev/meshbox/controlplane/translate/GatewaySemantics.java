package dev.meshbox.controlplane.translate;

import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatchAndSubstitute;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;

/**
 * What Istio does differently for routes converted from HTTPRoutes ({@code internal.istio.io/route-semantics:
 * gateway}) once their match is known: replacing a matched prefix with {@code /} strips it with a regex rewrite, so
 * {@code /api/x} becomes {@code /x}, not {@code //x}.
 */
final class GatewaySemantics {

    private static final String META = "\\.+*?()|[]{}^$";

    private GatewaySemantics() {}

    static Route.Builder stripPrefix(Route.Builder r) {
        if (r.hasRoute()
                && r.getRoute().getPrefixRewrite().equals("/")
                && r.getMatch().hasPathSeparatedPrefix()) {
            String prefix = r.getMatch().getPathSeparatedPrefix();
            r.getRouteBuilder()
                    .clearPrefixRewrite()
                    .setRegexRewrite(RegexMatchAndSubstitute.newBuilder()
                            .setPattern(RegexMatcher.newBuilder().setRegex("^" + quoteMeta(prefix) + "(/?)(.*)"))
                            .setSubstitution("/\\2"));
        }
        return r;
    }

    /** As Go's regexp.QuoteMeta, which Istio uses: a backslash before each regex metacharacter. */
    static String quoteMeta(String s) {
        StringBuilder sb = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (META.indexOf(c) >= 0) {
                sb.append('\\');
            }
            sb.append(c);
        }
        return sb.toString();
    }
}
