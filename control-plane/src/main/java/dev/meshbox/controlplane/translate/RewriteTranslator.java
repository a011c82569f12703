package dev.meshbox.controlplane.translate;

import dev.meshbox.controlplane.config.VirtualService.Rewrite;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatchAndSubstitute;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;

/**
 * {@code rewrite.uri} and {@code rewrite.uriRegexRewrite}, as Istio's {@code applyHTTPRouteDestination}: the URI
 * becomes Envoy's {@code prefix_rewrite} whatever the match kind (Envoy replaces what the route matched: the prefix of
 * a prefix match, the whole path of an exact or regex match, and keeps the query string), the regex rewrite becomes
 * {@code regex_rewrite}. The authority is {@link HostRewrite}'s.
 */
final class RewriteTranslator {

    private RewriteTranslator() {}

    static void apply(Rewrite rewrite, RouteAction.Builder action) {
        if (rewrite.uriRegexRewrite().isPresent()) {
            var regex = rewrite.uriRegexRewrite().get();
            action.setRegexRewrite(RegexMatchAndSubstitute.newBuilder()
                    .setPattern(RegexMatcher.newBuilder().setRegex(regex.match()))
                    .setSubstitution(regex.rewrite()));
        } else {
            rewrite.uri().ifPresent(action::setPrefixRewrite);
        }
    }
}
